/*
 * lanes_avx2.h — the lane helpers the AVX2+FMA element-wise, regularizer and
 * optimizer kernels share: tail masks, full-or-masked loads and stores,
 * exact widening into double accumulators, and the activation derivative
 * from a stored output.  VMASKMOVPS never touches masked-off lanes in memory
 * (no fault, no over-read); they load as 0.
 */
#ifndef AEKIT_LANES_AVX2_H
#define AEKIT_LANES_AVX2_H

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#include "../../src/aekit.h"

#define AEK_INLINE static inline __attribute__((always_inline))

/* tail_tab + 8 − r holds r all-ones lanes, then zeros. */
static const int32_t aek_avx2_tail_tab[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};

/* The first r < 8 lanes. */
AEK_INLINE __m256i tail_mask(size_t r)
{
    return _mm256_loadu_si256((const __m256i *)(aek_avx2_tail_tab + 8 - r));
}

AEK_INLINE __m256 ld(const float *p, __m256i m, int full)
{
    return full ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, m);
}

AEK_INLINE void st(float *p, __m256 v, __m256i m, int full)
{
    if (full)
        _mm256_storeu_ps(p, v);
    else
        _mm256_maskstore_ps(p, m, v);
}

/* lo/hi += the 8 lanes of t widened to double (exact). */
AEK_INLINE void acc_widen(__m256 t, __m256d *lo, __m256d *hi)
{
    *lo = _mm256_add_pd(*lo, _mm256_cvtps_pd(_mm256_castps256_ps128(t)));
    *hi = _mm256_add_pd(*hi, _mm256_cvtps_pd(_mm256_extractf128_ps(t, 1)));
}

/* Fixed-order sum of the 4 lanes: (l0 + l2) + (l1 + l3). */
AEK_INLINE double hsum_pd(__m256d v)
{
    const __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

/* s = f'(a) from the stored output h = f(a) (kernels.h): sigmoid h − h²,
 * tanh 1 − h² (each one FMA rounding), relu [h > 0], linear 1. */
AEK_INLINE __m256 deriv_s(aek_act f, __m256 h)
{
    const __m256 one = _mm256_set1_ps(1.0f);
    switch (f) {
    case AEK_ACT_SIGMOID: return _mm256_fnmadd_ps(h, h, h);
    case AEK_ACT_TANH: return _mm256_fnmadd_ps(h, h, one);
    case AEK_ACT_RELU: return _mm256_and_ps(_mm256_cmp_ps(h, _mm256_setzero_ps(), _CMP_GT_OQ), one);
    default: return one;
    }
}

#endif
