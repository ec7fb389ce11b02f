/*
 * optim_avx2.c — optimizer updates of the AVX2+FMA set (contracts in
 * simd/kernels.h):
 *   sgd   v = μ·v + g;  w −= lr·v                               (PyTorch momentum)
 *   adam  m = β₁m + (1−β₁)g;  v = β₂v + (1−β₂)g²;  w −= lr_t·m/(√v + eps_t)
 * 8 lanes at a time, VMASKMOVPS tail.  sqrt and division are the correctly
 * rounded VSQRTPS/VDIVPS (no reciprocal estimates), so every element carries
 * the same few roundings as the scalar reference, some of them fused.
 */
#include <immintrin.h>
#include <stdint.h>

#include "../kernels.h"
#include "lanes_avx2.h"

/* v = fma(μ, v, g) (1 rounding);  w = fnmadd(lr, v, w) (1 rounding). */
AEK_INLINE void sgd_step(float *w, const float *g, float *v, __m256 vlr, __m256 vmu, __m256i m,
                         int full)
{
    const __m256 vv = _mm256_fmadd_ps(vmu, ld(v, m, full), ld(g, m, full));
    st(v, vv, m, full);
    st(w, _mm256_fnmadd_ps(vlr, vv, ld(w, m, full)), m, full);
}

void aek_sgd_avx2(size_t n, float *w, const float *g, float *v, float lr, float mu)
{
    const __m256 vlr = _mm256_set1_ps(lr), vmu = _mm256_set1_ps(mu);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        sgd_step(w + i, g + i, v + i, vlr, vmu, _mm256_setzero_si256(), 1);
    if (i < n)
        sgd_step(w + i, g + i, v + i, vlr, vmu, tail_mask(n - i), 0);
}

/* m = fma(β₁, m, (1−β₁)·g) and v = fma(β₂, v, ((1−β₂)·g)·g); 1 − β is exact
 * for β ∈ [½, 1] (Sterbenz).  w = w − (lr_t·m)/(√v + eps_t): the new m and v
 * as stored, one rounding each for ·, √, +, / and −. */
AEK_INLINE void adam_step(float *w, const float *g, float *m, float *v, __m256 vb1, __m256 vc1,
                          __m256 vb2, __m256 vc2, __m256 vlr, __m256 veps, __m256i k, int full)
{
    const __m256 vg = ld(g, k, full);
    const __m256 vm = _mm256_fmadd_ps(vb1, ld(m, k, full), _mm256_mul_ps(vc1, vg));
    const __m256 vv = _mm256_fmadd_ps(vb2, ld(v, k, full), _mm256_mul_ps(_mm256_mul_ps(vc2, vg), vg));
    st(m, vm, k, full);
    st(v, vv, k, full);
    const __m256 q = _mm256_div_ps(_mm256_mul_ps(vlr, vm), _mm256_add_ps(_mm256_sqrt_ps(vv), veps));
    st(w, _mm256_sub_ps(ld(w, k, full), q), k, full);
}

void aek_adam_avx2(size_t n, float *w, const float *g, float *m, float *v,
                     const aek_adam_step *s)
{
    const __m256 vb1 = _mm256_set1_ps(s->b1), vc1 = _mm256_set1_ps(1.0f - s->b1);
    const __m256 vb2 = _mm256_set1_ps(s->b2), vc2 = _mm256_set1_ps(1.0f - s->b2);
    const __m256 vlr = _mm256_set1_ps(s->lr_t), veps = _mm256_set1_ps(s->eps_t);
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        adam_step(w + i, g + i, m + i, v + i, vb1, vc1, vb2, vc2, vlr, veps, _mm256_setzero_si256(), 1);
    if (i < n)
        adam_step(w + i, g + i, m + i, v + i, vb1, vc1, vb2, vc2, vlr, veps,
                  tail_mask(n - i), 0);
}
