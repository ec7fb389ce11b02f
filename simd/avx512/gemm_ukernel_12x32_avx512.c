/*
 * gemm_ukernel_12x32_avx512.c — 12×32 register tile for AVX-512 (kernels.h
 * has the contract).  24 zmm accumulators (12 rows × 2 vectors of 16 columns)
 * + 2 for the B row + 1 broadcast = 27 of the 32 zmm registers; two FMA
 * pipes of latency 4 need ≥ 8 independent chains, 24 keeps them busy.
 *
 *   C[i][j] = act(alpha·(Σ_p a[p·12+i]·b[p·32+j] [+ row_c[i]·C[i][j]]) + beta·C[i][j] + bias[j])
 *
 * Edge tiles use opmasks on columns and skip rows ≥ m_eff, so an element's
 * arithmetic is the same in a full tile and in an edge tile.
 */
#include <assert.h>
#include <immintrin.h>
#include <stdint.h>

#include "../kernels.h"
#include "vmath_avx512.h"

#define MR 12
#define NR 32

#define ACC_DECL(i) __m512 vacc##i##x0 = _mm512_setzero_ps(), vacc##i##x1 = _mm512_setzero_ps();
#define ACC_FMA(i, aval)                                             \
    {                                                                \
        const __m512 va = _mm512_set1_ps(aval);                      \
        vacc##i##x0 = _mm512_fmadd_ps(va, vb0, vacc##i##x0);         \
        vacc##i##x1 = _mm512_fmadd_ps(va, vb1, vacc##i##x1);         \
    }
/* One step p of the k-loop: B row p (32 floats at b, rows ldb apart) times
 * column p of the A tile (A_(i) gives row i's element). */
#define K_STEP                                                       \
    {                                                                \
        const __m512 vb0 = _mm512_loadu_ps(b);                       \
        const __m512 vb1 = _mm512_loadu_ps(b + 16);                  \
        ACC_FMA(0, A_(0)) ACC_FMA(1, A_(1)) ACC_FMA(2, A_(2))        \
        ACC_FMA(3, A_(3)) ACC_FMA(4, A_(4)) ACC_FMA(5, A_(5))        \
        ACC_FMA(6, A_(6)) ACC_FMA(7, A_(7)) ACC_FMA(8, A_(8))        \
        ACC_FMA(9, A_(9)) ACC_FMA(10, A_(10)) ACC_FMA(11, A_(11))    \
        b += ldb;                                                    \
    }
/* The same step for an edge column panel of n_eff ≤ 16, on the first R
 * (8 or 12) rows: only the first vector of each row.  A 32-wide step would
 * spend half its FMAs on masked columns — n = 784 = 24·32 + 16 (every
 * decoder output and weight gradient of a 784-pixel AE) and n = 1000 =
 * 31·32 + 8 end in such a panel; 8 or 12 chains still keep both FMA pipes
 * (latency 4) busy.  The upper accumulators stay zero and are never stored
 * (mask1 = 0), and each stored element sees the same operations as in the
 * full step (the same bits). */
#define K_STEP_HALF(R)                                               \
    {                                                                \
        const __m512 vb0 = _mm512_loadu_ps(b);                       \
        ACC_FMA_HALF(0, A_(0)) ACC_FMA_HALF(1, A_(1))                \
        ACC_FMA_HALF(2, A_(2)) ACC_FMA_HALF(3, A_(3))                \
        ACC_FMA_HALF(4, A_(4)) ACC_FMA_HALF(5, A_(5))                \
        ACC_FMA_HALF(6, A_(6)) ACC_FMA_HALF(7, A_(7))                \
        HALF_ROWS_BEYOND_##R                                         \
        b += ldb;                                                    \
    }
/* rows 8..11 (R is the literal 8 or 12: the 8-row edge kernel has no
 * accumulators beyond row 7) */
#define HALF_ROWS_BEYOND_8
#define HALF_ROWS_BEYOND_12                                          \
    ACC_FMA_HALF(8, A_(8)) ACC_FMA_HALF(9, A_(9))                    \
    ACC_FMA_HALF(10, A_(10)) ACC_FMA_HALF(11, A_(11))
#define ACC_FMA_HALF(i, aval) \
    vacc##i##x0 = _mm512_fmadd_ps(_mm512_set1_ps(aval), vb0, vacc##i##x0);
/* Prefetch the line holding float i of p.  The address is formed as an
 * integer: the rows ahead may lie past the end of B, where a prefetch may
 * look (it never faults) but C pointer arithmetic may not go. */
static inline void prefetch_float(const float *p, size_t i)
{
    _mm_prefetch((const char *)((uintptr_t)p + i * sizeof(float)), _MM_HINT_T0);
}

/* The step with B read in place (ldb ≠ NR), which first prefetches the
 * lines of B row p + B_AHEAD_ROWS: its first, middle and last floats.  A
 * row whose 128 bytes do not start on a 64-byte line (ldb·4 not a multiple
 * of 64: n = 1000, 500, 250) spans three lines, and the hardware's stride
 * prefetcher, keyed on each load's first byte, left one of them to a
 * demand miss every other row: 256×1000×784 ran at 97 GFLOP/s against 111
 * with 992 columns, and at 109.5 with these prefetches (Zen 4, 1 thread).
 * 16 rows ahead beat 4 and 8 and matched 24 and 32.  A packed panel is one
 * contiguous stream the hardware fetches by itself: no prefetch there. */
#define B_AHEAD_ROWS 16
#define PREFETCH_B_AHEAD                                                          \
    prefetch_float(b, B_AHEAD_ROWS * ldb);                                        \
    prefetch_float(b, B_AHEAD_ROWS * ldb + NR / 2);                               \
    prefetch_float(b, B_AHEAD_ROWS * ldb + NR - 1);
/* The row term (row_c, kernels.h) on an edge tile's accumulators before
 * store_row: acc + r·C with one rounding, C's masked lanes read as 0. */
#define ROW_TERM(i)                                                  \
    if (i < m_eff) {                                                 \
        const __m512 vr = _mm512_set1_ps(epi->row_c[i]);             \
        vacc##i##x0 = _mm512_fmadd_ps(vr, _mm512_maskz_loadu_ps(mask0, c + i * ldc), vacc##i##x0); \
        vacc##i##x1 = _mm512_fmadd_ps(vr, _mm512_maskz_loadu_ps(mask1, c + i * ldc + 16), vacc##i##x1); \
    }
#define ACC_STORE(i)                                                 \
    if (i < m_eff) {                                                 \
        store_row(c + i * ldc, vacc##i##x0, vacc##i##x1, mask0, mask1, epi, vbias0, vbias1); \
    }

/* Fetch the C tile (2 lines per row) into L1 shortly before the epilogue
 * needs it: at large sizes the tile was last touched a whole k-block ago and
 * sits in L2/L3, and its loads would otherwise stall the end of every call.
 * Fetched early it would be evicted again by the streaming B panel. */
#ifndef C_PREFETCH_STEPS
#define C_PREFETCH_STEPS 32
#endif
/* With intent to write (PREFETCHW; 0F 0D /1, a no-op where unsupported):
 * the line comes exclusive, so the store that follows does not have to
 * take it from the other core again (with 2 threads C lines often last
 * lived there; the epilogue fell from 8-9% to 6-7% of a 2-thread deep AE
 * epoch) */
static inline void prefetchw(const float *p) { __asm__ volatile("prefetchw %0" : : "m"(*p)); }
static inline void prefetch_c(const float *c, size_t ldc, size_t m_eff)
{
    for (size_t i = 0; i < m_eff; i++) {
        prefetchw(c + i * ldc);
        prefetchw(c + i * ldc + 16);
    }
}

/* act(alpha·acc + beta·C + bias); vc = C (read only when beta ≠ 0) */
static inline __m512 finish(__m512 acc, __m512 vc, const aek_ukr_epi *epi, __m512 vbias)
{
    __m512 v;
    if (epi->beta != 0.0f) {
        /* beta·C + alpha·acc with one rounding for the sum */
        vc = _mm512_mul_ps(_mm512_set1_ps(epi->beta), vc);
        v = _mm512_fmadd_ps(_mm512_set1_ps(epi->alpha), acc, vc);
    } else {
        v = _mm512_mul_ps(_mm512_set1_ps(epi->alpha), acc);
    }
    if (epi->bias)
        v = _mm512_add_ps(v, vbias);
    return aek_act_avx512(v, epi->act);
}

/* One row of the tile.  A full row uses plain loads and stores: masked
 * ones cost more on AMD Zen (measured: the epilogue of a 2048³ product
 * spent most of its time on them). */
static inline void store_row(float *cp, __m512 acc0, __m512 acc1, __mmask16 mask0, __mmask16 mask1,
                             const aek_ukr_epi *epi, __m512 vbias0, __m512 vbias1)
{
    const int rd = epi->beta != 0.0f;
    if (mask0 == 0xFFFF && mask1 == 0xFFFF) {
        __m512 c0 = rd ? _mm512_loadu_ps(cp) : _mm512_setzero_ps();
        __m512 c1 = rd ? _mm512_loadu_ps(cp + 16) : _mm512_setzero_ps();
        _mm512_storeu_ps(cp, finish(acc0, c0, epi, vbias0));
        _mm512_storeu_ps(cp + 16, finish(acc1, c1, epi, vbias1));
        return;
    }
    __m512 c0 = rd ? _mm512_maskz_loadu_ps(mask0, cp) : _mm512_setzero_ps();
    _mm512_mask_storeu_ps(cp, mask0, finish(acc0, c0, epi, vbias0));
    if (mask1) {
        __m512 c1 = rd ? _mm512_maskz_loadu_ps(mask1, cp + 16) : _mm512_setzero_ps();
        _mm512_mask_storeu_ps(cp + 16, mask1, finish(acc1, c1, epi, vbias1));
    }
}

/* A full row with no activation, inlined: the same operations as finish()
 * (beta·C, then one fma with alpha·acc; then + bias), so the same bits.
 * Why: store_row is too big to inline (every activation), and 12 calls
 * with their tests per tile cost ~10% of a product with k = 128 (every
 * weight gradient of a batch-128 AE, and the fused SGD steps). */
static inline __attribute__((always_inline)) void
store_row_linear(float *cp, __m512 acc0, __m512 acc1, int rd, __m512 valpha, __m512 vbeta,
                 int bias, __m512 vbias0, __m512 vbias1)
{
    __m512 v0, v1;
    if (rd) {
        v0 = _mm512_fmadd_ps(valpha, acc0, _mm512_mul_ps(vbeta, _mm512_loadu_ps(cp)));
        v1 = _mm512_fmadd_ps(valpha, acc1, _mm512_mul_ps(vbeta, _mm512_loadu_ps(cp + 16)));
    } else {
        v0 = _mm512_mul_ps(valpha, acc0);
        v1 = _mm512_mul_ps(valpha, acc1);
    }
    if (bias) {
        v0 = _mm512_add_ps(v0, vbias0);
        v1 = _mm512_add_ps(v1, vbias1);
    }
    _mm512_storeu_ps(cp, v0);
    _mm512_storeu_ps(cp + 16, v1);
}
#define LIN_STORE(i) \
    store_row_linear(c + i * ldc, vacc##i##x0, vacc##i##x1, rd, valpha, vbeta, bias, vbias0, vbias1);

/* A full tile of a fused regularized step (row_c, kernels.h): per row,
 * acc + r·C with one rounding, then store_row_linear()'s.  Out of line,
 * the accumulators passed through memory (24 stores and loads a tile):
 * inlined into every kernel it cost the plain products ~0.5% (code
 * layout; 128×784×256 NN, 7 of 7 interleaved rounds slower). */
static __attribute__((noinline)) void store_tile_row_term(float *restrict c, size_t ldc,
                                                          const __m512 *acc,
                                                          const aek_ukr_epi *epi)
{
    const __m512 valpha = _mm512_set1_ps(epi->alpha), vbeta = _mm512_set1_ps(epi->beta);
    const int rd = epi->beta != 0.0f;
    __m512 vbias0 = _mm512_setzero_ps(), vbias1 = _mm512_setzero_ps();
    if (epi->bias) {
        vbias0 = _mm512_loadu_ps(epi->bias);
        vbias1 = _mm512_loadu_ps(epi->bias + 16);
    }
    for (size_t i = 0; i < MR; i++) {
        float *cp = c + i * ldc;
        const __m512 vr = _mm512_set1_ps(epi->row_c[i]);
        store_row_linear(cp, _mm512_fmadd_ps(vr, _mm512_loadu_ps(cp), acc[2 * i]),
                         _mm512_fmadd_ps(vr, _mm512_loadu_ps(cp + 16), acc[2 * i + 1]), rd,
                         valpha, vbeta, epi->bias != NULL, vbias0, vbias1);
    }
    _mm256_zeroupper();
}
#define ACC_PAIR(i) vacc##i##x0, vacc##i##x1

/* The epilogue shared by both kernels: masks for an edge tile, bias, the
 * row term, and the rows < m_eff stored through finish() — or, for a full
 * tile without activation, inline through store_row_linear() (with a row
 * term out of line, store_tile_row_term()). */
#define EPILOGUE                                                                       \
    if (m_eff == MR && n_eff == NR && epi->act == AEK_ACT_IDENTITY) {                  \
        if (epi->row_c) {                                                              \
            const __m512 acc[2 * MR] = {ACC_PAIR(0), ACC_PAIR(1), ACC_PAIR(2), ACC_PAIR(3), \
                                        ACC_PAIR(4), ACC_PAIR(5), ACC_PAIR(6), ACC_PAIR(7), \
                                        ACC_PAIR(8), ACC_PAIR(9), ACC_PAIR(10), ACC_PAIR(11)}; \
            store_tile_row_term(c, ldc, acc, epi);                                     \
            return;                                                                    \
        }                                                                              \
        const int rd = epi->beta != 0.0f, bias = epi->bias != NULL;                    \
        const __m512 valpha = _mm512_set1_ps(epi->alpha), vbeta = _mm512_set1_ps(epi->beta); \
        __m512 vbias0 = _mm512_setzero_ps(), vbias1 = _mm512_setzero_ps();             \
        if (bias) {                                                                    \
            vbias0 = _mm512_loadu_ps(epi->bias);                                       \
            vbias1 = _mm512_loadu_ps(epi->bias + 16);                                  \
        }                                                                              \
        LIN_STORE(0) LIN_STORE(1) LIN_STORE(2) LIN_STORE(3) LIN_STORE(4) LIN_STORE(5)  \
        LIN_STORE(6) LIN_STORE(7) LIN_STORE(8) LIN_STORE(9) LIN_STORE(10) LIN_STORE(11) \
        _mm256_zeroupper();                                                            \
        return;                                                                        \
    }                                                                                  \
    EPILOGUE_MASKS                                                                     \
    if (epi->row_c) {                                                                  \
        ROW_TERM(0) ROW_TERM(1) ROW_TERM(2) ROW_TERM(3) ROW_TERM(4) ROW_TERM(5)        \
        ROW_TERM(6) ROW_TERM(7) ROW_TERM(8) ROW_TERM(9) ROW_TERM(10) ROW_TERM(11)      \
    }                                                                                  \
    ACC_STORE(0) ACC_STORE(1) ACC_STORE(2) ACC_STORE(3) ACC_STORE(4) ACC_STORE(5)      \
    ACC_STORE(6) ACC_STORE(7) ACC_STORE(8) ACC_STORE(9) ACC_STORE(10) ACC_STORE(11)

/* Column masks of an edge tile and the bias, for store_row(). */
#define EPILOGUE_MASKS                                                                 \
    const __mmask16 mask0 = n_eff >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << n_eff) - 1); \
    const __mmask16 mask1 = n_eff <= 16 ? (__mmask16)0                                 \
                          : n_eff >= 32 ? (__mmask16)0xFFFF                            \
                                        : (__mmask16)((1u << (n_eff - 16)) - 1);       \
    __m512 vbias0 = _mm512_setzero_ps(), vbias1 = _mm512_setzero_ps();                 \
    if (epi->bias) {                                                                   \
        vbias0 = _mm512_maskz_loadu_ps(mask0, epi->bias);                              \
        vbias1 = _mm512_maskz_loadu_ps(mask1, epi->bias + 16);                         \
    }

/* B is read at b + p·ldb: ldb = NR for a packed micro-panel, or the row
 * stride of a row-major op(B) read in place (then n_eff = NR: the driver
 * packs edge panels, so no row is read past its end). */
/* The k-loop of every kernel: STEP (one k step) then ADVANCE (move A to
 * the next column) kc times, with the C tile fetched C_PREFETCH_STEPS
 * steps before the end. */
#define K_LOOP(STEP, ADVANCE)                                                          \
    {                                                                                  \
        size_t p = 0;                                                                  \
        for (; p + C_PREFETCH_STEPS < kc; p++) {                                       \
            STEP                                                                       \
            ADVANCE;                                                                   \
        }                                                                              \
        prefetch_c(c, ldc, m_eff);                                                     \
        for (; p < kc; p++) {                                                          \
            STEP                                                                       \
            ADVANCE;                                                                   \
        }                                                                              \
    }

/* The k-loop of a 12-row tile: the half-width step on an edge panel of
 * ≤ 16 columns (always packed), the full step otherwise. */
#define K_LOOP_12(ADVANCE)                                                             \
    if (n_eff <= 16)                                                                   \
        K_LOOP(K_STEP_HALF(12), ADVANCE)                                               \
    else if (ldb == NR)                                                                \
        K_LOOP(K_STEP, ADVANCE)                                                        \
    else                                                                               \
        K_LOOP({ PREFETCH_B_AHEAD K_STEP }, ADVANCE)

/* The k-loop over an A tile whose column p is the 12 floats at a + p·ASTEP
 * (packed: ASTEP = MR), then the epilogue. */
#define A_COLUMNS_BODY(ASTEP)                                                          \
    ACC_DECL(0) ACC_DECL(1) ACC_DECL(2) ACC_DECL(3) ACC_DECL(4) ACC_DECL(5)            \
    ACC_DECL(6) ACC_DECL(7) ACC_DECL(8) ACC_DECL(9) ACC_DECL(10) ACC_DECL(11)          \
    K_LOOP_12(a += (ASTEP))                                                            \
    EPILOGUE                                                                           \
    /* GCC does not always emit it here (it did not for the 12x32 kernel):             \
     * without it the dirty upper register halves slow every later SSE                 \
     * instruction of this thread ~3.5x (measured on the eigen-solver). */             \
    _mm256_zeroupper();

#define A_(i) a[i]
void aek_f32_gemm_bias_act_ukernel_12x32__avx512(size_t kc, const float *restrict a,
                                                  const float *restrict b, size_t ldb,
                                                  float *restrict c, size_t ldc, size_t m_eff,
                                                  size_t n_eff, const aek_ukr_epi *epi)
{
    assert(m_eff >= 1 && m_eff <= MR && n_eff >= 1 && n_eff <= NR);
    A_COLUMNS_BODY(MR)
}

/* The same tile with op(A) = Aᵀ read in place (A row-major k×m, stride lda:
 * column p of the tile is the 12 consecutive floats of row p of A — the
 * packed layout with stride lda instead of MR; a full tile, m_eff = MR).
 * For weight gradients Dᵀ·In it skips packing D (1.3% of a 1-thread
 * epoch); the same operations per element as the packed kernel. */
void aek_f32_gemm_bias_act_ukernel_12x32_atdirect__avx512(size_t kc, const float *restrict a,
                                                           size_t lda, const float *restrict b,
                                                           size_t ldb, float *restrict c,
                                                           size_t ldc, size_t m_eff, size_t n_eff,
                                                           const aek_ukr_epi *epi)
{
    assert(m_eff == MR && n_eff >= 1 && n_eff <= NR);
    A_COLUMNS_BODY(lda)
}

/* An edge row panel (m_eff < 12 rows, packed layout a[p·12 + i]): only
 * the first R = 4 or 8 rows are computed (9 to 11 take the full kernel).
 * The full kernel would do all 12 for 8 rows of results — for a batch of
 * 128 rows (10 full tiles + 8) that is 4 wasted rows in 132, 3% of every
 * batch-row product.  Each
 * element sees the full kernel's operations (the same bits); 8 or 16
 * accumulators still keep both FMA pipes busy (latency 4). */
#define K_STEP_ROWS(R)                                               \
    {                                                                \
        const __m512 vb0 = _mm512_loadu_ps(b);                       \
        const __m512 vb1 = _mm512_loadu_ps(b + 16);                  \
        ACC_FMA(0, A_(0)) ACC_FMA(1, A_(1)) ACC_FMA(2, A_(2))        \
        ACC_FMA(3, A_(3))                                            \
        if ((R) > 4) {                                               \
            ACC_FMA(4, A_(4)) ACC_FMA(5, A_(5)) ACC_FMA(6, A_(6))    \
            ACC_FMA(7, A_(7))                                        \
        }                                                            \
        b += ldb;                                                    \
    }
static inline __attribute__((always_inline)) void
edge_rows(const int R, size_t kc, const float *restrict a, const float *restrict b, size_t ldb,
          float *restrict c, size_t ldc, size_t m_eff, size_t n_eff, const aek_ukr_epi *epi)
{
    ACC_DECL(0) ACC_DECL(1) ACC_DECL(2) ACC_DECL(3) ACC_DECL(4) ACC_DECL(5) ACC_DECL(6) ACC_DECL(7)
    /* the half step on 8 rows; 4 rows gain nothing from it (4 chains of
     * latency 4 take as long as 8 FMAs) */
    if (R > 4 && n_eff <= 16)
        K_LOOP(K_STEP_HALF(8), a += MR)
    else if (ldb == NR)
        K_LOOP(K_STEP_ROWS(R), a += MR)
    else
        K_LOOP({ PREFETCH_B_AHEAD K_STEP_ROWS(R) }, a += MR)
    EPILOGUE_MASKS
    if (epi->row_c) {
        ROW_TERM(0) ROW_TERM(1) ROW_TERM(2) ROW_TERM(3)
        ROW_TERM(4) ROW_TERM(5) ROW_TERM(6) ROW_TERM(7)
    }
    ACC_STORE(0) ACC_STORE(1) ACC_STORE(2) ACC_STORE(3)
    ACC_STORE(4) ACC_STORE(5) ACC_STORE(6) ACC_STORE(7)
}

void aek_f32_gemm_bias_act_ukernel_12x32_edge__avx512(size_t kc, const float *restrict a,
                                                       const float *restrict b, size_t ldb,
                                                       float *restrict c, size_t ldc, size_t m_eff,
                                                       size_t n_eff, const aek_ukr_epi *epi)
{
    assert(m_eff >= 1 && m_eff < MR && n_eff >= 1 && n_eff <= NR);
    if (m_eff <= 4)
        edge_rows(4, kc, a, b, ldb, c, ldc, m_eff, n_eff, epi);
    else if (m_eff <= 8)
        edge_rows(8, kc, a, b, ldb, c, ldc, m_eff, n_eff, epi);
    else
        aek_f32_gemm_bias_act_ukernel_12x32__avx512(kc, a, b, ldb, c, ldc, m_eff, n_eff, epi);
    _mm256_zeroupper();
}
#undef A_

/* The same tile with A read in place (op(A) = A, row-major, stride lda; a
 * full tile, m_eff = MR: the driver packs edge row panels).  Skips packing A
 * (for AE batches, a third of all packing) — the 12 A rows of a tile stay in
 * L1 while the B micro-panels stream past.  Every element sees the same
 * operations as in the packed kernel (bitwise the same results).  The rows
 * are addressed as four bases (rows 0, 3, 6, 9) plus 0, lda or 2·lda, so the
 * loop needs 6 address registers instead of 12 and nothing spills. */
void aek_f32_gemm_bias_act_ukernel_12x32_adirect__avx512(size_t kc, const float *restrict a,
                                                          size_t lda, const float *restrict b,
                                                          size_t ldb, float *restrict c,
                                                          size_t ldc, size_t m_eff, size_t n_eff,
                                                          const aek_ukr_epi *epi)
{
    assert(m_eff == MR && n_eff >= 1 && n_eff <= NR);
    ACC_DECL(0) ACC_DECL(1) ACC_DECL(2) ACC_DECL(3) ACC_DECL(4) ACC_DECL(5)
    ACC_DECL(6) ACC_DECL(7) ACC_DECL(8) ACC_DECL(9) ACC_DECL(10) ACC_DECL(11)
    const float *r0 = a, *r3 = a + 3 * lda, *r6 = a + 6 * lda, *r9 = a + 9 * lda;
    const size_t l1 = lda, l2 = 2 * lda;
#define A_(i) ((i) % 3 == 0 ? R_(i)[0] : (i) % 3 == 1 ? R_(i)[l1] : R_(i)[l2])
#define R_(i) ((i) < 3 ? r0 : (i) < 6 ? r3 : (i) < 9 ? r6 : r9)
    K_LOOP_12((r0++, r3++, r6++, r9++))
#undef A_
#undef R_
    EPILOGUE
    _mm256_zeroupper();
}
