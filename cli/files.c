/* files.c — checks on a subcommand's input and output files (files.h). */
#define _POSIX_C_SOURCE 200809L
#include "files.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

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
