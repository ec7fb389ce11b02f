/*
 * fuzz_model.c — model and checkpoint files (src/checkpoint.c) through
 * aek_model_load on an in-memory file, then the loaded model at work.
 *
 * Input: one mode byte, then the file.  The file carries a length field and
 * a CRC-32, which random mutations almost never satisfy, so by default
 * (mode bit 0 set) the harness rewrites both to match, letting the fuzzer
 * reach every field behind them; with bit 0 clear the bytes are loaded as
 * they are (the length and checksum checks themselves).  Bit 1 asks for the
 * checkpoint's own batch size (what `aekit train --resume` does) instead of
 * one row.
 *
 * Beyond "no crash": a rejected file leaves no model and names the problem;
 * an accepted model has a valid configuration and finite parameters, and a
 * forward and backward pass over one row, its stored preprocessing, encode
 * and reconstruct all run (under the sanitizers) without fault.
 */
#include "fuzz.h"
#include "../src/checkpoint.h"
#include "../src/inflate.h"
#include "../src/preproc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HEADER 24u

/* Exercise an accepted model on one row: preprocessing, loss + gradient,
 * encode, reconstruct.  Skipped for layers too wide to be quick. */
static void run_model(aek_model *M, aek_preproc *prep)
{
    const aek_config *c = &M->cfg;
    size_t n = c->sizes[0], code = c->sizes[c->n_layers];
    for (int l = 0; l <= c->n_layers; l++)
        if (c->sizes[l] > 512)
            return;
    aek_dataset d;
    if (aek_dataset_alloc(&d, 1, n) != AEK_OK)
        return;
    for (size_t j = 0; j < n; j++)
        d.x[j] = (float)(j % 7) / 7.0f;
    if (prep->scale == AEK_SCALE_U8) {
        d.origin = AEK_ORIGIN_U8;
        for (size_t j = 0; j < n; j++)
            d.x[j] = (float)(j % 256);
    }
    if (aek_preproc_apply(prep, &d) != AEK_OK && !aek_last_error()[0])
        abort();
    float *codes = aek_alloc_floats(code), *rec = aek_alloc_floats(n);
    if (codes && rec) {
        aek_model_eval(M, d.x, 1, NULL, 1);
        aek_model_encode(M, d.x, 1, codes);
        aek_model_reconstruct(M, d.x, 1, rec);
    }
    free(codes);
    free(rec);
    aek_dataset_free(&d);
}

FUZZ_TARGET(model)
{
    fuzz_setup();
    if (size < 1)
        return 0;
    unsigned mode = data[0];
    data++, size--;
    uint8_t *buf = malloc(size ? size : 1);
    if (!buf)
        return 0;
    memcpy(buf, data, size);
    if ((mode & 1u) && size >= HEADER + 4) {
        uint64_t payload = size - HEADER - 4;
        for (int i = 0; i < 8; i++)
            buf[16 + i] = (uint8_t)(payload >> (8 * i));
        uint32_t crc = aek_crc32(0, buf, size - 4);
        for (int i = 0; i < 4; i++)
            buf[size - 4 + (size_t)i] = (uint8_t)(crc >> (8 * i));
    }
    const char *path = fuzz_file(buf, size);
    free(buf);

    aek_model *M = NULL;
    aek_preproc prep;
    aek_train_state st;
    int has_state = 0;
    aek_status s = aek_model_load(path, (mode & 2u) ? 0 : 1, &M, &prep, &st, &has_state);
    if (s != AEK_OK) {
        if (getenv("FUZZ_DEBUG"))
            fprintf(stderr, "M %p has_state %d: %s\n", (void *)M, has_state, aek_last_error());
        if (M || has_state || !aek_last_error()[0])
            abort();
        return 0;
    }
    if (!M || aek_config_check(&M->cfg) != AEK_OK)
        abort();
    for (size_t i = 0; i < M->nparams; i++)
        if (!isfinite(M->params[i]))
            abort();
    if (has_state && (st.batch < 1 || st.epoch < 0 || st.epoch > st.epochs))
        abort();
    run_model(M, &prep);
    aek_model_free(M);
    aek_preproc_free(&prep);
    if (has_state)
        aek_train_state_free(&st);
    return 0;
}
