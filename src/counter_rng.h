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

/* standard normal by Box–Muller (one of the pair; 1 − u keeps log away from 0) */
static inline double aek_stream_normal(aek_stream *st)
{
    double u1 = 1.0 - aek_stream_uniform(st), u2 = aek_stream_uniform(st);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* two independent standard normals from one Box–Muller pair */
static inline void aek_stream_normal2(aek_stream *st, double *a, double *b)
{
    double u1 = 1.0 - aek_stream_uniform(st), u2 = aek_stream_uniform(st);
    double r = sqrt(-2.0 * log(u1)), t = 6.283185307179586 * u2;
    *a = r * cos(t);
    *b = r * sin(t);
}

#endif
