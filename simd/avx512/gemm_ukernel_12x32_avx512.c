/*
 * gemm_ukernel_12x32_avx512.c — 12×32 register tile for AVX-512 (kernels.h
 * has the contract).  24 zmm accumulators (12 rows × 2 vectors of 16 columns)
 * + 2 for the B row + 1 broadcast = 27 of the 32 zmm registers; two FMA
 * pipes of latency 4 need ≥ 8 independent chains, 24 keeps them busy.
 *
 *   C[i][j] = act(alpha·Σ_p a[p·12+i]·b[p·32+j] + beta·C[i][j] + bias[j])
 *
 * Edge tiles use opmasks on columns and skip rows ≥ m_eff, so an element's
 * arithmetic is the same in a full tile and in an edge tile.
 */
#include <assert.h>
#include <immintrin.h>

#include "../kernels.h"
#include "vmath_avx512.h"

#define MR 12
#define NR 32

#define ACC_DECL(i) __m512 vacc##i##x0 = _mm512_setzero_ps(), vacc##i##x1 = _mm512_setzero_ps();
#define ACC_FMA(i)                                                   \
    {                                                                \
        const __m512 va = _mm512_set1_ps(a[i]);                      \
        vacc##i##x0 = _mm512_fmadd_ps(va, vb0, vacc##i##x0);         \
        vacc##i##x1 = _mm512_fmadd_ps(va, vb1, vacc##i##x1);         \
    }
#define ACC_STORE(i)                                                 \
    if (i < m_eff) {                                                 \
        store_row(c + i * ldc, vacc##i##x0, vacc##i##x1, mask0, mask1, epi, vbias0, vbias1); \
    }

static inline __m512 finish(__m512 acc, const float *cp, __mmask16 mask, const aek_ukr_epi *epi,
                            __m512 vbias)
{
    __m512 v;
    if (epi->beta != 0.0f) {
        /* beta·C + alpha·acc with one rounding for the sum */
        __m512 vc = _mm512_mul_ps(_mm512_set1_ps(epi->beta), _mm512_maskz_loadu_ps(mask, cp));
        v = _mm512_fmadd_ps(_mm512_set1_ps(epi->alpha), acc, vc);
    } else {
        v = _mm512_mul_ps(_mm512_set1_ps(epi->alpha), acc);
    }
    if (epi->bias)
        v = _mm512_add_ps(v, vbias);
    return aek_act_avx512(v, epi->act);
}

static inline void store_row(float *cp, __m512 acc0, __m512 acc1, __mmask16 mask0, __mmask16 mask1,
                             const aek_ukr_epi *epi, __m512 vbias0, __m512 vbias1)
{
    _mm512_mask_storeu_ps(cp, mask0, finish(acc0, cp, mask0, epi, vbias0));
    if (mask1)
        _mm512_mask_storeu_ps(cp + 16, mask1, finish(acc1, cp + 16, mask1, epi, vbias1));
}

void aek_f32_gemm_bias_act_ukernel_12x32__avx512(size_t kc, const float *restrict a,
                                                  const float *restrict b, float *restrict c,
                                                  size_t ldc, size_t m_eff, size_t n_eff,
                                                  const aek_ukr_epi *epi)
{
    assert(m_eff >= 1 && m_eff <= MR && n_eff >= 1 && n_eff <= NR);
    ACC_DECL(0) ACC_DECL(1) ACC_DECL(2) ACC_DECL(3) ACC_DECL(4) ACC_DECL(5)
    ACC_DECL(6) ACC_DECL(7) ACC_DECL(8) ACC_DECL(9) ACC_DECL(10) ACC_DECL(11)

    for (size_t p = 0; p < kc; p++) {
        const __m512 vb0 = _mm512_loadu_ps(b);
        const __m512 vb1 = _mm512_loadu_ps(b + 16);
        ACC_FMA(0) ACC_FMA(1) ACC_FMA(2) ACC_FMA(3) ACC_FMA(4) ACC_FMA(5)
        ACC_FMA(6) ACC_FMA(7) ACC_FMA(8) ACC_FMA(9) ACC_FMA(10) ACC_FMA(11)
        a += MR;
        b += NR;
    }

    const __mmask16 mask0 = n_eff >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n_eff) - 1);
    const __mmask16 mask1 = n_eff <= 16 ? (__mmask16)0
                          : n_eff >= 32 ? (__mmask16)0xFFFF
                                        : (__mmask16)((1u << (n_eff - 16)) - 1);
    __m512 vbias0 = _mm512_setzero_ps(), vbias1 = _mm512_setzero_ps();
    if (epi->bias) {
        vbias0 = _mm512_maskz_loadu_ps(mask0, epi->bias);
        vbias1 = _mm512_maskz_loadu_ps(mask1, epi->bias + 16);
    }
    ACC_STORE(0) ACC_STORE(1) ACC_STORE(2) ACC_STORE(3) ACC_STORE(4) ACC_STORE(5)
    ACC_STORE(6) ACC_STORE(7) ACC_STORE(8) ACC_STORE(9) ACC_STORE(10) ACC_STORE(11)
    /* GCC does not always emit it here (it did not for the 12x32 kernel):
     * without it the dirty upper register halves slow every later SSE
     * instruction of this thread ~3.5x (measured on the eigen-solver). */
    _mm256_zeroupper();
}

/* The same tile with A read in place (op(A) = A, row-major, stride lda):
 * row i of the tile broadcasts a_i[p] = A[(row0 + i)·lda + p].  Skips packing
 * A (for AE batches, a third of all packing) — the A rows of one tile stay
 * in L1 while the B micro-panels stream past.  Rows ≥ m_eff point at row 0:
 * valid memory, computed, never stored; so each stored element sees the same
 * operations as in the packed kernel (bitwise the same results). */
#define ACC_FMA_D(i)                                                 \
    {                                                                \
        const __m512 va = _mm512_set1_ps(a##i[p]);                   \
        vacc##i##x0 = _mm512_fmadd_ps(va, vb0, vacc##i##x0);         \
        vacc##i##x1 = _mm512_fmadd_ps(va, vb1, vacc##i##x1);         \
    }
#define ROWPTR(i) const float *a##i = a + (i < m_eff ? i : 0) * lda;

void aek_f32_gemm_bias_act_ukernel_12x32_adirect__avx512(size_t kc, const float *restrict a,
                                                          size_t lda, const float *restrict b,
                                                          float *restrict c, size_t ldc,
                                                          size_t m_eff, size_t n_eff,
                                                          const aek_ukr_epi *epi)
{
    assert(m_eff >= 1 && m_eff <= MR && n_eff >= 1 && n_eff <= NR);
    ACC_DECL(0) ACC_DECL(1) ACC_DECL(2) ACC_DECL(3) ACC_DECL(4) ACC_DECL(5)
    ACC_DECL(6) ACC_DECL(7) ACC_DECL(8) ACC_DECL(9) ACC_DECL(10) ACC_DECL(11)
    ROWPTR(0) ROWPTR(1) ROWPTR(2) ROWPTR(3) ROWPTR(4) ROWPTR(5)
    ROWPTR(6) ROWPTR(7) ROWPTR(8) ROWPTR(9) ROWPTR(10) ROWPTR(11)

    for (size_t p = 0; p < kc; p++) {
        const __m512 vb0 = _mm512_loadu_ps(b);
        const __m512 vb1 = _mm512_loadu_ps(b + 16);
        ACC_FMA_D(0) ACC_FMA_D(1) ACC_FMA_D(2) ACC_FMA_D(3) ACC_FMA_D(4) ACC_FMA_D(5)
        ACC_FMA_D(6) ACC_FMA_D(7) ACC_FMA_D(8) ACC_FMA_D(9) ACC_FMA_D(10) ACC_FMA_D(11)
        b += NR;
    }

    const __mmask16 mask0 = n_eff >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n_eff) - 1);
    const __mmask16 mask1 = n_eff <= 16 ? (__mmask16)0
                          : n_eff >= 32 ? (__mmask16)0xFFFF
                                        : (__mmask16)((1u << (n_eff - 16)) - 1);
    __m512 vbias0 = _mm512_setzero_ps(), vbias1 = _mm512_setzero_ps();
    if (epi->bias) {
        vbias0 = _mm512_maskz_loadu_ps(mask0, epi->bias);
        vbias1 = _mm512_maskz_loadu_ps(mask1, epi->bias + 16);
    }
    ACC_STORE(0) ACC_STORE(1) ACC_STORE(2) ACC_STORE(3) ACC_STORE(4) ACC_STORE(5)
    ACC_STORE(6) ACC_STORE(7) ACC_STORE(8) ACC_STORE(9) ACC_STORE(10) ACC_STORE(11)
    _mm256_zeroupper();
}
