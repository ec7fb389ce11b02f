/* peak_avx512.c — AVX-512 multiply-add throughput (peak.h): 16 zmm chains
 * (of 32 registers), written out one by one so that they stay in registers
 * (an array indexed in a loop is kept in memory at -O2). */
#include "peak.h"

#include <immintrin.h>

#define NACC 16
#define EACH(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) \
                X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)

double aeb_peak_avx512(uint64_t steps, float *sink)
{
    const __m512 x = _mm512_set1_ps(sink[0]), y = _mm512_set1_ps(sink[1]);
#define INIT(i) __m512 acc##i = _mm512_set1_ps(sink[2] + (float)(i));
#define STEP(i) acc##i = _mm512_fmadd_ps(x, y, acc##i);
#define SUM(i) t = _mm512_add_ps(t, acc##i);
    EACH(INIT)
    for (uint64_t s = 0; s < steps; s++) {
        EACH(STEP)
    }
    __m512 t = _mm512_setzero_ps();
    EACH(SUM)
    sink[3] = _mm512_reduce_add_ps(t);
    return 2.0 * 16 * NACC * (double)steps;
}
