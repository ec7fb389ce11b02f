/*
 * fuzz_npy.c — NumPy .npy files (src/npy.c), plain or gzip'd, through
 * aek_load_npy and aek_load_npy_labels on an in-memory file.
 *
 * Beyond "no crash": a rejected file leaves nothing behind and names the
 * problem; accepted data are finite (NaN/Inf must be refused, naming row
 * and column) with a consistent shape.
 */
#include "fuzz.h"
#include "../src/data.h"

#include <math.h>
#include <stdlib.h>

FUZZ_TARGET(npy)
{
    fuzz_setup();
    fuzz_input_cap(data, size);
    const char *path = fuzz_file(data, size);

    aek_dataset d;
    if (aek_load_npy(path, &d) == AEK_OK) {
        if (!d.x || d.rows == 0 || d.cols == 0)
            abort();
        if ((d.h || d.w) && d.h * d.w != d.cols)
            abort();
        if (d.rows * d.cols * sizeof(float) > aek_data_memory_cap())
            abort(); /* more than the cap allowed */
        for (size_t i = 0; i < d.rows * d.cols; i++)
            if (!isfinite(d.x[i]))
                abort();
    } else if (d.x || d.rows || !aek_last_error()[0]) {
        abort();
    }
    aek_dataset_free(&d);

    uint8_t *labels = NULL;
    size_t n = 0;
    if (aek_load_npy_labels(path, &labels, &n) == AEK_OK) {
        if (!labels || n == 0)
            abort();
        free(labels);
    } else if (labels || n || !aek_last_error()[0]) {
        abort();
    }
    return 0;
}
