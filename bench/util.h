/* util.h — small helpers shared by the bench files. */
#ifndef AEKIT_BENCH_UTIL_H
#define AEKIT_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* 64-byte aligned floats; exits with a message when memory runs out. */
float *aeb_alloc(size_t n);

/* Uniform values in [-1, 1) from a fixed seed: every side of a comparison
 * multiplies the same numbers. */
void aeb_fill(float *x, size_t n, uint64_t seed);

/* Monotonic wall-clock seconds. */
double aeb_now(void);

/* Median of n values (sorts v in place). */
double aeb_median(double *v, int n);

/* CPU time of the whole machine and of this process (all its threads, plus
 * its children once reaped: the PyTorch peer), to tell how much other
 * processes took while something ran: a shared machine is noisy, and the
 * report says how noisy it was. */
typedef struct {
    double wall;
    double busy, steal, self; /* seconds of CPU time */
} aeb_cpu_sample;

/* 0 if /proc is not readable (then no load figures are reported). */
int aeb_cpu_sample_now(aeb_cpu_sample *s);

/* CPUs kept busy on average by other processes between two samples (the
 * kernel's tick makes this coarse: ±1 tick per CPU over the interval). */
double aeb_other_cpus(const aeb_cpu_sample *a, const aeb_cpu_sample *b);

/* Waits (in 10 ms steps, at most max_s seconds) until the threads of
 * process pid (0: this process) have run for under 1 ms in the last step,
 * and returns the seconds waited, or -1 if they were still running at
 * max_s or /proc has no schedstat.  A peer's worker threads keep spinning
 * after a call (OpenBLAS's ~0.13 s on this machine), on the CPUs the next
 * side's timed run needs: each side is timed on a quiet machine.  After
 * three waits in a row that ran out, it warns once and stops waiting. */
double aeb_settle(int pid, double max_s);

/* snprintf that appends to buf (of size len) and never overflows. */
void aeb_append(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
