/* peak_avx2.c — AVX2+FMA multiply-add throughput (peak.h): 12 ymm chains
 * (16 registers: 12 accumulators + 2 operands), written out one by one so
 * that they stay in registers. */
#include "peak.h"

#include <immintrin.h>

#define NACC 12
#define EACH(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

double aeb_peak_avx2(uint64_t steps, float *sink)
{
    const __m256 x = _mm256_set1_ps(sink[0]), y = _mm256_set1_ps(sink[1]);
#define INIT(i) __m256 acc##i = _mm256_set1_ps(sink[2] + (float)(i));
#define STEP(i) acc##i = _mm256_fmadd_ps(x, y, acc##i);
#define SUM(i) t = _mm256_add_ps(t, acc##i);
    EACH(INIT)
    for (uint64_t s = 0; s < steps; s++) {
        EACH(STEP)
    }
    __m256 t = _mm256_setzero_ps();
    EACH(SUM)
    float lanes[8];
    _mm256_storeu_ps(lanes, t);
    sink[3] = lanes[0] + lanes[7];
    return 2.0 * 8 * NACC * (double)steps;
}
