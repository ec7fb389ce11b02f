/* rng.c — xoshiro256** seeded by splitmix64; polar normals (rng.h). */
#include "rng.h"

#include <math.h>

uint64_t aek_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void aek_rng_seed(aek_rng *r, uint64_t seed)
{
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = aek_splitmix64(&x);
    /* splitmix64 is a bijection of a counter, so four consecutive outputs
     * are never all zero; keep the guard anyway: an all-zero state is fixed. */
    if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0)
        r->s[0] = 1;
    r->spare = 0;
    r->has_spare = 0;
}

void aek_rng_seed_stream(aek_rng *r, uint64_t seed, uint64_t stream)
{
    uint64_t h = stream;
    uint64_t mixed = aek_splitmix64(&h); /* hash the stream number ... */
    aek_rng_seed(r, seed ^ mixed);       /* ... so stream k of seed s ≠ stream 0 of s+k */
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t aek_rng_next_u64(aek_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

uint64_t aek_rng_below(aek_rng *r, uint64_t n)
{
    if (n <= 1)
        return 0;
    /* Reject the top partial copy of [0, n) so every residue is equally likely. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do
        x = aek_rng_next_u64(r);
    while (x >= limit);
    return x % n;
}

double aek_rng_uniform(aek_rng *r) { return (double)(aek_rng_next_u64(r) >> 11) * 0x1.0p-53; }

float aek_rng_uniform_f(aek_rng *r) { return (float)(aek_rng_next_u64(r) >> 40) * 0x1.0p-24f; }

double aek_rng_normal(aek_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u, v, q;
    do { /* a point uniform in the unit disc, origin excluded */
        u = 2.0 * aek_rng_uniform(r) - 1.0;
        v = 2.0 * aek_rng_uniform(r) - 1.0;
        q = u * u + v * v;
    } while (q >= 1.0 || q == 0.0);
    double f = sqrt(-2.0 * log(q) / q);
    r->spare = v * f;
    r->has_spare = 1;
    return u * f;
}

float aek_rng_normal_f(aek_rng *r) { return (float)aek_rng_normal(r); }

void aek_rng_permutation(size_t *perm, size_t n, uint64_t seed, uint64_t stream)
{
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    aek_rng r;
    aek_rng_seed_stream(&r, seed, stream);
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)aek_rng_below(&r, i), t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
}
