/*
 * elementwise_f64.h — double-precision twins of the scalar element-wise
 * kernels and a plain double GEMM.  They exist for one purpose: the model
 * source compiled with -DAEK_F64 runs on them, so finite-difference gradient
 * checks of the very same model code can use tight bounds (verify/).
 * Contracts are those of simd/kernels.h with float replaced by double.
 */
#ifndef AEKIT_SIMD_ELEMENTWISE_F64_H
#define AEKIT_SIMD_ELEMENTWISE_F64_H

#include <stddef.h>
#include "../../src/aekit.h"

typedef struct {
    size_t rows, cols;
    aek_act act;
    const double *h, *dh;
    const double *col_add;
    const double *c;
    double coef;
    double *da;
    double *s2;
} aek_hidden_bwd_args_f64;

typedef struct {
    size_t rows, cols;
    aek_act act;
    const double *h, *hc;
    const double *c;
    double coef;
    double *da, *dac;
    double *d2;
} aek_cae_h_args_f64;

typedef struct {
    double lr_t, b1, b2, eps_t;
} aek_adam_step_f64;

/* C = act(alpha·op(A)·op(B) + beta·C + bias), plain loops in double. */
void aek_dgemm_naive(aek_trans ta, aek_trans tb, size_t m, size_t n, size_t k, double alpha,
                     const double *A, size_t lda, const double *B, size_t ldb, double beta,
                     double *C, size_t ldc, const double *bias, aek_act act);

void aek_act_rows_scalar_f64(size_t n, aek_act act, const double *bias, const double *x,
                             double *y);
double aek_loss_mse_scalar_f64(size_t n, const double *xhat, const double *x, aek_act f,
                               double scale, double *dz);
double aek_loss_bce_scalar_f64(size_t n, const double *z, const double *x, double scale,
                               double *xhat, double *dz);
void aek_colsum_scalar_f64(size_t rows, size_t cols, const double *x, double *out);
double aek_hidden_bwd_scalar_f64(const aek_hidden_bwd_args_f64 *a);
double aek_cae_h_scalar_f64(const aek_cae_h_args_f64 *a);
void aek_axpy_scalar_f64(size_t n, double a, const double *x, double *y);
void aek_row_sumsq_scalar_f64(size_t rows, size_t cols, const double *x, double *out);
void aek_sgd_scalar_f64(size_t n, double *w, const double *g, double *v, double lr, double mu);
void aek_adam_scalar_f64(size_t n, double *w, const double *g, double *m, double *v,
                         const aek_adam_step_f64 *s);

#endif
