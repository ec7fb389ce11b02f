/*
 * vmath_avx2.h — vector math of the avx2 set on 8 lanes (AVX2 + FMA), inline
 * so the GEMM epilogue applies it on registers.  Same formulas and
 * coefficients as the scalar reference (simd/scalar/vmath_scalar.h has the
 * math and the accuracy statement), with FMA for every mul + add, and
 * branch-free: special cases are blended per lane.
 *
 * NaN: MINPS/MAXPS return their second operand when either is NaN, so the
 * clamps are written min(c, x) / max(c, x) to let a NaN x through.
 */
#ifndef AEKIT_VMATH_AVX2_H
#define AEKIT_VMATH_AVX2_H

#include <immintrin.h>

#include "../../src/aekit.h"
#include "../scalar/vmath_coeffs.h"

/* e^x = p(r)·2^n1·2^n2, x = n·ln2 + r, n1 = n >> 1, n2 = n − n1 */
static inline __m256 aek_exp_avx2(__m256 x)
{
    const __m256 magic = _mm256_set1_ps(AEK_EXP_MAGIC);
    x = _mm256_max_ps(_mm256_set1_ps(AEK_EXP_XMIN), x);
    x = _mm256_min_ps(_mm256_set1_ps(AEK_EXP_XMAX), x);
    const __m256 t = _mm256_fmadd_ps(x, _mm256_set1_ps(AEK_LOG2E), magic);
    const __m256 n = _mm256_sub_ps(t, magic);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(AEK_LN2_HI), x); /* exact */
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(AEK_LN2_LO), r);
    __m256 q = _mm256_set1_ps(AEK_EXP_C5);
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(AEK_EXP_C4));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(AEK_EXP_C3));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(AEK_EXP_C2));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(AEK_EXP_C1));
    q = _mm256_fmadd_ps(q, r, _mm256_set1_ps(AEK_EXP_C0));
    const __m256 p = _mm256_fmadd_ps(q, r, _mm256_set1_ps(1.0f));
    const __m256i k = _mm256_sub_epi32(_mm256_castps_si256(t), _mm256_castps_si256(magic));
    const __m256i k1 = _mm256_srai_epi32(k, 1);
    const __m256i k2 = _mm256_sub_epi32(k, k1);
    const __m256i bias = _mm256_set1_epi32(127);
    const __m256 s1 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k1, bias), 23));
    const __m256 s2 = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(k2, bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(p, s1), s2);
}

/* 1/(1+e^-x): z = e^-|x|, (x < 0 ? z : 1)/(1 + z) */
static inline __m256 aek_sigmoid_avx2(__m256 x)
{
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 z = aek_exp_avx2(_mm256_or_ps(x, sign));
    const __m256 neg = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ);
    return _mm256_div_ps(_mm256_blendv_ps(one, z, neg), _mm256_add_ps(one, z));
}

/* tanh x = ±tanh a, a = |x|: a + a·u·P(u), u = a², for a < 0.625, else
 * 1 − 2/(e^2a + 1); the sign of x is applied last, so tanh(−0) = −0 */
static inline __m256 aek_tanh_avx2(__m256 x)
{
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256 one = _mm256_set1_ps(1.0f);
    const __m256 ax = _mm256_andnot_ps(sign, x);
    const __m256 u = _mm256_mul_ps(ax, ax);
    __m256 q = _mm256_set1_ps(AEK_TANH_C4);
    q = _mm256_fmadd_ps(q, u, _mm256_set1_ps(AEK_TANH_C3));
    q = _mm256_fmadd_ps(q, u, _mm256_set1_ps(AEK_TANH_C2));
    q = _mm256_fmadd_ps(q, u, _mm256_set1_ps(AEK_TANH_C1));
    q = _mm256_fmadd_ps(q, u, _mm256_set1_ps(AEK_TANH_C0));
    const __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(ax, u), q, ax);
    const __m256 a = _mm256_min_ps(_mm256_set1_ps(AEK_TANH_SAT), ax);
    const __m256 e = aek_exp_avx2(_mm256_add_ps(a, a));
    const __m256 big = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, one)));
    const __m256 is_small = _mm256_cmp_ps(ax, _mm256_set1_ps(AEK_TANH_SMALL), _CMP_LT_OQ);
    const __m256 y = _mm256_blendv_ps(big, small, is_small); /* NaN: not small, big is NaN */
    return _mm256_or_ps(y, _mm256_and_ps(x, sign));
}

/* log(1+e^x) = max(x,0) + w + w·v·Q(v), z = e^-|x|, w = 2z/(2+z), v = w² */
static inline __m256 aek_softplus_avx2(__m256 x)
{
    const __m256 z = aek_exp_avx2(_mm256_or_ps(x, _mm256_set1_ps(-0.0f)));
    const __m256 w = _mm256_div_ps(_mm256_add_ps(z, z), _mm256_add_ps(_mm256_set1_ps(2.0f), z));
    const __m256 v = _mm256_mul_ps(w, w);
    __m256 q = _mm256_set1_ps(AEK_LOG1P_C3);
    q = _mm256_fmadd_ps(q, v, _mm256_set1_ps(AEK_LOG1P_C2));
    q = _mm256_fmadd_ps(q, v, _mm256_set1_ps(AEK_LOG1P_C1));
    q = _mm256_fmadd_ps(q, v, _mm256_set1_ps(AEK_LOG1P_C0));
    const __m256 l = _mm256_fmadd_ps(_mm256_mul_ps(w, v), q, w);
    return _mm256_add_ps(_mm256_max_ps(x, _mm256_setzero_ps()), l); /* NaN: l is NaN */
}

static inline __m256 aek_act_avx2(__m256 x, aek_act a)
{
    switch (a) {
    case AEK_ACT_SIGMOID: return aek_sigmoid_avx2(x);
    case AEK_ACT_TANH: return aek_tanh_avx2(x);
    case AEK_ACT_RELU: return _mm256_max_ps(x, _mm256_setzero_ps());
    default: return x;
    }
}

/* Row functions of the kernel table: y[i] = f(x[i]), y may alias x. */
void aek_vexp_avx2(size_t n, const float *x, float *y);
void aek_vsigmoid_avx2(size_t n, const float *x, float *y);
void aek_vtanh_avx2(size_t n, const float *x, float *y);
void aek_vsoftplus_avx2(size_t n, const float *x, float *y);

#endif
