/* peak_scalar.c — baseline-target multiply and add throughput (peak.h).
 *
 * Written with 128-bit vector extensions: that is the widest the scalar
 * set's compiled code can reach without ISA flags.  Without FMA (the library
 * builds with -ffp-contract=off) a multiply-add is a multiply and an add on
 * separate pipes, so the loop runs 6 multiply chains and 6 add chains side by
 * side (1 FLOP per lane each, as GEMM's 2·m·n·k counts them).  Chains, not
 * acc += x·y: the compiler hoists a loop-invariant x·y.  Written out one by
 * one so that they stay in registers (12 + 2 operands of 16). */
#include "peak.h"

typedef float v4f __attribute__((vector_size(16)));

#define EACH(X) X(0) X(1) X(2) X(3) X(4) X(5)

double aeb_peak_scalar(uint64_t steps, float *sink)
{
    const v4f add = {sink[0], sink[0], sink[0], sink[0]}; /* 1e-4 */
    const v4f mul = {sink[2], sink[2], sink[2], sink[2]}; /* 1: values stay put */
#define INIT(i) v4f m##i = mul + (float)(i), a##i = add + (float)(i);
#define STEP(i) m##i = m##i * mul; a##i = a##i + add;
#define SUM(i) t = t + m##i + a##i;
    EACH(INIT)
    for (uint64_t s = 0; s < steps; s++) {
        EACH(STEP)
    }
    v4f t = {0, 0, 0, 0};
    EACH(SUM)
    sink[3] = t[0] + t[1] + t[2] + t[3];
    return 4.0 * 12 * (double)steps;
}
