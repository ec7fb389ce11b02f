/*
 * counter_rng.h — random streams addressed by a key instead of a state that
 * advances: stream(seed, a, b, c) is a pure function, so the noise a sample
 * sees depends only on (seed, epoch, sample index, copy) — never on batch
 * composition, thread count, or how many draws came before.  splitmix64's
 * finaliser (a bijective 64-bit mixer) hashes the key and steps the stream.
 */
#ifndef AEKIT_COUNTER_RNG_H
#define AEKIT_COUNTER_RNG_H

#include <math.h>
#include <stdint.h>

#include "normal_table.h"

static inline uint64_t aek_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

typedef struct {
    uint64_t s;
} aek_stream;

static inline aek_stream aek_stream_for(uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
    aek_stream st = {aek_mix64(aek_mix64(aek_mix64(seed ^ 0x243F6A8885A308D3ull) ^ a) ^ b) ^ c};
    return st;
}

static inline uint64_t aek_stream_next(aek_stream *st)
{
    return aek_mix64(st->s += 0x9E3779B97F4A7C15ull);
}

/* uniform in [0, 1) with 53 random bits */
static inline double aek_stream_uniform(aek_stream *st)
{
    return (double)(aek_stream_next(st) >> 11) * 0x1.0p-53;
}

/* Standard normal by the ziggurat (Marsaglia & Tsang 2000), ~2 ns a draw
 * instead of Box–Muller's log + sqrt + cos: one 64-bit word gives the layer
 * i (bits 0-6) and u = 2U − 1 in [−1, 1) (bits 11-63); u·x_i is returned at
 * once when |u| < x_{i+1}/x_i (about 99% of draws), else the wedge of layer
 * i is tested against exp(−x²/2) or, for the base layer, a draw from the tail
 * x > R (Marsaglia 1964) is made.  Exact: the rejections only cut the layers
 * down to the area under the curve.  verify/test_normal.c checks it. */
static inline double aek_stream_normal(aek_stream *st)
{
    for (;;) {
        uint64_t w = aek_stream_next(st);
        unsigned i = (unsigned)(w & (AEK_ZIG_N - 1));
        double u = 2.0 * ((double)(w >> 11) * 0x1.0p-53) - 1.0;
        if (fabs(u) < aek_zig_r[i])
            return u * aek_zig_x[i];
        if (i == 0) {
            /* tail: x = R + e₁/R with e₁, e₂ ~ Exp(1), kept when 2e₂ > (e₁/R)² */
            double a, b;
            do {
                a = -log(1.0 - aek_stream_uniform(st)) / aek_zig_R;
                b = -log(1.0 - aek_stream_uniform(st));
            } while (2.0 * b <= a * a);
            return u < 0 ? -(aek_zig_R + a) : aek_zig_R + a;
        }
        /* wedge: y uniform in [f_i, f_{i+1}] kept when under the curve */
        double x = u * aek_zig_x[i];
        double y = aek_zig_f[i] + aek_stream_uniform(st) * (aek_zig_f[i + 1] - aek_zig_f[i]);
        if (y < exp(-0.5 * x * x))
            return x;
    }
}

#endif
