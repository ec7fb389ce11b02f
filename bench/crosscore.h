/*
 * crosscore.h — what it costs one CPU to rewrite data that another CPU has
 * just read: the pattern of every multi-threaded training step (the batch,
 * the output gradient and the activations are each written by one thread
 * and then read whole by all, and the next step writes them again).
 *
 *   xcore/shared  CPU 0 rewrites a 400 KiB buffer that CPU 1 read since
 *                 (each line must first be taken back from CPU 1)
 *   xcore/local   the same rewrite when only CPU 0 has touched it
 *
 * The time of one rewrite is the figure (counter read_s: CPU 1's read of
 * the buffer CPU 0 just wrote).  16-byte stores (the baseline target's
 * widest), so the local rewrite is bounded by the store rate, not memory.
 * 400 KiB: the output gradient of a 128-sample batch of 784 pixels.
 * Registered only with 2 or more CPUs.
 */
#ifndef AEKIT_BENCH_CROSSCORE_H
#define AEKIT_BENCH_CROSSCORE_H

#include "gbench_shim.h"

void aeb_register_crosscore(const aeb_opts *o);

/* A short xcore/shared measurement (median of `rewrites` ≤ 64 rewrites, in
 * seconds; NaN with fewer than 2 CPUs), for pairing a multi-threaded
 * repetition with the placement it ran under (bench/epoch.c). */
double aeb_xcore_probe(int rewrites);

#endif
