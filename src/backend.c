/* backend.c — backend.h for the float build (dispatched kernel set) and the
 * double build (scalar kernels in double). */
#include "backend.h"

#ifdef AEK_F64
#include "../simd/scalar/elementwise_f64.h"

void be_gemm(aek_trans ta, aek_trans tb, size_t m, size_t n, size_t k, real alpha,
             const real *A, size_t lda, const real *B, size_t ldb, real beta, real *C,
             size_t ldc, const real *bias, aek_act act)
{
    aek_dgemm_naive(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc, bias, act);
}
void be_act(size_t n, aek_act act, const real *x, real *y) { aek_act_rows_scalar_f64(n, act, x, y); }
double be_loss_mse(size_t n, const real *xhat, const real *x, aek_act f, real scale, real *dz)
{
    return aek_loss_mse_scalar_f64(n, xhat, x, f, scale, dz);
}
double be_loss_bce(size_t n, const real *z, const real *x, real scale, real *xhat, real *dz)
{
    return aek_loss_bce_scalar_f64(n, z, x, scale, xhat, dz);
}
void be_colsum(size_t rows, size_t cols, const real *x, real *out) { aek_colsum_scalar_f64(rows, cols, x, out); }
double be_hidden_bwd(size_t rows, size_t cols, aek_act act, const real *h, const real *dh,
                     const real *col_add, const real *c, real coef, real *da, real *s2)
{
    aek_hidden_bwd_args_f64 a = {rows, cols, act, h, dh, col_add, c, coef, da, s2};
    return aek_hidden_bwd_scalar_f64(&a);
}
double be_cae_h(size_t rows, size_t cols, aek_act act, const real *h, const real *hc,
                const real *c, real coef, real *da, real *dac, real *d2)
{
    aek_cae_h_args_f64 a = {rows, cols, act, h, hc, c, coef, da, dac, d2};
    return aek_cae_h_scalar_f64(&a);
}
void be_axpy(size_t n, real a, const real *x, real *y) { aek_axpy_scalar_f64(n, a, x, y); }
void be_sgd(size_t n, real *w, const real *g, real *v, real lr, real mu) { aek_sgd_scalar_f64(n, w, g, v, lr, mu); }
void be_adam(size_t n, real *w, const real *g, real *m, real *v, real lr_t, real b1, real b2,
             real eps_t)
{
    aek_adam_step_f64 s = {lr_t, b1, b2, eps_t};
    aek_adam_scalar_f64(n, w, g, m, v, &s);
}

#else
#include "../simd/kernels.h"

void be_gemm(aek_trans ta, aek_trans tb, size_t m, size_t n, size_t k, real alpha,
             const real *A, size_t lda, const real *B, size_t ldb, real beta, real *C,
             size_t ldc, const real *bias, aek_act act)
{
    aek_epilogue ep = {bias, act};
    aek_sgemm_with(aek_kernels(), ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc,
                   bias || act != AEK_ACT_IDENTITY ? &ep : NULL);
}
void be_act(size_t n, aek_act act, const real *x, real *y) { aek_kernels()->act(n, act, x, y); }
double be_loss_mse(size_t n, const real *xhat, const real *x, aek_act f, real scale, real *dz)
{
    return aek_kernels()->loss_mse(n, xhat, x, f, scale, dz);
}
double be_loss_bce(size_t n, const real *z, const real *x, real scale, real *xhat, real *dz)
{
    return aek_kernels()->loss_bce(n, z, x, scale, xhat, dz);
}
void be_colsum(size_t rows, size_t cols, const real *x, real *out) { aek_kernels()->colsum(rows, cols, x, out); }
double be_hidden_bwd(size_t rows, size_t cols, aek_act act, const real *h, const real *dh,
                     const real *col_add, const real *c, real coef, real *da, real *s2)
{
    aek_hidden_bwd_args a = {rows, cols, act, h, dh, col_add, c, coef, da, s2};
    return aek_kernels()->hidden_bwd(&a);
}
double be_cae_h(size_t rows, size_t cols, aek_act act, const real *h, const real *hc,
                const real *c, real coef, real *da, real *dac, real *d2)
{
    aek_cae_h_args a = {rows, cols, act, h, hc, c, coef, da, dac, d2};
    return aek_kernels()->cae_h(&a);
}
void be_axpy(size_t n, real a, const real *x, real *y) { aek_kernels()->axpy(n, a, x, y); }
void be_sgd(size_t n, real *w, const real *g, real *v, real lr, real mu) { aek_kernels()->sgd(n, w, g, v, lr, mu); }
void be_adam(size_t n, real *w, const real *g, real *m, real *v, real lr_t, real b1, real b2,
             real eps_t)
{
    aek_adam_step s = {lr_t, b1, b2, eps_t};
    aek_kernels()->adam(n, w, g, m, v, &s);
}
#endif
