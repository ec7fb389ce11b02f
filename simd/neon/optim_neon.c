/*
 * optim_neon.c — optimizer updates of the NEON set (contracts in
 * simd/kernels.h):
 *   sgd   v = μ·v + g;  w −= lr·v                               (PyTorch momentum)
 *   adam  m = β₁m + (1−β₁)g;  v = β₂v + (1−β₂)g²;  w −= lr_t·m/(√v + eps_t)
 * 4 lanes at a time; the last n mod 4 go through zero-padded stack buffers
 * and the same vector step.  sqrt and division are the correctly rounded
 * FSQRT/FDIV (no reciprocal estimates), so every element carries the same
 * few roundings as the scalar reference, some of them fused.
 */
#include <arm_neon.h>
#include <string.h>

#include "../kernels.h"
#include "lanes_neon.h"

/* v = g + μ·v (1 rounding);  w = w − lr·v (1 rounding). */
AEK_INLINE void sgd_step(float *w, const float *g, float *v, float32x4_t vlr, float32x4_t vmu)
{
    const float32x4_t vv = vfmaq_f32(vld1q_f32(g), vmu, vld1q_f32(v));
    vst1q_f32(v, vv);
    vst1q_f32(w, vfmsq_f32(vld1q_f32(w), vlr, vv));
}

void aek_sgd_neon(size_t n, float *w, const float *g, float *v, float lr, float mu)
{
    const float32x4_t vlr = vdupq_n_f32(lr), vmu = vdupq_n_f32(mu);
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        sgd_step(w + i, g + i, v + i, vlr, vmu);
    if (i < n) {
        const size_t r = n - i;
        float bw[4] = {0}, bg[4] = {0}, bv[4] = {0};
        memcpy(bw, w + i, r * sizeof(float));
        memcpy(bg, g + i, r * sizeof(float));
        memcpy(bv, v + i, r * sizeof(float));
        sgd_step(bw, bg, bv, vlr, vmu);
        memcpy(w + i, bw, r * sizeof(float));
        memcpy(v + i, bv, r * sizeof(float));
    }
}

/* m = (1−β₁)·g + β₁·m and v = ((1−β₂)·g)·g + β₂·v, one FMA each; 1 − β is
 * exact for β ∈ [½, 1] (Sterbenz).  w = w − (lr_t·m)/(√v + eps_t): the new
 * m and v as stored, one rounding each for ·, √, +, / and −.  Padded lanes
 * (g = v = 0) give 0/eps_t, finite. */
AEK_INLINE void adam_step(float *w, const float *g, float *m, float *v, float32x4_t vb1,
                          float32x4_t vc1, float32x4_t vb2, float32x4_t vc2, float32x4_t vlr,
                          float32x4_t veps)
{
    const float32x4_t vg = vld1q_f32(g);
    const float32x4_t vm = vfmaq_f32(vmulq_f32(vc1, vg), vb1, vld1q_f32(m));
    const float32x4_t vv = vfmaq_f32(vmulq_f32(vmulq_f32(vc2, vg), vg), vb2, vld1q_f32(v));
    vst1q_f32(m, vm);
    vst1q_f32(v, vv);
    const float32x4_t q = vdivq_f32(vmulq_f32(vlr, vm), vaddq_f32(vsqrtq_f32(vv), veps));
    vst1q_f32(w, vsubq_f32(vld1q_f32(w), q));
}

void aek_adam_neon(size_t n, float *w, const float *g, float *m, float *v, const aek_adam_step *s)
{
    const float32x4_t vb1 = vdupq_n_f32(s->b1), vc1 = vdupq_n_f32(1.0f - s->b1);
    const float32x4_t vb2 = vdupq_n_f32(s->b2), vc2 = vdupq_n_f32(1.0f - s->b2);
    const float32x4_t vlr = vdupq_n_f32(s->lr_t), veps = vdupq_n_f32(s->eps_t);
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        adam_step(w + i, g + i, m + i, v + i, vb1, vc1, vb2, vc2, vlr, veps);
    if (i < n) {
        const size_t r = n - i;
        float bw[4] = {0}, bg[4] = {0}, bm[4] = {0}, bv[4] = {0};
        memcpy(bw, w + i, r * sizeof(float));
        memcpy(bg, g + i, r * sizeof(float));
        memcpy(bm, m + i, r * sizeof(float));
        memcpy(bv, v + i, r * sizeof(float));
        adam_step(bw, bg, bm, bv, vb1, vc1, vb2, vc2, vlr, veps);
        memcpy(w + i, bw, r * sizeof(float));
        memcpy(m + i, bm, r * sizeof(float));
        memcpy(v + i, bv, r * sizeof(float));
    }
}
