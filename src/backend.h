/*
 * backend.h — the kernels the model calls, over `real` (real.h).  Float: the
 * dispatched kernel set (simd/kernels.h has the contracts).  Double: the
 * scalar kernels instantiated in double and a plain double GEMM.
 */
#ifndef AEKIT_BACKEND_H
#define AEKIT_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include "aekit.h"
#include "real.h"

#define be_gemm AEK_R(be_gemm)
#define be_act AEK_R(be_act)
#define be_loss_mse AEK_R(be_loss_mse)
#define be_loss_bce AEK_R(be_loss_bce)
#define be_colsum AEK_R(be_colsum)
#define be_hidden_bwd AEK_R(be_hidden_bwd)
#define be_cae_h AEK_R(be_cae_h)
#define be_axpy AEK_R(be_axpy)
#define be_sgd AEK_R(be_sgd)
#define be_adam AEK_R(be_adam)
#define be_mask_noise AEK_R(be_mask_noise)
#define be_row_sumsq AEK_R(be_row_sumsq)
#define be_axpy_rows AEK_R(be_axpy_rows)
#define be_gemm_one_kblock AEK_R(be_gemm_one_kblock)
#define be_col_split AEK_R(be_col_split)
#define be_gemm_nn_ksplit AEK_R(be_gemm_nn_ksplit)
#define be_gemm_tn_rows2 AEK_R(be_gemm_tn_rows2)

/* C = act(alpha·op(A)·op(B) + beta·C + bias) */
void be_gemm(aek_trans ta, aek_trans tb, size_t m, size_t n, size_t k, real alpha,
             const real *A, size_t lda, const real *B, size_t ldb, real beta, real *C,
             size_t ldc, const real *bias, aek_act act);
/* 1 when be_gemm sums a k-deep product in one k-block, so that
 * C = alpha·acc + beta·C is applied once, to the whole sum (the fused SGD
 * step relies on it for the bits of a separate update); 0 in double. */
int be_gemm_one_kblock(size_t k);

/* The cut [0, s) | [s, n) of a layer's n outputs between two threads for
 * its backward products (model_eval.c, layer_backward): the middle, s =
 * n/2, so both halves cost the same; 0 when no wider than a micro-tile.
 * Fixed per kernel set, not per thread count: products cut there keep
 * their bits at every thread count. */
size_t be_col_split(size_t n);
/* C = A·B (NN, m×k times k×n, alpha 1, beta 0; C and tmp m×n with row
 * stride n) as two partial products over k = [0, s) and [s, k): each
 * element round(P0 + P1), P0 and P1 the partial products rounded to real —
 * the same bits for any thread count.  At 2 threads each partial runs on
 * its own thread (tmp holds P1); otherwise they run one after the other. */
void be_gemm_nn_ksplit(size_t m, size_t n, size_t k, size_t s, const real *A, size_t lda,
                       const real *B, size_t ldb, real *C, real *tmp);
/* be_gemm(AEK_T, AEK_N, …) without bias or activation; at 2 threads its row
 * blocks [0, s) and [s, m) go one to each thread (the same bits: no
 * element's sum depends on how C is cut).  row_c (or NULL): a row term,
 * C = alpha·(AᵀB + diag(row_c)·C) + beta·C (aek_sgemm_rows_with). */
void be_gemm_tn_rows2(size_t m, size_t n, size_t k, size_t s, real alpha, const real *A,
                      size_t lda, const real *B, size_t ldb, real beta, real *C, size_t ldc,
                      const real *row_c);
void be_act(size_t n, aek_act act, const real *x, real *y);
double be_loss_mse(size_t n, const real *xhat, const real *x, aek_act f, real scale, real *dz);
/* Σ softplus(z) − x·z from the logits z; dz = scale·(σ(z) − x) (or NULL) */
double be_loss_bce(size_t n, const real *z, const real *x, real scale, real *dz);
void be_colsum(size_t rows, size_t cols, const real *x, real *out);
/* see aek_hidden_bwd_args / aek_cae_h_args in simd/kernels.h */
double be_hidden_bwd(size_t rows, size_t cols, aek_act act, const real *h, const real *dh,
                     const real *col_add, const real *c, real coef, real *da, real *s2);
double be_cae_h(size_t rows, size_t cols, aek_act act, const real *h, const real *hc,
                const real *c, real coef, real *da, real *dac, real *d2);
void be_axpy(size_t n, real a, const real *x, real *y);
/* out[j] = Σ_i x[j·cols + i]² (double accumulation), rows split over threads */
void be_row_sumsq(size_t rows, size_t cols, const real *x, real *out);
/* y_j += (a·v[j])·x_j for the rows j < rows (cols floats each) */
void be_axpy_rows(size_t rows, size_t cols, real a, const real *v, const real *x, real *y);
void be_sgd(size_t n, real *w, const real *g, real *v, real lr, real mu);
void be_adam(size_t n, real *w, const real *g, real *m, real *v, real lr_t, real b1, real b2,
             real eps_t);
/* y[j] = 0 if (mix64(s0 + (j+1)·φ) >> 11) < thresh, else x[j] (kernels.h) */
void be_mask_noise(size_t n, uint64_t s0, uint64_t thresh, const real *x, real *y);

#endif
