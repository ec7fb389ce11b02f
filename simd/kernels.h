/*
 * kernels.h — the contract between the portable drivers (gemm.c, dispatch.c)
 * and the per-ISA kernel files.  One aek_kernel_set per ISA, filled in by
 * simd/<isa>/set_<isa>.c and chosen once at start-up.
 *
 * Only files under simd/<isa>/ are compiled with ISA flags; everything that
 * includes this header builds for the baseline target.
 */
#ifndef AEKIT_SIMD_KERNELS_H
#define AEKIT_SIMD_KERNELS_H

#include <stddef.h>
#include "../src/aekit.h"

/* ---- GEMM micro-kernel ----------------------------------------------------
 *
 * Computes one MR×NR tile of C from packed panels:
 *
 *   acc = Σ_{p<kc} a[p·MR + i] · b[p·NR + j]        (0 ≤ i < MR, 0 ≤ j < NR)
 *   C[i][j] = alpha·acc + beta·C[i][j]               (beta == 0: C not read)
 *   if bias:      C[i][j] += bias[j]
 *   if act != id: C[i][j]  = act(C[i][j])
 *
 * for i < m_eff, j < n_eff only: rows and columns outside the edge are neither
 * read nor written (a is zero-padded to MR rows, b to NR columns by the
 * packers, so the arithmetic of every element is the same whether it sits in
 * a full tile or an edge tile; that is what makes results independent of the
 * thread partition).  bias is read only for j < n_eff.
 *
 * The driver passes bias/act only on the last k-block and beta = 1 on every
 * k-block but the first, so the epilogue runs once on registers, never as a
 * second pass over C.  kc may be 0 (then acc = 0).
 */
typedef struct {
    float alpha;
    float beta;
    const float *bias; /* NULL: no bias; else this tile's first column */
    aek_act act;
} aek_ukr_epi;

typedef void (*aek_gemm_ukr_fn)(size_t kc, const float *restrict a,
                                const float *restrict b, float *restrict c,
                                size_t ldc, size_t m_eff, size_t n_eff,
                                const aek_ukr_epi *epi);

/* y[i] = f(x[i]) for i < n; y may alias x. */
typedef void (*aek_vmap_fn)(size_t n, const float *x, float *y);

typedef struct aek_kernel_set {
    aek_isa isa;
    const char *name;      /* "scalar", "avx2", "avx512", "neon" */
    const char *gemm_ukr_name;
    size_t mr, nr;         /* register tile of the GEMM micro-kernel */
    aek_gemm_ukr_fn gemm_ukr;

    aek_vmap_fn vexp;
    aek_vmap_fn vsigmoid;
    aek_vmap_fn vtanh;
    aek_vmap_fn vsoftplus;
} aek_kernel_set;

/* The sets compiled into this binary (NULL where not compiled in). */
extern const aek_kernel_set aek_kernels_scalar;
#if defined(__x86_64__) || defined(_M_X64)
extern const aek_kernel_set aek_kernels_avx2;
extern const aek_kernel_set aek_kernels_avx512;
#endif
#if defined(__aarch64__)
extern const aek_kernel_set aek_kernels_neon;
#endif

/* The set in use (initialises lazily). */
const aek_kernel_set *aek_kernels(void);

/* The set for an ISA if it is compiled in and this CPU executes it, else NULL.
 * Tests use it to run every set the machine supports side by side. */
const aek_kernel_set *aek_kernels_for(aek_isa isa);

/* SGEMM with an explicit kernel set (tests and benches compare sets). */
void aek_sgemm_with(const aek_kernel_set *ks, aek_trans ta, aek_trans tb,
                    size_t m, size_t n, size_t k, float alpha, const float *A,
                    size_t lda, const float *B, size_t ldb, float beta,
                    float *C, size_t ldc, const aek_epilogue *ep);

/* Work (in FLOPs) below which an extra thread is not woken (default 1e6).
 * Tests set 0 to force every thread to take part even in tiny products;
 * results never depend on it. */
void aek_set_parallel_threshold(double flops_per_thread);

/* Cache blocking of a set on this CPU (derived from the detected caches). */
typedef struct {
    size_t kc;  /* depth of a k-block: an A micro-panel (MR×kc) fills ~½ L1 */
    size_t nc;  /* columns of a packed B block (kc×nc) sized to ~½ L2        */
    size_t mc;  /* rows of a packed A block (mc×kc) sized to a share of L3   */
} aek_blocking;

aek_blocking aek_blocking_for(const aek_kernel_set *ks);

#endif /* AEKIT_SIMD_KERNELS_H */
