/*
 * peak.h — the machine's multiply-add throughput, measured, per kernel set.
 *
 * Each aeb_peak_<isa>() runs `steps` steps of NACC independent chains
 * acc += x·y on full-width registers of that ISA, touching no memory, and
 * returns the FLOPs it executed (2 per lane per multiply-add).  NACC is well
 * above latency × pipes of current cores (4–5 cycles × 2 pipes), so the loop
 * is throughput-bound.  Each lives in peak_<isa>.c, compiled with that ISA's
 * flags (bench.mk) — and, like the kernels, called only when the CPU can run
 * it.
 *
 * The scalar set is portable C that the compiler is free to vectorise at the
 * baseline target's width, so its ceiling is the baseline 128-bit multiply
 * then add (no FMA: the library builds with -ffp-contract=off).
 */
#ifndef AEKIT_BENCH_PEAK_H
#define AEKIT_BENCH_PEAK_H

#include <stdint.h>

#include "gbench_shim.h"
#include "../simd/kernels.h"

double aeb_peak_scalar(uint64_t steps, float *sink);
#if defined(__x86_64__)
double aeb_peak_avx2(uint64_t steps, float *sink);
double aeb_peak_avx512(uint64_t steps, float *sink);
#endif
#if defined(__aarch64__)
double aeb_peak_neon(uint64_t steps, float *sink);
#endif

/* Register peak/<set>/t<threads> for a kernel set the CPU executes. */
void aeb_register_peak(const aek_kernel_set *ks, int threads, const aeb_opts *o);

#endif
