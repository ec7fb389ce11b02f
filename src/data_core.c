/* data_core.c — the dataset type, the memory cap, finiteness checks, and the
 * reader chosen by file name or, for other names, by content (data.h). */
#include "data.h"
#include "../simd/error.h"
#include "bigmem.h"
#include "fileio.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_CAP ((size_t)16 << 30)

static atomic_size_t memory_cap; /* 0 = not read from the environment yet */

/* 16 GiB, or half the physical memory if that is less: a data set held
 * twice while it loads (the file's bytes and the floats) then still fits,
 * and an absurd header, a gzip bomb or a device read to the cap ends with a
 * message instead of the kernel's OOM killer (before: 16 GiB on any
 * machine, so an 8 GiB one could be killed). */
static size_t default_cap(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    if (pages <= 0 || page <= 0)
        return DEFAULT_CAP;
    unsigned long long half = (unsigned long long)pages * (unsigned long long)page / 2;
    return half < DEFAULT_CAP ? (size_t)half : DEFAULT_CAP;
}

size_t aek_data_memory_cap(void)
{
    size_t cap = atomic_load(&memory_cap);
    if (cap)
        return cap;
    cap = default_cap();
    const char *env = getenv("AEKIT_MAX_DATA_BYTES");
    if (env && *env) {
        char *end;
        unsigned long long v = strtoull(env, &end, 10);
        if (*end == 0 && v > 0 && v <= SIZE_MAX)
            cap = (size_t)v;
    }
    size_t expected = 0;
    atomic_compare_exchange_strong(&memory_cap, &expected, cap);
    return atomic_load(&memory_cap);
}

void aek_data_set_memory_cap(size_t bytes) { atomic_store(&memory_cap, bytes ? bytes : default_cap()); }

float *aek_alloc_floats(size_t n)
{
    if (n == 0 || n > SIZE_MAX / sizeof(float) - 64)
        return NULL;
    return aek_alloc_big(n * sizeof(float), 64);
}

aek_status aek_dataset_alloc(aek_dataset *d, size_t rows, size_t cols)
{
    memset(d, 0, sizeof *d);
    if (rows == 0 || cols == 0)
        return aek_error(AEK_ERR_ARG, "dataset of %zu x %zu: rows and columns must be >= 1", rows,
                         cols);
    size_t n, bytes;
    if (__builtin_mul_overflow(rows, cols, &n) || __builtin_mul_overflow(n, sizeof(float), &bytes))
        return aek_error(AEK_ERR_NOMEM, "dataset of %zu x %zu floats: size overflows", rows, cols);
    size_t cap = aek_data_memory_cap();
    if (bytes > cap)
        return aek_error(AEK_ERR_NOMEM,
                         "dataset of %zu x %zu floats needs %zu bytes, above the memory cap of "
                         "%zu bytes (AEKIT_MAX_DATA_BYTES)", rows, cols, bytes, cap);
    d->x = aek_alloc_floats(n);
    if (!d->x)
        return aek_error(AEK_ERR_NOMEM, "cannot allocate %zu bytes for a %zu x %zu dataset", bytes,
                         rows, cols);
    memset(d->x, 0, bytes);
    d->rows = rows;
    d->cols = cols;
    return AEK_OK;
}

void aek_dataset_free(aek_dataset *d)
{
    if (!d)
        return;
    free(d->x);
    free(d->labels);
    free(d->mean);
    free(d->std);
    memset(d, 0, sizeof *d);
}

aek_status aek_data_check_finite(const char *name, const float *x, size_t rows, size_t cols)
{
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            float v = x[i * cols + j];
            if (!isfinite(v))
                return aek_error(AEK_ERR_NUMERIC, "%s: row %zu, column %zu (0-based) is %s", name,
                                 i, j, isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");
        }
    return AEK_OK;
}

/* 1 if name ends with suffix (ASCII case-insensitive). */
static int ends_with(const char *name, size_t len, const char *suffix)
{
    size_t n = strlen(suffix);
    if (len < n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[len - n + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != suffix[i])
            return 0;
    }
    return 1;
}

static int is_npy(const unsigned char *b, size_t n) { return n >= 6 && !memcmp(b, "\x93NUMPY", 6); }

/* CSV text: no NUL byte anywhere (IDX starts with two) and no control byte
 * other than tab, CR or LF among the first four.  Other binary data goes to
 * the IDX reader, whose message names its magic bytes. */
static int is_text(const unsigned char *b, size_t n)
{
    if (n == 0 || memchr(b, 0, n))
        return 0;
    for (size_t i = 0; i < n && i < 4; i++)
        if (b[i] < 0x20 && b[i] != '\t' && b[i] != '\n' && b[i] != '\r')
            return 0;
    return 1;
}

aek_status aek_load_data(const char *path, aek_dataset *out)
{
    memset(out, 0, sizeof *out);
    if (!path || !*path)
        return aek_error(AEK_ERR_ARG, "no data file name given");
    size_t len = strlen(path);
    if (ends_with(path, len, ".gz"))
        len -= 3;
    if (ends_with(path, len, ".npy"))
        return aek_load_npy(path, out);
    if (ends_with(path, len, ".csv"))
        return aek_load_csv(path, AEK_CSV_HEADER_AUTO, out);
    unsigned char *buf;
    size_t n;
    aek_status s = aek_file_read_data(path, aek_data_memory_cap(), &buf, &n, NULL);
    if (s != AEK_OK)
        return s;
    if (is_npy(buf, n))
        s = aek_parse_npy(path, buf, n, out);
    else if (is_text(buf, n))
        s = aek_parse_csv(path, AEK_CSV_HEADER_AUTO, buf, n, out);
    else
        s = aek_parse_idx_images(path, buf, n, out);
    free(buf);
    return s;
}

aek_status aek_data_attach_labels(aek_dataset *d, const char *path)
{
    if (!d || !d->x)
        return aek_error(AEK_ERR_ARG, "%s: no dataset to attach labels to", path);
    size_t len = strlen(path);
    if (ends_with(path, len, ".gz"))
        len -= 3;
    uint8_t *labels;
    size_t n;
    aek_status s;
    if (ends_with(path, len, ".npy")) {
        s = aek_load_npy_labels(path, &labels, &n);
    } else {
        unsigned char *buf;
        size_t blen;
        if ((s = aek_file_read_data(path, aek_data_memory_cap(), &buf, &blen, NULL)) != AEK_OK)
            return s;
        s = is_npy(buf, blen) ? aek_parse_npy_labels(path, buf, blen, &labels, &n)
                              : aek_parse_idx_labels(path, buf, blen, &labels, &n);
        free(buf);
    }
    if (s != AEK_OK)
        return s;
    if (n != d->rows) {
        free(labels);
        return aek_error(AEK_ERR_SHAPE, "%s: %zu labels for a dataset of %zu rows", path, n,
                         d->rows);
    }
    free(d->labels);
    d->labels = labels;
    return AEK_OK;
}
