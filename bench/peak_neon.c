/* peak_neon.c — AArch64 Advanced SIMD multiply-add throughput (peak.h):
 * 16 q-register chains (of 32), written out one by one so that they stay in
 * registers. */
#include "peak.h"

#include <arm_neon.h>

#define NACC 16
#define EACH(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) \
                X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)

double aeb_peak_neon(uint64_t steps, float *sink)
{
    const float32x4_t x = vdupq_n_f32(sink[0]), y = vdupq_n_f32(sink[1]);
#define INIT(i) float32x4_t acc##i = vdupq_n_f32(sink[2] + (float)(i));
#define STEP(i) acc##i = vfmaq_f32(acc##i, x, y);
#define SUM(i) t = vaddq_f32(t, acc##i);
    EACH(INIT)
    for (uint64_t s = 0; s < steps; s++) {
        EACH(STEP)
    }
    float32x4_t t = vdupq_n_f32(0);
    EACH(SUM)
    sink[3] = vaddvq_f32(t);
    return 2.0 * 4 * NACC * (double)steps;
}
