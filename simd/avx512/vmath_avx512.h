/*
 * vmath_avx512.h — vector math of the avx512 set on 16 lanes (AVX-512
 * F/DQ), inline so the GEMM epilogue applies it on registers.  Same formulas
 * and coefficients as the scalar reference (simd/scalar/vmath_scalar.h has
 * the math and the accuracy statement), with FMA for every mul + add, and
 * branch-free: special cases are blended per lane with opmasks.
 *
 * 2^n is applied by VSCALEFPS: p·2^n rounded once, subnormal results
 * included — the same value as the two-step scaling of the other sets.
 * NaN: MINPS/MAXPS return their second operand when either is NaN, so the
 * clamps are written min(c, x) / max(c, x) to let a NaN x through.
 */
#ifndef AEKIT_VMATH_AVX512_H
#define AEKIT_VMATH_AVX512_H

#include <immintrin.h>

#include "../../src/aekit.h"
#include "../scalar/vmath_coeffs.h"

/* e^x = p(r)·2^n, x = n·ln2 + r, |r| ≤ ln2/2 */
static inline __m512 aek_exp_avx512(__m512 x)
{
    const __m512 magic = _mm512_set1_ps(AEK_EXP_MAGIC);
    x = _mm512_max_ps(_mm512_set1_ps(AEK_EXP_XMIN), x);
    x = _mm512_min_ps(_mm512_set1_ps(AEK_EXP_XMAX), x);
    const __m512 n = _mm512_sub_ps(_mm512_fmadd_ps(x, _mm512_set1_ps(AEK_LOG2E), magic), magic);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(AEK_LN2_HI), x); /* exact */
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(AEK_LN2_LO), r);
    __m512 q = _mm512_set1_ps(AEK_EXP_C5);
    q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(AEK_EXP_C4));
    q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(AEK_EXP_C3));
    q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(AEK_EXP_C2));
    q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(AEK_EXP_C1));
    q = _mm512_fmadd_ps(q, r, _mm512_set1_ps(AEK_EXP_C0));
    const __m512 p = _mm512_fmadd_ps(q, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

/* 1/(1+e^-x): z = e^-|x|, (x < 0 ? z : 1)/(1 + z) */
static inline __m512 aek_sigmoid_avx512(__m512 x)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512 z = aek_exp_avx512(_mm512_or_ps(x, _mm512_set1_ps(-0.0f)));
    const __mmask16 neg = _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
    return _mm512_div_ps(_mm512_mask_blend_ps(neg, one, z), _mm512_add_ps(one, z));
}

/* tanh x = ±tanh a, a = |x|: a + a·u·P(u), u = a², for a < 0.625, else
 * 1 − 2/(e^2a + 1); the sign of x is applied last, so tanh(−0) = −0 */
static inline __m512 aek_tanh_avx512(__m512 x)
{
    const __m512 sign = _mm512_set1_ps(-0.0f);
    const __m512 one = _mm512_set1_ps(1.0f);
    const __m512 ax = _mm512_andnot_ps(sign, x);
    const __m512 u = _mm512_mul_ps(ax, ax);
    __m512 q = _mm512_set1_ps(AEK_TANH_C4);
    q = _mm512_fmadd_ps(q, u, _mm512_set1_ps(AEK_TANH_C3));
    q = _mm512_fmadd_ps(q, u, _mm512_set1_ps(AEK_TANH_C2));
    q = _mm512_fmadd_ps(q, u, _mm512_set1_ps(AEK_TANH_C1));
    q = _mm512_fmadd_ps(q, u, _mm512_set1_ps(AEK_TANH_C0));
    const __m512 small = _mm512_fmadd_ps(_mm512_mul_ps(ax, u), q, ax);
    const __m512 a = _mm512_min_ps(_mm512_set1_ps(AEK_TANH_SAT), ax);
    const __m512 e = aek_exp_avx512(_mm512_add_ps(a, a));
    const __m512 big = _mm512_sub_ps(one, _mm512_div_ps(_mm512_set1_ps(2.0f), _mm512_add_ps(e, one)));
    const __mmask16 is_small = _mm512_cmp_ps_mask(ax, _mm512_set1_ps(AEK_TANH_SMALL), _CMP_LT_OQ);
    const __m512 y = _mm512_mask_blend_ps(is_small, big, small); /* NaN: not small, big is NaN */
    return _mm512_or_ps(y, _mm512_and_ps(x, sign));
}

/* log(1+e^x) = max(x,0) + w + w·v·Q(v), z = e^-|x|, w = 2z/(2+z), v = w² */
static inline __m512 aek_softplus_avx512(__m512 x)
{
    const __m512 z = aek_exp_avx512(_mm512_or_ps(x, _mm512_set1_ps(-0.0f)));
    const __m512 w = _mm512_div_ps(_mm512_add_ps(z, z), _mm512_add_ps(_mm512_set1_ps(2.0f), z));
    const __m512 v = _mm512_mul_ps(w, w);
    __m512 q = _mm512_set1_ps(AEK_LOG1P_C3);
    q = _mm512_fmadd_ps(q, v, _mm512_set1_ps(AEK_LOG1P_C2));
    q = _mm512_fmadd_ps(q, v, _mm512_set1_ps(AEK_LOG1P_C1));
    q = _mm512_fmadd_ps(q, v, _mm512_set1_ps(AEK_LOG1P_C0));
    const __m512 l = _mm512_fmadd_ps(_mm512_mul_ps(w, v), q, w);
    return _mm512_add_ps(_mm512_max_ps(x, _mm512_setzero_ps()), l); /* NaN: l is NaN */
}

static inline __m512 aek_act_avx512(__m512 x, aek_act a)
{
    switch (a) {
    case AEK_ACT_SIGMOID: return aek_sigmoid_avx512(x);
    case AEK_ACT_TANH: return aek_tanh_avx512(x);
    case AEK_ACT_RELU: return _mm512_max_ps(x, _mm512_setzero_ps());
    default: return x;
    }
}

/* Row functions of the kernel table: y[i] = f(x[i]), y may alias x. */
void aek_vexp_avx512(size_t n, const float *x, float *y);
void aek_vsigmoid_avx512(size_t n, const float *x, float *y);
void aek_vtanh_avx512(size_t n, const float *x, float *y);
void aek_vsoftplus_avx512(size_t n, const float *x, float *y);

#endif
