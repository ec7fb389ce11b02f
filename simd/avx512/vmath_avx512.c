/*
 * vmath_avx512.c — row functions of the avx512 set.  Full vectors of 16, then
 * one opmasked vector for the last n mod 16 elements: masked-off lanes are
 * neither loaded (no fault past the end) nor stored.
 */
#include "vmath_avx512.h"

#define ROWFN(name, f)                                                        \
    void name(size_t n, const float *x, float *y)                             \
    {                                                                         \
        size_t i = 0;                                                         \
        for (; i + 16 <= n; i += 16)                                          \
            _mm512_storeu_ps(y + i, f(_mm512_loadu_ps(x + i)));               \
        if (i < n) {                                                          \
            const __mmask16 m = (__mmask16)((1u << (n - i)) - 1);             \
            _mm512_mask_storeu_ps(y + i, m, f(_mm512_maskz_loadu_ps(m, x + i))); \
        }                                                                     \
    }

ROWFN(aek_vexp_avx512, aek_exp_avx512)
ROWFN(aek_vsigmoid_avx512, aek_sigmoid_avx512)
ROWFN(aek_vtanh_avx512, aek_tanh_avx512)
ROWFN(aek_vsoftplus_avx512, aek_softplus_avx512)
