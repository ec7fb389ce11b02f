/*
 * pack_transpose_avx2.c — the transposing half of GEMM packing with AVX
 * shuffles: a block of `rows` rows (stride ld) × kc columns of a row-major
 * matrix written column-interleaved for a micro-kernel,
 *   dst[p·r + i] = src[i·ld + p]   (i < rows),   0   (rows ≤ i < r),
 * in 8×8 tiles (three shuffle stages) and 4×4 tiles, the rest element by
 * element.  A scalar loop does one strided load per element; a tile does one
 * 32-byte load per row and one 32-byte store per column.  Used by the avx2
 * and avx512 sets (every AVX-512 CPU executes AVX2).
 */
#include <immintrin.h>
#include <stdint.h>

#include "../kernels.h"

/* dst[p·r + i] = 0 for rows ≤ i < r, p < kc: 8-float stores, then 4, 2 and
 * 1 for the rest.  (A memset call per column cost 3-4% of a 64³ product,
 * whose 4-row edge panel is padded to 12 rows: 64 calls for 32 bytes each;
 * a masked store (VMASKMOVPS) per column cost 4.5% of it with the AVX2
 * set, whose 4-row panel is padded to 6: AMD Zen runs it microcoded.) */
static void zero_pad(float *dst, size_t rows, size_t kc, size_t r)
{
    const __m256 z = _mm256_setzero_ps();
    const __m128 z4 = _mm_setzero_ps();
    const size_t full = (r - rows) / 8 * 8, rest = r - rows - full;
    for (size_t p = 0; p < kc; p++) {
        float *d = dst + p * r + rows;
        for (size_t i = 0; i < full; i += 8)
            _mm256_storeu_ps(d + i, z);
        d += full;
        if (rest & 4)
            _mm_storeu_ps(d, z4), d += 4;
        if (rest & 2)
            _mm_storel_pi((__m64 *)d, z4), d += 2;
        if (rest & 1)
            _mm_store_ss(d, z4);
    }
}

/* In-register 8×8 transpose: r0..r7 rows in, columns out. */
static inline void transpose8(__m256 *r)
{
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 s0 = _mm256_shuffle_ps(t0, t2, 0x44), s1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    __m256 s2 = _mm256_shuffle_ps(t1, t3, 0x44), s3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    __m256 s4 = _mm256_shuffle_ps(t4, t6, 0x44), s5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    __m256 s6 = _mm256_shuffle_ps(t5, t7, 0x44), s7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    r[0] = _mm256_permute2f128_ps(s0, s4, 0x20);
    r[1] = _mm256_permute2f128_ps(s1, s5, 0x20);
    r[2] = _mm256_permute2f128_ps(s2, s6, 0x20);
    r[3] = _mm256_permute2f128_ps(s3, s7, 0x20);
    r[4] = _mm256_permute2f128_ps(s0, s4, 0x31);
    r[5] = _mm256_permute2f128_ps(s1, s5, 0x31);
    r[6] = _mm256_permute2f128_ps(s2, s6, 0x31);
    r[7] = _mm256_permute2f128_ps(s3, s7, 0x31);
}

/* Rows i0.. of the block (the earlier rows are done by the caller: the
 * avx512 pack does 16-row tiles and hands the rest to this), written with
 * stride r: dst[p·r + i] = src[i·ld + p], no padding. */
void aek_transpose_tail_avx2(const float *src, size_t ld, size_t i0, size_t rows, size_t kc,
                             float *dst, size_t r)
{
    for (; i0 + 8 <= rows; i0 += 8) {
        size_t p = 0;
        for (; p + 8 <= kc; p += 8) {
            __m256 v[8];
            /* each of the 8 rows is its own stream: fetch its line 256 B
             * ahead (a deep AE's weights come from L3: the transposing
             * pack fell from 10-13% to 7% of a 784-1000-500-250-30 epoch) */
            if ((p & 15) == 0 && p + 64 < kc)
#pragma GCC unroll 8
                for (int i = 0; i < 8; i++)
                    _mm_prefetch((const char *)(src + (i0 + (size_t)i) * ld + p + 64), _MM_HINT_T0);
            /* fully unrolled, so v lives in registers (GCC -O2 leaves
             * these loops rolled and v on the stack) */
#pragma GCC unroll 8
            for (int i = 0; i < 8; i++)
                v[i] = _mm256_loadu_ps(src + (i0 + (size_t)i) * ld + p);
            transpose8(v);
#pragma GCC unroll 8
            for (int q = 0; q < 8; q++)
                _mm256_storeu_ps(dst + (p + (size_t)q) * r + i0, v[q]);
        }
        for (; p < kc; p++)
            for (size_t i = 0; i < 8; i++)
                dst[p * r + i0 + i] = src[(i0 + i) * ld + p];
    }
    for (; i0 + 4 <= rows; i0 += 4) {
        size_t p = 0;
        for (; p + 4 <= kc; p += 4) {
            __m128 a = _mm_loadu_ps(src + i0 * ld + p), b = _mm_loadu_ps(src + (i0 + 1) * ld + p);
            __m128 c = _mm_loadu_ps(src + (i0 + 2) * ld + p), d = _mm_loadu_ps(src + (i0 + 3) * ld + p);
            _MM_TRANSPOSE4_PS(a, b, c, d);
            _mm_storeu_ps(dst + p * r + i0, a);
            _mm_storeu_ps(dst + (p + 1) * r + i0, b);
            _mm_storeu_ps(dst + (p + 2) * r + i0, c);
            _mm_storeu_ps(dst + (p + 3) * r + i0, d);
        }
        for (; p < kc; p++)
            for (size_t i = 0; i < 4; i++)
                dst[p * r + i0 + i] = src[(i0 + i) * ld + p];
    }
    for (; i0 < rows; i0++)
        for (size_t p = 0; p < kc; p++)
            dst[p * r + i0] = src[i0 * ld + p];
}

/* The same, then the zero padding of rows ≥ `rows` (the pack's contract). */
void aek_pack_transpose_tail_avx2(const float *src, size_t ld, size_t i0, size_t rows, size_t kc,
                                  size_t r, float *dst)
{
    aek_transpose_tail_avx2(src, ld, i0, rows, kc, dst, r);
    if (rows < r)
        zero_pad(dst, rows, kc, r);
}

void aek_pack_transpose_avx2(const float *src, size_t ld, size_t rows, size_t kc, size_t r,
                             float *dst)
{
    aek_pack_transpose_tail_avx2(src, ld, 0, rows, kc, r, dst);
}

void aek_transpose_avx2(const float *src, size_t ld, size_t rows, size_t cols, float *dst,
                        size_t ldd)
{
    aek_transpose_tail_avx2(src, ld, 0, rows, cols, dst, ldd);
}
