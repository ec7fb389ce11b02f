/*
 * npy.c — NumPy .npy reader and writer (format versions 1.0, 2.0, 3.0).
 *
 * Layout: "\x93NUMPY", major, minor, header length (uint16 LE for 1.x,
 * uint32 LE for 2.x/3.x), then a Python dict literal such as
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (60000, 784), }
 * padded with spaces and a newline, then the raw elements.  The dict is
 * parsed strictly: exactly these three keys, each once.
 */
#include "data.h"
#include "fileio.h"
#include "../simd/error.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_NDIM = 3, MAX_HEADER = 1 << 20 };

typedef enum { DT_F4, DT_F8, DT_U1, DT_INT } npy_kind;

typedef struct {
    npy_kind kind;
    int is_signed;       /* DT_INT */
    size_t itemsize;
    char descr[16];
    int fortran;
    int ndim;
    size_t dims[MAX_NDIM];
    size_t count;         /* elements            */
    const uint8_t *data;  /* count · itemsize bytes */
} npy_array;

static void shape_str(char *s, size_t n, const size_t *dims, int ndim)
{
    int k = snprintf(s, n, "(");
    for (int i = 0; i < ndim && k > 0 && (size_t)k < n; i++)
        k += snprintf(s + k, n - (size_t)k, i ? ", %zu" : "%zu", dims[i]);
    if (ndim == 1 && k > 0 && (size_t)k < n)
        k += snprintf(s + k, n - (size_t)k, ",");
    if (k > 0 && (size_t)k < n)
        snprintf(s + k, n - (size_t)k, ")");
}

/* ---- the header dict --------------------------------------------------------- */

typedef struct {
    const char *p, *end;
    const char *path;
} cursor;

static void skip_ws(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static aek_status bad_header(const cursor *c, const char *what)
{
    return aek_error(AEK_ERR_FORMAT, "%s: malformed .npy header: %s", c->path, what);
}

/* A quoted string ('...' or "...") into out (NUL-terminated, truncated to n). */
static aek_status parse_string(cursor *c, char *out, size_t n)
{
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return bad_header(c, "expected a quoted string");
    char q = *c->p++;
    size_t k = 0;
    while (c->p < c->end && *c->p != q) {
        if (k + 1 < n)
            out[k++] = *c->p;
        c->p++;
    }
    if (c->p >= c->end)
        return bad_header(c, "unterminated string");
    c->p++;
    out[k] = 0;
    return AEK_OK;
}

static aek_status parse_shape(cursor *c, npy_array *a)
{
    if (c->p >= c->end || *c->p != '(')
        return bad_header(c, "'shape' is not a tuple");
    c->p++;
    a->ndim = 0;
    for (;;) {
        skip_ws(c);
        if (c->p < c->end && *c->p == ')') {
            c->p++;
            return AEK_OK;
        }
        if (c->p >= c->end || *c->p < '0' || *c->p > '9')
            return bad_header(c, "'shape' holds something other than non-negative integers");
        size_t v = 0;
        while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
            if (__builtin_mul_overflow(v, (size_t)10, &v) ||
                __builtin_add_overflow(v, (size_t)(*c->p - '0'), &v))
                return aek_error(AEK_ERR_FORMAT,
                                 "%s: header has a dimension that overflows size_t: the header is "
                                 "corrupt", c->path);
            c->p++;
        }
        if (c->p < c->end && *c->p == 'L') /* Python 2 long */
            c->p++;
        if (a->ndim == MAX_NDIM)
            return aek_error(AEK_ERR_FORMAT,
                             "%s: array has more than %d dimensions; 1, 2 or 3 are supported",
                             c->path, MAX_NDIM);
        a->dims[a->ndim++] = v;
        skip_ws(c);
        if (c->p < c->end && *c->p == ',')
            c->p++;
        else if (c->p >= c->end || *c->p != ')')
            return bad_header(c, "'shape' tuple is not closed");
    }
}

static aek_status parse_dict(cursor *c, npy_array *a)
{
    int have_descr = 0, have_fortran = 0, have_shape = 0;
    skip_ws(c);
    if (c->p >= c->end || *c->p != '{')
        return bad_header(c, "does not start with '{'");
    c->p++;
    for (;;) {
        skip_ws(c);
        if (c->p < c->end && *c->p == '}') {
            c->p++;
            break;
        }
        char key[32];
        aek_status s = parse_string(c, key, sizeof key);
        if (s != AEK_OK)
            return s;
        skip_ws(c);
        if (c->p >= c->end || *c->p != ':')
            return bad_header(c, "expected ':' after a key");
        c->p++;
        skip_ws(c);
        if (!strcmp(key, "descr")) {
            if (have_descr++)
                return bad_header(c, "'descr' appears twice");
            if (c->p < c->end && (*c->p == '[' || *c->p == '{'))
                return aek_error(AEK_ERR_FORMAT,
                                 "%s: structured dtype (record array) is not supported; save a "
                                 "plain numeric array", c->path);
            s = parse_string(c, a->descr, sizeof a->descr);
        } else if (!strcmp(key, "fortran_order")) {
            if (have_fortran++)
                return bad_header(c, "'fortran_order' appears twice");
            if (c->end - c->p >= 4 && !memcmp(c->p, "True", 4)) {
                a->fortran = 1;
                c->p += 4;
            } else if (c->end - c->p >= 5 && !memcmp(c->p, "False", 5)) {
                a->fortran = 0;
                c->p += 5;
            } else {
                s = bad_header(c, "'fortran_order' is neither True nor False");
            }
        } else if (!strcmp(key, "shape")) {
            if (have_shape++)
                return bad_header(c, "'shape' appears twice");
            s = parse_shape(c, a);
        } else {
            return aek_error(AEK_ERR_FORMAT, "%s: malformed .npy header: unknown key '%s'",
                             c->path, key);
        }
        if (s != AEK_OK)
            return s;
        skip_ws(c);
        if (c->p < c->end && *c->p == ',')
            c->p++;
        else if (c->p >= c->end || *c->p != '}')
            return bad_header(c, "expected ',' or '}' after a value");
    }
    skip_ws(c);
    if (c->p != c->end)
        return bad_header(c, "unexpected text after the dict");
    if (!have_descr || !have_fortran || !have_shape)
        return bad_header(c, "'descr', 'fortran_order' and 'shape' must all be present");
    return AEK_OK;
}

/* A header dict (the len bytes after the preamble) through the reader's
 * own parser: 1 with *a filled, 0 when the reader refuses it.  For learning
 * sizes from a header before the data are read (fileio.c). */
static int declared(const char *dict, size_t len, npy_array *a)
{
    memset(a, 0, sizeof *a);
    cursor c = {dict, dict + len, ""};
    return parse_dict(&c, a) == AEK_OK;
}

int aek_npy_declared_shape(const char *dict, size_t len, size_t *dims, int *ndim)
{
    npy_array a;
    if (!declared(dict, len, &a))
        return 0;
    for (int i = 0; i < a.ndim; i++)
        dims[i] = a.dims[i];
    *ndim = a.ndim;
    return 1;
}

/* shape × the item size that ends 'descr' (e.g. '<f4' → 4) */
int aek_npy_declared_bytes(const char *dict, size_t len, size_t *bytes)
{
    npy_array a;
    if (!declared(dict, len, &a) || strlen(a.descr) < 3)
        return 0;
    char *end;
    long item = strtol(a.descr + 2, &end, 10);
    if (*end || item <= 0)
        return 0;
    size_t count = 1;
    for (int i = 0; i < a.ndim; i++)
        if (__builtin_mul_overflow(count, a.dims[i], &count))
            return 0;
    return !__builtin_mul_overflow(count, (size_t)item, bytes);
}

/* descr → kind; `labels` accepts integer types too. */
static aek_status parse_descr(const char *path, npy_array *a, int labels)
{
    const char *d = a->descr;
    const char *supported = labels ? "integers ('|u1', '<i4', '<i8', ...)"
                                   : "float32 '<f4', float64 '<f8' or uint8 '|u1'";
    size_t n = strlen(d);
    if (n >= 2 && (d[0] == '<' || d[0] == '|' || d[0] == '>' || d[0] == '=')) {
        char order = d[0], type = d[1];
        char *end;
        long size = strtol(d + 2, &end, 10);
        int ok_size = *end == 0 && end != d + 2;
        if (ok_size && order == '>' && size > 1)
            return aek_error(AEK_ERR_FORMAT,
                             "%s: big-endian dtype '%s' is not supported; convert with "
                             "a.astype(a.dtype.newbyteorder('<'))", path, d);
        if (ok_size && (order != '=' || size == 1)) {
            if (!labels && type == 'f' && size == 4) {
                a->kind = DT_F4, a->itemsize = 4;
                return AEK_OK;
            }
            if (!labels && type == 'f' && size == 8) {
                a->kind = DT_F8, a->itemsize = 8;
                return AEK_OK;
            }
            if (!labels && type == 'u' && size == 1) {
                a->kind = DT_U1, a->itemsize = 1;
                return AEK_OK;
            }
            if (labels && (type == 'u' || type == 'i') &&
                (size == 1 || size == 2 || size == 4 || size == 8)) {
                a->kind = DT_INT, a->itemsize = (size_t)size, a->is_signed = type == 'i';
                return AEK_OK;
            }
        }
    }
    return aek_error(AEK_ERR_FORMAT, "%s: dtype '%s' is not supported (%s)", path, d, supported);
}

/* Header, dtype, layout and size checks; a->data points at the elements. */
static aek_status parse_npy(const char *path, const uint8_t *buf, size_t len, int labels,
                            npy_array *a)
{
    memset(a, 0, sizeof *a);
    if (len == 0)
        return aek_error(AEK_ERR_FORMAT, "%s: file is empty", path);
    if (len < 6 || memcmp(buf, "\x93NUMPY", 6) != 0)
        return aek_error(AEK_ERR_FORMAT, "%s: not a .npy file (it does not start with \\x93NUMPY)",
                         path);
    if (len < 10)
        return aek_error(AEK_ERR_FORMAT, "%s: .npy header is truncated (%zu bytes)", path, len);
    unsigned major = buf[6], minor = buf[7];
    size_t start, hlen;
    if (major == 1) {
        hlen = buf[8] | (size_t)buf[9] << 8;
        start = 10;
    } else if (major == 2 || major == 3) {
        if (len < 12)
            return aek_error(AEK_ERR_FORMAT, "%s: .npy header is truncated (%zu bytes)", path, len);
        hlen = buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
        start = 12;
    } else {
        return aek_error(AEK_ERR_FORMAT, "%s: .npy format version %u.%u is not supported (1.0, "
                         "2.0 or 3.0)", path, major, minor);
    }
    if (hlen > MAX_HEADER)
        return aek_error(AEK_ERR_FORMAT, "%s: .npy header length %zu is absurd (corrupt file)",
                         path, hlen);
    if (len - start < hlen)
        return aek_error(AEK_ERR_FORMAT,
                         "%s: .npy header is truncated: it says %zu bytes, the file has %zu after "
                         "the preamble", path, hlen, len - start);
    cursor c = {(const char *)buf + start, (const char *)buf + start + hlen, path};
    aek_status s = parse_dict(&c, a);
    if (s != AEK_OK)
        return s;
    if ((s = parse_descr(path, a, labels)) != AEK_OK)
        return s;

    char shape[128];
    shape_str(shape, sizeof shape, a->dims, a->ndim);
    if (a->ndim == 0)
        return aek_error(AEK_ERR_FORMAT, "%s: a 0-d (scalar) array is not a dataset", path);
    if (a->fortran && a->ndim > 1)
        return aek_error(AEK_ERR_FORMAT,
                         "%s: array of shape %s is in Fortran (column-major) order "
                         "(fortran_order True); only C order is supported: save "
                         "np.ascontiguousarray(a)", path, shape);
    a->count = 1;
    size_t bytes;
    int overflow = 0;
    for (int i = 0; i < a->ndim; i++)
        overflow |= __builtin_mul_overflow(a->count, a->dims[i], &a->count);
    overflow |= __builtin_mul_overflow(a->count, a->itemsize, &bytes);
    if (overflow)
        return aek_error(AEK_ERR_FORMAT,
                         "%s: header says shape %s, whose size overflows: the header is corrupt",
                         path, shape);
    if (a->count == 0)
        return aek_error(AEK_ERR_FORMAT, "%s: header says shape %s: the array is empty", path,
                         shape);
    size_t have = len - start - hlen;
    if (have != bytes)
        return aek_error(AEK_ERR_FORMAT,
                         "%s: header says shape %s but the file holds %zu bytes of data (%s "
                         "needs %zu)", path, shape, have, a->descr, bytes);
    a->data = buf + start + hlen;
    return AEK_OK;
}

/* ---- readers ------------------------------------------------------------------ */

static uint64_t le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static aek_status not_finite(const char *path, size_t i, size_t cols, double v)
{
    return aek_error(AEK_ERR_NUMERIC, "%s: row %zu, column %zu (0-based) is %s", path, i / cols,
                     i % cols, isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");
}

/* Elements → floats, finiteness checked element by element. */
static aek_status convert(const char *path, const npy_array *a, aek_dataset *d)
{
    size_t cols = d->cols;
    float *x = d->x;
    for (size_t i = 0; i < a->count; i++) {
        if (a->kind == DT_U1) {
            x[i] = a->data[i];
        } else if (a->kind == DT_F4) {
            uint32_t bits = le32(a->data + 4 * i);
            float v;
            memcpy(&v, &bits, 4);
            if (!isfinite(v))
                return not_finite(path, i, cols, v);
            x[i] = v;
        } else {
            uint64_t bits = le64(a->data + 8 * i);
            double v;
            memcpy(&v, &bits, 8);
            if (!isfinite(v))
                return not_finite(path, i, cols, v);
            x[i] = (float)v;
            if (!isfinite(x[i]))
                return aek_error(AEK_ERR_NUMERIC,
                                 "%s: row %zu, column %zu (0-based) is %g, outside the float32 "
                                 "range", path, i / cols, i % cols, v);
        }
    }
    return AEK_OK;
}

aek_status aek_parse_npy(const char *path, const unsigned char *buf, size_t len, aek_dataset *out)
{
    memset(out, 0, sizeof *out);
    npy_array a;
    aek_status s = parse_npy(path, buf, len, 0, &a);
    if (s == AEK_OK) {
        s = aek_dataset_alloc(out, a.dims[0], a.count / a.dims[0]);
        if (s != AEK_OK)
            s = aek_error_prefix(s, path);
    }
    if (s == AEK_OK)
        s = convert(path, &a, out);
    if (s == AEK_OK) {
        out->origin = a.kind == DT_U1 ? AEK_ORIGIN_U8 : AEK_ORIGIN_FLOAT;
        if (a.ndim == 3) {
            out->h = a.dims[1];
            out->w = a.dims[2];
        }
    }
    if (s != AEK_OK)
        aek_dataset_free(out);
    return s;
}

aek_status aek_parse_npy_labels(const char *path, const unsigned char *buf, size_t len,
                                uint8_t **labels, size_t *n)
{
    *labels = NULL;
    *n = 0;
    npy_array a;
    aek_status s = parse_npy(path, buf, len, 1, &a);
    if (s == AEK_OK && !(a.ndim == 1 || (a.ndim == 2 && a.dims[1] == 1))) {
        char shape[128];
        shape_str(shape, sizeof shape, a.dims, a.ndim);
        s = aek_error(AEK_ERR_FORMAT, "%s: labels must be a 1-D array, not shape %s", path, shape);
    }
    uint8_t *out = NULL;
    if (s == AEK_OK && !(out = malloc(a.count ? a.count : 1)))
        s = aek_error(AEK_ERR_NOMEM, "%s: cannot allocate %zu labels", path, a.count);
    for (size_t i = 0; s == AEK_OK && i < a.count; i++) {
        const uint8_t *p = a.data + i * a.itemsize;
        uint64_t u = 0;
        for (size_t b = a.itemsize; b-- > 0;)
            u = u << 8 | p[b];
        int negative = a.is_signed && (p[a.itemsize - 1] & 0x80);
        if (negative || u > 255) {
            long long shown = (long long)u;
            if (negative && a.itemsize < 8) /* sign-extend for the message */
                shown = (long long)(u | ~((1ull << (8 * a.itemsize)) - 1));
            s = aek_error(AEK_ERR_FORMAT, "%s: label %zu (0-based) is %lld, outside 0..255", path,
                          i, shown);
            break;
        }
        out[i] = (uint8_t)u;
    }
    if (s != AEK_OK) {
        free(out);
        return s;
    }
    *labels = out;
    *n = a.count;
    return AEK_OK;
}

/* ---- writer --------------------------------------------------------------------- */

typedef struct {
    aek_npy_dtype dtype;
    const void *data;
    int ndim;
    const size_t *shape;
    size_t count;
} npy_write_job;

static aek_status write_npy(FILE *f, const char *path, void *ctx)
{
    const npy_write_job *j = ctx;
    static const char *const DESCR[] = {"<f4", "<f8", "|u1"};
    static const size_t ITEMSIZE[] = {4, 8, 1};
    char shape[128], dict[256];
    shape_str(shape, sizeof shape, j->shape, j->ndim);
    int n = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }",
                     DESCR[j->dtype], shape);
    /* Pad with spaces so that preamble (10) + dict + '\n' is a multiple of 64. */
    size_t total = ((size_t)n + 1 + 10 + 63) / 64 * 64;
    size_t hlen = total - 10;
    uint8_t pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (uint8_t)(hlen & 0xFF),
                       (uint8_t)(hlen >> 8)};
    aek_status s = aek_fwrite_all(f, pre, sizeof pre, path);
    if (s == AEK_OK)
        s = aek_fwrite_all(f, dict, (size_t)n, path);
    for (size_t i = (size_t)n; s == AEK_OK && i < hlen - 1; i++)
        s = aek_fwrite_all(f, " ", 1, path);
    if (s == AEK_OK)
        s = aek_fwrite_all(f, "\n", 1, path);

    /* Elements in little-endian order, through a small staging buffer. */
    size_t item = ITEMSIZE[j->dtype];
    uint8_t stage[8192];
    const uint8_t *src = j->data;
    size_t per = sizeof stage / item;
    for (size_t i = 0; s == AEK_OK && i < j->count; i += per) {
        size_t m = j->count - i < per ? j->count - i : per;
        for (size_t k = 0; k < m; k++) {
            const uint8_t *e = src + (i + k) * item;
            uint64_t v = 0;
            if (item == 4) {
                uint32_t u;
                memcpy(&u, e, 4);
                v = u;
            } else if (item == 8) {
                memcpy(&v, e, 8);
            } else {
                v = e[0];
            }
            for (size_t b = 0; b < item; b++)
                stage[k * item + b] = (uint8_t)(v >> (8 * b));
        }
        s = aek_fwrite_all(f, stage, m * item, path);
    }
    return s;
}

aek_status aek_npy_write(const char *path, aek_npy_dtype dtype, const void *data, int ndim,
                         const size_t *shape)
{
    if ((unsigned)dtype > AEK_NPY_U8)
        return aek_error(AEK_ERR_ARG, "%s: unknown .npy dtype %d", path, (int)dtype);
    if (ndim < 1 || ndim > MAX_NDIM)
        return aek_error(AEK_ERR_ARG, "%s: .npy writer takes 1 to %d dimensions, not %d", path,
                         MAX_NDIM, ndim);
    size_t count = 1;
    for (int i = 0; i < ndim; i++)
        if (__builtin_mul_overflow(count, shape[i], &count))
            return aek_error(AEK_ERR_ARG, "%s: array size overflows", path);
    if (count && !data)
        return aek_error(AEK_ERR_ARG, "%s: no data to write", path);
    npy_write_job j = {dtype, data, ndim, shape, count};
    return aek_file_write_atomic(path, write_npy, &j);
}

aek_status aek_npy_write_f32(const char *path, const float *x, size_t rows, size_t cols)
{
    size_t shape[2] = {rows, cols};
    return aek_npy_write(path, AEK_NPY_F32, x, 2, shape);
}

aek_status aek_npy_write_f32_1d(const char *path, const float *x, size_t n)
{
    return aek_npy_write(path, AEK_NPY_F32, x, 1, &n);
}

aek_status aek_data_save_npy(const char *path, const aek_dataset *d)
{
    if (!d || !d->x)
        return aek_error(AEK_ERR_ARG, "%s: no dataset to save", path);
    if (d->h && d->w && d->h * d->w == d->cols) {
        size_t shape[3] = {d->rows, d->h, d->w};
        return aek_npy_write(path, AEK_NPY_F32, d->x, 3, shape);
    }
    return aek_npy_write_f32(path, d->x, d->rows, d->cols);
}
