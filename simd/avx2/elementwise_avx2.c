/*
 * elementwise_avx2.c — element-wise and reduction kernels of the AVX2+FMA
 * set: act, loss_mse, loss_bce, colsum, axpy (contracts in simd/kernels.h;
 * hidden_bwd and cae_h are in regularizer_avx2.c, sgd and adam in
 * optim_avx2.c).
 *
 * Tails: the last n mod 8 elements go through VMASKMOVPS loads and stores;
 * masked-off lanes are never touched in memory (no fault, no over-read),
 * load as 0, and contribute 0 to every sum.
 * Sums: each float term is widened to double and added into 4-lane double
 * accumulators; which accumulator an element goes to depends only on its
 * index, and the final reduction is a fixed tree, so the result depends on n
 * only (not on alignment, not on the thread count).
 * Every kernel is written once as an always-inline body over constant
 * arguments (activation, which optional pointers are present) and
 * instantiated per case, so the inner loops carry no branches.
 */
#include <immintrin.h>
#include <stdint.h>

#include "../kernels.h"
#include "lanes_avx2.h"
#include "vmath_avx2.h"

/* ---- act: y = f(x + bias) ------------------------------------------------ */

AEK_INLINE void act_body(size_t n, aek_act f, const float *bias, const float *x, float *y)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 v = _mm256_loadu_ps(x + i);
        if (bias)
            v = _mm256_add_ps(v, _mm256_loadu_ps(bias + i));
        _mm256_storeu_ps(y + i, aek_act_avx2(v, f));
    }
    if (i < n) {
        const __m256i m = tail_mask(n - i);
        __m256 v = _mm256_maskload_ps(x + i, m);
        if (bias)
            v = _mm256_add_ps(v, _mm256_maskload_ps(bias + i, m));
        _mm256_maskstore_ps(y + i, m, aek_act_avx2(v, f));
    }
}

AEK_INLINE void act_case(size_t n, aek_act f, const float *bias, const float *x, float *y)
{
    if (bias)
        act_body(n, f, bias, x, y);
    else
        act_body(n, f, NULL, x, y);
}

void aek_act_rows_avx2(size_t n, aek_act act, const float *bias, const float *x, float *y)
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
AEK_INLINE void mse_step(__m256 vxh, __m256 vx, __m256 vscale, aek_act f, int has_dz, float *dz,
                         __m256i m, int full, __m256d *lo, __m256d *hi)
{
    const __m256 d = _mm256_sub_ps(vxh, vx);
    const __m256d dlo = _mm256_cvtps_pd(_mm256_castps256_ps128(d));
    const __m256d dhi = _mm256_cvtps_pd(_mm256_extractf128_ps(d, 1));
    *lo = _mm256_fmadd_pd(dlo, dlo, *lo);
    *hi = _mm256_fmadd_pd(dhi, dhi, *hi);
    if (has_dz) {
        __m256 v = _mm256_mul_ps(vscale, d);
        if (f != AEK_ACT_IDENTITY)
            v = _mm256_mul_ps(v, deriv_s(f, vxh));
        st(dz, v, m, full);
    }
}

AEK_INLINE double mse_body(size_t n, const float *xhat, const float *x, aek_act f, float scale,
                           float *dz, int has_dz)
{
    const __m256 vscale = _mm256_set1_ps(scale);
    const __m256i none = _mm256_setzero_si256();
    __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
    __m256d acc2 = _mm256_setzero_pd(), acc3 = _mm256_setzero_pd();
    size_t i = 0;
    /* two vectors per iteration: four independent double add chains */
    for (; i + 16 <= n; i += 16) {
        mse_step(_mm256_loadu_ps(xhat + i), _mm256_loadu_ps(x + i), vscale, f, has_dz,
                 has_dz ? dz + i : NULL, none, 1, &acc0, &acc1);
        mse_step(_mm256_loadu_ps(xhat + i + 8), _mm256_loadu_ps(x + i + 8), vscale, f, has_dz,
                 has_dz ? dz + i + 8 : NULL, none, 1, &acc2, &acc3);
    }
    for (; i + 8 <= n; i += 8)
        mse_step(_mm256_loadu_ps(xhat + i), _mm256_loadu_ps(x + i), vscale, f, has_dz,
                 has_dz ? dz + i : NULL, none, 1, &acc0, &acc1);
    if (i < n) {
        const __m256i m = tail_mask(n - i); /* masked lanes: d = 0 − 0 = 0 */
        mse_step(_mm256_maskload_ps(xhat + i, m), _mm256_maskload_ps(x + i, m), vscale, f, has_dz,
                 has_dz ? dz + i : NULL, m, 0, &acc2, &acc3);
    }
    return hsum_pd(_mm256_add_pd(_mm256_add_pd(acc0, acc1), _mm256_add_pd(acc2, acc3)));
}

double aek_loss_mse_avx2(size_t n, const float *xhat, const float *x, aek_act f, float scale,
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

AEK_INLINE void bce_step(__m256 vz, __m256 vx, __m256 vscale, int has_xhat, int has_dz,
                         float *xhat, float *dz, __m256i m, int full, __m256d *lo, __m256d *hi)
{
    /* softplus(z) − x·z with one rounding for the difference */
    __m256 t = _mm256_fnmadd_ps(vx, vz, aek_softplus_avx2(vz));
    if (!full)
        t = _mm256_and_ps(t, _mm256_castsi256_ps(m)); /* padded lanes would add log 2 */
    acc_widen(t, lo, hi);
    if (has_xhat || has_dz) {
        const __m256 p = aek_sigmoid_avx2(vz);
        if (has_xhat)
            st(xhat, p, m, full);
        if (has_dz)
            st(dz, _mm256_mul_ps(vscale, _mm256_sub_ps(p, vx)), m, full);
    }
}

AEK_INLINE double bce_body(size_t n, const float *z, const float *x, float scale, float *xhat,
                           float *dz, int has_xhat, int has_dz)
{
    const __m256 vscale = _mm256_set1_ps(scale);
    const __m256i none = _mm256_setzero_si256();
    __m256d acc0 = _mm256_setzero_pd(), acc1 = _mm256_setzero_pd();
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        bce_step(_mm256_loadu_ps(z + i), _mm256_loadu_ps(x + i), vscale, has_xhat, has_dz,
                 has_xhat ? xhat + i : NULL, has_dz ? dz + i : NULL, none, 1, &acc0, &acc1);
    if (i < n) {
        const __m256i m = tail_mask(n - i);
        bce_step(_mm256_maskload_ps(z + i, m), _mm256_maskload_ps(x + i, m), vscale, has_xhat,
                 has_dz, has_xhat ? xhat + i : NULL, has_dz ? dz + i : NULL, m, 0, &acc0, &acc1);
    }
    return hsum_pd(_mm256_add_pd(acc0, acc1));
}

double aek_loss_bce_avx2(size_t n, const float *z, const float *x, float scale, float *xhat,
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

/* A block of up to 8 vectors (64 columns) kept in registers over all rows:
 * one load and one add per 8 elements, and each column's sum is the same
 * sequence of float adds as in the scalar loop (bitwise equal results).
 * nv is a compile-time constant; the last vector may be partial (mask). */
AEK_INLINE void colsum_block(size_t rows, size_t cols, const float *x, float *out, int nv,
                             __m256i last, int last_full)
{
    __m256 acc[8];
#pragma GCC unroll 8
    for (int v = 0; v < 8; v++)
        acc[v] = _mm256_setzero_ps();
    for (size_t i = 0; i < rows; i++) {
        const float *xr = x + i * cols;
#pragma GCC unroll 8
        for (int v = 0; v < nv; v++)
            acc[v] = _mm256_add_ps(acc[v], ld(xr + 8 * v, last, v < nv - 1 || last_full));
    }
#pragma GCC unroll 8
    for (int v = 0; v < nv; v++)
        st(out + 8 * v, acc[v], last, v < nv - 1 || last_full);
}

void aek_colsum_avx2(size_t rows, size_t cols, const float *x, float *out)
{
    size_t j = 0;
    for (; j + 64 <= cols; j += 64)
        colsum_block(rows, cols, x + j, out + j, 8, _mm256_setzero_si256(), 1);
    if (j < cols) {
        const size_t r = cols - j, nv = (r + 7) / 8;
        const int full = r % 8 == 0;
        const __m256i last = tail_mask(full ? 0 : r % 8);
#define CS_CASE(NV) \
    case NV: full ? colsum_block(rows, cols, x + j, out + j, NV, last, 1) \
                  : colsum_block(rows, cols, x + j, out + j, NV, last, 0); break;
        switch (nv) {
        CS_CASE(1) CS_CASE(2) CS_CASE(3) CS_CASE(4) CS_CASE(5) CS_CASE(6) CS_CASE(7)
        default: CS_CASE(8)
        }
#undef CS_CASE
    }
}

/* ---- row_sumsq: Σ x² per row in double -------------------------------------
 * Each product of two floats is exact in double; four 4-lane accumulators
 * (16 columns a step) reduced in a fixed order, then the last cols mod 16
 * one at a time, so the bits depend only on cols. */

void aek_row_sumsq_avx2(size_t rows, size_t cols, const float *x, float *out)
{
    for (size_t j = 0; j < rows; j++) {
        const float *r = x + j * cols;
        __m256d s0 = _mm256_setzero_pd(), s1 = _mm256_setzero_pd();
        __m256d s2 = _mm256_setzero_pd(), s3 = _mm256_setzero_pd();
        size_t i = 0;
        for (; i + 16 <= cols; i += 16) {
            __m256d a = _mm256_cvtps_pd(_mm_loadu_ps(r + i));
            __m256d b = _mm256_cvtps_pd(_mm_loadu_ps(r + i + 4));
            __m256d c = _mm256_cvtps_pd(_mm_loadu_ps(r + i + 8));
            __m256d d = _mm256_cvtps_pd(_mm_loadu_ps(r + i + 12));
            s0 = _mm256_fmadd_pd(a, a, s0);
            s1 = _mm256_fmadd_pd(b, b, s1);
            s2 = _mm256_fmadd_pd(c, c, s2);
            s3 = _mm256_fmadd_pd(d, d, s3);
        }
        s0 = _mm256_add_pd(_mm256_add_pd(s0, s1), _mm256_add_pd(s2, s3));
        double l[4];
        _mm256_storeu_pd(l, s0);
        double s = (l[0] + l[1]) + (l[2] + l[3]);
        for (; i < cols; i++)
            s += (double)r[i] * r[i];
        out[j] = (float)s;
    }
}

/* ---- axpy: y += a·x (one FMA rounding per element) ------------------------ */

void aek_axpy_avx2(size_t n, float a, const float *x, float *y)
{
    const __m256 va = _mm256_set1_ps(a);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
        _mm256_storeu_ps(y + i + 8, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i + 8),
                                                    _mm256_loadu_ps(y + i + 8)));
    }
    for (; i + 8 <= n; i += 8)
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(va, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    if (i < n) {
        const __m256i m = tail_mask(n - i);
        _mm256_maskstore_ps(y + i, m, _mm256_fmadd_ps(va, _mm256_maskload_ps(x + i, m),
                                                      _mm256_maskload_ps(y + i, m)));
    }
}
