/* fileio.c — whole-file reads and atomic writes (fileio.h). */
#define _GNU_SOURCE
#include "fileio.h"
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

aek_status aek_file_read_all(const char *path, size_t max_bytes, unsigned char **data,
                             size_t *len)
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
    /* Regular files: allocate the known size once.  Pipes and devices: grow. */
    size_t cap = 1 << 16;
    if (S_ISREG(st.st_mode)) {
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
    for (;;) {
        if (n + 1 >= cap) { /* keep one byte for the NUL */
            /* Full: probe one byte before growing, so a regular file read to
             * its stat size is never reallocated (a 200 MB copy otherwise). */
            unsigned char probe;
            if (fread(&probe, 1, 1, f) == 0)
                break;
            if (cap > max_bytes) {
                free(buf);
                fclose(f);
                return aek_error(AEK_ERR_NOMEM, "%s: more than the memory cap of %zu bytes",
                                 path, max_bytes);
            }
            size_t ncap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
            unsigned char *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                fclose(f);
                return aek_error(AEK_ERR_NOMEM, "%s: cannot allocate %zu bytes to read it", path,
                                 ncap);
            }
            buf = nb;
            cap = ncap;
            buf[n++] = probe;
            continue;
        }
        size_t got = fread(buf + n, 1, cap - 1 - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        int e = errno;
        free(buf);
        fclose(f);
        return aek_error(AEK_ERR_IO, "%s: read error: %s", path, strerror(e));
    }
    fclose(f);
    if (n > max_bytes) {
        free(buf);
        return aek_error(AEK_ERR_NOMEM, "%s: more than the memory cap of %zu bytes", path,
                         max_bytes);
    }
    buf[n] = 0;
    *data = buf;
    *len = n;
    return AEK_OK;
}

aek_status aek_file_read_data(const char *path, size_t max_bytes, unsigned char **data,
                              size_t *len, int *was_gzip)
{
    if (was_gzip)
        *was_gzip = 0;
    unsigned char *raw;
    size_t n;
    aek_status s = aek_file_read_all(path, max_bytes, &raw, &n);
    if (s != AEK_OK || !aek_is_gzip(raw, n)) {
        *data = raw;
        *len = n;
        return s;
    }
    /* One byte below the cap keeps room for the terminating NUL. */
    uint8_t *out;
    size_t out_len;
    s = aek_gunzip(path, raw, n, max_bytes > 0 ? max_bytes - 1 : 0, &out, &out_len, NULL);
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
        snprintf(tmp, tlen + 64, "%s.tmp.%ld.%u", target, (long)getpid(),
                 atomic_fetch_add(&tmp_counter, 1u));
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
