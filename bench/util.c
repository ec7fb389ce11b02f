/* util.c — see util.h. */
#define _POSIX_C_SOURCE 200809L
#include "util.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

float *aeb_alloc(size_t n)
{
    size_t bytes = (n * sizeof(float) + 63) & ~(size_t)63;
    float *p = aligned_alloc(64, bytes ? bytes : 64);
    if (!p) {
        fprintf(stderr, "bench: out of memory (%zu bytes)\n", bytes);
        exit(1);
    }
    return p;
}

void aeb_fill(float *x, size_t n, uint64_t seed)
{
    uint64_t s = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; i++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        x[i] = (float)((double)(s >> 40) / (double)(1ull << 23) - 1.0);
    }
}

double aeb_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double aeb_median(double *v, int n)
{
    if (n <= 0)
        return 0;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

void aeb_append(char *buf, size_t len, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 1 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
}

int aeb_cpu_sample_now(aeb_cpu_sample *s)
{
    const double tick = (double)sysconf(_SC_CLK_TCK);
    unsigned long long v[8] = {0}, ut = 0, st = 0;
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return 0;
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (n < 8)
        return 0;
    char buf[1024];
    f = fopen("/proc/self/stat", "r");
    if (!f)
        return 0;
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = '\0';
    const char *p = strrchr(buf, ')'); /* the command name may contain spaces */
    long long cut = 0, cst = 0;
    if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %lld %lld", &ut,
                     &st, &cut, &cst) != 4)
        return 0;
    s->wall = aeb_now();
    s->busy = (double)(v[0] + v[1] + v[2] + v[5] + v[6]) / tick; /* user nice system irq softirq */
    s->steal = (double)v[7] / tick;
    /* this process and its children once reaped (the PyTorch peer: its own
     * CPU time is the bench's work, not another tenant's load) */
    s->self = (double)(ut + st + (unsigned long long)(cut + cst)) / tick;
    return 1;
}

double aeb_other_cpus(const aeb_cpu_sample *a, const aeb_cpu_sample *b)
{
    double dt = b->wall - a->wall;
    if (dt <= 0)
        return 0;
    double other = (b->busy - a->busy - (b->self - a->self)) / dt;
    return other > 0 ? other : 0;
}

/* Seconds on a CPU of all threads of a process (/proc/.../task/<tid>/schedstat:
 * its first field is nanoseconds run); -1 without schedstat. */
static double task_cpu_s(const char *proc)
{
    char path[96];
    snprintf(path, sizeof path, "%s/task", proc);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    double s = 0;
    int found = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char f[160];
        snprintf(f, sizeof f, "%s/task/%.32s/schedstat", proc, e->d_name);
        FILE *fp = fopen(f, "r");
        unsigned long long ns = 0;
        if (fp) {
            if (fscanf(fp, "%llu", &ns) == 1) {
                s += (double)ns * 1e-9;
                found = 1;
            }
            fclose(fp);
        }
    }
    closedir(d);
    return found ? s : -1;
}

double aeb_settle(int pid, double max_s)
{
    /* something that never stops (a peer's threads spinning for good)
     * would cost max_s per call: after 3 waits in a row that ran out, say
     * so once and stop waiting */
    static int ran_out, warned;
    if (ran_out >= 3) {
        if (!warned++)
            fprintf(stderr, "bench: warning: peer threads kept running for %g s three times in a "
                    "row; no longer waiting for them (the timings may share CPUs with them)\n",
                    max_s);
        return -1;
    }
    char proc[32];
    if (pid > 0)
        snprintf(proc, sizeof proc, "/proc/%d", pid);
    else
        snprintf(proc, sizeof proc, "/proc/self");
    const double t0 = aeb_now();
    double before = task_cpu_s(proc);
    if (before < 0)
        return -1;
    for (;;) {
        const struct timespec step = {0, 10 * 1000 * 1000};
        nanosleep(&step, NULL);
        const double now = task_cpu_s(proc);
        if (now < 0)
            return -1;
        if (now - before < 1e-3) {
            ran_out = 0;
            return aeb_now() - t0;
        }
        if (aeb_now() - t0 > max_s) {
            ran_out++;
            return -1;
        }
        before = now;
    }
}
