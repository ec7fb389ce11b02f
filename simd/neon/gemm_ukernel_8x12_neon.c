/*
 * gemm_ukernel_8x12_neon.c — 8×12 register tile for AArch64 Advanced SIMD
 * (kernels.h has the contract).  24 q-register accumulators (8 rows × 3
 * vectors of 4 columns) + 3 for the B row + 2 for the A column = 29 of the
 * 32 vector registers; FMLA by lane takes the A value straight from its
 * register, so no broadcasts.  Two FMA pipes of latency 4 need ≥ 8
 * independent chains; 24 keep them busy.
 *
 *   C[i][j] = act(alpha·(Σ_p a[p·8+i]·b[p·12+j] [+ row_c[i]·C[i][j]]) + beta·C[i][j] + bias[j])
 *
 * Edge tiles: NEON has no masked loads/stores, so a row of an edge tile is
 * moved through a zero-padded 12-float stack buffer (only its n_eff columns
 * of C are read and written); rows ≥ m_eff are skipped.  The buffer and the
 * full-row path feed the same finish(), so every element's arithmetic is
 * the same in a full and an edge tile.
 */
#include <assert.h>
#include <string.h>
#include <arm_neon.h>

#include "../kernels.h"
#include "vmath_neon.h"

#define MR 8
#define NR 12

#define ACC_DECL(i)                                                           \
    float32x4_t vacc##i##x0123 = vdupq_n_f32(0.0f), vacc##i##x4567 = vdupq_n_f32(0.0f), \
                vacc##i##x89AB = vdupq_n_f32(0.0f);
#define ACC_FMA(i, va, lane)                                                  \
    vacc##i##x0123 = vfmaq_laneq_f32(vacc##i##x0123, vb0123, va, lane);       \
    vacc##i##x4567 = vfmaq_laneq_f32(vacc##i##x4567, vb4567, va, lane);       \
    vacc##i##x89AB = vfmaq_laneq_f32(vacc##i##x89AB, vb89AB, va, lane);
#define ACC_STORE(i)                                                          \
    if (i < m_eff)                                                            \
        store_row(c + i * ldc, vacc##i##x0123, vacc##i##x4567, vacc##i##x89AB, n_eff, epi, \
                  vbias, epi->row_c ? epi->row_c[i] : 0.0f);

/* alpha·acc + beta·c (beta·c rounded, then one FMA), + bias, then act;
 * with a row term (row_c) acc + r·c first, one FMA */
static inline float32x4_t finish(float32x4_t acc, float32x4_t vc, const aek_ukr_epi *epi,
                                 float32x4_t vbias, float r)
{
    float32x4_t v;
    if (epi->row_c)
        acc = vfmaq_n_f32(acc, vc, r);
    if (epi->beta != 0.0f)
        v = vfmaq_f32(vmulq_n_f32(vc, epi->beta), acc, vdupq_n_f32(epi->alpha));
    else
        v = vmulq_n_f32(acc, epi->alpha);
    if (epi->bias)
        v = vaddq_f32(v, vbias);
    return aek_act_neon(v, epi->act);
}

static inline void store_row(float *cp, float32x4_t acc0, float32x4_t acc1, float32x4_t acc2,
                             size_t n_eff, const aek_ukr_epi *epi, const float32x4_t vbias[3],
                             float r)
{
    const float32x4_t zero = vdupq_n_f32(0.0f);
    /* beta == 0 and no row term: C is never read */
    const int rd = epi->beta != 0.0f || epi->row_c;
    if (n_eff == NR) {
        vst1q_f32(cp, finish(acc0, rd ? vld1q_f32(cp) : zero, epi, vbias[0], r));
        vst1q_f32(cp + 4, finish(acc1, rd ? vld1q_f32(cp + 4) : zero, epi, vbias[1], r));
        vst1q_f32(cp + 8, finish(acc2, rd ? vld1q_f32(cp + 8) : zero, epi, vbias[2], r));
        return;
    }
    float buf[NR] = {0};
    if (rd)
        memcpy(buf, cp, n_eff * sizeof(float));
    vst1q_f32(buf, finish(acc0, vld1q_f32(buf), epi, vbias[0], r));
    vst1q_f32(buf + 4, finish(acc1, vld1q_f32(buf + 4), epi, vbias[1], r));
    vst1q_f32(buf + 8, finish(acc2, vld1q_f32(buf + 8), epi, vbias[2], r));
    memcpy(cp, buf, n_eff * sizeof(float));
}

void aek_f32_gemm_bias_act_ukernel_8x12__neonfma(size_t kc, const float *restrict a,
                                                  const float *restrict b, size_t ldb,
                                                  float *restrict c, size_t ldc, size_t m_eff, size_t n_eff,
                                                  const aek_ukr_epi *epi)
{
    assert(m_eff >= 1 && m_eff <= MR && n_eff >= 1 && n_eff <= NR);
    ACC_DECL(0) ACC_DECL(1) ACC_DECL(2) ACC_DECL(3)
    ACC_DECL(4) ACC_DECL(5) ACC_DECL(6) ACC_DECL(7)

    for (size_t p = 0; p < kc; p++) {
        const float32x4_t va0123 = vld1q_f32(a);
        const float32x4_t va4567 = vld1q_f32(a + 4);
        const float32x4_t vb0123 = vld1q_f32(b);
        const float32x4_t vb4567 = vld1q_f32(b + 4);
        const float32x4_t vb89AB = vld1q_f32(b + 8);
        ACC_FMA(0, va0123, 0) ACC_FMA(1, va0123, 1) ACC_FMA(2, va0123, 2) ACC_FMA(3, va0123, 3)
        ACC_FMA(4, va4567, 0) ACC_FMA(5, va4567, 1) ACC_FMA(6, va4567, 2) ACC_FMA(7, va4567, 3)
        a += MR;
        b += ldb;
    }

    /* bias[j] is read only for j < n_eff */
    float32x4_t vbias[3] = {vdupq_n_f32(0.0f), vdupq_n_f32(0.0f), vdupq_n_f32(0.0f)};
    if (epi->bias) {
        float bb[NR] = {0};
        const float *src = epi->bias;
        if (n_eff < NR) {
            memcpy(bb, epi->bias, n_eff * sizeof(float));
            src = bb;
        }
        vbias[0] = vld1q_f32(src);
        vbias[1] = vld1q_f32(src + 4);
        vbias[2] = vld1q_f32(src + 8);
    }
    ACC_STORE(0) ACC_STORE(1) ACC_STORE(2) ACC_STORE(3)
    ACC_STORE(4) ACC_STORE(5) ACC_STORE(6) ACC_STORE(7)
}
