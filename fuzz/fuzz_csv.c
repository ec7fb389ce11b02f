/*
 * fuzz_csv.c — numeric CSV (src/data_csv.c), plain or gzip'd, through
 * aek_load_csv with each header mode, on an in-memory file; then the
 * preprocessing a model stores (src/preproc.c) on whatever was accepted.
 *
 * Beyond "no crash":
 *   - a rejected file leaves nothing behind and names the problem;
 *   - accepted data are finite, every row the same width;
 *   - preprocessing (min-max, centering, standardizing) of finite data is
 *     either refused with a message or finite — never silent NaN/Inf;
 *   - re-applying the fitted preprocessing to a copy of the same data (what
 *     `aekit eval` does with a model's stored preprocessing) gives exactly
 *     the bits training saw.
 */
#include "fuzz.h"
#include "../src/data.h"
#include "../src/preproc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int copy_dataset(const aek_dataset *src, aek_dataset *dst)
{
    if (aek_dataset_alloc(dst, src->rows, src->cols) != AEK_OK)
        return 0;
    memcpy(dst->x, src->x, src->rows * src->cols * sizeof(float));
    dst->origin = src->origin;
    return 1;
}

static void check_preproc(const aek_dataset *orig, aek_scale_ask scale, int center, int stdz)
{
    aek_dataset a, b;
    if (!copy_dataset(orig, &a))
        return;
    if (!copy_dataset(orig, &b)) {
        aek_dataset_free(&a);
        return;
    }
    aek_preproc p;
    if (aek_preproc_fit(&a, scale, center, stdz, &p) == AEK_OK) {
        size_t n = a.rows * a.cols;
        for (size_t i = 0; i < n; i++)
            if (!isfinite(a.x[i]))
                abort(); /* finite data in, non-finite out, no error: silent garbage */
        if (aek_preproc_apply(&p, &b) != AEK_OK)
            abort(); /* the model's own preprocessing refused its training data */
        if (memcmp(a.x, b.x, n * sizeof(float)) != 0)
            abort(); /* eval would not see what training saw */
        aek_preproc_free(&p);
    } else if (!aek_last_error()[0]) {
        abort();
    }
    aek_dataset_free(&a);
    aek_dataset_free(&b);
}

FUZZ_TARGET(csv)
{
    fuzz_setup();
    fuzz_input_cap(data, size);
    const char *path = fuzz_file(data, size);
    static const aek_csv_header modes[] = {AEK_CSV_HEADER_AUTO, AEK_CSV_NO_HEADER, AEK_CSV_HEADER};
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        aek_dataset d;
        if (aek_load_csv(path, modes[m], &d) != AEK_OK) {
            if (d.x || d.rows || !aek_last_error()[0])
                abort();
            continue;
        }
        if (!d.x || d.rows == 0 || d.cols == 0)
            abort();
        if (d.rows * d.cols * sizeof(float) > aek_data_memory_cap())
            abort(); /* more than the cap allowed */
        for (size_t i = 0; i < d.rows * d.cols; i++)
            if (!isfinite(d.x[i]))
                abort();
        if (m == 0) {
            check_preproc(&d, AEK_SCALE_ASK_MINMAX, 0, 0);
            check_preproc(&d, AEK_SCALE_ASK_NONE, 1, 0);
            check_preproc(&d, AEK_SCALE_ASK_MINMAX, 0, 1);
        }
        aek_dataset_free(&d);
    }
    return 0;
}
