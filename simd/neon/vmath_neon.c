/*
 * vmath_neon.c — row functions of the neon set.  Two vectors of 4 per step
 * (independent chains for the FMA pipes), then single vectors, then the
 * last n mod 4 elements through a zero-padded stack buffer, so nothing
 * outside x[0..n) is read or y[0..n) written, and every element is computed
 * by the same vector code as in a full vector.
 */
#include <string.h>

#include "vmath_neon.h"

#define ROWFN(name, f)                                                        \
    void name(size_t n, const float *x, float *y)                             \
    {                                                                         \
        size_t i = 0;                                                         \
        for (; i + 8 <= n; i += 8) {                                          \
            const float32x4_t y0 = f(vld1q_f32(x + i));                       \
            const float32x4_t y1 = f(vld1q_f32(x + i + 4));                   \
            vst1q_f32(y + i, y0);                                             \
            vst1q_f32(y + i + 4, y1);                                         \
        }                                                                     \
        for (; i + 4 <= n; i += 4)                                            \
            vst1q_f32(y + i, f(vld1q_f32(x + i)));                            \
        if (i < n) {                                                          \
            float buf[4] = {0};                                               \
            memcpy(buf, x + i, (n - i) * sizeof(float));                      \
            vst1q_f32(buf, f(vld1q_f32(buf)));                                \
            memcpy(y + i, buf, (n - i) * sizeof(float));                      \
        }                                                                     \
    }

ROWFN(aek_vexp_neon, aek_exp_neon)
ROWFN(aek_vsigmoid_neon, aek_sigmoid_neon)
ROWFN(aek_vtanh_neon, aek_tanh_neon)
ROWFN(aek_vsoftplus_neon, aek_softplus_neon)
