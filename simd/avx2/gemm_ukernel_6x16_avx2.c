/*
 * gemm_ukernel_6x16_avx2.c — 6×16 register tile for AVX2+FMA (kernels.h has
 * the contract).  12 ymm accumulators + 2 for the B row + 1 broadcast = 15 of
 * the 16 ymm registers.
 *
 *   C[i][j] = act(alpha·Σ_p a[p·6+i]·b[p·16+j] + beta·C[i][j] + bias[j])
 *
 * Edge tiles: masked loads/stores on columns (VMASKMOV never touches masked
 * lanes; full rows use plain ones), rows ≥ m_eff skipped; every element's arithmetic is the same in a
 * full and an edge tile.
 */
#include <assert.h>
#include <immintrin.h>

#include "../kernels.h"
#include "vmath_avx2.h"

#define MR 6
#define NR 16

#define ACC_DECL(i) __m256 vacc##i##x0 = _mm256_setzero_ps(), vacc##i##x1 = _mm256_setzero_ps();
#define ACC_FMA(i)                                                   \
    {                                                                \
        const __m256 va = _mm256_broadcast_ss(a + i);                \
        vacc##i##x0 = _mm256_fmadd_ps(va, vb0, vacc##i##x0);         \
        vacc##i##x1 = _mm256_fmadd_ps(va, vb1, vacc##i##x1);         \
    }
#define ACC_STORE(i)                                                 \
    if (i < m_eff) {                                                 \
        store_row(c + i * ldc, vacc##i##x0, vacc##i##x1, mask0, mask1, n_eff, epi, vbias0, vbias1); \
    }

/* act(alpha·acc + beta·C + bias); vc = C (read only when beta ≠ 0) */
static inline __m256 finish(__m256 acc, __m256 vc, const aek_ukr_epi *epi, __m256 vbias)
{
    __m256 v;
    if (epi->beta != 0.0f) {
        vc = _mm256_mul_ps(_mm256_set1_ps(epi->beta), vc);
        v = _mm256_fmadd_ps(_mm256_set1_ps(epi->alpha), acc, vc);
    } else {
        v = _mm256_mul_ps(_mm256_set1_ps(epi->alpha), acc);
    }
    if (epi->bias)
        v = _mm256_add_ps(v, vbias);
    return aek_act_avx2(v, epi->act);
}

/* One row of the tile: a full row with plain loads and stores (VMASKMOV
 * stores are slow on AMD Zen), an edge row masked. */
static inline void store_row(float *cp, __m256 acc0, __m256 acc1, __m256i mask0, __m256i mask1,
                             size_t n_eff, const aek_ukr_epi *epi, __m256 vbias0, __m256 vbias1)
{
    const int rd = epi->beta != 0.0f;
    if (n_eff == NR) {
        __m256 c0 = rd ? _mm256_loadu_ps(cp) : _mm256_setzero_ps();
        __m256 c1 = rd ? _mm256_loadu_ps(cp + 8) : _mm256_setzero_ps();
        _mm256_storeu_ps(cp, finish(acc0, c0, epi, vbias0));
        _mm256_storeu_ps(cp + 8, finish(acc1, c1, epi, vbias1));
        return;
    }
    __m256 c0 = rd ? _mm256_maskload_ps(cp, mask0) : _mm256_setzero_ps();
    _mm256_maskstore_ps(cp, mask0, finish(acc0, c0, epi, vbias0));
    if (n_eff > 8) {
        __m256 c1 = rd ? _mm256_maskload_ps(cp + 8, mask1) : _mm256_setzero_ps();
        _mm256_maskstore_ps(cp + 8, mask1, finish(acc1, c1, epi, vbias1));
    }
}

/* A full row with no activation, inlined: finish()'s operations (beta·C,
 * one fma with alpha·acc, + bias), so the same bits, without a call and
 * its tests per row (weight gradients, fused SGD steps, data gradients). */
static inline __attribute__((always_inline)) void
store_row_linear(float *cp, __m256 acc0, __m256 acc1, int rd, __m256 valpha, __m256 vbeta,
                 int bias, __m256 vbias0, __m256 vbias1)
{
    __m256 v0, v1;
    if (rd) {
        v0 = _mm256_fmadd_ps(valpha, acc0, _mm256_mul_ps(vbeta, _mm256_loadu_ps(cp)));
        v1 = _mm256_fmadd_ps(valpha, acc1, _mm256_mul_ps(vbeta, _mm256_loadu_ps(cp + 8)));
    } else {
        v0 = _mm256_mul_ps(valpha, acc0);
        v1 = _mm256_mul_ps(valpha, acc1);
    }
    if (bias) {
        v0 = _mm256_add_ps(v0, vbias0);
        v1 = _mm256_add_ps(v1, vbias1);
    }
    _mm256_storeu_ps(cp, v0);
    _mm256_storeu_ps(cp + 8, v1);
}
#define LIN_STORE(i) \
    store_row_linear(c + i * ldc, vacc##i##x0, vacc##i##x1, rd, valpha, vbeta, bias, vbias0, vbias1);

/* The epilogue of both kernels: a full tile without activation inline,
 * anything else row by row through store_row() with column masks. */
#define EPILOGUE                                                                       \
    if (m_eff == MR && n_eff == NR && epi->act == AEK_ACT_IDENTITY) {                  \
        const int rd = epi->beta != 0.0f, bias = epi->bias != NULL;                    \
        const __m256 valpha = _mm256_set1_ps(epi->alpha), vbeta = _mm256_set1_ps(epi->beta); \
        __m256 vbias0 = _mm256_setzero_ps(), vbias1 = _mm256_setzero_ps();             \
        if (bias) {                                                                    \
            vbias0 = _mm256_loadu_ps(epi->bias);                                       \
            vbias1 = _mm256_loadu_ps(epi->bias + 8);                                   \
        }                                                                              \
        LIN_STORE(0) LIN_STORE(1) LIN_STORE(2) LIN_STORE(3) LIN_STORE(4) LIN_STORE(5)  \
        _mm256_zeroupper();                                                            \
        return;                                                                        \
    }                                                                                  \
    /* lane j is active when j < n_eff (and j + 8 < n_eff for the second vector) */   \
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);                    \
    const __m256i mask0 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n_eff), lane);     \
    const __m256i mask1 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n_eff - 8), lane); \
    __m256 vbias0 = _mm256_setzero_ps(), vbias1 = _mm256_setzero_ps();                 \
    if (epi->bias) {                                                                   \
        vbias0 = _mm256_maskload_ps(epi->bias, mask0);                                 \
        vbias1 = _mm256_maskload_ps(epi->bias + 8, mask1);                             \
    }                                                                                  \
    ACC_STORE(0) ACC_STORE(1) ACC_STORE(2) ACC_STORE(3) ACC_STORE(4) ACC_STORE(5)

/* The k-loop over an A tile whose column p is the 6 floats at a + p·ASTEP
 * (packed: ASTEP = MR), then the epilogue. */
#define A_COLUMNS_BODY(ASTEP)                                                          \
    ACC_DECL(0) ACC_DECL(1) ACC_DECL(2) ACC_DECL(3) ACC_DECL(4) ACC_DECL(5)            \
    for (size_t p = 0; p < kc; p++) {                                                  \
        const __m256 vb0 = _mm256_loadu_ps(b);                                         \
        const __m256 vb1 = _mm256_loadu_ps(b + 8);                                     \
        ACC_FMA(0) ACC_FMA(1) ACC_FMA(2) ACC_FMA(3) ACC_FMA(4) ACC_FMA(5)              \
        a += (ASTEP);                                                                  \
        b += ldb;                                                                      \
    }                                                                                  \
    EPILOGUE                                                                           \
    /* GCC does not always emit it here (it did not for the 12x32 kernel):             \
     * without it the dirty upper register halves slow every later SSE                 \
     * instruction of this thread ~3.5x (measured on the eigen-solver). */             \
    _mm256_zeroupper();

void aek_f32_gemm_bias_act_ukernel_6x16__avx2_fma(size_t kc, const float *restrict a,
                                                   const float *restrict b, size_t ldb,
                                                   float *restrict c, size_t ldc, size_t m_eff, size_t n_eff,
                                                   const aek_ukr_epi *epi)
{
    assert(m_eff >= 1 && m_eff <= MR && n_eff >= 1 && n_eff <= NR);
    A_COLUMNS_BODY(MR)
}

/* The same tile with op(A) = Aᵀ read in place (A row-major k×m, stride lda:
 * column p of the tile is 6 consecutive floats of row p of A; a full tile,
 * m_eff = MR): no packing of A, the packed kernel's operations. */
void aek_f32_gemm_bias_act_ukernel_6x16_atdirect__avx2_fma(size_t kc, const float *restrict a,
                                                            size_t lda, const float *restrict b,
                                                            size_t ldb, float *restrict c, size_t ldc,
                                                            size_t m_eff, size_t n_eff,
                                                            const aek_ukr_epi *epi)
{
    assert(m_eff == MR && n_eff >= 1 && n_eff <= NR);
    A_COLUMNS_BODY(lda)
}

/* The same tile with A read in place (op(A) = A, row-major, stride lda):
 * no packing of A; rows ≥ m_eff point at row 0 (read, computed, never
 * stored), so every stored element sees the packed kernel's operations. */
#define ACC_FMA_D(i)                                                 \
    {                                                                \
        const __m256 va = _mm256_broadcast_ss(a##i + p);             \
        vacc##i##x0 = _mm256_fmadd_ps(va, vb0, vacc##i##x0);         \
        vacc##i##x1 = _mm256_fmadd_ps(va, vb1, vacc##i##x1);         \
    }
#define ROWPTR(i) const float *a##i = a + (i < m_eff ? i : 0) * lda;

void aek_f32_gemm_bias_act_ukernel_6x16_adirect__avx2_fma(size_t kc, const float *restrict a,
                                                           size_t lda, const float *restrict b,
                                                           size_t ldb, float *restrict c, size_t ldc,
                                                           size_t m_eff, size_t n_eff,
                                                           const aek_ukr_epi *epi)
{
    assert(m_eff >= 1 && m_eff <= MR && n_eff >= 1 && n_eff <= NR);
    ACC_DECL(0) ACC_DECL(1) ACC_DECL(2) ACC_DECL(3) ACC_DECL(4) ACC_DECL(5)
    ROWPTR(0) ROWPTR(1) ROWPTR(2) ROWPTR(3) ROWPTR(4) ROWPTR(5)

    for (size_t p = 0; p < kc; p++) {
        const __m256 vb0 = _mm256_loadu_ps(b);
        const __m256 vb1 = _mm256_loadu_ps(b + 8);
        ACC_FMA_D(0) ACC_FMA_D(1) ACC_FMA_D(2) ACC_FMA_D(3) ACC_FMA_D(4) ACC_FMA_D(5)
        b += ldb;
    }

    EPILOGUE
    _mm256_zeroupper();
}
