/*
 * noise_scalar.c — masking noise, the portable reference (kernels.h,
 * aek_mask_noise_fn): draw j of the counter stream starting at s0 is
 * mix64(s0 + (j+1)·φ) (src/counter_rng.h), and
 *   y[j] = 0 if (draw_j >> 11) < thresh, else x[j].
 * With thresh = ⌈q·2⁵³⌉ that is "uniform_j < q" for the 53-bit uniform
 * (draw_j >> 11)·2⁻⁵³, decided in integers.  Used by every set without a
 * vector version.
 */
#include "../kernels.h"
#include "../../src/counter_rng.h"

void aek_mask_noise_scalar(size_t n, uint64_t s0, uint64_t thresh, const float *x, float *y)
{
    aek_stream st = {s0};
    for (size_t j = 0; j < n; j++)
        y[j] = (aek_stream_next(&st) >> 11) < thresh ? 0.0f : x[j];
}
