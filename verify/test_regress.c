/*
 * test_regress.c — replays the fuzzers' inputs through the fuzz targets
 * (fuzz/fuzz_*.c, the same functions libFuzzer calls), built with the
 * project's compiler and, under SANITIZE=1, with ASan + UBSan.
 *
 *   verify/regress/<target>/<file>   one file per finding of the fuzzers (or
 *                                    of the bad-input work): an input that
 *                                    once crashed, hung or broke an
 *                                    invariant.  One check each.
 *   fuzz/corpus/<target>/            the seed corpus: one check per target.
 *
 * Each input runs in a child process (fork), so a crash is a FAIL line that
 * names the file instead of a dead test binary; a child that runs longer
 * than TIMEOUT_S seconds is killed and counted as a hang.  Run from the
 * repository root (verify/run.sh does).
 */
#define _GNU_SOURCE
#include "check.h"
#include "../fuzz/fuzz.h"

#include <dirent.h>
#include <math.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define TIMEOUT_S 60

typedef int (*target_fn)(const uint8_t *, size_t);

static const struct {
    const char *name;
    target_fn fn;
} TARGETS[] = {
    {"idx", aek_fuzz_idx},     {"npy", aek_fuzz_npy}, {"csv", aek_fuzz_csv},
    {"model", aek_fuzz_model}, {"cli", aek_fuzz_cli}, {"gzip", aek_fuzz_gzip},
};

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The regular files of dir, sorted (NULL-terminated; NULL if no dir). */
static char **list_dir(const char *dir, size_t *count)
{
    *count = 0;
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    size_t cap = 64, n = 0;
    char **names = malloc(cap * sizeof *names);
    if (!names) {
        closedir(d);
        return NULL;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n + 1 >= cap) {
            char **nn = realloc(names, 2 * cap * sizeof *names);
            if (!nn)
                break;
            names = nn;
            cap *= 2;
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    names[n] = NULL;
    *count = n;
    return names;
}

static void free_list(char **names)
{
    for (size_t i = 0; names && names[i]; i++)
        free(names[i]);
    free(names);
}

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        unsigned char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    *len = n;
    return buf;
}

/* Runs fn on the file's bytes in a child.  Returns "" if it returned
 * normally, else what happened (static buffer). */
static const char *replay(target_fn fn, const char *path)
{
    static char what[128];
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(what, sizeof what, "fork failed: %s", strerror(errno));
        return what;
    }
    if (pid == 0) {
        alarm(TIMEOUT_S);
        size_t len = 0;
        unsigned char *data = read_file(path, &len);
        if (!data)
            _exit(3);
        fn(data, len);
        free(data);
        exit(0); /* exit, not _exit: LeakSanitizer checks at exit */
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) {
            snprintf(what, sizeof what, "waitpid failed: %s", strerror(errno));
            return what;
        }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return "";
    if (WIFEXITED(st) && WEXITSTATUS(st) == 3)
        snprintf(what, sizeof what, "cannot read the file");
    else if (WIFEXITED(st))
        snprintf(what, sizeof what, "exit status %d (sanitizer report on stderr)", WEXITSTATUS(st));
    else if (WTERMSIG(st) == SIGALRM)
        snprintf(what, sizeof what, "hang: still running after %d s", TIMEOUT_S);
    else
        snprintf(what, sizeof what, "killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
    return what;
}

int main(void)
{
    size_t total_regress = 0;
    for (size_t t = 0; t < sizeof TARGETS / sizeof TARGETS[0]; t++) {
        const char *tn = TARGETS[t].name;
        char dir[256], path[512], name[160];

        /* every reproducer is its own check */
        snprintf(dir, sizeof dir, "verify/regress/%s", tn);
        size_t n = 0;
        char **files = list_dir(dir, &n);
        for (size_t i = 0; i < n; i++) {
            snprintf(path, sizeof path, "%s/%s", dir, files[i]);
            snprintf(name, sizeof name, "regress %s/%s", tn, files[i]);
            const char *r = replay(TARGETS[t].fn, path);
            chk_verdict(name, r[0] ? 1 : 0, 0, r[0] == 0, "%s", r[0] ? r : "replays without a fault");
        }
        total_regress += n;
        free_list(files);

        /* the seed corpus, one check per target */
        snprintf(dir, sizeof dir, "fuzz/corpus/%s", tn);
        files = list_dir(dir, &n);
        snprintf(name, sizeof name, "fuzz corpus %s: every seed replays without a fault", tn);
        if (!files || n == 0) {
            chk_verdict(name, NAN, 0, 0, "no seeds in %s (run from the repository root)", dir);
            free_list(files);
            continue;
        }
        size_t bad = 0;
        char first[256] = "";
        for (size_t i = 0; i < n; i++) {
            snprintf(path, sizeof path, "%s/%s", dir, files[i]);
            const char *r = replay(TARGETS[t].fn, path);
            if (r[0] && bad++ == 0)
                snprintf(first, sizeof first, "; first: %s: %s", files[i], r);
        }
        chk_verdict(name, (double)bad, 0, bad == 0, "%zu seeds, %zu faults%s", n, bad, first);
        free_list(files);
    }
    printf("# %zu regression inputs under verify/regress/\n", total_regress);
    return chk_finish();
}
