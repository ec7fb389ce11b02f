/*
 * pack_transpose_avx512.c — the transposing half of GEMM packing in 16×16
 * tiles of zmm registers (kernels.h: aek_pack_t_fn has the contract),
 *   dst[p·r + i] = src[i·ld + p]   (i < rows),   0   (rows ≤ i < r).
 * Why not the avx2 8×8 tile: a B panel of the 12×32 kernel is 32 rows, and
 * 16 rows at a time make every load one whole 64-byte line of a source row
 * and every store one whole 64-byte line of the panel (for r = 32), where
 * 8×8 tiles write each panel line in two halves at different times; 16×16
 * also takes 4 shuffle stages for 256 floats instead of 3 for 64.
 * Rows left over after the 16-row tiles (and the padding) go to the avx2
 * tail, which this CPU also executes.
 */
#include <immintrin.h>

#include "../kernels.h"

void aek_pack_transpose_tail_avx2(const float *src, size_t ld, size_t i0, size_t rows, size_t kc,
                                  size_t r, float *dst);
void aek_transpose_tail_avx2(const float *src, size_t ld, size_t i0, size_t rows, size_t kc,
                             float *dst, size_t r);

/* In-register 16×16 transpose: v[0..15] rows in, columns out.
 * Stage 1 interleaves row pairs, stage 2 gathers 4 rows per 128-bit lane,
 * stages 3 and 4 move 128-bit lanes so lane L of group g lands in place. */
static inline void transpose16(__m512 *v)
{
    __m512 t[16], u[16];
    /* fully unrolled (GCC -O2 would not): with a loop the arrays live in
     * memory and every stage goes through the stack, 4× slower */
#pragma GCC unroll 16
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(v[i], v[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(v[i], v[i + 1]);
    }
    /* u[4g + c]: lane L holds column 4L + c of rows 4g..4g+3 */
#pragma GCC unroll 4
    for (int g = 0; g < 16; g += 4) {
        u[g + 0] = _mm512_shuffle_ps(t[g], t[g + 2], 0x44);
        u[g + 1] = _mm512_shuffle_ps(t[g], t[g + 2], 0xEE);
        u[g + 2] = _mm512_shuffle_ps(t[g + 1], t[g + 3], 0x44);
        u[g + 3] = _mm512_shuffle_ps(t[g + 1], t[g + 3], 0xEE);
    }
#pragma GCC unroll 4
    for (int c = 0; c < 4; c++) {
        /* lanes (g0 L0, g0 L2, g1 L0, g1 L2) and (g0 L1, g0 L3, g1 L1, g1 L3) */
        __m512 x0 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88);
        __m512 x1 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xDD);
        __m512 y0 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88);
        __m512 y1 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xDD);
        v[c] = _mm512_shuffle_f32x4(x0, y0, 0x88);      /* column c      */
        v[c + 8] = _mm512_shuffle_f32x4(x0, y0, 0xDD);  /* column c + 8  */
        v[c + 4] = _mm512_shuffle_f32x4(x1, y1, 0x88);  /* column c + 4  */
        v[c + 12] = _mm512_shuffle_f32x4(x1, y1, 0xDD); /* column c + 12 */
    }
}

/* The 16-row tiles of the block, written with stride r; returns the rows
 * done (the rest go to the avx2 tail). */
static size_t transpose_tiles(const float *src, size_t ld, size_t rows, size_t kc, float *dst,
                              size_t r)
{
    size_t i0 = 0;
    for (; i0 + 16 <= rows; i0 += 16) {
        for (size_t p = 0; p < kc; p += 16) {
            const size_t w = kc - p < 16 ? kc - p : 16;
            const __mmask16 m = (__mmask16)((1u << w) - 1u);
            __m512 v[16];
            /* each of the 16 rows is its own stream: fetch its line 256 B
             * ahead (weights that come from L3, as in a deep AE) */
            if (p + 64 < kc)
#pragma GCC unroll 16
                for (int i = 0; i < 16; i++)
                    _mm_prefetch((const char *)(src + (i0 + (size_t)i) * ld + p + 64), _MM_HINT_T0);
#pragma GCC unroll 16
            for (int i = 0; i < 16; i++)
                v[i] = _mm512_maskz_loadu_ps(m, src + (i0 + (size_t)i) * ld + p);
            transpose16(v);
            if (w == 16) {
#pragma GCC unroll 16
                for (size_t q = 0; q < 16; q++)
                    _mm512_storeu_ps(dst + (p + q) * r + i0, v[q]);
            } else {
                /* the last w < 16 columns of the block: through a buffer,
                 * as a variable index into v would keep all of v in memory */
                float tmp[16 * 16];
#pragma GCC unroll 16
                for (int q = 0; q < 16; q++)
                    _mm512_storeu_ps(tmp + 16 * q, v[q]);
                for (size_t q = 0; q < w; q++)
                    _mm512_storeu_ps(dst + (p + q) * r + i0, _mm512_loadu_ps(tmp + 16 * q));
            }
        }
    }
    return i0;
}

void aek_pack_transpose_avx512(const float *src, size_t ld, size_t rows, size_t kc, size_t r,
                               float *dst)
{
    const size_t i0 = transpose_tiles(src, ld, rows, kc, dst, r);
    aek_pack_transpose_tail_avx2(src, ld, i0, rows, kc, r, dst); /* and the padding */
}

void aek_transpose_avx512(const float *src, size_t ld, size_t rows, size_t cols, float *dst,
                          size_t ldd)
{
    const size_t i0 = transpose_tiles(src, ld, rows, cols, dst, ldd);
    aek_transpose_tail_avx2(src, ld, i0, rows, cols, dst, ldd);
}
