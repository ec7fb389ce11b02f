/* vmath_scalar.c — row functions of the scalar set (vmath_scalar.h). */
#include "vmath_scalar.h"

void aek_vexp_scalar(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = aek_exp_scalar(x[i]);
}

void aek_vsigmoid_scalar(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = aek_sigmoid_scalar(x[i]);
}

void aek_vtanh_scalar(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = aek_tanh_scalar(x[i]);
}

void aek_vsoftplus_scalar(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = aek_softplus_scalar(x[i]);
}
