/*
 * transpose16_avx512.h — 16×16 float transpose in zmm registers, shared by
 * the transposing packer and the micro-kernels that store C transposed.
 */
#ifndef AEKIT_SIMD_AVX512_TRANSPOSE16_H
#define AEKIT_SIMD_AVX512_TRANSPOSE16_H

#include <immintrin.h>

/* In-register 16×16 transpose: v[0..15] rows in, columns out.
 * Stage 1 interleaves row pairs, stage 2 gathers 4 rows per 128-bit lane,
 * stages 3 and 4 move 128-bit lanes so lane L of group g lands in place. */
static inline __attribute__((always_inline)) void transpose16(__m512 *v)
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

#endif
