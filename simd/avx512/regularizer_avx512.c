/*
 * regularizer_avx512.c — the hidden-layer passes of the AVX-512 set:
 * hidden_bwd (activation derivative + KL column term + contractive penalty,
 * one read of h) and cae_h (CAE+H Jacobian difference).  Contracts in
 * simd/kernels.h; s = g'(a), s' = ds/da from the stored h:
 *   sigmoid  s = h − h²   s' = s(1 − 2h)     tanh  s = 1 − h²   s' = −2hs
 *   relu     s = [h > 0]  s' = 0             linear s = 1       s' = 0
 *
 * Rows are walked in order, 16 columns at a time with a masked column tail
 * (masked lanes load as 0 and are never stored; with c = 0 there they add 0
 * to the penalty).  Penalties are summed in double lanes, so for given
 * rows × cols the order is fixed.  Each pass is an always-inline body over
 * constant (activation, optional pointers) and is instantiated per case.
 */
#include <assert.h>
#include <immintrin.h>

#include "../kernels.h"
#include "lanes_avx512.h"

/* s' ≠ 0 only for the smooth activations. */
AEK_INLINE int has_sp(aek_act f) { return f == AEK_ACT_SIGMOID || f == AEK_ACT_TANH; }

/* s'/s for the smooth activations: sigmoid 1 − 2h (one FMA rounding), tanh
 * −2h (exact). */
AEK_INLINE __m512 deriv_sp_over_s(aek_act f, __m512 h)
{
    if (f == AEK_ACT_SIGMOID)
        return _mm512_fnmadd_ps(_mm512_set1_ps(2.0f), h, _mm512_set1_ps(1.0f));
    return _mm512_mul_ps(_mm512_set1_ps(-2.0f), h);
}

/* ---- hidden_bwd ------------------------------------------------------------
 *   da = (dh + col_add)·s + coef·c·s·s';  s2 += s²;  pen += c·s²
 * Roundings a term picks up (a ± b: +1, a·b: K(a) + K(b) + 1; the bounds of
 * verify/test_elementwise.c): g = dh + col_add 1, s 1, s² 3,
 * s·s' = s²·(s'/s) 5, t = (coef·c)·(s·s') 7, da = fma(g, s, t): 3 for g·s
 * and 8 for t (the scalar order: 5 and 10); pen term c·s² 4 (scalar 6). */
AEK_INLINE void hbwd_step(const float *h, const float *dh, const float *col, const float *c,
                          float *da, float *s2, __m512 vcoef, aek_act f, int has_col, int has_c,
                          int has_s2, __mmask16 m, int full, __m512d *lo, __m512d *hi)
{
    const __m512 vh = ld(h, m, full);
    const __m512 s = deriv_s(f, vh);
    __m512 g = ld(dh, m, full);
    if (has_col)
        g = _mm512_add_ps(g, ld(col, m, full));
    __m512 v = f == AEK_ACT_IDENTITY ? g : _mm512_mul_ps(g, s);
    if (has_c) {
        const __m512 vc = ld(c, m, full);
        const __m512 ss = _mm512_mul_ps(s, s);
        if (has_sp(f)) {
            const __m512 ssp = _mm512_mul_ps(ss, deriv_sp_over_s(f, vh));
            v = _mm512_fmadd_ps(g, s, _mm512_mul_ps(_mm512_mul_ps(vcoef, vc), ssp));
        }
        acc_widen(_mm512_mul_ps(vc, ss), lo, hi);
    }
    if (has_s2)
        st(s2, _mm512_fmadd_ps(s, s, ld(s2, m, full)), m, full);
    st(da, v, m, full);
}

AEK_INLINE double hbwd_body(const aek_hidden_bwd_args *a, aek_act f, int has_col, int has_c,
                            int has_s2)
{
    const size_t rows = a->rows, cols = a->cols;
    const __m512 vcoef = _mm512_set1_ps(a->coef);
    __m512d lo = _mm512_setzero_pd(), hi = _mm512_setzero_pd();
    if (has_s2) /* overwritten: start from 0, then one FMA per row */
        for (size_t j = 0; j < cols; j++)
            a->s2[j] = 0.0f;
    const float *col = has_col ? a->col_add : NULL, *c = has_c ? a->c : NULL;
    float *s2 = has_s2 ? a->s2 : NULL;
    for (size_t i = 0; i < rows; i++) {
        const float *h = a->h + i * cols, *dh = a->dh + i * cols;
        float *da = a->da + i * cols;
        size_t j = 0;
        for (; j + 16 <= cols; j += 16)
            hbwd_step(h + j, dh + j, has_col ? col + j : NULL, has_c ? c + j : NULL, da + j,
                      has_s2 ? s2 + j : NULL, vcoef, f, has_col, has_c, has_s2, 0, 1, &lo, &hi);
        if (j < cols)
            hbwd_step(h + j, dh + j, has_col ? col + j : NULL, has_c ? c + j : NULL, da + j,
                      has_s2 ? s2 + j : NULL, vcoef, f, has_col, has_c, has_s2,
                      tail_mask(cols - j), 0, &lo, &hi);
    }
    return _mm512_reduce_add_pd(_mm512_add_pd(lo, hi));
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

double aek_hidden_bwd_avx512(const aek_hidden_bwd_args *a)
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
 * s' = s·(s'/s) 3, da = fnmadd(ncd, s', da) 8, dac = ncd·s̃' 8 (scalar order:
 * 11 and 10); pen term (c·d)·d 6 (scalar 8).  For relu/linear s' = 0: da is
 * left as it is and dac = 0. */
AEK_INLINE void caeh_step(const float *h, const float *hc, const float *c, float *da, float *dac,
                          float *d2, __m512 vncoef, aek_act f, int has_d2, __mmask16 m, int full,
                          __m512d *lo, __m512d *hi)
{
    const __m512 vh = ld(h, m, full), vhc = ld(hc, m, full);
    const __m512 s = deriv_s(f, vh), sc = deriv_s(f, vhc);
    const __m512 d = _mm512_sub_ps(s, sc);
    const __m512 vc = ld(c, m, full);
    if (has_sp(f)) {
        const __m512 ncd = _mm512_mul_ps(_mm512_mul_ps(vncoef, vc), d);
        const __m512 sp = _mm512_mul_ps(s, deriv_sp_over_s(f, vh));
        const __m512 scp = _mm512_mul_ps(sc, deriv_sp_over_s(f, vhc));
        st(da, _mm512_fnmadd_ps(ncd, sp, ld(da, m, full)), m, full);
        st(dac, _mm512_mul_ps(ncd, scp), m, full);
    } else {
        st(dac, _mm512_setzero_ps(), m, full);
    }
    if (has_d2)
        st(d2, _mm512_fmadd_ps(d, d, ld(d2, m, full)), m, full);
    acc_widen(_mm512_mul_ps(_mm512_mul_ps(vc, d), d), lo, hi);
}

AEK_INLINE double caeh_body(const aek_cae_h_args *a, aek_act f, int has_d2)
{
    const size_t rows = a->rows, cols = a->cols;
    const __m512 vncoef = _mm512_set1_ps(-a->coef);
    __m512d lo = _mm512_setzero_pd(), hi = _mm512_setzero_pd();
    float *d2 = has_d2 ? a->d2 : NULL;
    for (size_t i = 0; i < rows; i++) {
        const float *h = a->h + i * cols, *hc = a->hc + i * cols;
        float *da = a->da + i * cols, *dac = a->dac + i * cols;
        size_t j = 0;
        for (; j + 16 <= cols; j += 16)
            caeh_step(h + j, hc + j, a->c + j, da + j, dac + j, has_d2 ? d2 + j : NULL, vncoef, f,
                      has_d2, 0, 1, &lo, &hi);
        if (j < cols)
            caeh_step(h + j, hc + j, a->c + j, da + j, dac + j, has_d2 ? d2 + j : NULL, vncoef, f,
                      has_d2, tail_mask(cols - j), 0, &lo, &hi);
    }
    return _mm512_reduce_add_pd(_mm512_add_pd(lo, hi));
}

double aek_cae_h_avx512(const aek_cae_h_args *a)
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
