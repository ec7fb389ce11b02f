/* fileio.c — whole-file reads and atomic writes (fileio.h). */
#define _GNU_SOURCE
#include "fileio.h"
#include "data.h"
#include "inflate.h"
#include "../simd/error.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bytes read before the sniffer has decided: enough for any header it
 * parses (a .npy header is at most 1 MiB) without reading far into junk. */
#define SNIFF_CHUNK ((size_t)1 << 16)

aek_status aek_file_read_sniffed(const char *path, size_t max_bytes, aek_sniff_fn sniff,
                                 unsigned char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return aek_error(AEK_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        int e = errno;
        fclose(f);
        return aek_error(AEK_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        fclose(f);
        return aek_error(AEK_ERR_IO, "%s: is a directory, not a data file", path);
    }
    aek_sniff sn = {.regular = S_ISREG(st.st_mode), .done = !sniff, .limit = SIZE_MAX};
    /* Regular files: allocate the known size once.  Pipes and devices: grow. */
    size_t cap = 1 << 16;
    if (sn.regular) {
        if ((unsigned long long)st.st_size > max_bytes) {
            fclose(f);
            return aek_error(AEK_ERR_NOMEM,
                             "%s: file is %lld bytes, above the memory cap of %zu bytes", path,
                             (long long)st.st_size, max_bytes);
        }
        cap = (size_t)st.st_size + 1;
    }
    unsigned char *buf = malloc(cap);
    if (!buf) {
        fclose(f);
        return aek_error(AEK_ERR_NOMEM, "%s: cannot allocate %zu bytes to read it", path, cap);
    }
    size_t n = 0;
    aek_status s = AEK_OK;
    for (;;) {
        /* A regular file's size bounds it already; the parser names a
         * mismatch with its header more precisely than a limit could. */
        size_t stop = sn.regular ? SIZE_MAX : sn.limit;
        if (n >= stop) {
            unsigned char probe;
            if (sn.strict && (n > stop || fread(&probe, 1, 1, f) == 1))
                s = aek_error(AEK_ERR_FORMAT, "%s: the file continues past the %zu bytes its header "
                              "declares", path, stop);
            break;
        }
        if (n + 1 >= cap) { /* keep one byte for the NUL */
            /* Full: probe one byte before growing, so a regular file read to
             * its stat size is never reallocated (a 200 MB copy otherwise). */
            unsigned char probe;
            if (fread(&probe, 1, 1, f) == 0)
                break;
            if (cap > max_bytes) {
                s = aek_error(AEK_ERR_NOMEM, "%s: more than the memory cap of %zu bytes", path,
                              max_bytes);
                break;
            }
            size_t ncap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
            if (stop != SIZE_MAX && ncap > stop + 1)
                ncap = stop + 1; /* n < stop here, so this still grows */
            unsigned char *nb = realloc(buf, ncap);
            if (!nb) {
                s = aek_error(AEK_ERR_NOMEM, "%s: cannot allocate %zu bytes to read it", path,
                              ncap);
                break;
            }
            buf = nb;
            cap = ncap;
            buf[n++] = probe;
            continue;
        }
        size_t want = cap - 1 - n;
        if (!sn.done && want > SNIFF_CHUNK)
            want = SNIFF_CHUNK;
        if (want > stop - n)
            want = stop - n;
        size_t got = fread(buf + n, 1, want, f);
        n += got;
        if (got == 0)
            break;
        if (!sn.done && (s = sniff(path, buf, n, &sn)) != AEK_OK)
            break;
        if (!sn.regular && sn.limit != SIZE_MAX && sn.limit > max_bytes) {
            s = aek_error(AEK_ERR_NOMEM, "%s: header declares %zu bytes, above the memory cap of "
                          "%zu bytes", path, sn.limit, max_bytes);
            break;
        }
    }
    if (s == AEK_OK && ferror(f))
        s = aek_error(AEK_ERR_IO, "%s: read error: %s", path, strerror(errno));
    fclose(f);
    if (s == AEK_OK && n > max_bytes)
        s = aek_error(AEK_ERR_NOMEM, "%s: more than the memory cap of %zu bytes", path,
                      max_bytes);
    if (s != AEK_OK) {
        free(buf);
        return s;
    }
    buf[n] = 0;
    *data = buf;
    *len = n;
    return AEK_OK;
}

aek_status aek_file_read_all(const char *path, size_t max_bytes, unsigned char **data,
                             size_t *len)
{
    return aek_file_read_sniffed(path, max_bytes, NULL, data, len);
}

/* ---- recognising data formats in a stream ------------------------------------ */

enum { SN_START, SN_NPY, SN_IDX, SN_TEXT };

/* The size of one element of IDX type t (0 for an unknown type). */
static size_t idx_item(unsigned char t)
{
    switch (t) {
    case 0x08: case 0x09: return 1;
    case 0x0B: return 2;
    case 0x0C: case 0x0D: return 4;
    case 0x0E: return 8;
    default: return 0;
    }
}

/* A byte that can start a CSV file: printable, white space or UTF-8. */
static int text_byte(unsigned char c)
{
    return (c >= 0x20 && c != 0x7f) || c == '\t' || c == '\n' || c == '\r';
}

/* IDX: dimension i, a big-endian uint32 after the 4-byte magic. */
static size_t idx_dim(const unsigned char *b, size_t i)
{
    const unsigned char *d = b + 4 + 4 * i;
    return (size_t)d[0] << 24 | (size_t)d[1] << 16 | (size_t)d[2] << 8 | d[3];
}

/* .npy: where the header dict starts (10 in version 1, 12 after) and, in
 * *hlen, its length; 0 while the n bytes do not hold the preamble. */
static size_t npy_dict_start(const unsigned char *b, size_t n, size_t *hlen)
{
    size_t start = n > 6 && b[6] == 1 ? 10 : 12;
    if (n < start)
        return 0;
    *hlen = b[8] | (size_t)b[9] << 8;
    if (start == 12)
        *hlen |= (size_t)b[10] << 16 | (size_t)b[11] << 24;
    return start;
}

/* Data files: a pipe or device has no size to check against the cap, so its
 * format is told from the first bytes and, for IDX and .npy, its length
 * from the header; /dev/zero (all zero bytes) is none of the formats. */
static aek_status data_sniff(const char *path, const unsigned char *b, size_t n, aek_sniff *sn)
{
    if (sn->regular) { /* its size is known and capped: the parsers judge it */
        sn->done = 1;
        return AEK_OK;
    }
    if (sn->state == SN_START) {
        if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b) {
            sn->done = 1; /* gzip: bounded by the cap on the decompressed size */
            return AEK_OK;
        }
        if (n >= 6 && memcmp(b, "\x93NUMPY", 6) == 0)
            sn->state = SN_NPY;
        else if (n >= 4 && b[0] == 0 && b[1] == 0 && idx_item(b[2]))
            sn->state = SN_IDX;
        else if (n >= 6 && text_byte(b[0]) && text_byte(b[1]) && text_byte(b[2]) &&
                 text_byte(b[3]))
            sn->state = SN_TEXT;
        else if (n < 6) {
            sn->done = 1; /* too short for a header: the parser says what is wrong */
            return AEK_OK;
        } else
            return aek_error(AEK_ERR_FORMAT, "%s: not a data file: it starts with bytes %02x %02x "
                             "%02x %02x, none of gzip (1f 8b), IDX (00 00 08 ..), .npy (93 NUMPY) "
                             "or CSV text", path, b[0], b[1], b[2], b[3]);
    }
    if (sn->state == SN_IDX) {
        size_t header = 4 + 4 * (size_t)b[3], count = 1, bytes;
        if (n < header)
            return AEK_OK; /* wait for the dimensions */
        int ok = b[3] >= 1;
        for (size_t i = 0; i < b[3]; i++)
            ok &= !__builtin_mul_overflow(count, idx_dim(b, i), &count);
        ok &= !__builtin_mul_overflow(count, idx_item(b[2]), &bytes) && bytes <= SIZE_MAX - header;
        /* a header the parser refuses anyway: read no data after it */
        sn->limit = ok ? header + bytes : header;
        sn->strict = ok;
        sn->done = 1;
    } else if (sn->state == SN_NPY) {
        size_t hlen, bytes, start = npy_dict_start(b, n, &hlen);
        if (!start)
            return AEK_OK;
        if (hlen > ((size_t)1 << 20)) { /* above the parser's header limit */
            sn->limit = start;
            sn->done = 1;
        } else if (n >= start + hlen) {
            int ok = aek_npy_declared_bytes((const char *)b + start, hlen, &bytes) &&
                     bytes <= SIZE_MAX - start - hlen;
            sn->limit = ok ? start + hlen + bytes : start + hlen;
            sn->strict = ok;
            sn->done = 1;
        }
    } else { /* text: a NUL byte means binary data, e.g. `cat a.csv /dev/zero` */
        const unsigned char *z = memchr(b + sn->scanned, 0, n - sn->scanned);
        if (z)
            return aek_error(AEK_ERR_FORMAT, "%s: byte %zu is NUL: binary data, not CSV text",
                             path, (size_t)(z - b));
        sn->scanned = n;
    }
    return AEK_OK;
}

/* The size of the IDX or .npy data inside a gzip file, as their header
 * declares it (read from the first 64 KiB decompressed); SIZE_MAX when it
 * is not known there: CSV text, a longer .npy header, a header the parser
 * refuses anyway, a stream the whole-file pass will find damaged. */
static size_t gzip_declared_bytes(const char *path, const unsigned char *raw, size_t n)
{
    uint8_t *head;
    size_t got;
    if (aek_gunzip_head(path, raw, n, (size_t)1 << 16, &head, &got) != AEK_OK)
        return SIZE_MAX; /* aek_gunzip says what is wrong with it */
    aek_sniff sn = {.limit = SIZE_MAX};
    size_t declared = SIZE_MAX;
    if (got > 0 && data_sniff(path, head, got, &sn) == AEK_OK && sn.done && sn.strict)
        declared = sn.limit;
    free(head);
    return declared;
}

/* The product of dims[1..nd-1]: SIZE_MAX when it overflows. */
static size_t trailing_product(const size_t *dims, size_t nd)
{
    size_t p = 1;
    for (size_t i = 1; i < nd; i++)
        if (__builtin_mul_overflow(p, dims[i], &p))
            return SIZE_MAX;
    return p;
}

size_t aek_data_declared_columns(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return 0; /* a pipe's bytes belong to the one read that follows */
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    enum { HEAD = 1 << 16 };
    uint8_t *raw = malloc(HEAD), *head = NULL;
    size_t n = raw ? fread(raw, 1, HEAD, f) : 0, dims[32], nd = 0;
    fclose(f);
    const uint8_t *b = raw;
    if (aek_is_gzip(raw, n))
        b = aek_gunzip_head(path, raw, n, HEAD, &head, &n) == AEK_OK ? head : NULL;
    if (b && n >= 4 && b[0] == 0 && b[1] == 0 && idx_item(b[2]) && b[3] >= 1 &&
        n >= 4 + 4 * (size_t)b[3]) {
        for (nd = 0; nd < b[3]; nd++)
            dims[nd] = idx_dim(b, nd);
    } else if (b && n >= 6 && memcmp(b, "\x93NUMPY", 6) == 0) {
        size_t hlen = 0, start = npy_dict_start(b, n, &hlen);
        int ndim = 0;
        if (start && hlen <= n - start &&
            aek_npy_declared_shape((const char *)b + start, hlen, dims, &ndim))
            nd = (size_t)ndim;
    }
    size_t cols = nd >= 1 ? trailing_product(dims, nd) : 0;
    free(raw);
    free(head);
    return cols;
}

aek_status aek_file_read_data(const char *path, size_t max_bytes, unsigned char **data,
                              size_t *len, int *was_gzip)
{
    if (was_gzip)
        *was_gzip = 0;
    unsigned char *raw;
    size_t n;
    aek_status s = aek_file_read_sniffed(path, max_bytes, data_sniff, &raw, &n);
    if (s != AEK_OK || !aek_is_gzip(raw, n)) {
        *data = raw;
        *len = n;
        return s;
    }
    /* One byte below the cap keeps room for the terminating NUL.  Data
     * whose header declares less are held to that: a stream that goes on
     * (a damaged file, or a "gzip bomb" behind a small header) is refused
     * when it passes the header's size, not after filling the cap. */
    uint8_t *out;
    size_t out_len;
    const size_t cap = max_bytes > 0 ? max_bytes - 1 : 0;
    const size_t declared = gzip_declared_bytes(path, raw, n);
    if (declared < cap)
        s = aek_gunzip_declared(path, raw, n, declared, &out, &out_len);
    else
        s = aek_gunzip(path, raw, n, cap, &out, &out_len, NULL);
    free(raw);
    *data = NULL;
    *len = 0;
    if (s != AEK_OK)
        return s;
    uint8_t *t = realloc(out, out_len + 1);
    if (!t) {
        free(out);
        return aek_error(AEK_ERR_NOMEM, "%s: out of memory after decompressing", path);
    }
    t[out_len] = 0;
    *data = t;
    *len = out_len;
    if (was_gzip)
        *was_gzip = 1;
    return AEK_OK;
}

aek_status aek_error_prefix(aek_status s, const char *prefix)
{
    char msg[512];
    snprintf(msg, sizeof msg, "%s", aek_last_error());
    return aek_error(s, "%s: %s", prefix, msg);
}

aek_status aek_fwrite_all(FILE *f, const void *data, size_t n, const char *path)
{
    if (n == 0)
        return AEK_OK;
    errno = 0;
    if (fwrite(data, 1, n, f) != n)
        return aek_error(AEK_ERR_IO, "%s: cannot write: %s", path,
                         errno ? strerror(errno) : "short write");
    return AEK_OK;
}

/* Flush, fsync (regular files only) and close; the first failure wins. */
static aek_status finish_stream(FILE *f, const char *shown, int sync)
{
    aek_status s = AEK_OK;
    int e = 0;
    if (fflush(f) != 0 || ferror(f)) {
        e = errno;
        s = aek_error(AEK_ERR_IO, "%s: cannot write: %s", shown, e ? strerror(e) : "stream error");
    } else if (sync && fsync(fileno(f)) != 0) {
        e = errno;
        s = aek_error(AEK_ERR_IO, "%s: cannot sync to disk: %s", shown, strerror(e));
    }
    if (fclose(f) != 0 && s == AEK_OK)
        s = aek_error(AEK_ERR_IO, "%s: cannot close: %s", shown, strerror(errno));
    return s;
}

/* A target that exists and is not a regular file: write in place. */
static aek_status write_in_place(const char *path, aek_write_fn emit, void *ctx)
{
    int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0)
        return aek_error(AEK_ERR_IO, "%s: cannot open for writing: %s", path, strerror(errno));
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        int e = errno;
        close(fd);
        return aek_error(AEK_ERR_IO, "%s: cannot open for writing: %s", path, strerror(e));
    }
    aek_status s = emit(f, path, ctx);
    if (s != AEK_OK) {
        fclose(f);
        return s;
    }
    return finish_stream(f, path, 0);
}

/* Best effort: make the rename itself durable. */
static void sync_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX];
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else if ((size_t)(slash - path) < sizeof dir)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    else
        return;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

static atomic_uint tmp_counter;

void aek_temp_path(char *buf, size_t len, const char *target, unsigned n)
{
    const char *slash = strrchr(target, '/');
    const size_t dirlen = slash ? (size_t)(slash - target) + 1 : 0;
    if (strlen(target) - dirlen + 32 > 255)
        snprintf(buf, len, "%.*s.aek.tmp.%ld.%u", (int)dirlen, target, (long)getpid(), n);
    else
        snprintf(buf, len, "%s.tmp.%ld.%u", target, (long)getpid(), n);
}

aek_status aek_file_write_atomic(const char *path, aek_write_fn emit, void *ctx)
{
    if (!path || !*path)
        return aek_error(AEK_ERR_ARG, "output path is empty");
    struct stat st;
    int exists = stat(path, &st) == 0; /* follows links: what the path names */
    if (exists && S_ISDIR(st.st_mode))
        return aek_error(AEK_ERR_IO, "%s: is a directory", path);
    if (exists && !S_ISREG(st.st_mode))
        return write_in_place(path, emit, ctx);

    /* Replace the file a symbolic link points to, not the link. */
    char resolved[PATH_MAX];
    const char *target = path;
    struct stat lst;
    if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode) && exists && realpath(path, resolved))
        target = resolved;

    size_t tlen = strlen(target);
    char *tmp = malloc(tlen + 64);
    if (!tmp)
        return aek_error(AEK_ERR_NOMEM, "%s: cannot allocate a temporary name", path);
    int fd = -1;
    for (int attempt = 0; attempt < 100 && fd < 0; attempt++) {
        aek_temp_path(tmp, tlen + 64, target, atomic_fetch_add(&tmp_counter, 1u));
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        aek_status s = aek_error(AEK_ERR_IO, "%s: cannot create a file in its directory: %s",
                                 path, strerror(errno));
        free(tmp);
        return s;
    }
    if (exists)
        (void)fchmod(fd, st.st_mode & 07777); /* a replaced file keeps its mode */
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        aek_status s = aek_error(AEK_ERR_IO, "%s: cannot open for writing: %s", path,
                                 strerror(errno));
        close(fd);
        unlink(tmp);
        free(tmp);
        return s;
    }
    aek_status s = emit(f, path, ctx);
    if (s != AEK_OK)
        fclose(f);
    else
        s = finish_stream(f, path, 1);
    if (s == AEK_OK && rename(tmp, target) != 0)
        s = aek_error(AEK_ERR_IO, "%s: cannot rename the finished temporary file over it: %s",
                      path, strerror(errno));
    if (s != AEK_OK)
        unlink(tmp);
    else
        sync_parent_dir(target);
    free(tmp);
    return s;
}

typedef struct {
    const void *data;
    size_t len;
} bytes_ctx;

static aek_status write_bytes(FILE *f, const char *path, void *ctx)
{
    const bytes_ctx *b = ctx;
    return aek_fwrite_all(f, b->data, b->len, path);
}

aek_status aek_file_write_bytes(const char *path, const void *data, size_t len)
{
    bytes_ctx b = {data, len};
    return aek_file_write_atomic(path, write_bytes, &b);
}
