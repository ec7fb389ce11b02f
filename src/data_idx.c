/*
 * data_idx.c — IDX files (the MNIST / Fashion-MNIST layout), plain or gzip.
 *
 * Layout: two zero bytes, an element-type byte (0x08 = unsigned byte, the
 * only type accepted), a dimension-count byte, then one big-endian uint32
 * per dimension, then the elements, row-major, and nothing after them.
 */
#include "data.h"
#include "fileio.h"
#include "../simd/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int ndim;
    size_t dims[3];
    size_t count;         /* product of dims */
    const uint8_t *data;  /* count bytes     */
} idx_array;

static size_t be32(const uint8_t *p)
{
    return (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
}

static void shape_str(char *s, size_t n, const idx_array *a)
{
    int k = snprintf(s, n, "(");
    for (int i = 0; i < a->ndim && k > 0 && (size_t)k < n; i++)
        k += snprintf(s + k, n - (size_t)k, i ? ", %zu" : "%zu", a->dims[i]);
    if (k > 0 && (size_t)k < n)
        snprintf(s + k, n - (size_t)k, ")");
}

/* Parses the header and checks the data size; ndim must be in [min_ndim, max_ndim]. */
static aek_status parse_idx(const char *path, const uint8_t *buf, size_t len, int min_ndim,
                            int max_ndim, idx_array *a)
{
    const char *what = max_ndim == 1 ? "an IDX label file" : "an IDX image file";
    if (len == 0)
        return aek_error(AEK_ERR_FORMAT, "%s: file is empty", path);
    if (len < 4)
        return aek_error(AEK_ERR_FORMAT, "%s: %zu bytes are too short for an IDX header", path,
                         len);
    if (buf[0] != 0 || buf[1] != 0)
        return aek_error(AEK_ERR_FORMAT,
                         "%s: not %s: magic bytes %02x %02x %02x %02x, expected 00 00 08 0%d",
                         path, what, buf[0], buf[1], buf[2], buf[3], max_ndim);
    if (buf[2] != 0x08)
        return aek_error(AEK_ERR_FORMAT,
                         "%s: IDX element type 0x%02x is not supported (only unsigned byte, 0x08)",
                         path, buf[2]);
    a->ndim = buf[3];
    if (a->ndim < min_ndim || a->ndim > max_ndim) {
        if (max_ndim == 1 && a->ndim >= 2)
            return aek_error(AEK_ERR_FORMAT,
                             "%s: magic 0x0000080%d is an image file, not labels (0x00000801)",
                             path, a->ndim);
        if (min_ndim >= 2 && a->ndim == 1)
            return aek_error(AEK_ERR_FORMAT,
                             "%s: magic 0x00000801 is a label file, not images (0x00000803)", path);
        return aek_error(AEK_ERR_FORMAT, "%s: IDX file has %d dimensions; %s needs %d to %d", path,
                         a->ndim, what, min_ndim, max_ndim);
    }
    size_t header = 4 + 4 * (size_t)a->ndim;
    if (len < header)
        return aek_error(AEK_ERR_FORMAT,
                         "%s: IDX header is truncated: %zu bytes, the header needs %zu", path, len,
                         header);
    a->count = 1;
    int overflow = 0;
    for (int i = 0; i < a->ndim; i++) {
        a->dims[i] = be32(buf + 4 + 4 * i);
        overflow |= __builtin_mul_overflow(a->count, a->dims[i], &a->count);
    }
    char shape[96];
    shape_str(shape, sizeof shape, a);
    if (overflow)
        return aek_error(AEK_ERR_FORMAT,
                         "%s: header says shape %s, whose size overflows: the header is corrupt",
                         path, shape);
    for (int i = 0; i < a->ndim; i++)
        if (a->dims[i] == 0)
            return aek_error(AEK_ERR_FORMAT, "%s: header says shape %s: no data (a zero dimension)",
                             path, shape);
    if (len - header != a->count)
        return aek_error(AEK_ERR_FORMAT,
                         "%s: header says shape %s (%zu bytes of data) but the file holds %zu bytes "
                         "of data", path, shape, a->count, len - header);
    a->data = buf + header;
    return AEK_OK;
}

aek_status aek_parse_idx_images(const char *path, const unsigned char *buf, size_t len,
                                aek_dataset *out)
{
    memset(out, 0, sizeof *out);
    idx_array a;
    aek_status s = parse_idx(path, buf, len, 2, 3, &a);
    if (s == AEK_OK) {
        size_t cols = a.count / a.dims[0];
        s = aek_dataset_alloc(out, a.dims[0], cols);
        if (s != AEK_OK)
            s = aek_error_prefix(s, path);
    }
    if (s == AEK_OK) {
        for (size_t i = 0; i < a.count; i++)
            out->x[i] = a.data[i];
        out->origin = AEK_ORIGIN_U8;
        if (a.ndim == 3) {
            out->h = a.dims[1];
            out->w = a.dims[2];
        }
    }
    if (s != AEK_OK)
        aek_dataset_free(out);
    return s;
}

aek_status aek_parse_idx_labels(const char *path, const unsigned char *buf, size_t len,
                                uint8_t **labels, size_t *n)
{
    *labels = NULL;
    *n = 0;
    idx_array a;
    aek_status s = parse_idx(path, buf, len, 1, 1, &a);
    if (s != AEK_OK)
        return s;
    uint8_t *out = malloc(a.count ? a.count : 1);
    if (!out)
        return aek_error(AEK_ERR_NOMEM, "%s: cannot allocate %zu labels", path, a.count);
    memcpy(out, a.data, a.count);
    *labels = out;
    *n = a.count;
    return AEK_OK;
}
