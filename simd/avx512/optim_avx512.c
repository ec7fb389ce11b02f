/*
 * optim_avx512.c — optimizer updates of the AVX-512 set (contracts in
 * simd/kernels.h):
 *   sgd   v = μ·v + g;  w −= lr·v                               (PyTorch momentum)
 *   adam  m = β₁m + (1−β₁)g;  v = β₂v + (1−β₂)g²;  w −= lr_t·m/(√v + eps_t)
 * 16 lanes at a time, masked tail.  sqrt and division are the correctly
 * rounded VSQRTPS/VDIVPS (no reciprocal estimates), so every element carries
 * the same few roundings as the scalar reference, some of them fused.
 */
#include <immintrin.h>

#include "../kernels.h"
#include "lanes_avx512.h"

/* v = fma(μ, v, g) (1 rounding);  w = fnmadd(lr, v, w) (1 rounding). */
AEK_INLINE void sgd_step(float *w, const float *g, float *v, __m512 vlr, __m512 vmu, __mmask16 m,
                         int full)
{
    const __m512 vv = _mm512_fmadd_ps(vmu, ld(v, m, full), ld(g, m, full));
    st(v, vv, m, full);
    st(w, _mm512_fnmadd_ps(vlr, vv, ld(w, m, full)), m, full);
}

void aek_sgd_avx512(size_t n, float *w, const float *g, float *v, float lr, float mu)
{
    const __m512 vlr = _mm512_set1_ps(lr), vmu = _mm512_set1_ps(mu);
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        sgd_step(w + i, g + i, v + i, vlr, vmu, 0, 1);
    if (i < n)
        sgd_step(w + i, g + i, v + i, vlr, vmu, (__mmask16)((1u << (n - i)) - 1u), 0);
}

/* m = fma(β₁, m, (1−β₁)·g) and v = fma(β₂, v, ((1−β₂)·g)·g); 1 − β is exact
 * for β ∈ [½, 1] (Sterbenz).  w = w − (lr_t·m)/(√v + eps_t): the new m and v
 * as stored, one rounding each for ·, √, +, / and −. */
AEK_INLINE void adam_step(float *w, const float *g, float *m, float *v, __m512 vb1, __m512 vc1,
                          __m512 vb2, __m512 vc2, __m512 vlr, __m512 veps, __mmask16 k, int full)
{
    const __m512 vg = ld(g, k, full);
    const __m512 vm = _mm512_fmadd_ps(vb1, ld(m, k, full), _mm512_mul_ps(vc1, vg));
    const __m512 vv = _mm512_fmadd_ps(vb2, ld(v, k, full), _mm512_mul_ps(_mm512_mul_ps(vc2, vg), vg));
    st(m, vm, k, full);
    st(v, vv, k, full);
    const __m512 q = _mm512_div_ps(_mm512_mul_ps(vlr, vm), _mm512_add_ps(_mm512_sqrt_ps(vv), veps));
    st(w, _mm512_sub_ps(ld(w, k, full), q), k, full);
}

void aek_adam_avx512(size_t n, float *w, const float *g, float *m, float *v,
                     const aek_adam_step *s)
{
    const __m512 vb1 = _mm512_set1_ps(s->b1), vc1 = _mm512_set1_ps(1.0f - s->b1);
    const __m512 vb2 = _mm512_set1_ps(s->b2), vc2 = _mm512_set1_ps(1.0f - s->b2);
    const __m512 vlr = _mm512_set1_ps(s->lr_t), veps = _mm512_set1_ps(s->eps_t);
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        adam_step(w + i, g + i, m + i, v + i, vb1, vc1, vb2, vc2, vlr, veps, 0, 1);
    if (i < n)
        adam_step(w + i, g + i, m + i, v + i, vb1, vc1, vb2, vc2, vlr, veps,
                  (__mmask16)((1u << (n - i)) - 1u), 0);
}
