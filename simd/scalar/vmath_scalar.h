/*
 * vmath_scalar.h — vector math of the scalar set, the portable reference:
 * plain C float arithmetic, no intrinsics, no FMA (the build uses
 * -ffp-contract=off, so every product is rounded where it is written).
 * Inline so the GEMM epilogue applies them on values still in registers.
 *
 * Accuracy (verify/test_vmath.c sweeps the float range against double libm):
 * max relative error ≤ 1e-6 wherever the true result is a normal float;
 * subnormal results within a few units of 2^-149; e^x overflows to +inf,
 * NaN in gives NaN out.  The same formulas are used by every SIMD set
 * (simd/<isa>/vmath_<isa>.h), with FMA where this file has mul + add.
 */
#ifndef AEKIT_VMATH_SCALAR_H
#define AEKIT_VMATH_SCALAR_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../../src/aekit.h"
#include "vmath_coeffs.h"

static inline uint32_t aek_f2u_scalar(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float aek_u2f_scalar(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* e^x = p(r)·2^n, x = n·ln2 + r, |r| ≤ ln2/2; 2^n applied as 2^n1·2^n2
 * (n1 = ⌊n/2⌋) so p·2^n1 is exact and the only rounding of a subnormal
 * result is the last product. */
static inline float aek_exp_scalar(float x)
{
    x = x < AEK_EXP_XMIN ? AEK_EXP_XMIN : x; /* comparisons are false for NaN: */
    x = x > AEK_EXP_XMAX ? AEK_EXP_XMAX : x; /* NaN passes through            */
    const float t = x * AEK_LOG2E + AEK_EXP_MAGIC;
    const float n = t - AEK_EXP_MAGIC;
    float r = x - n * AEK_LN2_HI; /* exact (Cody–Waite) */
    r = r - n * AEK_LN2_LO;
    float q = AEK_EXP_C5;
    q = q * r + AEK_EXP_C4;
    q = q * r + AEK_EXP_C3;
    q = q * r + AEK_EXP_C2;
    q = q * r + AEK_EXP_C1;
    q = q * r + AEK_EXP_C0;
    const float p = 1.0f + r * q;
    /* n as a two's-complement integer, in unsigned arithmetic (defined for
     * every bit pattern, NaN included); n1 = n >> 1 with the sign kept */
    const uint32_t k = aek_f2u_scalar(t) - aek_f2u_scalar(AEK_EXP_MAGIC);
    const uint32_t k1 = (k >> 1) | (k & 0x80000000u);
    const uint32_t k2 = k - k1;
    return p * aek_u2f_scalar((k1 + 127u) << 23) * aek_u2f_scalar((k2 + 127u) << 23);
}

/* 1/(1+e^-x) = 1/(1+z) for x ≥ 0 and z/(1+z) for x < 0, z = e^-|x| ≤ 1:
 * never overflows, and for x ≪ 0 the result is z itself (1+z = 1). */
static inline float aek_sigmoid_scalar(float x)
{
    const float z = aek_exp_scalar(-fabsf(x));
    return (x < 0.0f ? z : 1.0f) / (1.0f + z);
}

/* tanh x = ±tanh|x|: odd polynomial a + a·u·P(u), a = |x|, u = a², for
 * a < 0.625 (where 1 − 2/(e^2a+1) would cancel); 1 − 2/(e^2a+1) above.
 * Computed on |x| and signed last, so tanh(−0) = −0; tiny and subnormal x
 * give x exactly (u·P underflows to 0). */
static inline float aek_tanh_scalar(float x)
{
    float a = fabsf(x), y;
    if (a < AEK_TANH_SMALL) {
        const float u = a * a;
        float q = AEK_TANH_C4;
        q = q * u + AEK_TANH_C3;
        q = q * u + AEK_TANH_C2;
        q = q * u + AEK_TANH_C1;
        q = q * u + AEK_TANH_C0;
        y = a + a * (u * q);
    } else {
        a = a > AEK_TANH_SAT ? AEK_TANH_SAT : a; /* NaN passes */
        const float e = aek_exp_scalar(a + a);
        y = 1.0f - 2.0f / (e + 1.0f);
    }
    return copysignf(y, x);
}

/* log(1+e^x) = max(x,0) + log1p(z), z = e^-|x| ∈ [0,1]; log1p(z) =
 * 2·atanh(w/2) = w + w·v·Q(v), w = 2z/(2+z), v = w²: relatively accurate
 * down to subnormal z (then w = z exactly). */
static inline float aek_softplus_scalar(float x)
{
    const float z = aek_exp_scalar(-fabsf(x));
    const float w = (z + z) / (2.0f + z);
    const float v = w * w;
    float q = AEK_LOG1P_C3;
    q = q * v + AEK_LOG1P_C2;
    q = q * v + AEK_LOG1P_C1;
    q = q * v + AEK_LOG1P_C0;
    const float l = w + w * (v * q);
    return (x > 0.0f ? x : 0.0f) + l; /* NaN: l is NaN */
}

static inline float aek_act_scalar(float x, aek_act a)
{
    switch (a) {
    case AEK_ACT_SIGMOID: return aek_sigmoid_scalar(x);
    case AEK_ACT_TANH: return aek_tanh_scalar(x);
    case AEK_ACT_RELU: return x > 0.0f ? x : 0.0f;
    default: return x;
    }
}

/* Row functions of the kernel table: y[i] = f(x[i]), y may alias x. */
void aek_vexp_scalar(size_t n, const float *x, float *y);
void aek_vsigmoid_scalar(size_t n, const float *x, float *y);
void aek_vtanh_scalar(size_t n, const float *x, float *y);
void aek_vsoftplus_scalar(size_t n, const float *x, float *y);

#endif
