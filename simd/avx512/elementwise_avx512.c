/*
 * elementwise_avx512.c — element-wise and reduction kernels of the AVX-512
 * set: act, loss_mse, loss_bce, colsum, axpy (contracts in simd/kernels.h;
 * hidden_bwd and cae_h are in regularizer_avx512.c, sgd and adam in
 * optim_avx512.c).
 *
 * Tails are masked: lanes at and past n are loaded with maskz (they read as 0
 * and touch no memory), never stored, and contribute 0 to every sum.
 * Sums: each float term is widened to double and added into 8-lane double
 * accumulators; which accumulator an element goes to depends only on its
 * index, and the final reduction is a fixed tree, so the result depends on n
 * only (not on alignment, not on the thread count).
 * Every kernel is written once as an always-inline body over constant
 * arguments (activation, which optional pointers are present) and
 * instantiated per case, so the inner loops carry no branches.
 */
#include <immintrin.h>

#include "../kernels.h"
#include "lanes_avx512.h"
#include "vmath_avx512.h"

/* ---- act: y = f(x + bias) ------------------------------------------------ */

AEK_INLINE __m512 biased(__m512 v, const float *bias, size_t i, __mmask16 m)
{
    return bias ? _mm512_add_ps(v, _mm512_maskz_loadu_ps(m, bias + i)) : v;
}

AEK_INLINE void act_body(size_t n, aek_act f, const float *bias, const float *x, float *y)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, aek_act_avx512(biased(_mm512_loadu_ps(x + i), bias, i, 0xFFFF), f));
    if (i < n) {
        const __mmask16 m = tail_mask(n - i);
        const __m512 v = biased(_mm512_maskz_loadu_ps(m, x + i), bias, i, m);
        _mm512_mask_storeu_ps(y + i, m, aek_act_avx512(v, f));
    }
}

AEK_INLINE void act_case(size_t n, aek_act f, const float *bias, const float *x, float *y)
{
    if (bias)
        act_body(n, f, bias, x, y);
    else
        act_body(n, f, NULL, x, y);
}

void aek_act_rows_avx512(size_t n, aek_act act, const float *bias, const float *x, float *y)
{
    switch (act) {
    case AEK_ACT_SIGMOID: act_case(n, AEK_ACT_SIGMOID, bias, x, y); break;
    case AEK_ACT_TANH: act_case(n, AEK_ACT_TANH, bias, x, y); break;
    case AEK_ACT_RELU: act_case(n, AEK_ACT_RELU, bias, x, y); break;
    default: act_case(n, AEK_ACT_IDENTITY, bias, x, y); break;
    }
}

/* ---- loss_mse: Σ (xhat − x)²,  dz = scale·(xhat − x)·f'(xhat) ------------- */

/* d = xhat − x is rounded once in float; d² is exact in double (24+24 bits),
 * so each term carries only the rounding of d and of the double add. */
AEK_INLINE void mse_step(__m512 vxh, __m512 vx, __m512 vscale, aek_act f, int has_dz, float *dz,
                         __mmask16 m, int full, __m512d *lo, __m512d *hi)
{
    const __m512 d = _mm512_sub_ps(vxh, vx);
    const __m512d dlo = _mm512_cvtps_pd(_mm512_castps512_ps256(d));
    const __m512d dhi = _mm512_cvtps_pd(_mm512_extractf32x8_ps(d, 1));
    *lo = _mm512_fmadd_pd(dlo, dlo, *lo);
    *hi = _mm512_fmadd_pd(dhi, dhi, *hi);
    if (has_dz) {
        __m512 v = _mm512_mul_ps(vscale, d);
        if (f != AEK_ACT_IDENTITY)
            v = _mm512_mul_ps(v, deriv_s(f, vxh));
        if (full)
            _mm512_storeu_ps(dz, v);
        else
            _mm512_mask_storeu_ps(dz, m, v);
    }
}

AEK_INLINE double mse_body(size_t n, const float *xhat, const float *x, aek_act f, float scale,
                           float *dz, int has_dz)
{
    const __m512 vscale = _mm512_set1_ps(scale);
    __m512d acc0 = _mm512_setzero_pd(), acc1 = _mm512_setzero_pd();
    __m512d acc2 = _mm512_setzero_pd(), acc3 = _mm512_setzero_pd();
    size_t i = 0;
    /* two vectors per iteration: four independent double add chains */
    for (; i + 32 <= n; i += 32) {
        mse_step(_mm512_loadu_ps(xhat + i), _mm512_loadu_ps(x + i), vscale, f, has_dz,
                 has_dz ? dz + i : NULL, 0, 1, &acc0, &acc1);
        mse_step(_mm512_loadu_ps(xhat + i + 16), _mm512_loadu_ps(x + i + 16), vscale, f, has_dz,
                 has_dz ? dz + i + 16 : NULL, 0, 1, &acc2, &acc3);
    }
    for (; i + 16 <= n; i += 16)
        mse_step(_mm512_loadu_ps(xhat + i), _mm512_loadu_ps(x + i), vscale, f, has_dz,
                 has_dz ? dz + i : NULL, 0, 1, &acc0, &acc1);
    if (i < n) {
        const __mmask16 m = tail_mask(n - i); /* masked lanes: d = 0 − 0 = 0 */
        mse_step(_mm512_maskz_loadu_ps(m, xhat + i), _mm512_maskz_loadu_ps(m, x + i), vscale, f,
                 has_dz, has_dz ? dz + i : NULL, m, 0, &acc2, &acc3);
    }
    return _mm512_reduce_add_pd(_mm512_add_pd(_mm512_add_pd(acc0, acc1), _mm512_add_pd(acc2, acc3)));
}

double aek_loss_mse_avx512(size_t n, const float *xhat, const float *x, aek_act f, float scale,
                           float *dz)
{
#define MSE_CASE(F)                                                                       \
    case F: return dz ? mse_body(n, xhat, x, F, scale, dz, 1) : mse_body(n, xhat, x, F, scale, NULL, 0);
    switch (f) {
    MSE_CASE(AEK_ACT_SIGMOID)
    MSE_CASE(AEK_ACT_TANH)
    MSE_CASE(AEK_ACT_RELU)
    default: break;
    }
    return dz ? mse_body(n, xhat, x, AEK_ACT_IDENTITY, scale, dz, 1)
              : mse_body(n, xhat, x, AEK_ACT_IDENTITY, scale, NULL, 0);
#undef MSE_CASE
}

/* ---- loss_bce: Σ softplus(z) − x·z,  xhat = σ(z),  dz = scale·(σ(z) − x) --- */

AEK_INLINE void bce_step(__m512 vz, __m512 vx, __m512 vscale, int has_xhat, int has_dz,
                         float *xhat, float *dz, __mmask16 m, int full, __m512d *lo, __m512d *hi)
{
    /* softplus(z) − x·z with one rounding for the difference */
    __m512 t = _mm512_fnmadd_ps(vx, vz, aek_softplus_avx512(vz));
    if (!full)
        t = _mm512_maskz_mov_ps(m, t); /* padded lanes would add softplus(0) = log 2 */
    acc_widen(t, lo, hi);
    if (has_xhat || has_dz) {
        const __m512 p = aek_sigmoid_avx512(vz);
        if (has_xhat) {
            if (full)
                _mm512_storeu_ps(xhat, p);
            else
                _mm512_mask_storeu_ps(xhat, m, p);
        }
        if (has_dz) {
            const __m512 v = _mm512_mul_ps(vscale, _mm512_sub_ps(p, vx));
            if (full)
                _mm512_storeu_ps(dz, v);
            else
                _mm512_mask_storeu_ps(dz, m, v);
        }
    }
}

AEK_INLINE double bce_body(size_t n, const float *z, const float *x, float scale, float *xhat,
                           float *dz, int has_xhat, int has_dz)
{
    const __m512 vscale = _mm512_set1_ps(scale);
    __m512d acc0 = _mm512_setzero_pd(), acc1 = _mm512_setzero_pd();
    size_t i = 0;
    for (; i + 16 <= n; i += 16)
        bce_step(_mm512_loadu_ps(z + i), _mm512_loadu_ps(x + i), vscale, has_xhat, has_dz,
                 has_xhat ? xhat + i : NULL, has_dz ? dz + i : NULL, 0, 1, &acc0, &acc1);
    if (i < n) {
        const __mmask16 m = tail_mask(n - i);
        bce_step(_mm512_maskz_loadu_ps(m, z + i), _mm512_maskz_loadu_ps(m, x + i), vscale,
                 has_xhat, has_dz, has_xhat ? xhat + i : NULL, has_dz ? dz + i : NULL, m, 0,
                 &acc0, &acc1);
    }
    return _mm512_reduce_add_pd(_mm512_add_pd(acc0, acc1));
}

double aek_loss_bce_avx512(size_t n, const float *z, const float *x, float scale, float *xhat,
                           float *dz)
{
    if (xhat && dz)
        return bce_body(n, z, x, scale, xhat, dz, 1, 1);
    if (xhat)
        return bce_body(n, z, x, scale, xhat, NULL, 1, 0);
    if (dz)
        return bce_body(n, z, x, scale, NULL, dz, 0, 1);
    return bce_body(n, z, x, scale, NULL, NULL, 0, 0);
}

/* ---- colsum: out[j] = Σ_i x[i·cols + j], rows added in order -------------- */

/* A block of up to 8 vectors (128 columns) kept in registers over all rows:
 * one load and one add per 16 elements, and each column's sum is the same
 * sequence of float adds as in the scalar loop (bitwise equal results).
 * nv is a compile-time constant; the last vector may be partial (mask). */
AEK_INLINE void colsum_block(size_t rows, size_t cols, const float *x, float *out, int nv,
                             __mmask16 last)
{
    __m512 acc[8];
#pragma GCC unroll 8
    for (int v = 0; v < 8; v++)
        acc[v] = _mm512_setzero_ps();
    for (size_t i = 0; i < rows; i++) {
        const float *xr = x + i * cols;
#pragma GCC unroll 8
        for (int v = 0; v < nv; v++)
            acc[v] = _mm512_add_ps(acc[v], v == nv - 1 ? _mm512_maskz_loadu_ps(last, xr + 16 * v)
                                                       : _mm512_loadu_ps(xr + 16 * v));
    }
#pragma GCC unroll 8
    for (int v = 0; v < nv; v++) {
        if (v == nv - 1)
            _mm512_mask_storeu_ps(out + 16 * v, last, acc[v]);
        else
            _mm512_storeu_ps(out + 16 * v, acc[v]);
    }
}

void aek_colsum_avx512(size_t rows, size_t cols, const float *x, float *out)
{
    size_t j = 0;
    for (; j + 128 <= cols; j += 128)
        colsum_block(rows, cols, x + j, out + j, 8, (__mmask16)0xFFFF);
    if (j < cols) {
        const size_t r = cols - j, nv = (r + 15) / 16;
        const __mmask16 last = r % 16 ? tail_mask(r % 16) : (__mmask16)0xFFFF;
        switch (nv) {
        case 1: colsum_block(rows, cols, x + j, out + j, 1, last); break;
        case 2: colsum_block(rows, cols, x + j, out + j, 2, last); break;
        case 3: colsum_block(rows, cols, x + j, out + j, 3, last); break;
        case 4: colsum_block(rows, cols, x + j, out + j, 4, last); break;
        case 5: colsum_block(rows, cols, x + j, out + j, 5, last); break;
        case 6: colsum_block(rows, cols, x + j, out + j, 6, last); break;
        case 7: colsum_block(rows, cols, x + j, out + j, 7, last); break;
        default: colsum_block(rows, cols, x + j, out + j, 8, last); break;
        }
    }
}

/* ---- row_sumsq: Σ x² per row in double -------------------------------------
 * Each product of two floats is exact in double; four 8-lane accumulators
 * (32 columns a step) break the add latency chain, and are reduced in a fixed
 * order, so the bits depend only on cols. */

void aek_row_sumsq_avx512(size_t rows, size_t cols, const float *x, float *out)
{
    for (size_t j = 0; j < rows; j++) {
        const float *r = x + j * cols;
        __m512d s0 = _mm512_setzero_pd(), s1 = _mm512_setzero_pd();
        __m512d s2 = _mm512_setzero_pd(), s3 = _mm512_setzero_pd();
        size_t i = 0;
        for (; i + 32 <= cols; i += 32) {
            __m512d a = _mm512_cvtps_pd(_mm256_loadu_ps(r + i));
            __m512d b = _mm512_cvtps_pd(_mm256_loadu_ps(r + i + 8));
            __m512d c = _mm512_cvtps_pd(_mm256_loadu_ps(r + i + 16));
            __m512d d = _mm512_cvtps_pd(_mm256_loadu_ps(r + i + 24));
            s0 = _mm512_fmadd_pd(a, a, s0);
            s1 = _mm512_fmadd_pd(b, b, s1);
            s2 = _mm512_fmadd_pd(c, c, s2);
            s3 = _mm512_fmadd_pd(d, d, s3);
        }
        for (; i < cols; i += 8) {
            const __mmask8 m = cols - i >= 8 ? (__mmask8)0xFF : (__mmask8)((1u << (cols - i)) - 1);
            __m512d a = _mm512_cvtps_pd(_mm256_maskz_loadu_ps(m, r + i));
            s0 = _mm512_fmadd_pd(a, a, s0);
        }
        s0 = _mm512_add_pd(_mm512_add_pd(s0, s1), _mm512_add_pd(s2, s3));
        out[j] = (float)_mm512_reduce_add_pd(s0);
    }
}

/* ---- axpy: y += a·x (one FMA rounding per element) ------------------------ */

void aek_axpy_avx512(size_t n, float a, const float *x, float *y)
{
    const __m512 va = _mm512_set1_ps(a);
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        _mm512_storeu_ps(y + i, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
        _mm512_storeu_ps(y + i + 16, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + i + 16),
                                                     _mm512_loadu_ps(y + i + 16)));
    }
    for (; i + 16 <= n; i += 16)
        _mm512_storeu_ps(y + i, _mm512_fmadd_ps(va, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
    if (i < n) {
        const __mmask16 m = tail_mask(n - i);
        _mm512_mask_storeu_ps(y + i, m, _mm512_fmadd_ps(va, _mm512_maskz_loadu_ps(m, x + i),
                                                        _mm512_maskz_loadu_ps(m, y + i)));
    }
}
