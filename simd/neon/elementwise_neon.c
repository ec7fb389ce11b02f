/*
 * elementwise_neon.c — element-wise and reduction kernels of the NEON set
 * (AArch64 Advanced SIMD, FMA): act, loss_mse, loss_bce, colsum, axpy
 * (contracts in simd/kernels.h; hidden_bwd and cae_h are in
 * regularizer_neon.c, sgd and adam in optim_neon.c).
 *
 * Tails: NEON has no masked loads or stores, so the last n mod 4 elements go
 * through zero-padded 4-float stack buffers and the same vector code as a
 * full vector; nothing outside [0, n) is read or written.  Padded lanes
 * contribute 0 to every sum (masked where the term of a 0 input is not 0).
 * Sums: each float term is widened to double and added into 2-lane double
 * accumulators; which accumulator an element goes to depends only on its
 * index, and the final reduction is a fixed tree, so the result depends on n
 * only (not on alignment, not on the thread count).
 * Every kernel is written once as an always-inline body over constant
 * arguments (activation, which optional pointers are present) and
 * instantiated per case, so the inner loops carry no branches.
 */
#include <arm_neon.h>
#include <stdint.h>
#include <string.h>

#include "../kernels.h"
#include "lanes_neon.h"
#include "vmath_neon.h"

/* ---- act: y = f(x + bias) ------------------------------------------------ */

AEK_INLINE float32x4_t biased(float32x4_t v, const float *bias, size_t i)
{
    return bias ? vaddq_f32(v, vld1q_f32(bias + i)) : v;
}

AEK_INLINE void act_body(size_t n, aek_act f, const float *bias, const float *x, float *y)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const float32x4_t y0 = aek_act_neon(biased(vld1q_f32(x + i), bias, i), f);
        const float32x4_t y1 = aek_act_neon(biased(vld1q_f32(x + i + 4), bias, i + 4), f);
        vst1q_f32(y + i, y0);
        vst1q_f32(y + i + 4, y1);
    }
    for (; i + 4 <= n; i += 4)
        vst1q_f32(y + i, aek_act_neon(biased(vld1q_f32(x + i), bias, i), f));
    if (i < n) {
        float buf[4] = {0}, bbuf[4] = {0};
        memcpy(buf, x + i, (n - i) * sizeof(float));
        if (bias)
            memcpy(bbuf, bias + i, (n - i) * sizeof(float));
        vst1q_f32(buf, aek_act_neon(biased(vld1q_f32(buf), bias ? bbuf : NULL, 0), f));
        memcpy(y + i, buf, (n - i) * sizeof(float));
    }
}

AEK_INLINE void act_case(size_t n, aek_act f, const float *bias, const float *x, float *y)
{
    if (bias)
        act_body(n, f, bias, x, y);
    else
        act_body(n, f, NULL, x, y);
}

void aek_act_rows_neon(size_t n, aek_act act, const float *bias, const float *x, float *y)
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
AEK_INLINE void mse_step(const float *xhat, const float *x, float32x4_t vscale, aek_act f,
                         int has_dz, float *dz, float64x2_t *lo, float64x2_t *hi)
{
    const float32x4_t vxh = vld1q_f32(xhat);
    const float32x4_t d = vsubq_f32(vxh, vld1q_f32(x));
    const float64x2_t dlo = vcvt_f64_f32(vget_low_f32(d)), dhi = vcvt_high_f64_f32(d);
    *lo = vfmaq_f64(*lo, dlo, dlo);
    *hi = vfmaq_f64(*hi, dhi, dhi);
    if (has_dz) {
        float32x4_t v = vmulq_f32(vscale, d);
        if (f != AEK_ACT_IDENTITY)
            v = vmulq_f32(v, deriv_s(f, vxh));
        vst1q_f32(dz, v);
    }
}

AEK_INLINE double mse_body(size_t n, const float *xhat, const float *x, aek_act f, float scale,
                           float *dz, int has_dz)
{
    const float32x4_t vscale = vdupq_n_f32(scale);
    float64x2_t acc0 = vdupq_n_f64(0), acc1 = vdupq_n_f64(0);
    float64x2_t acc2 = vdupq_n_f64(0), acc3 = vdupq_n_f64(0);
    size_t i = 0;
    /* two vectors per iteration: four independent double add chains */
    for (; i + 8 <= n; i += 8) {
        mse_step(xhat + i, x + i, vscale, f, has_dz, has_dz ? dz + i : NULL, &acc0, &acc1);
        mse_step(xhat + i + 4, x + i + 4, vscale, f, has_dz, has_dz ? dz + i + 4 : NULL, &acc2,
                 &acc3);
    }
    for (; i + 4 <= n; i += 4)
        mse_step(xhat + i, x + i, vscale, f, has_dz, has_dz ? dz + i : NULL, &acc0, &acc1);
    if (i < n) { /* padded lanes: d = 0 − 0 = 0 */
        const size_t r = n - i;
        float bxh[4] = {0}, bx[4] = {0}, bdz[4];
        memcpy(bxh, xhat + i, r * sizeof(float));
        memcpy(bx, x + i, r * sizeof(float));
        mse_step(bxh, bx, vscale, f, has_dz, bdz, &acc2, &acc3);
        if (has_dz)
            memcpy(dz + i, bdz, r * sizeof(float));
    }
    return vaddvq_f64(vaddq_f64(vaddq_f64(acc0, acc1), vaddq_f64(acc2, acc3)));
}

double aek_loss_mse_neon(size_t n, const float *xhat, const float *x, aek_act f, float scale,
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

AEK_INLINE void bce_step(const float *z, const float *x, float32x4_t vscale, int has_xhat,
                         int has_dz, float *xhat, float *dz, uint32x4_t m, int full,
                         float64x2_t *lo, float64x2_t *hi)
{
    const float32x4_t vz = vld1q_f32(z), vx = vld1q_f32(x);
    /* softplus(z) − x·z with one rounding for the difference */
    float32x4_t t = vfmsq_f32(aek_softplus_neon(vz), vx, vz);
    if (!full) /* padded lanes would add softplus(0) = log 2 */
        t = vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(t), m));
    acc_widen(t, lo, hi);
    if (has_xhat || has_dz) {
        const float32x4_t p = aek_sigmoid_neon(vz);
        if (has_xhat)
            vst1q_f32(xhat, p);
        if (has_dz)
            vst1q_f32(dz, vmulq_f32(vscale, vsubq_f32(p, vx)));
    }
}

AEK_INLINE double bce_body(size_t n, const float *z, const float *x, float scale, float *xhat,
                           float *dz, int has_xhat, int has_dz)
{
    const float32x4_t vscale = vdupq_n_f32(scale);
    const uint32x4_t all = vdupq_n_u32(~0u);
    float64x2_t acc0 = vdupq_n_f64(0), acc1 = vdupq_n_f64(0);
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        bce_step(z + i, x + i, vscale, has_xhat, has_dz, has_xhat ? xhat + i : NULL,
                 has_dz ? dz + i : NULL, all, 1, &acc0, &acc1);
    if (i < n) {
        const size_t r = n - i;
        float bz[4] = {0}, bx[4] = {0}, bxh[4], bdz[4];
        memcpy(bz, z + i, r * sizeof(float));
        memcpy(bx, x + i, r * sizeof(float));
        bce_step(bz, bx, vscale, has_xhat, has_dz, bxh, bdz, tail_mask(r), 0, &acc0, &acc1);
        if (has_xhat)
            memcpy(xhat + i, bxh, r * sizeof(float));
        if (has_dz)
            memcpy(dz + i, bdz, r * sizeof(float));
    }
    return vaddvq_f64(vaddq_f64(acc0, acc1));
}

double aek_loss_bce_neon(size_t n, const float *z, const float *x, float scale, float *xhat,
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

/* nv (compile-time, ≤ 8) full vectors of columns kept in registers over all
 * rows: one load and one add per 4 elements, and each column's sum is the
 * same sequence of float adds as in the scalar loop (bitwise equal). */
AEK_INLINE void colsum_block(size_t rows, size_t cols, const float *x, float *out, int nv)
{
    float32x4_t acc[8];
#pragma GCC unroll 8
    for (int v = 0; v < 8; v++)
        acc[v] = vdupq_n_f32(0.0f);
    for (size_t i = 0; i < rows; i++) {
        const float *xr = x + i * cols;
#pragma GCC unroll 8
        for (int v = 0; v < nv; v++)
            acc[v] = vaddq_f32(acc[v], vld1q_f32(xr + 4 * v));
    }
#pragma GCC unroll 8
    for (int v = 0; v < nv; v++)
        vst1q_f32(out + 4 * v, acc[v]);
}

void aek_colsum_neon(size_t rows, size_t cols, const float *x, float *out)
{
    size_t j = 0;
    for (; j + 32 <= cols; j += 32)
        colsum_block(rows, cols, x + j, out + j, 8);
    switch ((cols - j) / 4) {
    case 1: colsum_block(rows, cols, x + j, out + j, 1); break;
    case 2: colsum_block(rows, cols, x + j, out + j, 2); break;
    case 3: colsum_block(rows, cols, x + j, out + j, 3); break;
    case 4: colsum_block(rows, cols, x + j, out + j, 4); break;
    case 5: colsum_block(rows, cols, x + j, out + j, 5); break;
    case 6: colsum_block(rows, cols, x + j, out + j, 6); break;
    case 7: colsum_block(rows, cols, x + j, out + j, 7); break;
    default: break;
    }
    j += (cols - j) / 4 * 4;
    for (; j < cols; j++) { /* the last cols mod 4: the same float adds, one lane */
        float s = 0.0f;
        for (size_t i = 0; i < rows; i++)
            s += x[i * cols + j];
        out[j] = s;
    }
}

/* ---- axpy: y += a·x (one FMA rounding per element) ------------------------ */

void aek_axpy_neon(size_t n, float a, const float *x, float *y)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const float32x4_t y0 = vfmaq_n_f32(vld1q_f32(y + i), vld1q_f32(x + i), a);
        const float32x4_t y1 = vfmaq_n_f32(vld1q_f32(y + i + 4), vld1q_f32(x + i + 4), a);
        vst1q_f32(y + i, y0);
        vst1q_f32(y + i + 4, y1);
    }
    for (; i + 4 <= n; i += 4)
        vst1q_f32(y + i, vfmaq_n_f32(vld1q_f32(y + i), vld1q_f32(x + i), a));
    if (i < n) {
        float bx[4] = {0}, by[4] = {0};
        memcpy(bx, x + i, (n - i) * sizeof(float));
        memcpy(by, y + i, (n - i) * sizeof(float));
        vst1q_f32(by, vfmaq_n_f32(vld1q_f32(by), vld1q_f32(bx), a));
        memcpy(y + i, by, (n - i) * sizeof(float));
    }
}
