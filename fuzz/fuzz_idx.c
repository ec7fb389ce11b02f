/*
 * fuzz_idx.c — IDX image and label files (src/data_idx.c), plain or gzip'd,
 * through aek_load_idx_images / aek_load_idx_labels on an in-memory file,
 * and the same bytes through aek_load_data, which reads a name without
 * .npy/.csv (this one: /proc/self/fd/N) by its content: .npy, IDX or CSV.
 *
 * Beyond "no crash": a rejected file leaves the dataset empty and names the
 * problem; an accepted one has the shape its bytes can hold, values 0..255
 * and a consistent image shape.
 */
#include "fuzz.h"
#include "../src/data.h"

#include <stdlib.h>
#include <string.h>

FUZZ_TARGET(idx)
{
    fuzz_setup();
    fuzz_input_cap(data, size);
    const char *path = fuzz_file(data, size);

    aek_dataset d;
    if (aek_load_idx_images(path, &d) == AEK_OK) {
        if (!d.x || d.rows == 0 || d.cols == 0 || d.origin != AEK_ORIGIN_U8)
            abort();
        if ((d.h || d.w) && d.h * d.w != d.cols)
            abort();
        if (d.rows * d.cols * sizeof(float) > aek_data_memory_cap())
            abort(); /* more than the cap allowed */
        for (size_t i = 0; i < d.rows * d.cols; i++)
            if (!(d.x[i] >= 0 && d.x[i] <= 255))
                abort();
    } else if (d.x || d.rows || !aek_last_error()[0]) {
        abort(); /* a failure must leave nothing behind and say why */
    }
    aek_dataset_free(&d);

    uint8_t *labels = NULL;
    size_t n = 0;
    if (aek_load_idx_labels(path, &labels, &n) == AEK_OK) {
        if (!labels || n == 0)
            abort();
        free(labels);
    } else if (labels || n || !aek_last_error()[0]) {
        abort();
    }

    if (aek_load_data(path, &d) == AEK_OK) {
        if (!d.x || d.rows == 0 || d.cols == 0)
            abort();
        aek_dataset_free(&d);
    } else if (d.x || d.rows || !aek_last_error()[0]) {
        abort();
    }
    return 0;
}
