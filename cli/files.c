/* files.c — checks on a subcommand's input and output files (files.h). */
#define _XOPEN_SOURCE 700 /* realpath */
#include "files.h"
#include "model_io.h"
#include "../src/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The directory a file (or directory) of `path` goes into, into dir[len].
 * Trailing slashes name the same thing ("pca/" is the directory pca of
 * ".", not a file in a directory "pca"). */
static void parent_dir(const char *path, char *dir, size_t len)
{
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/')
        n--;
    const char *slash = NULL;
    for (size_t i = 0; i < n; i++)
        if (path[i] == '/')
            slash = path + i;
    if (!slash)
        snprintf(dir, len, ".");
    else if (slash == path)
        snprintf(dir, len, "/");
    else
        snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

int cli_check_output(const char *cmd, const char *flag_name, const char *path)
{
    struct stat sb;
    if (!path)
        return 0;
    if (stat(path, &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) {
            fprintf(stderr, "aekit %s: --%s %s is a directory\n", cmd, flag_name, path);
            return 1;
        }
        if (!S_ISREG(sb.st_mode))
            return 0; /* a device: written in place, its errors reported then */
    }
    /* a name the file system cannot hold fails only when the file is
     * written: for train's checkpoint (OUT.ckpt), after the first epoch */
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    if (strlen(base) > NAME_MAX) {
        fprintf(stderr, "aekit %s: --%s %s: the file name has %zu bytes, more than the %d a file "
                        "name may have\n", cmd, flag_name, path, strlen(base), NAME_MAX);
        return 1;
    }
    char dir[4096];
    parent_dir(path, dir, sizeof dir);
    if (access(dir, W_OK | X_OK) != 0) {
        fprintf(stderr, "aekit %s: --%s %s: cannot create files in %s: %s\n", cmd, flag_name, path,
                dir, strerror(errno));
        return 1;
    }
    return 0;
}

/* A directory the command writes into: an existing writable directory, or
 * one it can create (cli_ensure_dir makes one level). */
static int check_out_dir(const char *cmd, const char *flag_name, const char *dir)
{
    struct stat sb;
    if (stat(dir, &sb) == 0) {
        if (!S_ISDIR(sb.st_mode)) {
            fprintf(stderr, "aekit %s: --%s %s exists and is not a directory\n", cmd, flag_name,
                    dir);
            return 1;
        }
        if (access(dir, W_OK | X_OK) != 0) {
            fprintf(stderr, "aekit %s: --%s %s: cannot create files in it: %s\n", cmd, flag_name,
                    dir, strerror(errno));
            return 1;
        }
        return 0;
    }
    int e = errno;
    if (e == ENOENT) {
        char parent[4096];
        parent_dir(dir, parent, sizeof parent);
        if (access(parent, W_OK | X_OK) == 0)
            return 0;
        e = errno;
    }
    fprintf(stderr, "aekit %s: --%s %s: cannot create the directory: %s\n", cmd, flag_name, dir,
            strerror(e));
    return 1;
}

/* What a path names, as far as a clash is concerned: an existing regular
 * file (its device and inode), or a file not yet there (its directory's
 * device and inode, and its name). */
typedef struct {
    int kind; /* 0: nothing to compare, 1: existing file, 2: file to be created */
    dev_t dev;
    ino_t ino;
    const char *name; /* kind 2: the last component of the path */
} file_id;

static file_id identify(const char *path)
{
    file_id id = {0, 0, 0, NULL};
    struct stat sb;
    if (!path)
        return id;
    if (stat(path, &sb) == 0) {
        /* devices and FIFOs are written in place (src/fileio.h): writing
         * /dev/null twice destroys nothing */
        if (S_ISREG(sb.st_mode)) {
            id.kind = 1;
            id.dev = sb.st_dev;
            id.ino = sb.st_ino;
        }
        return id;
    }
    if (errno != ENOENT)
        return id;
    char dir[4096];
    parent_dir(path, dir, sizeof dir);
    const char *slash = strrchr(path, '/');
    const char *name = slash ? slash + 1 : path;
    if (!*name || stat(dir, &sb) != 0)
        return id; /* a missing directory: cli_check_output's to report */
    id.kind = 2;
    id.dev = sb.st_dev;
    id.ino = sb.st_ino;
    id.name = name;
    return id;
}

static int same(file_id a, file_id b)
{
    return a.kind && a.kind == b.kind && a.dev == b.dev && a.ino == b.ino &&
           (a.kind == 1 || !strcmp(a.name, b.name));
}

int cli_check_same_files(const char *cmd, const cli_file *in, size_t nin, const cli_file *out,
                         size_t nout)
{
    for (size_t o = 0; o < nout; o++) {
        file_id a = identify(out[o].path);
        if (!a.kind)
            continue;
        for (size_t i = 0; i < nin; i++)
            if (same(a, identify(in[i].path))) {
                fprintf(stderr, "aekit %s: --%s %s is the same file as --%s %s: writing it would "
                        "destroy the input\n", cmd, out[o].flag, out[o].path, in[i].flag,
                        in[i].path);
                return 2;
            }
        for (size_t p = 0; p < o; p++)
            if (same(a, identify(out[p].path))) {
                fprintf(stderr, "aekit %s: --%s %s and --%s %s are the same file: each output "
                        "needs its own path\n", cmd, out[p].flag, out[p].path, out[o].flag,
                        out[o].path);
                return 2;
            }
    }
    return 0;
}

int cli_check_dir_files(const char *cmd, const cli_file *in, size_t nin, const char *flag_name,
                        const char *dir, const char *const *names, size_t nnames)
{
    if (check_out_dir(cmd, flag_name, dir))
        return 1;
    for (size_t i = 0; i < nnames; i++) {
        char path[4096];
        struct stat sb;
        int w = snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (w < 0 || (size_t)w >= sizeof path) {
            fprintf(stderr, "aekit %s: path %s/%s is too long\n", cmd, dir, names[i]);
            return 1;
        }
        if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            fprintf(stderr, "aekit %s: --%s %s: %s is a directory\n", cmd, flag_name, dir, path);
            return 1;
        }
        cli_file o = {flag_name, path};
        if (cli_check_same_files(cmd, in, nin, &o, 1))
            return 2;
    }
    return 0;
}

/* Links the regular file path resolves to aside (<file>.aekit-old.<pid>.<k>)
 * and remembers both; a file system without hard links keeps nothing. */
static int keep_old(const char *cmd, cli_outset *s, const char *path)
{
    char resolved[PATH_MAX];
    if (!realpath(path, resolved))
        return 0;
    for (size_t i = 0; i < s->nk; i++)
        if (!strcmp(s->kept[i].path, resolved))
            return 0; /* already kept */
    if (s->nk == s->capk) {
        size_t c = s->capk * 2 + 8;
        cli_kept *k = realloc(s->kept, c * sizeof *k);
        if (!k)
            goto oom;
        s->kept = k;
        s->capk = c;
    }
    size_t len = strlen(resolved) + 64;
    char *kept = strdup(resolved), *link_name = malloc(len);
    if (!kept || !link_name) {
        free(kept);
        free(link_name);
        goto oom;
    }
    for (unsigned k = 0; k < 100; k++) {
        snprintf(link_name, len, "%s.aekit-old.%ld.%u", resolved, (long)getpid(), k);
        if (link(resolved, link_name) == 0) {
            s->kept[s->nk++] = (cli_kept){kept, link_name};
            return 0;
        }
        if (errno != EEXIST)
            break;
    }
    free(kept);
    free(link_name);
    return 0;
oom:
    fprintf(stderr, "aekit %s: out of memory\n", cmd);
    return 1;
}

int cli_outset_add(const char *cmd, cli_outset *s, const char *path)
{
    struct stat sb;
    if (stat(path, &sb) == 0)
        return S_ISREG(sb.st_mode) ? keep_old(cmd, s, path) : 0;
    if (errno != ENOENT)
        return 0; /* not ours to remove */
    if (s->n == s->cap) {
        size_t cap = s->cap * 2 + 8;
        char **c = realloc(s->created, cap * sizeof *c);
        if (!c)
            goto oom;
        s->created = c;
        s->cap = cap;
    }
    if (!(s->created[s->n] = strdup(path)))
        goto oom;
    s->n++;
    return 0;
oom:
    fprintf(stderr, "aekit %s: out of memory\n", cmd);
    return 1;
}

int cli_outset_path(const char *cmd, cli_outset *s, char *buf, size_t len, const char *dir,
                    const char *name)
{
    return cli_path(cmd, buf, len, dir, name) || cli_outset_add(cmd, s, buf);
}

int cli_outset_mkdir(const char *cmd, cli_outset *s, const char *dir)
{
    struct stat sb;
    int existed = stat(dir, &sb) == 0;
    if (cli_ensure_dir(cmd, dir))
        return 1;
    if (!existed && !(s->dir = strdup(dir))) {
        fprintf(stderr, "aekit %s: out of memory\n", cmd);
        return 1;
    }
    return 0;
}

void cli_outset_end(cli_outset *s, int failed)
{
    for (size_t i = 0; i < s->n; i++) {
        if (failed)
            unlink(s->created[i]);
        free(s->created[i]);
    }
    if (failed && s->dir)
        rmdir(s->dir); /* only if empty: nothing of the user's goes */
    for (size_t i = 0; i < s->nk; i++) {
        /* rename between two links of one file (the command failed before
         * replacing it) succeeds and does nothing: the unlink removes the
         * link then, and finds nothing after a rename that moved it */
        if (failed)
            (void)rename(s->kept[i].link, s->kept[i].path);
        unlink(s->kept[i].link);
        free(s->kept[i].link);
        free(s->kept[i].path);
    }
    free(s->created);
    free(s->dir);
    free(s->kept);
    memset(s, 0, sizeof *s);
}

static int staged_fail(const char *cmd, cli_staged *s, const char *what, int e)
{
    fprintf(stderr, "aekit %s: --%s %s: %s%s\n", cmd, s->flag, s->path, what, strerror(e));
    cli_staged_discard(s);
    return 1;
}

int cli_staged_open(const char *cmd, const char *flag_name, const char *path, int keep_old,
                    cli_staged *s)
{
    memset(s, 0, sizeof *s);
    s->flag = flag_name;
    s->path = path;
    struct stat st;
    int exists = stat(path, &st) == 0;
    if (exists && S_ISDIR(st.st_mode))
        return staged_fail(cmd, s, "", EISDIR);
    if (exists && !S_ISREG(st.st_mode)) {
        if (!(s->f = fopen(path, keep_old ? "a" : "w")))
            return staged_fail(cmd, s, "", errno);
        return 0;
    }
    char resolved[PATH_MAX];
    const char *target = exists && realpath(path, resolved) ? resolved : path;
    int w = snprintf(s->target, sizeof s->target, "%s", target);
    if (w < 0 || (size_t)w >= sizeof s->target)
        return staged_fail(cmd, s, "", ENAMETOOLONG);
    /* the pid keeps two runs writing the same history apart */
    int fd = -1;
    for (unsigned k = 0; k < 100 && fd < 0; k++) {
        aek_temp_path(s->tmp, sizeof s->tmp, s->target, k);
        fd = open(s->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        s->tmp[0] = '\0'; /* not ours to remove */
        return staged_fail(cmd, s, "", errno);
    }
    if (exists)
        (void)fchmod(fd, st.st_mode & 07777); /* a replaced file keeps its mode */
    if (!(s->f = fdopen(fd, "w"))) {
        int e = errno;
        close(fd);
        return staged_fail(cmd, s, "", e);
    }
    if (keep_old && exists) {
        FILE *old = fopen(path, "rb");
        if (!old)
            return staged_fail(cmd, s, "cannot read it to append: ", errno);
        char buf[65536];
        size_t n;
        while ((n = fread(buf, 1, sizeof buf, old)) > 0)
            if (fwrite(buf, 1, n, s->f) != n)
                break;
        int e = ferror(old) ? (errno ? errno : EIO) : ferror(s->f) ? (errno ? errno : EIO) : 0;
        fclose(old);
        if (e)
            return staged_fail(cmd, s, "cannot copy its content to append: ", e);
    }
    return 0;
}

int cli_staged_commit(const char *cmd, cli_staged *s)
{
    if (!s->f)
        return 0;
    FILE *f = s->f;
    s->f = NULL;
    int e = 0;
    errno = 0;
    if (fflush(f) != 0 || ferror(f))
        e = errno ? errno : EIO;
    else if (s->tmp[0] && fsync(fileno(f)) != 0)
        e = errno;
    if (fclose(f) != 0 && !e)
        e = errno;
    if (!e && s->tmp[0] && rename(s->tmp, s->target) != 0)
        e = errno;
    if (e)
        return staged_fail(cmd, s, "cannot write: ", e);
    s->tmp[0] = '\0';
    return 0;
}

void cli_staged_discard(cli_staged *s)
{
    if (s->f)
        fclose(s->f);
    s->f = NULL;
    if (s->tmp[0])
        unlink(s->tmp);
    s->tmp[0] = '\0';
}
