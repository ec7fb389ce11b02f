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
#include "transpose16_avx512.h"

void aek_pack_transpose_tail_avx2(const float *src, size_t ld, size_t i0, size_t rows, size_t kc,
                                  size_t r, float *dst);

void aek_pack_transpose_avx512(const float *src, size_t ld, size_t rows, size_t kc, size_t r,
                               float *dst)
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
    aek_pack_transpose_tail_avx2(src, ld, i0, rows, kc, r, dst);
}
