/*
 * vmath_avx512.h — PLACEHOLDER (to be replaced by the vector-math work):
 * element functions of the avx512 set on 16-lane vectors, inline so the GEMM
 * epilogue can apply them on registers.
 */
#ifndef AEKIT_VMATH_AVX512_H
#define AEKIT_VMATH_AVX512_H

#include <immintrin.h>
#include <math.h>
#include "../../src/aekit.h"

static inline __m512 aek_vmap16_placeholder(__m512 x, float (*f)(float))
{
    float t[16];
    _mm512_storeu_ps(t, x);
    for (int i = 0; i < 16; i++) t[i] = f(t[i]);
    return _mm512_loadu_ps(t);
}
static inline float aek_ph_sig512(float x) { return 1.0f / (1.0f + expf(-x)); }
static inline float aek_ph_sp512(float x) { return fmaxf(x, 0.0f) + log1pf(expf(-fabsf(x))); }
static inline __m512 aek_exp_avx512(__m512 x) { return aek_vmap16_placeholder(x, expf); }
static inline __m512 aek_sigmoid_avx512(__m512 x) { return aek_vmap16_placeholder(x, aek_ph_sig512); }
static inline __m512 aek_tanh_avx512(__m512 x) { return aek_vmap16_placeholder(x, tanhf); }
static inline __m512 aek_softplus_avx512(__m512 x) { return aek_vmap16_placeholder(x, aek_ph_sp512); }

static inline __m512 aek_act_avx512(__m512 x, aek_act a)
{
    switch (a) {
    case AEK_ACT_SIGMOID: return aek_sigmoid_avx512(x);
    case AEK_ACT_TANH: return aek_tanh_avx512(x);
    case AEK_ACT_RELU: return _mm512_max_ps(x, _mm512_setzero_ps());
    default: return x;
    }
}

void aek_vexp_avx512(size_t n, const float *x, float *y);
void aek_vsigmoid_avx512(size_t n, const float *x, float *y);
void aek_vtanh_avx512(size_t n, const float *x, float *y);
void aek_vsoftplus_avx512(size_t n, const float *x, float *y);

#endif
