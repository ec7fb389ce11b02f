/*
 * lanes_neon.h — the lane helpers the NEON element-wise, regularizer and
 * optimizer kernels share: tail masks, exact widening into double
 * accumulators, and the activation derivative from a stored output.
 */
#ifndef AEKIT_LANES_NEON_H
#define AEKIT_LANES_NEON_H

#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>

#include "../../src/aekit.h"

#define AEK_INLINE static inline __attribute__((always_inline))

/* tail_tab + 4 − r holds r all-ones lanes, then zeros. */
static const uint32_t aek_neon_tail_tab[8] = {~0u, ~0u, ~0u, ~0u, 0, 0, 0, 0};

AEK_INLINE uint32x4_t tail_mask(size_t r) { return vld1q_u32(aek_neon_tail_tab + 4 - r); }

/* lo/hi += the 4 lanes of t widened to double (exact). */
AEK_INLINE void acc_widen(float32x4_t t, float64x2_t *lo, float64x2_t *hi)
{
    *lo = vaddq_f64(*lo, vcvt_f64_f32(vget_low_f32(t)));
    *hi = vaddq_f64(*hi, vcvt_high_f64_f32(t));
}

/* s = f'(a) from the stored output h = f(a) (kernels.h): sigmoid h − h²,
 * tanh 1 − h² (each one FMA rounding), relu [h > 0], linear 1. */
AEK_INLINE float32x4_t deriv_s(aek_act f, float32x4_t h)
{
    const float32x4_t one = vdupq_n_f32(1.0f);
    switch (f) {
    case AEK_ACT_SIGMOID: return vfmsq_f32(h, h, h);
    case AEK_ACT_TANH: return vfmsq_f32(one, h, h);
    case AEK_ACT_RELU:
        return vreinterpretq_f32_u32(
            vandq_u32(vcgtq_f32(h, vdupq_n_f32(0.0f)), vreinterpretq_u32_f32(one)));
    default: return one;
    }
}

#endif
