/*
 * eigen_sym.h — dense symmetric eigen-solvers in double precision.
 *
 *   A = Σᵢ wᵢ vᵢ vᵢᵀ,   w₀ ≥ w₁ ≥ … ≥ w_{n−1},   vᵢᵀvⱼ = δᵢⱼ
 *
 * Both solvers read only the lower triangle of A (A[i·lda + j], j ≤ i), never
 * write it, and return eigenvectors as ROWS: V[i·ldv + ·] is the unit
 * eigenvector of w[i] (the layout of PCA components and of encoder weights).
 *
 * aek_eig_sym — all n pairs: Householder tridiagonalisation, then implicit
 *   symmetric QR with Wilkinson shifts.  Backward stable: the result is the
 *   exact decomposition of A + E with ‖E‖₂ = O(n·u·‖A‖₂), u = 2⁻⁵³.
 *   O(n³); n = 784 takes a fraction of a second.
 *
 * aek_eig_sym_topk — the k algebraically largest pairs, for large n and
 *   small k: block Lanczos with full reorthogonalisation and thick restarts
 *   (written as a residual-expanded block Krylov space with an explicit
 *   Rayleigh–Ritz step).  Stops when every returned pair has
 *   ‖Av − θv‖₂ ≤ tol·‖A‖₂ (‖A‖₂ estimated from below by the extreme Ritz
 *   values, so the test is never looser than stated); after max_iter block
 *   steps it returns AEK_ERR_NUMERIC and writes nothing, never an
 *   unconverged answer.
 *
 * Errors (status + aek_last_error()): AEK_ERR_ARG (bad sizes, NULL, ld too
 * small, k ∉ 1..n), AEK_ERR_NUMERIC (non-finite entry in A, no convergence),
 * AEK_ERR_NOMEM.  On error w and V are not written.
 */
#ifndef AEKIT_EIGEN_SYM_H
#define AEKIT_EIGEN_SYM_H

#include <stddef.h>

#include "aekit.h"

/* All eigenpairs: w (n) descending; V (n×n, row stride ldv ≥ n) rows are
 * orthonormal eigenvectors, or V = NULL for eigenvalues only (O(n²) after
 * the O(n³) reduction).  Deterministic: the same bits for every thread
 * count (work is split by columns of V, never inside a sum). */
aek_status aek_eig_sym(size_t n, const double *A, size_t lda, double *w, double *V, size_t ldv);

typedef struct {
    double tol;                /* residual tolerance relative to ‖A‖₂; 0 → 1e-10   */
    size_t max_iter;           /* block steps before giving up; 0 → 1000           */
    size_t block;              /* vectors per block step; 0 → k (≤ 64): a block of
                                  b vectors finds eigenvalues of multiplicity ≤ b  */
    unsigned long long seed;   /* start block (any value, 0 included)              */
} aek_eig_topk_opts;

typedef struct {
    size_t iterations;         /* block steps taken                               */
    size_t matvecs;            /* products A·v                                    */
    size_t restarts;           /* thick restarts                                  */
    double max_residual;       /* max ‖Av − θv‖₂ / ‖A‖₂ estimate over the k pairs  */
    double anorm;              /* the ‖A‖₂ estimate used (max |Ritz value|)        */
} aek_eig_topk_info;

/* The k largest eigenpairs (1 ≤ k ≤ n): w (k) descending, V (k×n, stride
 * ldv ≥ n) orthonormal rows.  opt and info may be NULL (defaults / not
 * reported); info is filled on failure too (it says how far it got). */
aek_status aek_eig_sym_topk(size_t n, const double *A, size_t lda, size_t k, double *w, double *V,
                            size_t ldv, const aek_eig_topk_opts *opt, aek_eig_topk_info *info);

#endif
