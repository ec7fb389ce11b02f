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

/* snprintf that appends to buf (of size len) and never overflows. */
void aeb_append(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
