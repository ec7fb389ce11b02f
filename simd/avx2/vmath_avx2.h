/*
 * vmath_avx2.h — PLACEHOLDER (to be replaced by the vector-math work):
 * element functions of the avx2 set on 8-lane vectors, inline so the GEMM
 * epilogue can apply them on registers.
 */
#ifndef AEKIT_VMATH_AVX2_H
#define AEKIT_VMATH_AVX2_H

#include <immintrin.h>
#include <math.h>
#include "../../src/aekit.h"

static inline __m256 aek_vmap8_placeholder(__m256 x, float (*f)(float))
{
    float t[8];
    _mm256_storeu_ps(t, x);
    for (int i = 0; i < 8; i++) t[i] = f(t[i]);
    return _mm256_loadu_ps(t);
}
static inline float aek_ph_sig512(float x) { return 1.0f / (1.0f + expf(-x)); }
static inline float aek_ph_sp512(float x) { return fmaxf(x, 0.0f) + log1pf(expf(-fabsf(x))); }
static inline __m256 aek_exp_avx2(__m256 x) { return aek_vmap8_placeholder(x, expf); }
static inline __m256 aek_sigmoid_avx2(__m256 x) { return aek_vmap8_placeholder(x, aek_ph_sig512); }
static inline __m256 aek_tanh_avx2(__m256 x) { return aek_vmap8_placeholder(x, tanhf); }
static inline __m256 aek_softplus_avx2(__m256 x) { return aek_vmap8_placeholder(x, aek_ph_sp512); }

static inline __m256 aek_act_avx2(__m256 x, aek_act a)
{
    switch (a) {
    case AEK_ACT_SIGMOID: return aek_sigmoid_avx2(x);
    case AEK_ACT_TANH: return aek_tanh_avx2(x);
    case AEK_ACT_RELU: return _mm256_max_ps(x, _mm256_setzero_ps());
    default: return x;
    }
}

void aek_vexp_avx2(size_t n, const float *x, float *y);
void aek_vsigmoid_avx2(size_t n, const float *x, float *y);
void aek_vtanh_avx2(size_t n, const float *x, float *y);
void aek_vsoftplus_avx2(size_t n, const float *x, float *y);

#endif
