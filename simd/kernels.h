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
#include <stdint.h>
#include "../src/aekit.h"

/* ---- GEMM micro-kernel ----------------------------------------------------
 *
 * Computes one MR×NR tile of C from a packed A micro-panel and B rows ldb
 * floats apart:
 *
 *   acc = Σ_{p<kc} a[p·MR + i] · b[p·ldb + j]       (0 ≤ i < MR, 0 ≤ j < NR)
 *   if row_c:     acc = acc + row_c[i]·C[i][j]       (one rounding; C read)
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
 * ldb = NR: b is a packed micro-panel.  ldb ≠ NR: b points into a row-major
 * op(B) read in place, and then n_eff = NR (the driver packs edge panels), so
 * every row read b[p·ldb .. p·ldb + NR) lies inside B.
 *
 * The driver passes bias/act only on the last k-block and beta = 1 on every
 * k-block but the first, so the epilogue runs once on registers, never as a
 * second pass over C.  kc may be 0 (then acc = 0).  row_c (the row term of a
 * fused regularized SGD step, aek_sgemm_rows_with) comes on the first
 * k-block only, where C is still the caller's.
 */
typedef struct {
    float alpha;
    float beta;
    const float *bias; /* NULL: no bias; else this tile's first column */
    aek_act act;
    const float *row_c; /* NULL: no row term; else this tile's first row */
} aek_ukr_epi;

typedef void (*aek_gemm_ukr_fn)(size_t kc, const float *restrict a,
                                const float *restrict b, size_t ldb, float *restrict c,
                                size_t ldc, size_t m_eff, size_t n_eff,
                                const aek_ukr_epi *epi);

/* The same micro-kernel contract with A read in place instead of packed:
 * op(A) = A row-major, row i of the tile at a + i·lda, and a full tile
 * (m_eff = MR: the driver packs edge row panels and calls the packed kernel)
 * — or, in a set with direct_edges, also an edge panel (m_eff < MR), of
 * which no row ≥ m_eff is read.  Same arithmetic per element as the packed
 * kernel, so the results are bitwise the same.  NULL in a set: always pack. */
typedef void (*aek_gemm_ukr_adirect_fn)(size_t kc, const float *restrict a, size_t lda,
                                        const float *restrict b, size_t ldb, float *restrict c,
                                        size_t ldc, size_t m_eff, size_t n_eff,
                                        const aek_ukr_epi *epi);

/* The transposing half of packing (pack.h): a block of `rows` ≤ r rows
 * (stride ld) × kc columns written column-interleaved,
 *   dst[p·r + i] = src[i·ld + p] (i < rows), 0 (rows ≤ i < r).
 * NULL in a set: the portable loop in pack.c. */
typedef void (*aek_pack_t_fn)(const float *src, size_t ld, size_t rows, size_t kc, size_t r,
                              float *dst);

/* A plain transpose: dst[p·ldd + i] = src[i·ld + p] for i < rows, p < cols
 * (nothing else written; gemm.c's transposed products). */
typedef void (*aek_transpose_fn)(const float *src, size_t ld, size_t rows, size_t cols,
                                 float *dst, size_t ldd);

/* y[i] = f(x[i]) for i < n; y may alias x. */
typedef void (*aek_vmap_fn)(size_t n, const float *x, float *y);

/* ---- element-wise and reduction kernels of the autoencoder ---------------
 *
 * Derivatives come from stored activations h = g(a), never from recomputing
 * exp:  s = g'(a) and s' = ds/da are
 *   sigmoid  s = h(1−h)      s' = s(1−2h)
 *   tanh     s = 1−h²        s' = −2hs
 *   relu     s = [h > 0]     s' = 0
 *   linear   s = 1           s' = 0
 * Sums are returned in double; the order of accumulation is fixed for a given
 * kernel set and n (so results never depend on the thread count).
 */

/* The fused hidden-layer backward pass (one read of h):
 *   da[i][j] = (dh[i][j] + col_add[j])·s_ij + coef·c[j]·s_ij·s'_ij
 *   s2[j]    = Σ_i s_ij²                      (if s2 != NULL; overwritten)
 *   returns    Σ_ij c[j]·s_ij²                (0 if c == NULL)
 * col_add: the KL-sparsity term (NULL: none); c = ‖W_j‖² and coef = 2λ/m for
 * the contractive penalty (λ/m)Σ_i‖J_i‖²_F, J_i = diag(s_i)·W (NULL: none).
 * da may alias dh. */
typedef struct {
    size_t rows, cols;
    aek_act act;
    const float *h, *dh;
    const float *col_add;
    const float *c;
    float coef;
    float *da;
    float *s2;
} aek_hidden_bwd_args;

/* CAE+H: one corrupted copy x̃ of the batch; h, hc = g(a), g(ã), d = s − s̃:
 *   da[i][j]  += coef·c[j]·d_ij·s'_ij
 *   dac[i][j]  = −coef·c[j]·d_ij·s̃'_ij
 *   d2[j]     += Σ_i d_ij²                    (if d2 != NULL)
 *   returns     Σ_ij c[j]·d_ij²
 * for the penalty γ/(m·copies)·Σ_i Σ_copies ‖J(x_i) − J(x̃_i)‖²_F, coef = 2γ/(m·copies). */
typedef struct {
    size_t rows, cols;
    aek_act act;
    const float *h, *hc;
    const float *c;
    float coef;
    float *da, *dac;
    float *d2;
} aek_cae_h_args;

/* Adam with the bias corrections folded into lr_t = lr·√(1−β₂ᵗ)/(1−β₁ᵗ) and
 * eps_t = eps·√(1−β₂ᵗ) (the same update as PyTorch's Adam):
 *   m = β₁m + (1−β₁)g;  v = β₂v + (1−β₂)g²;  w −= lr_t·m/(√v + eps_t) */
typedef struct {
    float lr_t, b1, b2, eps_t;
} aek_adam_step;

/* MSE: returns Σ (xhat − x)²; dz = scale·(xhat − x)·f'(xhat) (dz may be NULL). */
typedef double (*aek_loss_mse_fn)(size_t n, const float *xhat, const float *x, aek_act f,
                                  float scale, float *dz);
/* Bernoulli cross-entropy from logits: returns Σ softplus(z) − x·z;
 * xhat = σ(z), dz = scale·(σ(z) − x) (either may be NULL). */
typedef double (*aek_loss_bce_fn)(size_t n, const float *z, const float *x, float scale,
                                  float *xhat, float *dz);
/* out[j] = Σ_i x[i·cols + j], rows added in order. */
typedef void (*aek_colsum_fn)(size_t rows, size_t cols, const float *x, float *out);
typedef double (*aek_hidden_bwd_fn)(const aek_hidden_bwd_args *a);
typedef double (*aek_cae_h_fn)(const aek_cae_h_args *a);
/* out[j] = Σ_i x[j·cols + i]², accumulated in double (the contractive
 * penalty's c_j = ‖W_j‖²); the order of the sum is fixed per set. */
typedef void (*aek_row_sumsq_fn)(size_t rows, size_t cols, const float *x, float *out);
/* y += a·x */
typedef void (*aek_axpy_fn)(size_t n, float a, const float *x, float *y);
/* y = act(x + bias), or act(x) when bias is NULL; y may alias x (the sum is
 * rounded before act, as the GEMM epilogue does it) */
typedef void (*aek_act_fn)(size_t n, aek_act act, const float *bias, const float *x, float *y);
/* SGD with momentum (PyTorch convention): v = μ·v + g;  w −= lr·v */
typedef void (*aek_sgd_fn)(size_t n, float *w, const float *g, float *v, float lr, float mu);
typedef void (*aek_adam_fn)(size_t n, float *w, const float *g, float *m, float *v,
                            const aek_adam_step *s);

/* Masking noise: the counter stream (src/counter_rng.h) starting at state s0
 * gives draw_j = mix64(s0 + (j+1)·φ), and
 *   y[j] = 0 if (draw_j >> 11) < thresh, else x[j]     (j < n; y may alias x)
 * (thresh = ⌈q·2⁵³⌉: "53-bit uniform < q").  Every set gives the same bits. */
typedef void (*aek_mask_noise_fn)(size_t n, uint64_t s0, uint64_t thresh, const float *x,
                                  float *y);

typedef struct aek_kernel_set {
    aek_isa isa;
    const char *name;      /* "scalar", "avx2", "avx512", "neon" */
    const char *gemm_ukr_name;
    size_t mr, nr;         /* register tile of the GEMM micro-kernel */
    /* 1: the micro-kernels prefetch the rows ahead of a B read in place
     * (ldb ≠ NR), so a B whose rows are not line-aligned is read in place
     * for batch-sized m too (gemm.c, b_direct_ok) */
    int prefetches_b_in_place;
    aek_gemm_ukr_fn gemm_ukr;
    aek_gemm_ukr_adirect_fn gemm_ukr_adirect;
    /* the packed kernel's contract for an edge row panel (m_eff < MR rows),
     * computing only those (rounded up); NULL: gemm_ukr */
    aek_gemm_ukr_fn gemm_ukr_edge;
    /* 0, or E: gemm_ukr_edge computes fewer than E rows at the cost of E,
     * so the driver runs a tail of MR + r ≤ 2E rows as two edge panels
     * (gemm.c, row_panels_of) */
    size_t edge_split_rows;
    /* op(A) = Aᵀ read in place: element (i, p) of the tile at a[p·lda + i]
     * (the packed layout with stride lda); a full tile (see direct_edges);
     * NULL: pack */
    aek_gemm_ukr_adirect_fn gemm_ukr_atdirect;
    /* 1: the direct kernels the set has (gemm_ukr_adirect, and
     * gemm_ukr_atdirect if any) take edge row panels too (m_eff < MR,
     * reading no row past m_eff), so A read in place is never packed; 0:
     * the driver packs edge panels for gemm_ukr_edge */
    int direct_edges;
    aek_pack_t_fn pack_t;
    /* NULL: no transposed products (gemm.c, transposed_ok) */
    aek_transpose_fn transpose;

    aek_vmap_fn vexp;
    aek_vmap_fn vsigmoid;
    aek_vmap_fn vtanh;
    aek_vmap_fn vsoftplus;

    aek_act_fn act;
    aek_loss_mse_fn loss_mse;
    aek_loss_bce_fn loss_bce;
    aek_colsum_fn colsum;
    aek_hidden_bwd_fn hidden_bwd;
    aek_cae_h_fn cae_h;
    aek_row_sumsq_fn row_sumsq;
    aek_axpy_fn axpy;
    aek_sgd_fn sgd;
    aek_adam_fn adam;
    aek_mask_noise_fn mask_noise;
} aek_kernel_set;

/* portable kernels that sets without a vector version point at */
void aek_mask_noise_scalar(size_t n, uint64_t s0, uint64_t thresh, const float *x, float *y);
void aek_row_sumsq_scalar(size_t rows, size_t cols, const float *x, float *out);

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

/* 1 if aek_sgemm_with computes this product as Cᵀ = op(B)ᵀ·op(A)ᵀ and a
 * transpose (gemm.c, transposed_ok), at the current thread count. */
int aek_gemm_transposed(const aek_kernel_set *ks, aek_trans ta, aek_trans tb, size_t m, size_t n,
                        size_t k, float alpha, float beta, size_t ldc);

/* SGEMM with an explicit kernel set (tests and benches compare sets). */
void aek_sgemm_with(const aek_kernel_set *ks, aek_trans ta, aek_trans tb,
                    size_t m, size_t n, size_t k, float alpha, const float *A,
                    size_t lda, const float *B, size_t ldb, float beta,
                    float *C, size_t ldc, const aek_epilogue *ep);

/* As aek_sgemm_with (no bias, no activation), with a row term of C:
 *   C = alpha·(op(A)·op(B) + diag(row_c)·C) + beta·C,
 * each element's row term one fma on the product's sum before alpha, so
 * with one k-block, alpha = −lr, beta = 1 and C = W it is the SGD step of
 * the gradient G = op(A)·op(B) + diag(row_c)·W formed as the GEMM then an
 * axpy per row, to the bit: W − lr·G in one pass (the contractive
 * penalty's term through ‖W_j‖², model_eval.c). */
void aek_sgemm_rows_with(const aek_kernel_set *ks, aek_trans ta, aek_trans tb, size_t m,
                         size_t n, size_t k, float alpha, const float *A, size_t lda,
                         const float *B, size_t ldb, float beta, float *C, size_t ldc,
                         const float *row_c);

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
