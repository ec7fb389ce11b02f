/*
 * noise_avx512.c — masking noise (kernels.h, aek_mask_noise_fn), 16
 * elements a step: the counter stream's draws mix64(s0 + (j+1)·φ) are
 * independent of each other, so lane j hashes its own counter (two 8-lane
 * 64-bit vectors; VPMULLQ is AVX-512DQ).  Bitwise the same as the scalar
 * loop, which runs the same integer arithmetic one draw at a time.
 *   y[j] = 0 if (mix64(s0 + (j+1)·φ) >> 11) < thresh, else x[j]
 */
#include <immintrin.h>
#include <stdint.h>

#include "../kernels.h"

#define PHI 0x9E3779B97F4A7C15ull

static inline __m512i mix64(__m512i z)
{
    z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64(z, 30)),
                           _mm512_set1_epi64((long long)0xBF58476D1CE4E5B9ull));
    z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64(z, 27)),
                           _mm512_set1_epi64((long long)0x94D049BB133111EBull));
    return _mm512_xor_si512(z, _mm512_srli_epi64(z, 31));
}

void aek_mask_noise_avx512(size_t n, uint64_t s0, uint64_t thresh, const float *x, float *y)
{
    /* lanes 0..7 hold s0 + (j+1)·φ for j = 0..7; the next 8 are 8φ further */
    __m512i c0 = _mm512_add_epi64(
        _mm512_set1_epi64((long long)s0),
        _mm512_mullo_epi64(_mm512_set_epi64(8, 7, 6, 5, 4, 3, 2, 1),
                           _mm512_set1_epi64((long long)PHI)));
    const __m512i step8 = _mm512_set1_epi64((long long)(8 * PHI));
    const __m512i step16 = _mm512_set1_epi64((long long)(16 * PHI));
    const __m512i vt = _mm512_set1_epi64((long long)thresh);
    for (size_t j = 0; j < n; j += 16) {
        __m512i c1 = _mm512_add_epi64(c0, step8);
        __mmask8 lo = _mm512_cmplt_epu64_mask(_mm512_srli_epi64(mix64(c0), 11), vt);
        __mmask8 hi = _mm512_cmplt_epu64_mask(_mm512_srli_epi64(mix64(c1), 11), vt);
        __mmask16 masked = (__mmask16)((unsigned)lo | ((unsigned)hi << 8));
        __mmask16 live = n - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n - j)) - 1);
        /* kept elements are copied, masked ones become +0 */
        __m512 v = _mm512_maskz_loadu_ps((__mmask16)(live & ~masked), x + j);
        _mm512_mask_storeu_ps(y + j, live, v);
        c0 = _mm512_add_epi64(c0, step16);
    }
    _mm256_zeroupper();
}
