/*
 * lanes_avx512.h — the lane helpers the AVX-512 element-wise, regularizer
 * and optimizer kernels share: tail masks, full-or-masked loads and stores,
 * exact widening into double accumulators, and the activation derivative
 * from a stored output.  Masked-off lanes are never touched in memory (no
 * fault, no over-read); they load as 0.
 */
#ifndef AEKIT_LANES_AVX512_H
#define AEKIT_LANES_AVX512_H

#include <immintrin.h>
#include <stddef.h>

#include "../../src/aekit.h"

#define AEK_INLINE static inline __attribute__((always_inline))

/* The first r < 16 lanes. */
AEK_INLINE __mmask16 tail_mask(size_t r) { return (__mmask16)((1u << r) - 1u); }

AEK_INLINE __m512 ld(const float *p, __mmask16 m, int full)
{
    return full ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(m, p);
}

AEK_INLINE void st(float *p, __m512 v, __mmask16 m, int full)
{
    if (full)
        _mm512_storeu_ps(p, v);
    else
        _mm512_mask_storeu_ps(p, m, v);
}

/* lo/hi += the 16 lanes of t widened to double (exact). */
AEK_INLINE void acc_widen(__m512 t, __m512d *lo, __m512d *hi)
{
    *lo = _mm512_add_pd(*lo, _mm512_cvtps_pd(_mm512_castps512_ps256(t)));
    *hi = _mm512_add_pd(*hi, _mm512_cvtps_pd(_mm512_extractf32x8_ps(t, 1)));
}

/* s = f'(a) from the stored output h = f(a) (kernels.h): sigmoid h − h²,
 * tanh 1 − h² (each one FMA rounding), relu [h > 0], linear 1. */
AEK_INLINE __m512 deriv_s(aek_act f, __m512 h)
{
    const __m512 one = _mm512_set1_ps(1.0f);
    switch (f) {
    case AEK_ACT_SIGMOID: return _mm512_fnmadd_ps(h, h, h);
    case AEK_ACT_TANH: return _mm512_fnmadd_ps(h, h, one);
    case AEK_ACT_RELU:
        return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(h, _mm512_setzero_ps(), _CMP_GT_OQ), one);
    default: return one;
    }
}

#endif
