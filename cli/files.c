/* files.c — checks on a subcommand's input and output files (files.h). */
#define _XOPEN_SOURCE 700 /* realpath */
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    const char *name = slash ? slash + 1 : path;
    if (!*name || stat(dir, &sb) != 0)
        return id; /* a missing directory is reported when the file is written */
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

int cli_check_dir_files(const char *cmd, const cli_file *in, size_t nin, const char *flag,
                        const char *dir, const char *const *names, size_t nnames)
{
    for (size_t i = 0; i < nnames; i++) {
        char path[4096];
        int w = snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (w < 0 || (size_t)w >= sizeof path)
            continue; /* too long to be written either: cli_path says so */
        cli_file o = {flag, path};
        if (cli_check_same_files(cmd, in, nin, &o, 1))
            return 2;
    }
    return 0;
}

static int staged_fail(const char *cmd, cli_staged *s, const char *what, int e)
{
    fprintf(stderr, "aekit %s: --%s %s: %s%s\n", cmd, s->flag, s->path, what, strerror(e));
    cli_staged_discard(s);
    return 1;
}

int cli_staged_open(const char *cmd, const char *flag, const char *path, int keep_old,
                    cli_staged *s)
{
    memset(s, 0, sizeof *s);
    s->flag = flag;
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
        snprintf(s->tmp, sizeof s->tmp, "%s.tmp.%ld.%u", s->target, (long)getpid(), k);
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
