/*
 * regularizer_neon.c — the hidden-layer passes of the NEON set: hidden_bwd
 * (activation derivative + KL column term + contractive penalty, one read
 * of h) and cae_h (CAE+H Jacobian difference).  Contracts in
 * simd/kernels.h; s = g'(a), s' = ds/da from the stored h:
 *   sigmoid  s = h − h²   s' = s(1 − 2h)     tanh  s = 1 − h²   s' = −2hs
 *   relu     s = [h > 0]  s' = 0             linear s = 1       s' = 0
 *
 * Rows are walked in order, 4 columns at a time; the last cols mod 4 of a
 * row go through zero-padded stack buffers and the same vector step (h = 0
 * and c = 0 there, so they add 0 to the penalty; only the real columns are
 * copied back).  Penalties are summed in double lanes, so for given
 * rows × cols the order is fixed.  Each pass is an always-inline body over
 * constant (activation, optional pointers) and is instantiated per case.
 */
#include <arm_neon.h>
#include <assert.h>
#include <string.h>

#include "../kernels.h"
#include "lanes_neon.h"

/* s' ≠ 0 only for the smooth activations. */
AEK_INLINE int has_sp(aek_act f) { return f == AEK_ACT_SIGMOID || f == AEK_ACT_TANH; }

/* s'/s for the smooth activations: sigmoid 1 − 2h (one FMA rounding), tanh
 * −2h (exact). */
AEK_INLINE float32x4_t deriv_sp_over_s(aek_act f, float32x4_t h)
{
    if (f == AEK_ACT_SIGMOID)
        return vfmsq_f32(vdupq_n_f32(1.0f), vdupq_n_f32(2.0f), h);
    return vmulq_f32(vdupq_n_f32(-2.0f), h);
}

/* ---- hidden_bwd ------------------------------------------------------------
 *   da = (dh + col_add)·s + coef·c·s·s';  s2 += s²;  pen += c·s²
 * Roundings a term picks up (a ± b: +1, a·b: K(a) + K(b) + 1; the bounds of
 * verify/test_elementwise.c): g = dh + col_add 1, s 1, s² 3,
 * s·s' = s²·(s'/s) 5, t = (coef·c)·(s·s') 7, da = fma(t, g, s): 3 for g·s
 * and 8 for t (the scalar order: 5 and 10); pen term c·s² 4 (scalar 6). */
AEK_INLINE void hbwd_step(const float *h, const float *dh, const float *col, const float *c,
                          float *da, float *s2, float32x4_t vcoef, aek_act f, int has_col,
                          int has_c, int has_s2, float64x2_t *lo, float64x2_t *hi)
{
    const float32x4_t vh = vld1q_f32(h);
    const float32x4_t s = deriv_s(f, vh);
    float32x4_t g = vld1q_f32(dh);
    if (has_col)
        g = vaddq_f32(g, vld1q_f32(col));
    float32x4_t v = f == AEK_ACT_IDENTITY ? g : vmulq_f32(g, s);
    if (has_c) {
        const float32x4_t vc = vld1q_f32(c);
        const float32x4_t ss = vmulq_f32(s, s);
        if (has_sp(f)) {
            const float32x4_t ssp = vmulq_f32(ss, deriv_sp_over_s(f, vh));
            v = vfmaq_f32(vmulq_f32(vmulq_f32(vcoef, vc), ssp), g, s);
        }
        acc_widen(vmulq_f32(vc, ss), lo, hi);
    }
    if (has_s2)
        vst1q_f32(s2, vfmaq_f32(vld1q_f32(s2), s, s));
    vst1q_f32(da, v);
}

AEK_INLINE double hbwd_body(const aek_hidden_bwd_args *a, aek_act f, int has_col, int has_c,
                            int has_s2)
{
    const size_t rows = a->rows, cols = a->cols, r = cols % 4;
    const float32x4_t vcoef = vdupq_n_f32(a->coef);
    float64x2_t lo = vdupq_n_f64(0), hi = vdupq_n_f64(0);
    if (has_s2) /* overwritten: start from 0, then one FMA per row */
        for (size_t j = 0; j < cols; j++)
            a->s2[j] = 0.0f;
    const float *col = has_col ? a->col_add : NULL, *c = has_c ? a->c : NULL;
    float *s2 = has_s2 ? a->s2 : NULL;
    /* the column tail's row-independent inputs, padded once */
    float tcol[4] = {0}, tc[4] = {0};
    if (r && has_col)
        memcpy(tcol, col + cols - r, r * sizeof(float));
    if (r && has_c)
        memcpy(tc, c + cols - r, r * sizeof(float));
    for (size_t i = 0; i < rows; i++) {
        const float *h = a->h + i * cols, *dh = a->dh + i * cols;
        float *da = a->da + i * cols;
        size_t j = 0;
        for (; j + 4 <= cols; j += 4)
            hbwd_step(h + j, dh + j, has_col ? col + j : NULL, has_c ? c + j : NULL, da + j,
                      has_s2 ? s2 + j : NULL, vcoef, f, has_col, has_c, has_s2, &lo, &hi);
        if (r) {
            float bh[4] = {0}, bdh[4] = {0}, bda[4], bs2[4] = {0};
            memcpy(bh, h + j, r * sizeof(float));
            memcpy(bdh, dh + j, r * sizeof(float));
            if (has_s2)
                memcpy(bs2, s2 + j, r * sizeof(float));
            hbwd_step(bh, bdh, tcol, tc, bda, bs2, vcoef, f, has_col, has_c, has_s2, &lo, &hi);
            memcpy(da + j, bda, r * sizeof(float));
            if (has_s2)
                memcpy(s2 + j, bs2, r * sizeof(float));
        }
    }
    return vaddvq_f64(vaddq_f64(lo, hi));
}

/* flags: bit 0 col_add, bit 1 c, bit 2 s2 */
#define HBWD_CASE(F, FL) \
    case FL: return hbwd_body(a, F, (FL) & 1, ((FL) >> 1) & 1, ((FL) >> 2) & 1);
#define HBWD_FN(name, F)                                                                       \
    static double name(const aek_hidden_bwd_args *a, unsigned flags)                           \
    {                                                                                          \
        switch (flags) {                                                                       \
        HBWD_CASE(F, 0) HBWD_CASE(F, 1) HBWD_CASE(F, 2) HBWD_CASE(F, 3)                        \
        HBWD_CASE(F, 4) HBWD_CASE(F, 5) HBWD_CASE(F, 6) default: break;                        \
        }                                                                                      \
        return hbwd_body(a, F, 1, 1, 1);                                                       \
    }
HBWD_FN(hbwd_sigmoid, AEK_ACT_SIGMOID)
HBWD_FN(hbwd_tanh, AEK_ACT_TANH)
HBWD_FN(hbwd_relu, AEK_ACT_RELU)
HBWD_FN(hbwd_linear, AEK_ACT_IDENTITY)

double aek_hidden_bwd_neon(const aek_hidden_bwd_args *a)
{
    assert(a->rows == 0 || a->cols == 0 || (a->h && a->dh && a->da));
    const unsigned flags = (a->col_add != NULL) | (a->c != NULL) << 1 | (a->s2 != NULL) << 2;
    switch (a->act) {
    case AEK_ACT_SIGMOID: return hbwd_sigmoid(a, flags);
    case AEK_ACT_TANH: return hbwd_tanh(a, flags);
    case AEK_ACT_RELU: return hbwd_relu(a, flags);
    default: return hbwd_linear(a, flags);
    }
}

/* ---- cae_h -----------------------------------------------------------------
 *   d = s − s̃;  da += coef·c·d·s';  dac = −coef·c·d·s̃';  d2 += d²;  pen += c·d²
 * With ncd = (−coef·c)·d (negation exact), roundings per term: d 2, ncd 4,
 * s' = s·(s'/s) 3, da = da − ncd·s' 8, dac = ncd·s̃' 8 (scalar order: 11 and
 * 10); pen term (c·d)·d 6 (scalar 8).  For relu/linear s' = 0: da is left as
 * it is and dac = 0. */
AEK_INLINE void caeh_step(const float *h, const float *hc, const float *c, float *da, float *dac,
                          float *d2, float32x4_t vncoef, aek_act f, int has_d2, float64x2_t *lo,
                          float64x2_t *hi)
{
    const float32x4_t vh = vld1q_f32(h), vhc = vld1q_f32(hc);
    const float32x4_t s = deriv_s(f, vh), sc = deriv_s(f, vhc);
    const float32x4_t d = vsubq_f32(s, sc);
    const float32x4_t vc = vld1q_f32(c);
    if (has_sp(f)) {
        const float32x4_t ncd = vmulq_f32(vmulq_f32(vncoef, vc), d);
        const float32x4_t sp = vmulq_f32(s, deriv_sp_over_s(f, vh));
        const float32x4_t scp = vmulq_f32(sc, deriv_sp_over_s(f, vhc));
        vst1q_f32(da, vfmsq_f32(vld1q_f32(da), ncd, sp));
        vst1q_f32(dac, vmulq_f32(ncd, scp));
    } else {
        vst1q_f32(dac, vdupq_n_f32(0.0f));
    }
    if (has_d2)
        vst1q_f32(d2, vfmaq_f32(vld1q_f32(d2), d, d));
    acc_widen(vmulq_f32(vmulq_f32(vc, d), d), lo, hi);
}

AEK_INLINE double caeh_body(const aek_cae_h_args *a, aek_act f, int has_d2)
{
    const size_t rows = a->rows, cols = a->cols, r = cols % 4;
    const float32x4_t vncoef = vdupq_n_f32(-a->coef);
    float64x2_t lo = vdupq_n_f64(0), hi = vdupq_n_f64(0);
    float *d2 = has_d2 ? a->d2 : NULL;
    float tc[4] = {0};
    if (r)
        memcpy(tc, a->c + cols - r, r * sizeof(float));
    for (size_t i = 0; i < rows; i++) {
        const float *h = a->h + i * cols, *hc = a->hc + i * cols;
        float *da = a->da + i * cols, *dac = a->dac + i * cols;
        size_t j = 0;
        for (; j + 4 <= cols; j += 4)
            caeh_step(h + j, hc + j, a->c + j, da + j, dac + j, has_d2 ? d2 + j : NULL, vncoef, f,
                      has_d2, &lo, &hi);
        if (r) {
            float bh[4] = {0}, bhc[4] = {0}, bda[4] = {0}, bdac[4], bd2[4] = {0};
            memcpy(bh, h + j, r * sizeof(float));
            memcpy(bhc, hc + j, r * sizeof(float));
            if (has_sp(f))
                memcpy(bda, da + j, r * sizeof(float));
            if (has_d2)
                memcpy(bd2, d2 + j, r * sizeof(float));
            caeh_step(bh, bhc, tc, bda, bdac, bd2, vncoef, f, has_d2, &lo, &hi);
            if (has_sp(f))
                memcpy(da + j, bda, r * sizeof(float));
            memcpy(dac + j, bdac, r * sizeof(float));
            if (has_d2)
                memcpy(d2 + j, bd2, r * sizeof(float));
        }
    }
    return vaddvq_f64(vaddq_f64(lo, hi));
}

double aek_cae_h_neon(const aek_cae_h_args *a)
{
    assert(a->rows == 0 || a->cols == 0 || (a->h && a->hc && a->c && a->da && a->dac));
    const int d2 = a->d2 != NULL;
    switch (a->act) {
    case AEK_ACT_SIGMOID: return d2 ? caeh_body(a, AEK_ACT_SIGMOID, 1) : caeh_body(a, AEK_ACT_SIGMOID, 0);
    case AEK_ACT_TANH: return d2 ? caeh_body(a, AEK_ACT_TANH, 1) : caeh_body(a, AEK_ACT_TANH, 0);
    case AEK_ACT_RELU: return d2 ? caeh_body(a, AEK_ACT_RELU, 1) : caeh_body(a, AEK_ACT_RELU, 0);
    default: return d2 ? caeh_body(a, AEK_ACT_IDENTITY, 1) : caeh_body(a, AEK_ACT_IDENTITY, 0);
    }
}
