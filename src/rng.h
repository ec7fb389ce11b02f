/*
 * rng.h — the toolkit's deterministic random numbers.
 *
 * xoshiro256** (Blackman & Vigna) for the stream, its 256-bit state filled
 * from one 64-bit seed by splitmix64, so every seed (0 included) gives a
 * good, reproducible stream on every platform.  Normal draws use the polar
 * (Marsaglia) method and keep the second value of each pair.
 *
 * One generator per thread: a generator is plain data with no locking.
 * Independent streams for threads or layers: aek_rng_seed_stream(seed, k).
 */
#ifndef AEKIT_RNG_H
#define AEKIT_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t s[4];      /* xoshiro256** state, never all zero        */
    double spare;       /* second normal of the last polar pair       */
    int has_spare;
} aek_rng;

/* State from a seed (splitmix64 expansion). */
void aek_rng_seed(aek_rng *r, uint64_t seed);

/* State for sub-stream `stream` of `seed`: seeds that differ only in the
 * stream number give unrelated streams (the pair is hashed, not added). */
void aek_rng_seed_stream(aek_rng *r, uint64_t seed, uint64_t stream);

/* Uniform 64-bit word. */
uint64_t aek_rng_next_u64(aek_rng *r);

/* Uniform integer in [0, n), without modulo bias (n ≥ 1; n = 0 gives 0). */
uint64_t aek_rng_below(aek_rng *r, uint64_t n);

/* Uniform in [0, 1): 53 random bits (double), 24 random bits (float). */
double aek_rng_uniform(aek_rng *r);
float aek_rng_uniform_f(aek_rng *r);

/* perm[0..n) = a uniform permutation of 0..n−1 (Fisher–Yates, from the
 * last place down) drawn from sub-stream `stream` of `seed`: the epoch
 * orders of AE training (aek_epoch_order) and of the softmax classifier. */
void aek_rng_permutation(size_t *perm, size_t n, uint64_t seed, uint64_t stream);

/* Standard normal N(0, 1). */
double aek_rng_normal(aek_rng *r);
float aek_rng_normal_f(aek_rng *r);

/* splitmix64 step: advances *x and returns a well-mixed word (also a good
 * 64-bit hash when called once on a key). */
uint64_t aek_splitmix64(uint64_t *x);

#endif
