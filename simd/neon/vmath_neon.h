/*
 * vmath_neon.h — vector math of the neon set on 4 lanes (AArch64 Advanced
 * SIMD, FMA), inline so the GEMM epilogue applies it on registers.  Same
 * formulas and coefficients as the scalar reference (simd/scalar/
 * vmath_scalar.h has the math and the accuracy statement), with FMA for
 * every mul + add, and branch-free: special cases are blended per lane.
 *
 * NaN: FMAX/FMIN return NaN when either operand is NaN, so the clamps let a
 * NaN x through in either operand order.
 */
#ifndef AEKIT_VMATH_NEON_H
#define AEKIT_VMATH_NEON_H

#include <arm_neon.h>

#include "../../src/aekit.h"
#include "../scalar/vmath_coeffs.h"

/* e^x = p(r)·2^n1·2^n2, x = n·ln2 + r, n1 = n >> 1, n2 = n − n1 */
static inline float32x4_t aek_exp_neon(float32x4_t x)
{
    const float32x4_t magic = vdupq_n_f32(AEK_EXP_MAGIC);
    x = vmaxq_f32(x, vdupq_n_f32(AEK_EXP_XMIN));
    x = vminq_f32(x, vdupq_n_f32(AEK_EXP_XMAX));
    const float32x4_t t = vfmaq_f32(magic, x, vdupq_n_f32(AEK_LOG2E));
    const float32x4_t n = vsubq_f32(t, magic);
    float32x4_t r = vfmsq_f32(x, n, vdupq_n_f32(AEK_LN2_HI)); /* exact */
    r = vfmsq_f32(r, n, vdupq_n_f32(AEK_LN2_LO));
    float32x4_t q = vdupq_n_f32(AEK_EXP_C5);
    q = vfmaq_f32(vdupq_n_f32(AEK_EXP_C4), q, r);
    q = vfmaq_f32(vdupq_n_f32(AEK_EXP_C3), q, r);
    q = vfmaq_f32(vdupq_n_f32(AEK_EXP_C2), q, r);
    q = vfmaq_f32(vdupq_n_f32(AEK_EXP_C1), q, r);
    q = vfmaq_f32(vdupq_n_f32(AEK_EXP_C0), q, r);
    const float32x4_t p = vfmaq_f32(vdupq_n_f32(1.0f), q, r);
    const int32x4_t k = vsubq_s32(vreinterpretq_s32_f32(t), vreinterpretq_s32_f32(magic));
    const int32x4_t k1 = vshrq_n_s32(k, 1);
    const int32x4_t k2 = vsubq_s32(k, k1);
    const int32x4_t bias = vdupq_n_s32(127);
    const float32x4_t s1 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(k1, bias), 23));
    const float32x4_t s2 = vreinterpretq_f32_s32(vshlq_n_s32(vaddq_s32(k2, bias), 23));
    return vmulq_f32(vmulq_f32(p, s1), s2);
}

/* 1/(1+e^-x): z = e^-|x|, (x < 0 ? z : 1)/(1 + z) */
static inline float32x4_t aek_sigmoid_neon(float32x4_t x)
{
    const float32x4_t one = vdupq_n_f32(1.0f);
    const float32x4_t z = aek_exp_neon(vnegq_f32(vabsq_f32(x)));
    const uint32x4_t neg = vcltq_f32(x, vdupq_n_f32(0.0f));
    return vdivq_f32(vbslq_f32(neg, z, one), vaddq_f32(one, z));
}

/* tanh x = ±tanh a, a = |x|: a + a·u·P(u), u = a², for a < 0.625, else
 * 1 − 2/(e^2a + 1); the sign of x is applied last, so tanh(−0) = −0 */
static inline float32x4_t aek_tanh_neon(float32x4_t x)
{
    const float32x4_t one = vdupq_n_f32(1.0f);
    const float32x4_t ax = vabsq_f32(x);
    const float32x4_t u = vmulq_f32(ax, ax);
    float32x4_t q = vdupq_n_f32(AEK_TANH_C4);
    q = vfmaq_f32(vdupq_n_f32(AEK_TANH_C3), q, u);
    q = vfmaq_f32(vdupq_n_f32(AEK_TANH_C2), q, u);
    q = vfmaq_f32(vdupq_n_f32(AEK_TANH_C1), q, u);
    q = vfmaq_f32(vdupq_n_f32(AEK_TANH_C0), q, u);
    const float32x4_t small = vfmaq_f32(ax, vmulq_f32(ax, u), q);
    const float32x4_t a = vminq_f32(ax, vdupq_n_f32(AEK_TANH_SAT));
    const float32x4_t e = aek_exp_neon(vaddq_f32(a, a));
    const float32x4_t big = vsubq_f32(one, vdivq_f32(vdupq_n_f32(2.0f), vaddq_f32(e, one)));
    const uint32x4_t is_small = vcltq_f32(ax, vdupq_n_f32(AEK_TANH_SMALL));
    const float32x4_t y = vbslq_f32(is_small, small, big); /* NaN: not small, big is NaN */
    return vbslq_f32(vdupq_n_u32(0x80000000u), x, y);
}

/* log(1+e^x) = max(x,0) + w + w·v·Q(v), z = e^-|x|, w = 2z/(2+z), v = w² */
static inline float32x4_t aek_softplus_neon(float32x4_t x)
{
    const float32x4_t z = aek_exp_neon(vnegq_f32(vabsq_f32(x)));
    const float32x4_t w = vdivq_f32(vaddq_f32(z, z), vaddq_f32(vdupq_n_f32(2.0f), z));
    const float32x4_t v = vmulq_f32(w, w);
    float32x4_t q = vdupq_n_f32(AEK_LOG1P_C3);
    q = vfmaq_f32(vdupq_n_f32(AEK_LOG1P_C2), q, v);
    q = vfmaq_f32(vdupq_n_f32(AEK_LOG1P_C1), q, v);
    q = vfmaq_f32(vdupq_n_f32(AEK_LOG1P_C0), q, v);
    const float32x4_t l = vfmaq_f32(w, vmulq_f32(w, v), q);
    return vaddq_f32(vmaxq_f32(x, vdupq_n_f32(0.0f)), l);
}

static inline float32x4_t aek_act_neon(float32x4_t x, aek_act a)
{
    switch (a) {
    case AEK_ACT_SIGMOID: return aek_sigmoid_neon(x);
    case AEK_ACT_TANH: return aek_tanh_neon(x);
    case AEK_ACT_RELU: return vmaxq_f32(x, vdupq_n_f32(0.0f));
    default: return x;
    }
}

/* Row functions of the kernel table: y[i] = f(x[i]), y may alias x. */
void aek_vexp_neon(size_t n, const float *x, float *y);
void aek_vsigmoid_neon(size_t n, const float *x, float *y);
void aek_vtanh_neon(size_t n, const float *x, float *y);
void aek_vsoftplus_neon(size_t n, const float *x, float *y);

#endif
