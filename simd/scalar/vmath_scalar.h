/*
 * vmath_scalar.h — PLACEHOLDER (to be replaced by the vector-math work):
 * element functions of the scalar set, inline so the GEMM epilogue can use
 * them on values still in registers.
 */
#ifndef AEKIT_VMATH_SCALAR_H
#define AEKIT_VMATH_SCALAR_H

#include <math.h>
#include "../../src/aekit.h"

static inline float aek_exp_scalar(float x) { return expf(x); }
static inline float aek_sigmoid_scalar(float x) { return 1.0f / (1.0f + expf(-x)); }
static inline float aek_tanh_scalar(float x) { return tanhf(x); }
static inline float aek_softplus_scalar(float x) { return fmaxf(x, 0.0f) + log1pf(expf(-fabsf(x))); }

static inline float aek_act_scalar(float x, aek_act a)
{
    switch (a) {
    case AEK_ACT_SIGMOID: return aek_sigmoid_scalar(x);
    case AEK_ACT_TANH: return aek_tanh_scalar(x);
    case AEK_ACT_RELU: return x > 0.0f ? x : 0.0f;
    default: return x;
    }
}

void aek_vexp_scalar(size_t n, const float *x, float *y);
void aek_vsigmoid_scalar(size_t n, const float *x, float *y);
void aek_vtanh_scalar(size_t n, const float *x, float *y);
void aek_vsoftplus_scalar(size_t n, const float *x, float *y);

#endif
