/* elementwise_scalar_f64.c — the double instantiation of the scalar
 * element-wise kernels (see elementwise_f64.h for why it exists). */
#include <math.h>

#include "elementwise_f64.h"

static double act_f64(double x, aek_act a)
{
    switch (a) {
    case AEK_ACT_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case AEK_ACT_TANH: return tanh(x);
    case AEK_ACT_RELU: return x > 0 ? x : 0.0;
    default: return x;
    }
}

static double softplus_f64(double x) { return (x > 0 ? x : 0.0) + log1p(exp(-fabs(x))); }

#define REAL double
#define NAME(x) aek_##x##_scalar_f64
#define ARGS_HBWD aek_hidden_bwd_args_f64
#define ARGS_CAEH aek_cae_h_args_f64
#define ARGS_ADAM aek_adam_step_f64
#define ACT(x, a) act_f64(x, a)
#define SQRT(x) sqrt(x)
#define SOFTPLUS(x) softplus_f64(x)
#define SIGMOID(x) act_f64(x, AEK_ACT_SIGMOID)
#include "elementwise_scalar_body.h"

void aek_dgemm_naive(aek_trans ta, aek_trans tb, size_t m, size_t n, size_t k, double alpha,
                     const double *A, size_t lda, const double *B, size_t ldb, double beta,
                     double *C, size_t ldc, const double *bias, aek_act act)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++) {
            double s = 0;
            for (size_t p = 0; p < k; p++)
                s += (ta == AEK_N ? A[i * lda + p] : A[p * lda + i]) *
                     (tb == AEK_N ? B[p * ldb + j] : B[j * ldb + p]);
            double v = alpha * s;
            if (beta != 0)
                v += beta * C[i * ldc + j];
            if (bias)
                v += bias[j];
            C[i * ldc + j] = act_f64(v, act);
        }
}
