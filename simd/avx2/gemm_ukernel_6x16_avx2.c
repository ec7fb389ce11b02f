/*
 * gemm_ukernel_6x16_avx2.c — 6×16 register tile for AVX2+FMA (kernels.h has
 * the contract).  12 ymm accumulators + 2 for the B row + 1 broadcast = 15 of
 * the 16 ymm registers; two FMA pipes of latency 4 need ≥ 8 independent
 * chains, 12 keep them busy.
 *
 *   C[i][j] = act(alpha·(Σ_p a[p·6+i]·b[p·16+j] [+ row_c[i]·C[i][j]]) + beta·C[i][j] + bias[j])
 *
 * Edge tiles: masked loads/stores on columns (VMASKMOV never touches masked
 * lanes; full rows use plain ones), rows ≥ m_eff skipped; every element's
 * arithmetic is the same in a full and an edge tile, and in every kernel
 * here (packed, A in place, edge rows packed or in place): the same FMAs
 * in the same order, so the same bits.
 */
#include <assert.h>
#include <immintrin.h>
#include <stdint.h>

#include "../kernels.h"
#include "vmath_avx2.h"

#define MR 6
#define NR 16

#define ACC_DECL(i) __m256 vacc##i##x0 = _mm256_setzero_ps(), vacc##i##x1 = _mm256_setzero_ps();
#define ACC_FMA(i, aval)                                             \
    {                                                                \
        const __m256 va = _mm256_set1_ps(aval);                      \
        vacc##i##x0 = _mm256_fmadd_ps(va, vb0, vacc##i##x0);         \
        vacc##i##x1 = _mm256_fmadd_ps(va, vb1, vacc##i##x1);         \
    }
#define ACC_FMA_HALF(i, aval) \
    vacc##i##x0 = _mm256_fmadd_ps(_mm256_set1_ps(aval), vb0, vacc##i##x0);

/* One step p of the k-loop on the first R rows (R a constant: 2, 4 or 6):
 * B row p (16 floats at b, rows ldb apart) times column p of the A tile
 * (A_(i) gives row i's element). */
#define K_STEP(R)                                                    \
    {                                                                \
        const __m256 vb0 = _mm256_loadu_ps(b);                       \
        const __m256 vb1 = _mm256_loadu_ps(b + 8);                   \
        ACC_FMA(0, A_(0)) ACC_FMA(1, A_(1))                          \
        if ((R) > 2) {                                               \
            ACC_FMA(2, A_(2)) ACC_FMA(3, A_(3))                      \
        }                                                            \
        if ((R) > 4) {                                               \
            ACC_FMA(4, A_(4)) ACC_FMA(5, A_(5))                      \
        }                                                            \
        b += ldb;                                                    \
    }
/* The same step for an edge column panel of n_eff ≤ 8 on all 6 rows: only
 * the first vector of each row.  A 16-wide step would spend half its FMAs
 * on masked columns (n = 1000 = 62·16 + 8 ends in such a panel); 6 chains
 * of latency 4 take 4 cycles a step instead of the full step's 6.  The
 * upper accumulators stay zero and are never stored (n_eff ≤ 8). */
#define K_STEP_HALF                                                  \
    {                                                                \
        const __m256 vb0 = _mm256_loadu_ps(b);                       \
        ACC_FMA_HALF(0, A_(0)) ACC_FMA_HALF(1, A_(1))                \
        ACC_FMA_HALF(2, A_(2)) ACC_FMA_HALF(3, A_(3))                \
        ACC_FMA_HALF(4, A_(4)) ACC_FMA_HALF(5, A_(5))                \
        b += ldb;                                                    \
    }

/* Prefetch the line holding float i of p.  The address is formed as an
 * integer: the rows ahead may lie past the end of B, where a prefetch may
 * look (it never faults) but C pointer arithmetic may not go. */
static inline void prefetch_float(const float *p, size_t i)
{
    _mm_prefetch((const char *)((uintptr_t)p + i * sizeof(float)), _MM_HINT_T0);
}

/* The step with B read in place (ldb ≠ NR), which first prefetches the
 * first and last float of B row p + B_AHEAD_ROWS.  A row whose 64 bytes do
 * not start on a 64-byte line spans two, and the hardware's stride
 * prefetcher, keyed on each load's first byte, left the second to a demand
 * miss.  4 rows ahead (24 cycles of FMAs) beat 8 and 16: with ldb·4 =
 * 1 KiB (a 256-wide B) the rows share 4 of L1's 64 sets, and prefetching
 * further evicted the A tile (Zen 4, 1 thread, 128×256×784 NN: 104 → 100
 * at 16 rows, 108.5 at 4).  A packed panel is one contiguous stream the
 * hardware fetches by itself; prefetching it cost ~0.5% on squares. */
#define B_AHEAD_ROWS 4
#define PREFETCH_B_AHEAD                                                          \
    prefetch_float(b, B_AHEAD_ROWS * ldb);                                        \
    prefetch_float(b, B_AHEAD_ROWS * ldb + NR - 1);

/* Fetch the C tile into L1 shortly before the epilogue needs it: at large
 * sizes it was last touched a whole k-block ago and sits in L2/L3, and its
 * loads would otherwise stall the end of every tile; fetched earlier it
 * would be evicted again by the streaming B.  With intent to write
 * (PREFETCHW, a no-op where unsupported): the store that follows does not
 * have to take the line from another core.  First and last element of each
 * row: a row of 16 floats spans two lines unless C is 64-byte aligned.
 * (Prefetches never fault, but these stay inside C anyway.) */
#ifndef C_PREFETCH_STEPS
#define C_PREFETCH_STEPS 32
#endif
static inline void prefetchw(const float *p) { __asm__ volatile("prefetchw %0" : : "m"(*p)); }
static inline void prefetch_c(const float *c, size_t ldc, size_t m_eff, size_t n_eff)
{
    for (size_t i = 0; i < m_eff; i++) {
        prefetchw(c + i * ldc);
        prefetchw(c + i * ldc + n_eff - 1);
    }
}

/* The k-loop of every kernel: STEP then ADVANCE (move A to the next
 * column) kc times, with the C tile fetched C_PREFETCH_STEPS steps before
 * the end. */
#define K_LOOP(STEP, ADVANCE)                                                          \
    {                                                                                  \
        size_t p = 0;                                                                  \
        for (; p + C_PREFETCH_STEPS < kc; p++) {                                       \
            STEP                                                                       \
            ADVANCE;                                                                   \
        }                                                                              \
        prefetch_c(c, ldc, m_eff, n_eff);                                              \
        for (; p < kc; p++) {                                                          \
            STEP                                                                       \
            ADVANCE;                                                                   \
        }                                                                              \
    }
/* The k-loop of a 6-row tile: the half step on an edge panel of ≤ 8
 * columns, the full step otherwise. */
#define K_LOOP_6(ADVANCE)                                                              \
    if (n_eff <= 8)                                                                    \
        K_LOOP(K_STEP_HALF, ADVANCE)                                                   \
    else if (ldb == NR)                                                                \
        K_LOOP(K_STEP(6), ADVANCE)                                                     \
    else                                                                               \
        K_LOOP({ PREFETCH_B_AHEAD K_STEP(6) }, ADVANCE)

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

/* A full row of a fused regularized step (row_c, kernels.h): acc + r·C
 * with one rounding, then store_row_linear()'s operations, inline. */
static inline __attribute__((always_inline)) void
store_row_term(float *cp, __m256 acc0, __m256 acc1, float r, int rd, __m256 valpha,
               __m256 vbeta, int bias, __m256 vbias0, __m256 vbias1)
{
    const __m256 vr = _mm256_set1_ps(r);
    store_row_linear(cp, _mm256_fmadd_ps(vr, _mm256_loadu_ps(cp), acc0),
                     _mm256_fmadd_ps(vr, _mm256_loadu_ps(cp + 8), acc1), rd, valpha, vbeta, bias,
                     vbias0, vbias1);
}
#define TERM_STORE(i) \
    store_row_term(c + i * ldc, vacc##i##x0, vacc##i##x1, epi->row_c[i], rd, valpha, vbeta, bias, vbias0, vbias1);

/* Column masks of an edge tile and the bias, for store_row(): lane j is
 * active when j < n_eff (and j + 8 < n_eff for the second vector). */
#define EPILOGUE_MASKS                                                                 \
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);                    \
    const __m256i mask0 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n_eff), lane);     \
    const __m256i mask1 = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)n_eff - 8), lane); \
    __m256 vbias0 = _mm256_setzero_ps(), vbias1 = _mm256_setzero_ps();                 \
    if (epi->bias) {                                                                   \
        vbias0 = _mm256_maskload_ps(epi->bias, mask0);                                 \
        vbias1 = _mm256_maskload_ps(epi->bias + 8, mask1);                             \
    }
/* The row term (row_c, kernels.h) on an edge tile's accumulators before
 * store_row: acc + r·C with one rounding (VMASKMOV: masked lanes read as
 * 0 and touch no memory). */
#define ROW_TERM(i)                                                  \
    if (i < m_eff) {                                                 \
        const __m256 vr = _mm256_set1_ps(epi->row_c[i]);             \
        vacc##i##x0 = _mm256_fmadd_ps(vr, _mm256_maskload_ps(c + i * ldc, mask0), vacc##i##x0); \
        vacc##i##x1 = _mm256_fmadd_ps(vr, _mm256_maskload_ps(c + i * ldc + 8, mask1), vacc##i##x1); \
    }
#define ACC_STORE(i)                                                 \
    if (i < m_eff) {                                                 \
        store_row(c + i * ldc, vacc##i##x0, vacc##i##x1, mask0, mask1, n_eff, epi, vbias0, vbias1); \
    }

/* The epilogue of the 6-row kernels: a full tile without activation
 * inline (store_row_linear, or store_row_term with a row term; inline it
 * measured neutral here, 128×784×256 NN and 256×784×128 TN 0.999), anything
 * else row by row through store_row() with column masks, after the row
 * term (ROW_TERM). */
#define EPILOGUE                                                                       \
    if (m_eff == MR && n_eff == NR && epi->act == AEK_ACT_IDENTITY) {                  \
        const int rd = epi->beta != 0.0f, bias = epi->bias != NULL;                    \
        const __m256 valpha = _mm256_set1_ps(epi->alpha), vbeta = _mm256_set1_ps(epi->beta); \
        __m256 vbias0 = _mm256_setzero_ps(), vbias1 = _mm256_setzero_ps();             \
        if (bias) {                                                                    \
            vbias0 = _mm256_loadu_ps(epi->bias);                                       \
            vbias1 = _mm256_loadu_ps(epi->bias + 8);                                   \
        }                                                                              \
        if (epi->row_c) {                                                              \
            TERM_STORE(0) TERM_STORE(1) TERM_STORE(2) TERM_STORE(3) TERM_STORE(4)      \
            TERM_STORE(5)                                                              \
        } else {                                                                       \
            LIN_STORE(0) LIN_STORE(1) LIN_STORE(2) LIN_STORE(3) LIN_STORE(4) LIN_STORE(5) \
        }                                                                              \
        _mm256_zeroupper();                                                            \
        return;                                                                        \
    }                                                                                  \
    EDGE_EPILOGUE

/* An edge tile's epilogue: column masks, the row term, then the rows
 * < m_eff through store_row() (every kernel declares all 6 accumulators). */
#define EDGE_EPILOGUE                                                                  \
    EPILOGUE_MASKS                                                                     \
    if (epi->row_c) {                                                                  \
        ROW_TERM(0) ROW_TERM(1) ROW_TERM(2) ROW_TERM(3) ROW_TERM(4) ROW_TERM(5)        \
    }                                                                                  \
    ACC_STORE(0) ACC_STORE(1) ACC_STORE(2) ACC_STORE(3) ACC_STORE(4) ACC_STORE(5)

/* The packed kernel: column p of the A tile is the 6 floats at a + p·6. */
#define A_(i) a[i]
void aek_f32_gemm_bias_act_ukernel_6x16__avx2_fma(size_t kc, const float *restrict a,
                                                   const float *restrict b, size_t ldb,
                                                   float *restrict c, size_t ldc, size_t m_eff, size_t n_eff,
                                                   const aek_ukr_epi *epi)
{
    assert(m_eff >= 1 && m_eff <= MR && n_eff >= 1 && n_eff <= NR);
    ACC_DECL(0) ACC_DECL(1) ACC_DECL(2) ACC_DECL(3) ACC_DECL(4) ACC_DECL(5)
    K_LOOP_6(a += MR)
    EPILOGUE
    /* GCC does not always emit it here (it did not for the 12x32 kernel):
     * without it the dirty upper register halves slow every later SSE
     * instruction of this thread ~3.5x (measured on the eigen-solver). */
    _mm256_zeroupper();
}

/* No kernel reads op(A) = Aᵀ in place here (the 12×32 set has one): a
 * column of a 6-row tile is 24 bytes of a 64-byte line of A, so the panel
 * takes kc lines of L1 instead of 0.375·kc packed, and the B micro-panels
 * streaming past (kc lines a tile) evict it.  Measured on Zen 4 (1 thread,
 * best of 3): 1000×784×256 TN 94 GFLOP/s in place, 111 packed; 256×784×128
 * TN 96 in place, 108 packed.  For a small B (k·n ≤ 96²) it won in a
 * stand-alone loop (64³ TN 98 → 103, 96³ 105 → 111), but inside make
 * bench's process 64³ TN fell from 92 to 81 GFLOP/s (5 of 5 runs; its A
 * loads missed: the hot spot moved to the FMA after each broadcast of A), a
 * placement of A, B and C in memory that the stand-alone loop did not
 * reproduce; packed A does not depend on it. */

/* An edge row panel (m_eff < 6 rows, packed layout a[p·6 + i]): only the
 * first R = 2 or 4 rows are computed (5 rows take the full kernel).  The
 * full kernel would do all 6 — for a batch of 128 rows (21 full tiles + 2)
 * that is 4 wasted rows in 130, 3% of every batch-row product.  With 2 rows
 * only 4 chains run, latency-bound (a step costs as much as 4 rows), still
 * less than 6 — and a tail of 7 or 8 rows runs faster still as 4 + 3 or
 * 4 + 4 (set_avx2.c's edge_split_rows; gemm.c, row_panels_of).  Each
 * element sees the full kernel's operations (the same bits). */
static inline __attribute__((always_inline)) void
edge_rows(const int R, size_t kc, const float *restrict a, const float *restrict b, size_t ldb,
          float *restrict c, size_t ldc, size_t m_eff, size_t n_eff, const aek_ukr_epi *epi)
{
    /* rows 4 and 5 are declared for K_STEP and EDGE_EPILOGUE but never
     * computed or stored (R ≤ 4, m_eff ≤ 4) */
    ACC_DECL(0) ACC_DECL(1) ACC_DECL(2) ACC_DECL(3) ACC_DECL(4) ACC_DECL(5)
    if (ldb != NR)
        K_LOOP({ PREFETCH_B_AHEAD K_STEP(R > 2 ? 4 : 2) }, a += MR)
    else
        K_LOOP(K_STEP(R > 2 ? 4 : 2), a += MR)
    EDGE_EPILOGUE
}

void aek_f32_gemm_bias_act_ukernel_6x16_edge__avx2_fma(size_t kc, const float *restrict a,
                                                        const float *restrict b, size_t ldb,
                                                        float *restrict c, size_t ldc, size_t m_eff,
                                                        size_t n_eff, const aek_ukr_epi *epi)
{
    assert(m_eff >= 1 && m_eff < MR && n_eff >= 1 && n_eff <= NR);
    if (m_eff <= 2)
        edge_rows(2, kc, a, b, ldb, c, ldc, m_eff, n_eff, epi);
    else if (m_eff <= 4)
        edge_rows(4, kc, a, b, ldb, c, ldc, m_eff, n_eff, epi);
    else
        aek_f32_gemm_bias_act_ukernel_6x16__avx2_fma(kc, a, b, ldb, c, ldc, m_eff, n_eff, epi);
    _mm256_zeroupper();
}
#undef A_

/* An edge row panel with A read in place (m_eff < MR; row i of the tile at
 * a + i·lda).  Rows m_eff.. of the R computed (R = 2, 4 or 6, as in
 * edge_rows) read row m_eff − 1 again, so nothing past A is read; their
 * sums are never stored.  Saves packing the edge panel: a 64-row product
 * has a 4-row one, and at 64³ packing it and its call took ~2% of the
 * product. */
static inline __attribute__((always_inline)) void
direct_edge_rows(const int R, size_t kc, const float *restrict a, size_t lda,
                 const float *restrict b, size_t ldb, float *restrict c, size_t ldc, size_t m_eff,
                 size_t n_eff, const aek_ukr_epi *epi)
{
    ACC_DECL(0) ACC_DECL(1) ACC_DECL(2) ACC_DECL(3) ACC_DECL(4) ACC_DECL(5)
    const size_t last = m_eff - 1;
    const size_t o1 = (last < 1 ? last : 1) * lda, o2 = (last < 2 ? last : 2) * lda;
    const size_t o3 = (last < 3 ? last : 3) * lda, o4 = (last < 4 ? last : 4) * lda;
#define A_(i) a[(i) == 0 ? 0 : (i) == 1 ? o1 : (i) == 2 ? o2 : (i) == 3 ? o3 : o4]
    if (R == 6)
        K_LOOP_6(a++)
    else if (ldb != NR)
        K_LOOP({ PREFETCH_B_AHEAD K_STEP(R) }, a++)
    else
        K_LOOP(K_STEP(R), a++)
#undef A_
    EDGE_EPILOGUE
}

static void direct_edge(size_t kc, const float *restrict a, size_t lda, const float *restrict b,
                        size_t ldb, float *restrict c, size_t ldc, size_t m_eff, size_t n_eff,
                        const aek_ukr_epi *epi)
{
    if (m_eff <= 2)
        direct_edge_rows(2, kc, a, lda, b, ldb, c, ldc, m_eff, n_eff, epi);
    else if (m_eff <= 4)
        direct_edge_rows(4, kc, a, lda, b, ldb, c, ldc, m_eff, n_eff, epi);
    else
        direct_edge_rows(6, kc, a, lda, b, ldb, c, ldc, m_eff, n_eff, epi);
    _mm256_zeroupper();
}

/* The same tile with A read in place (op(A) = A, row-major, stride lda;
 * set_avx2.c's direct_edges: an edge panel, m_eff < MR, goes to
 * direct_edge): no packing of A; the packed kernel's operations, so the
 * same bits.  The rows are addressed as two bases (rows 0 and 3) plus 0,
 * lda or 2·lda, so the loop needs 4 address registers instead of 6. */
void aek_f32_gemm_bias_act_ukernel_6x16_adirect__avx2_fma(size_t kc, const float *restrict a,
                                                           size_t lda, const float *restrict b,
                                                           size_t ldb, float *restrict c, size_t ldc,
                                                           size_t m_eff, size_t n_eff,
                                                           const aek_ukr_epi *epi)
{
    assert(m_eff >= 1 && m_eff <= MR && n_eff >= 1 && n_eff <= NR);
    if (m_eff < MR) {
        direct_edge(kc, a, lda, b, ldb, c, ldc, m_eff, n_eff, epi);
        return;
    }
    ACC_DECL(0) ACC_DECL(1) ACC_DECL(2) ACC_DECL(3) ACC_DECL(4) ACC_DECL(5)
    const float *r0 = a, *r3 = a + 3 * lda;
    const size_t l1 = lda, l2 = 2 * lda;
#define A_(i) ((i) % 3 == 0 ? R_(i)[0] : (i) % 3 == 1 ? R_(i)[l1] : R_(i)[l2])
#define R_(i) ((i) < 3 ? r0 : r3)
    K_LOOP_6((r0++, r3++))
#undef A_
#undef R_
    EPILOGUE
    _mm256_zeroupper();
}
