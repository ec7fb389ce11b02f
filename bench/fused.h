/*
 * fused.h — the fused GEMM epilogue against GEMM + a separate pass:
 *
 *   fused     aek_sgemm_with(ks, N, T, ..., &{bias, sigmoid})
 *   separate  aek_sgemm_with(ks, N, T, ..., NULL), then every row of C:
 *             ks->axpy(bias) and ks->vsigmoid (the set's own vector math),
 *             rows split over the same threads as the GEMM
 *
 * on the autoencoder's forward products (batch × out × in, C = X·Wᵀ).
 * epi/<m>x<n>x<k>/t<threads>/<set>/<fused|separate>.
 */
#ifndef AEKIT_BENCH_FUSED_H
#define AEKIT_BENCH_FUSED_H

#include "gbench_shim.h"
#include "sgemm.h"

void aeb_register_fused(const aek_kernel_set *ks, aeb_shape s, int threads, const aeb_opts *o);

#endif
