/* elementwise_scalar.h — the float element-wise kernels of the scalar set
 * (contracts in simd/kernels.h).  Other sets may reuse them for kernels they
 * do not specialise. */
#ifndef AEKIT_ELEMENTWISE_SCALAR_H
#define AEKIT_ELEMENTWISE_SCALAR_H

#include "../kernels.h"

void aek_act_rows_scalar(size_t n, aek_act act, const float *bias, const float *x, float *y);
double aek_loss_mse_scalar(size_t n, const float *xhat, const float *x, aek_act f, float scale,
                           float *dz);
double aek_loss_bce_scalar(size_t n, const float *z, const float *x, float scale, float *xhat,
                           float *dz);
void aek_colsum_scalar(size_t rows, size_t cols, const float *x, float *out);
double aek_hidden_bwd_scalar(const aek_hidden_bwd_args *a);
double aek_cae_h_scalar(const aek_cae_h_args *a);
void aek_axpy_scalar(size_t n, float a, const float *x, float *y);
void aek_row_sumsq_scalar(size_t rows, size_t cols, const float *x, float *out);
void aek_sgd_scalar(size_t n, float *w, const float *g, float *v, float lr, float mu);
void aek_adam_scalar(size_t n, float *w, const float *g, float *m, float *v,
                     const aek_adam_step *s);

#endif
