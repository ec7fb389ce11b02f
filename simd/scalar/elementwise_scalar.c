/* elementwise_scalar.c — the float element-wise kernels of the scalar set
 * (bodies in elementwise_scalar_body.h, contracts in simd/kernels.h). */
#include <math.h>

#include "../kernels.h"
#include "elementwise_scalar.h"
#include "vmath_scalar.h"

#define REAL float
#define NAME(x) aek_##x##_scalar
#define ARGS_HBWD aek_hidden_bwd_args
#define ARGS_CAEH aek_cae_h_args
#define ARGS_ADAM aek_adam_step
#define ACT(x, a) aek_act_scalar(x, a)
#define SQRT(x) sqrtf(x)
#define SOFTPLUS(x) aek_softplus_scalar(x)
#define SIGMOID(x) aek_sigmoid_scalar(x)
#include "elementwise_scalar_body.h"
