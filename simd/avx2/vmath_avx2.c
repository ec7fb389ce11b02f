/* vmath_avx2.c — PLACEHOLDER row functions of the avx2 set. */
#include "vmath_avx2.h"

#define ROWFN(name, f)                                                             \
    void name(size_t n, const float *x, float *y)                                  \
    {                                                                              \
        size_t i = 0;                                                              \
        for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, f(_mm256_loadu_ps(x + i))); \
        for (; i < n; i++) {                                                       \
            float t[8] = {x[i]};                                                   \
            _mm256_storeu_ps(t, f(_mm256_loadu_ps(t)));                            \
            y[i] = t[0];                                                           \
        }                                                                          \
    }
ROWFN(aek_vexp_avx2, aek_exp_avx2)
ROWFN(aek_vsigmoid_avx2, aek_sigmoid_avx2)
ROWFN(aek_vtanh_avx2, aek_tanh_avx2)
ROWFN(aek_vsoftplus_avx2, aek_softplus_avx2)
