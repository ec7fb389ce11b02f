/*
 * vmath_avx2.c — row functions of the avx2 set.  Full vectors of 8 straight
 * from x to y; the last n mod 8 elements go through a zero-padded stack
 * buffer, so nothing outside x[0..n) is read or y[0..n) written, and every
 * element is computed by the same vector code as in a full vector.
 */
#include <string.h>

#include "vmath_avx2.h"

#define ROWFN(name, f)                                                        \
    void name(size_t n, const float *x, float *y)                             \
    {                                                                         \
        size_t i = 0;                                                         \
        for (; i + 8 <= n; i += 8)                                            \
            _mm256_storeu_ps(y + i, f(_mm256_loadu_ps(x + i)));               \
        if (i < n) {                                                          \
            float buf[8] = {0};                                               \
            memcpy(buf, x + i, (n - i) * sizeof(float));                      \
            _mm256_storeu_ps(buf, f(_mm256_loadu_ps(buf)));                   \
            memcpy(y + i, buf, (n - i) * sizeof(float));                      \
        }                                                                     \
    }

ROWFN(aek_vexp_avx2, aek_exp_avx2)
ROWFN(aek_vsigmoid_avx2, aek_sigmoid_avx2)
ROWFN(aek_vtanh_avx2, aek_tanh_avx2)
ROWFN(aek_vsoftplus_avx2, aek_softplus_avx2)
