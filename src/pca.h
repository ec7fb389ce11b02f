/*
 * pca.h — principal component analysis of a float dataset, in the toolkit's
 * own arithmetic: the covariance through aek_sgemm (float products over row
 * chunks, chunk sums accumulated in double), its eigen-decomposition in
 * double (eigen_sym.h).
 *
 * Convention — the batch-mean convention of DESIGN.md §3, divide by m:
 *   μ = (1/m) Σᵢ xᵢ,   Xc = X − 1μᵀ,   C = XcᵀXc / m,   C = Σⱼ λⱼ vⱼvⱼᵀ
 *   eigenvalues  λⱼ = variance of the data along component vⱼ
 *   sv2          σⱼ² = m·λⱼ, the squared singular values of Xc
 * Why m and not m − 1: with the MSE averaged over the batch,
 * L = (1/m) Σᵢ ‖x̂ᵢ − xᵢ‖², the best rank-k linear reconstruction of the
 * data (a linear AE at its optimum) has
 *   L* = (1/m) Σ_{j>k} σⱼ² = Σ_{j>k} λⱼ = `discarded`,
 * so the linear-AE proof compares its loss with `discarded` as is.  (The
 * seeds' inputs scaled by 1/√m with the loss summed over samples give the
 * same number; scaled inputs with a batch-mean loss give discarded/m.  The
 * unbiased covariance has eigenvalues λⱼ·m/(m − 1).)
 *
 * Components are unit rows; the sign is fixed so that the entry of largest
 * magnitude (the first one on ties) is positive.  Computed eigenvalues of
 * the (positive semi-definite) covariance may be tiny negative numbers of
 * the size of the rounding error; they are reported as computed.
 *
 * Errors (status + aek_last_error()): AEK_ERR_ARG (k = 0, k > n, m < 2,
 * NULL, ld too small), AEK_ERR_NUMERIC (NaN/Inf in the data, with its row
 * and column; eigen-solver failure), AEK_ERR_NOMEM (n×n matrices above the
 * memory cap, or an allocation that failed).
 */
#ifndef AEKIT_PCA_H
#define AEKIT_PCA_H

#include <stddef.h>

#include "aekit.h"

typedef enum {
    AEK_PCA_AUTO = 0, /* full if n ≤ 1024 or k > n/4, else top-k      */
    AEK_PCA_FULL = 1, /* aek_eig_sym: all n eigenvalues (spectrum)    */
    AEK_PCA_TOPK = 2  /* aek_eig_sym_topk: k pairs only               */
} aek_pca_solver;

typedef struct {
    size_t chunk_rows;     /* rows per float GEMM chunk; 0 → AEK_PCA_CHUNK   */
    aek_pca_solver solver; /* AEK_PCA_AUTO if zero                          */
    double tol;            /* top-k residual tolerance; 0 → solver default   */
} aek_pca_opts;

/* Default chunk: the covariance error bound is γ_chunk·(|Xc|ᵀ|Xc|)/m, see pca.c. */
#define AEK_PCA_CHUNK 256

typedef struct {
    size_t m, n, k;
    double *components;    /* k×n, row j = unit eigenvector of λⱼ (double)     */
    float *components_f;   /* the same rounded to float (project/reconstruct)  */
    double *eigenvalues;   /* k, descending: λⱼ of C = XcᵀXc/m                  */
    double *sv2;           /* k: σⱼ² = m·λⱼ                                     */
    double *explained;     /* k: λⱼ / total_variance                            */
    double total_variance; /* tr C = Σ of all n eigenvalues                     */
    double discarded;      /* Σ_{j>k} λⱼ (tail sum with the full solver, else
                              total_variance − Σ_{j≤k} λⱼ)                      */
    double *mean;          /* n: μ                                              */
    float *mean_f;         /* n: μ rounded to float                             */
    double *spectrum;      /* n eigenvalues of C (full solver), else NULL       */
    aek_pca_solver solver; /* the solver that ran (FULL or TOPK)                */
} aek_pca;

/* An upper bound on the memory aek_pca_fit holds at once for n columns
 * and k components, in bytes (the data not counted; SIZE_MAX if it
 * overflows), for the solver that will run: n×n matrices — 4 of doubles
 * with the full solver (the covariance, its eigenvectors, the solver's
 * working copy and rotations), the covariance and its float Gram matrix
 * with top-k — plus the results and O(n) workspace (pca.c gives each
 * term).  Full: 36n² + 12kn + 1212n + 24k + 6144.  It grows as n²: 784
 * columns need 23 MB (full), 100 000 columns 112 GiB (top-k). */
size_t aek_pca_work_bytes(size_t n, size_t k, aek_pca_solver solver);

/* AEK_OK when aek_pca_work_bytes(n, k, solver) is within the memory cap of
 * the data readers (aek_data_memory_cap, AEKIT_MAX_DATA_BYTES), else
 * AEK_ERR_NOMEM with a message giving both sizes.  Callers that learn n
 * from a file's header can refuse before loading the data. */
aek_status aek_pca_check_size(size_t n, size_t k, aek_pca_solver solver);

/* PCA of X (m×n floats, row stride ldx ≥ n) with k components; opt may be
 * NULL.  *out is set only on success; free it with aek_pca_free.  Sizes
 * aek_pca_check_size refuses are refused before anything is allocated. */
aek_status aek_pca_fit(const float *X, size_t m, size_t n, size_t ldx, size_t k,
                       const aek_pca_opts *opt, aek_pca **out);

void aek_pca_free(aek_pca *p);

/* codes (m×k, stride ldc ≥ k) = (X − μ)·Vₖᵀ; X is m×n with stride ldx ≥ n.
 * Centring is done first (in double, rounded once to float), then a float
 * GEMM, so the error is relative to |X − μ|, not to |X|. */
aek_status aek_pca_project(const aek_pca *p, const float *X, size_t m, size_t ldx, float *codes,
                           size_t ldc);

/* Xhat (m×n, stride ldxh ≥ n) = codes·Vₖ + μ (one GEMM, μ as fused bias). */
aek_status aek_pca_reconstruct(const aek_pca *p, const float *codes, size_t m, size_t ldc,
                               float *Xhat, size_t ldxh);

/* The first stage on its own: mean (n) and C = XcᵀXc/m (n×n, both
 * triangles, exactly symmetric) in double; chunk_rows 0 → AEK_PCA_CHUNK. */
aek_status aek_pca_covariance(const float *X, size_t m, size_t n, size_t ldx, size_t chunk_rows,
                              double *mean, double *cov);

#endif
