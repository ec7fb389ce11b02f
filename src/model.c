/*
 * model.c — creating an autoencoder: the parameter block and its tensors,
 * the workspace, initialisation, input corruption, and encode/reconstruct
 * for inference.  The loss and its gradient are in model_eval.c.
 */
#define _GNU_SOURCE
#include "model.h"
#include "model_internal.h"
#include "backend.h"
#include "counter_rng.h"
#include "data.h"
#include "bigmem.h"
#include "../simd/threadpool.h"
#include "../simd/error.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALIGN_REALS (64 / sizeof(real)) /* each tensor starts on a 64-byte line */

static size_t round_up(size_t v, size_t q) { return (v + q - 1) / q * q; }

static void *alloc_aligned(size_t n, size_t elem, aek_status *st)
{
    void *p = NULL;
    if (*st != AEK_OK)
        return NULL;
    if (n == 0)
        n = 1;
    if (n > SIZE_MAX / elem / 2) {
        *st = aek_error(AEK_ERR_NOMEM, "model workspace of %zu elements overflows", n);
        return NULL;
    }
    /* on huge pages when large (bigmem.h): a deep AE's parameters and
     * gradients are ~23 MB, so they are first touched in a dozen faults
     * instead of thousands.  Epochs did not change measurably (784-1000-
     * 500-250-30: 1.00 at 1 and 2 threads, interleaved pairs on a quiet
     * machine); a first 1.04 on a busy one was noise. */
    if (!(p = aek_alloc_big(round_up(n * elem, 64), 64))) {
        *st = aek_error(AEK_ERR_NOMEM, "out of memory allocating %zu bytes for the model", n * elem);
        return NULL;
    }
    memset(p, 0, n * elem);
    return p;
}

static void add_tensor(aek_model *M, const char *name, int l, size_t rows, size_t cols,
                       size_t *offset)
{
    aek_tensor *t = &M->tensors[M->ntensors++];
    snprintf(t->name, sizeof t->name, "%s%d", name, l);
    t->rows = rows;
    t->cols = cols;
    t->offset = *offset;
    *offset = round_up(*offset + rows * cols, ALIGN_REALS);
}

/* Glorot/Xavier uniform ±√(6/(fan_in+fan_out)); each tensor draws from its
 * own stream, so changing one layer's size does not reshuffle the others. */
void aek_model_init_params(aek_model *M, uint64_t seed)
{
    memset(M->params, 0, M->nparams * sizeof(real));
    for (size_t t = 0; t < M->ntensors; t++) {
        const aek_tensor *T = &M->tensors[t];
        if (T->rows == 1 && T->name[0] != 'W')
            continue; /* biases start at 0 */
        double r = sqrt(6.0 / (double)(T->rows + T->cols));
        aek_stream st = aek_stream_for(seed, 0x1A17, t, 0);
        real *x = M->params + T->offset;
        for (size_t i = 0; i < T->rows * T->cols; i++)
            x[i] = (real)((2 * aek_stream_uniform(&st) - 1) * r);
    }
}

aek_status aek_model_create(const aek_config *cfg, size_t max_batch, uint64_t seed,
                            aek_model **out)
{
    *out = NULL;
    aek_status st = aek_config_check(cfg);
    if (st != AEK_OK)
        return st;
    if (max_batch < 1 || max_batch > (1u << 24))
        return aek_error(AEK_ERR_ARG, "batch size %zu is not in 1..%u", max_batch, 1u << 24);
    /* Refuse before allocating a model whose parameters, gradients and batch
     * workspace exceed the memory cap (data.h: at most 16 GiB, or AEKIT_MAX_DATA_BYTES):
     * `--hidden 16777216` was killed by the OOM killer while its buffers were
     * cleared (verify/steps/bad_inputs.sh).  An upper estimate, in double. */
    {
        double par = 0, rows = 2.0 * (double)cfg->sizes[0], widest = 0;
        for (int l = 0; l < cfg->n_layers; l++)
            par += (double)cfg->sizes[l] * (double)cfg->sizes[l + 1] * (cfg->tied ? 1 : 2) +
                   (double)cfg->sizes[l] + (double)cfg->sizes[l + 1];
        for (int l = 0; l <= cfg->n_layers; l++) {
            rows += 2.0 * (double)cfg->sizes[l];
            widest = (double)cfg->sizes[l] > widest ? (double)cfg->sizes[l] : widest;
        }
        double bytes = (2 * par + (double)max_batch * (rows + 2 * widest)) * sizeof(real);
        size_t cap = aek_data_memory_cap();
        if (bytes > (double)cap) {
            char need[32], have[32];
            aek_human_bytes(bytes, need, sizeof need);
            aek_human_bytes((double)cap, have, sizeof have);
            return aek_error(AEK_ERR_NOMEM,
                             "the model (%.3g parameters, batches of %zu row%s) needs about %s, "
                             "above the memory cap of %s (AEKIT_MAX_DATA_BYTES)",
                             par, max_batch, max_batch == 1 ? "" : "s", need, have);
        }
    }
    aek_model *M = calloc(1, sizeof *M);
    if (!M)
        return aek_error(AEK_ERR_NOMEM, "out of memory");
    M->cfg = *cfg;
    M->L = cfg->n_layers;
    M->max_batch = max_batch;
    const int L = M->L;
    const size_t *sz = cfg->sizes;

    size_t off = 0;
    for (int l = 0; l < L; l++) {
        add_tensor(M, "W", l, sz[l + 1], sz[l], &off);
        add_tensor(M, "b", l, 1, sz[l + 1], &off);
    }
    for (int l = 0; l < L; l++) {
        if (!cfg->tied)
            add_tensor(M, "Wd", l, sz[l], sz[l + 1], &off);
        add_tensor(M, "c", l, 1, sz[l], &off);
    }
    M->nparams = off;
    M->params = alloc_aligned(off, sizeof(real), &st);
    M->grads = alloc_aligned(off, sizeof(real), &st);
    if (st != AEK_OK) {
        aek_model_free(M);
        return st;
    }
    for (size_t t = 0; t < M->ntensors; t++) {
        const aek_tensor *T = &M->tensors[t];
        int l = T->name[strlen(T->name) - 1] - '0';
        real *p = M->params + T->offset, *g = M->grads + T->offset;
        if (!strncmp(T->name, "Wd", 2)) { M->Wd[l] = p; M->gWd[l] = g; }
        else if (T->name[0] == 'W') { M->W[l] = p; M->gW[l] = g; }
        else if (T->name[0] == 'b') { M->b[l] = p; M->gb[l] = g; }
        else { M->c[l] = p; M->gc[l] = g; }
    }

    size_t m = max_batch, maxw = 0, code = sz[L];
    for (int l = 0; l <= L; l++)
        maxw = sz[l] > maxw ? sz[l] : maxw;
    for (int l = 0; l <= L; l++)
        M->H[l] = alloc_aligned(m * sz[l], sizeof(real), &st);
    for (int l = 1; l < L; l++)
        M->Y[l] = alloc_aligned(m * sz[l], sizeof(real), &st);
    M->Y[0] = alloc_aligned(m * sz[0], sizeof(real), &st);
    M->dA = alloc_aligned(m * maxw, sizeof(real), &st);
    M->dB = alloc_aligned(m * maxw, sizeof(real), &st);
    M->dpart = alloc_aligned(m * maxw, sizeof(real), &st);
    if (cfg->ksparse_k) {
        M->kmask = alloc_aligned(m * code, 1, &st);
        M->kidx = alloc_aligned(code, sizeof(size_t), &st);
    }
    if (cfg->cae_h_gamma > 0) {
        M->xc = alloc_aligned(m * sz[0], sizeof(real), &st);
        M->hc = alloc_aligned(m * code, sizeof(real), &st);
        M->dac = alloc_aligned(m * code, sizeof(real), &st);
    }
    for (size_t i = 0; i < sizeof M->colv / sizeof M->colv[0]; i++)
        M->colv[i] = alloc_aligned(code, sizeof(real), &st);
    M->tmpn = alloc_aligned(maxw, sizeof(real), &st);
    if (st != AEK_OK) {
        aek_model_free(M);
        return st;
    }
    aek_model_init_params(M, seed);
    *out = M;
    return AEK_OK;
}

void aek_model_free(aek_model *M)
{
    if (!M)
        return;
    free(M->params);
    free(M->grads);
    for (int l = 0; l <= AEK_MAX_LAYERS; l++)
        free(M->H[l]);
    for (int l = 0; l < AEK_MAX_LAYERS; l++)
        free(M->Y[l]);
    free(M->dA);
    free(M->dB);
    free(M->dpart);
    free(M->kmask);
    free(M->kidx);
    free(M->xc);
    free(M->hc);
    free(M->dac);
    for (size_t i = 0; i < sizeof M->colv / sizeof M->colv[0]; i++)
        free(M->colv[i]);
    free(M->tmpn);
    free(M);
}

/* X̃: masking noise sets each input to 0 with probability q; Gaussian noise
 * adds σ·N(0,1) (ziggurat normals, counter_rng.h).  Row i draws from stream
 * (seed, epoch, rows[i], stream), so rows can go to any thread: the bits do
 * not depend on the split. */
typedef struct {
    const real *src;
    real *dst;
    size_t m, n;
    const aek_noise_key *key;
    uint64_t stream;  /* 0: the input noise; 1 + c: CAE+H copy c */
    aek_noise kind;
    double level;
} noise_job;

static void noise_rows(void *arg, int t, int T)
{
    const noise_job *J = arg;
    size_t r0 = aek_part_begin(J->m, t, T), r1 = aek_part_begin(J->m, t + 1, T);
    for (size_t i = r0; i < r1; i++) {
        size_t row = J->key && J->key->rows ? J->key->rows[i] : i;
        aek_stream st = aek_stream_for(J->key ? J->key->seed : 0, J->key ? J->key->epoch : 0, row,
                                       J->stream);
        const real *x = J->src + i * J->n;
        real *y = J->dst + i * J->n;
        if (J->kind == AEK_NOISE_MASK) {
            /* uniform_j < q with uniform_j = k_j·2⁻⁵³ (k_j < 2⁵³ an integer)
             * ⟺ k_j < q·2⁵³ (exact in double) ⟺ k_j < ⌈q·2⁵³⌉ */
            double q = J->level;
            uint64_t thresh = q <= 0 ? 0 : q >= 1 ? (uint64_t)1 << 53
                                                  : (uint64_t)ceil(q * 0x1.0p53);
            be_mask_noise(J->n, st.s, thresh, x, y);
        } else {
            for (size_t j = 0; j < J->n; j++)
                y[j] = x[j] + (real)(J->level * aek_stream_normal(&st));
        }
    }
}

void aek_model_noise(const real *src, real *dst, size_t m, size_t n, const aek_noise_key *key,
                     uint64_t stream, aek_noise kind, double level)
{
    noise_job J = {src, dst, m, n, key, stream, kind, level};
    /* a few ns per element: worth a second thread above a few thousand */
    int T = m * n >= 8192 ? aek_num_threads() : 1;
    if ((size_t)T > m)
        T = (int)m;
    aek_parallel_run(T, noise_rows, &J);
}

void aek_model_corrupt(aek_model *M, const real *X, size_t m, const aek_noise_key *key)
{
    const size_t n = M->cfg.sizes[0];
    M->in = M->H[0];
    if (M->cfg.noise == AEK_NOISE_NONE || M->cfg.noise_level == 0) {
        memcpy(M->H[0], X, m * n * sizeof(real));
        return;
    }
    aek_model_noise(X, M->H[0], m, n, key, 0, M->cfg.noise, M->cfg.noise_level);
}

void aek_model_encode(aek_model *M, const real *X, size_t m, real *codes)
{
    size_t keep = 0;
    if (M->cfg.ksparse_k) {
        double ka = floor(M->cfg.ksparse_alpha * (double)M->cfg.ksparse_k);
        size_t code = M->cfg.sizes[M->L];
        keep = ka >= (double)code ? code : (size_t)ka;
    }
    aek_model_forward_clean(M, X, m, keep, codes, NULL);
}

void aek_model_reconstruct(aek_model *M, const real *X, size_t m, real *out)
{
    aek_model_forward_clean(M, X, m, M->cfg.ksparse_k, NULL, out);
}
