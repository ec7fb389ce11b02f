/*
 * test_normal.c — the Gaussian noise source: the ziggurat table
 * (src/normal_table.c) and the sampler aek_stream_normal (src/counter_rng.h).
 *
 * 1. The table, recomputed here with libm in double (u = 2⁻⁵³):
 *    - every layer has the area V of the base (rectangle [0,R]·f(R) plus the
 *      tail √(π/2)·erfc(R/√2)): |x_i(f_{i+1} − f_i) − V| / V ≤ 1e-12 — the
 *      difference f_{i+1} − f_i cancels at most ~6 digits' worth of the f's
 *      relative error (≤ 4u each) near the top layers, where f_{i+1} − f_i ≈
 *      0.03 against f ≈ 1: ≈ 8u/0.03 ≈ 3e-14, so 1e-12 keeps a margin of 30;
 *    - f_i = exp(−x_i²/2) within 24u relative: the table's f_i is the exact
 *      f at the exact x_i rounded once (u); x_i itself is rounded (u), which
 *      moves f by x_i²·u ≤ 13.7u (x_0 ≈ 3.71); computing x_i² rounds (the
 *      argument's relative error u moves f by (x_i²/2)·u ≤ 6.9u); glibc's
 *      exp is within 1 ulp (≤ 2u): 1 + 13.7 + 6.9 + 2 < 24;
 *    - r_i = x_{i+1}/x_i within 4u: both x's rounded (u each), the division
 *      (u), and the table's r_i rounded once from the exact ratio (u).
 * 2. The draws, N = 2²⁴ from row streams as training uses them (rows of 784
 *    inputs): Kolmogorov–Smirnov √N·D ≤ 1.95 (the 0.1% critical value of
 *    the Kolmogorov distribution); z-scores of the mean, variance, skewness
 *    and excess kurtosis (standard errors √(1/N), √(2/N), √(6/N),
 *    √(24/N)) and of the counts beyond R, 4 and 5 (binomial), each ≤ 4.5
 *    (two-sided p ≈ 7e-6: with ~10 checks a correct sampler fails one with
 *    probability < 1e-4, and the seed is fixed, so the verdict is too).
 * 3. Power: the same KS test on a sampler with the wedge test removed
 *    (every wedge point accepted) must fail — so the KS bound can fail.
 * 4. Bits: a stream is a pure function of its key (same draws twice).
 *    Words: the 64-bit words a draw consumes (the stream's counter tells)
 *    have a mean fixed by the table — fast path, wedge test with its
 *    acceptance, tail loop — checked by z-score: a wedge or tail test that
 *    accepts too much or too little moves it long before the shape tests
 *    see the few draws involved.
 * 5. rng.c's sub-streams (the synthetic data's map and samples, the epoch
 *    orders): stream k of seed s is not stream 0 of seed s + k, nor stream
 *    k' of s (rng.h: the pair is hashed, not added); first words compared.
 * 6. counter streams: every key component counts, a swap of two is another
 *    stream, and the step is splitmix64's (its published outputs from 0).
 * 7. The Gaussian noise of the synthetic manifold data (data.h: x =
 *    sigmoid(B·u + b + noise·ε), ε ~ N(0, I), the noise in logit units):
 *    the same seed with and without noise gives logits that differ by
 *    exactly noise·ε; one latent through one hidden unit puts the logits on
 *    a line; and the image shape data.h promises for 784 columns.
 */
#include "check.h"
#include "../src/counter_rng.h"
#include "../src/data.h"
#include "../src/normal_table.h"
#include "../src/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const double U = 0x1p-53;

static void check_table(void)
{
    const double R = aek_zig_R;
    const double V = R * exp(-0.5 * R * R) + sqrt(1.5707963267948966) /* π/2 */ * erfc(R / sqrt(2.0));
    double worst_area = 0, worst_f = 0, worst_r = 0;
    for (int i = 1; i < AEK_ZIG_N; i++) {
        double a = aek_zig_x[i] * (aek_zig_f[i + 1] - aek_zig_f[i]);
        worst_area = fmax(worst_area, fabs(a - V) / V);
    }
    worst_area = fmax(worst_area, fabs(aek_zig_x[0] * aek_zig_f[1] - V) / V);
    for (int i = 0; i <= AEK_ZIG_N; i++) {
        double f = exp(-0.5 * aek_zig_x[i] * aek_zig_x[i]);
        worst_f = fmax(worst_f, fabs(aek_zig_f[i] - f) / f / U);
    }
    for (int i = 0; i < AEK_ZIG_N; i++) {
        double r = aek_zig_x[i + 1] / aek_zig_x[i];
        worst_r = fmax(worst_r, r ? fabs(aek_zig_r[i] - r) / r / U : fabs(aek_zig_r[i]) / U);
    }
    chk_le("ziggurat: every layer's area = V (relative)", worst_area, 1e-12,
           "R = %.17g, V = %.17g, 128 layers incl. the base + tail", R, V);
    chk_le("ziggurat: f_i = exp(-x_i^2/2) (units of 2^-53)", worst_f, 24,
           "libm exp recomputed from the table's x_i");
    chk_le("ziggurat: r_i = x_(i+1)/x_i (units of 2^-53)", worst_r, 4,
           "rounded x's, one division, rounded table");
    chk_verdict("ziggurat: x_1 = R, x_128 = 0, x decreasing", 0, NAN,
                aek_zig_x[1] == R && aek_zig_x[AEK_ZIG_N] == 0 && aek_zig_x[0] > R &&
                    aek_zig_r[AEK_ZIG_N - 1] == 0,
                "layer order the sampler relies on");
}

/* the sampler with the wedge test removed: the deliberate bug of item 3 */
static double broken_normal(aek_stream *st)
{
    uint64_t w = aek_stream_next(st);
    unsigned i = (unsigned)(w & (AEK_ZIG_N - 1));
    double u = 2.0 * ((double)(w >> 11) * 0x1.0p-53) - 1.0;
    if (fabs(u) < aek_zig_r[i] || i != 0)
        return u * aek_zig_x[i];
    return u < 0 ? -aek_zig_R : aek_zig_R;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* √N · sup |F_N − Φ| of the sorted sample */
static double ks_stat(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    double d = 0;
    for (size_t i = 0; i < n; i++) {
        double F = 0.5 * erfc(-v[i] / sqrt(2.0));
        d = fmax(d, fmax(fabs((double)(i + 1) / (double)n - F), fabs(F - (double)i / (double)n)));
    }
    return sqrt((double)n) * d;
}

static void draw(double *v, size_t n, int broken)
{
    const size_t row = 784;
    for (size_t r = 0; r * row < n; r++) {
        aek_stream st = aek_stream_for(20261123, 3, r, 0);
        for (size_t j = r * row; j < n && j < (r + 1) * row; j++)
            v[j] = broken ? broken_normal(&st) : aek_stream_normal(&st);
    }
}

static void check_draws(void)
{
    const size_t n = (size_t)1 << 24;
    double *v = malloc(n * sizeof *v);
    if (!v) {
        chk_verdict("normal draws: memory", 0, NAN, 0, "cannot allocate %zu doubles", n);
        return;
    }
    draw(v, n, 0);
    double s1 = 0, finite = 1;
    for (size_t i = 0; i < n; i++) {
        s1 += v[i];
        finite = finite && isfinite(v[i]);
    }
    double mean = s1 / (double)n, m2 = 0, m3 = 0, m4 = 0, lag = 0;
    size_t beyond[3] = {0, 0, 0};
    const double cut[3] = {aek_zig_R, 4, 5};
    for (size_t i = 0; i < n; i++) {
        double d = v[i] - mean, d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
        if (i)
            lag += v[i] * v[i - 1];
        for (int c = 0; c < 3; c++)
            beyond[c] += fabs(v[i]) > cut[c];
    }
    const double N = (double)n;
    m2 /= N;
    m3 /= N;
    m4 /= N;
    double skew = m3 / pow(m2, 1.5), kurt = m4 / (m2 * m2) - 3;
    chk_verdict("normal draws: all finite", 0, NAN, finite != 0, "%zu draws", n);
    chk_le("normal draws: |mean| z-score", fabs(mean) * sqrt(N), 4.5, "mean %.2e", mean);
    chk_le("normal draws: |var - 1| z-score", fabs(m2 - 1) / sqrt(2 / N), 4.5, "var %.6f", m2);
    chk_le("normal draws: |skewness| z-score", fabs(skew) / sqrt(6 / N), 4.5, "skewness %.2e", skew);
    chk_le("normal draws: |excess kurtosis| z-score", fabs(kurt) / sqrt(24 / N), 4.5,
           "excess kurtosis %.2e", kurt);
    chk_le("normal draws: |lag-1 correlation| z-score", fabs(lag / (N - 1)) * sqrt(N - 1), 4.5,
           "successive draws within and across rows");
    for (int c = 0; c < 3; c++) {
        double p = erfc(cut[c] / sqrt(2.0)), e = N * p;
        char name[96];
        snprintf(name, sizeof name, "normal draws: count |x| > %.4g, z-score", cut[c]);
        chk_le(name, fabs((double)beyond[c] - e) / sqrt(e * (1 - p)), 4.5,
               "%zu observed, %.1f expected", beyond[c], e);
    }
    double ks = ks_stat(v, n);
    chk_le("normal draws: Kolmogorov-Smirnov sqrt(N)*D", ks, 1.95,
           "N = %zu; 1.95 = the 0.1%% critical value", n);

    draw(v, n, 1);
    double ks_bad = ks_stat(v, n);
    chk_verdict("normal draws: KS rejects a sampler without the wedge test", ks_bad, 1.95,
                ks_bad > 1.95, "figure = that sampler's sqrt(N)*D; must exceed the bound");

    aek_stream a = aek_stream_for(7, 1, 2, 3), b = aek_stream_for(7, 1, 2, 3);
    int same = 1;
    for (int i = 0; i < 10000; i++) {
        double x = aek_stream_normal(&a), y = aek_stream_normal(&b);
        same = same && x == y;
    }
    chk_verdict("normal draws: a stream is a function of its key (bits)", 0, NAN, same,
                "10000 draws from the same key twice");
    free(v);
}

/* 4b. The mean number of stream words per draw.  One iteration takes a word
 * (layer i = 1..128 equally likely, u uniform in [−1, 1)); it returns at
 * once when |u| < r_i; for i = 0 otherwise the tail loop takes 2 words per
 * try and accepts with p_t = E[e^{−a²/2}], a ~ Exp(R) = R·e^{R²/2}·√(π/2)·
 * erfc(R/√2); for i ≥ 1 otherwise the wedge takes one more word and
 * accepts with A_i = ∫_{x_{i+1}}^{x_i} (f − f_i) / ((x_i − x_{i+1})(f_{i+1} −
 * f_i)), ∫f = √(π/2)(erf(x_i/√2) − erf(x_{i+1}/√2)).  Renewal: E[words] =
 * E[words per iteration] / P(an iteration returns).  Figure: the z-score
 * of the observed mean over 2²⁴ draws (standard error from the sample
 * variance), bound 4.5 as in section 2; the expectation's own rounding
 * (~1e-15) is far below the standard error (~3e-5). */
static void check_words(void)
{
    const double R = aek_zig_R, sq = sqrt(1.5707963267948966);
    const double pt = R * exp(0.5 * R * R) * sq * erfc(R / sqrt(2.0));
    double per_iter = 1 + (1 - aek_zig_r[0]) * 2 / pt / AEK_ZIG_N, ret = 1;
    for (int i = 1; i < AEK_ZIG_N; i++) {
        double xi = aek_zig_x[i], xj = aek_zig_x[i + 1];
        double integral = sq * (erf(xi / sqrt(2.0)) - erf(xj / sqrt(2.0))) - aek_zig_f[i] * (xi - xj);
        double A = integral / ((xi - xj) * (aek_zig_f[i + 1] - aek_zig_f[i]));
        per_iter += (1 - aek_zig_r[i]) / AEK_ZIG_N;
        ret += aek_zig_r[i] + (1 - aek_zig_r[i]) * A;
    }
    const double expect = per_iter / (ret / AEK_ZIG_N);
    /* the stream's counter advances by γ = 0x9E3779B97F4A7C15 a word;
     * γ is odd, so the count is (s' − s)·γ⁻¹ mod 2⁶⁴ (γ⁻¹ by Newton) */
    const uint64_t gam = 0x9E3779B97F4A7C15ull;
    uint64_t inv = gam;
    for (int k = 0; k < 6; k++)
        inv *= 2 - gam * inv;
    const size_t n = (size_t)1 << 24, row = 784;
    double sum = 0, sum2 = 0;
    for (size_t r = 0; r * row < n; r++) {
        aek_stream st = aek_stream_for(20261125, 4, r, 0);
        for (size_t j = r * row; j < n && j < (r + 1) * row; j++) {
            uint64_t s0 = st.s;
            (void)aek_stream_normal(&st);
            double w = (double)((st.s - s0) * inv);
            sum += w;
            sum2 += w * w;
        }
    }
    const double N = (double)n, mean = sum / N, var = sum2 / N - mean * mean;
    chk_le("normal draws: stream words per draw, z-score against the table's expectation",
           fabs(mean - expect) / sqrt(var / N), 4.5, "mean %.7f, expected %.7f (fast path, wedges, "
           "tail loop); N = %zu", mean, expect, n);
}

/* Seeds and stream numbers that an additive mixing would confuse: (s, k)
 * against (s + k, 0) and (s + k − k', k'). */
static void check_rng_streams(void)
{
    static const uint64_t seeds[] = {0, 1, 2, 41, 0x5368756666ull};
    size_t clash = 0, pairs = 0;
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
        for (uint64_t k = 0; k < 8; k++)
            for (uint64_t k2 = 0; k2 < 8; k2++) {
                if (k2 == k)
                    continue;
                aek_rng a, b;
                aek_rng_seed_stream(&a, seeds[i], k);
                aek_rng_seed_stream(&b, seeds[i] + k - k2, k2);
                clash += aek_rng_next_u64(&a) == aek_rng_next_u64(&b);
                aek_rng_seed_stream(&a, seeds[i], k);
                aek_rng_seed_stream(&b, seeds[i], k2);
                clash += aek_rng_next_u64(&a) == aek_rng_next_u64(&b);
                pairs += 2;
            }
    /* unrelated 64-bit words are equal with probability 2^-64 per pair */
    chk_le("rng.c sub-streams: (s, k) unlike (s + k - k', k') and (s, k')", (double)clash, 0,
           "%zu pairs of first words; figure = equal pairs", pairs);
}

/* The key and the step of a stream: every component of the key (seed, a,
 * b, c) changes the stream, and a, b, c are not interchangeable (noise of
 * epoch 3, row 5 is not that of epoch 5, row 3; copy c of CAE+H is its own
 * stream); a stream steps like splitmix64 (counter_rng.h), so the state 0
 * gives splitmix64's published outputs from 0. */
static void check_stream_keys(void)
{
    static const uint64_t K[][4] = {{7, 3, 5, 1}, {8, 3, 5, 1}, {7, 4, 5, 1}, {7, 3, 6, 1},
                                    {7, 3, 5, 2}, {7, 5, 3, 1}, {7, 3, 1, 5}, {7, 1, 5, 3}};
    const size_t nk = sizeof K / sizeof K[0];
    size_t clash = 0;
    for (size_t i = 0; i < nk; i++)
        for (size_t j = i + 1; j < nk; j++) {
            aek_stream a = aek_stream_for(K[i][0], K[i][1], K[i][2], K[i][3]);
            aek_stream b = aek_stream_for(K[j][0], K[j][1], K[j][2], K[j][3]);
            clash += aek_stream_next(&a) == aek_stream_next(&b);
        }
    chk_le("counter streams: keys differing in one component or by a swap differ", (double)clash, 0,
           "%zu pairs of 8 keys, first words; figure = equal pairs", nk * (nk - 1) / 2);
    static const uint64_t SM[4] = {0xE220A8397B1DCDAFull, 0x6E789E6AA1B965F4ull,
                                   0x06C45D188009454Full, 0xF88BB8A8724C81ECull};
    aek_stream z = {0};
    int same = 1;
    for (int i = 0; i < 4; i++)
        same = same && aek_stream_next(&z) == SM[i];
    chk_verdict("counter stream from state 0 = splitmix64(0) outputs 1-4 (published)", same, 1, same,
                "e220a8397b1dcdaf 6e789e6aa1b965f4 06c45d188009454f f88bb8a8724c81ec");
}

/* 7. logit(x_noisy) − logit(x_clean) = noise·ε for the same seed (the map
 * and the latents are those of the seed; the noise is the only
 * difference), so D = that difference / noise is N(0, 1) up to the storage
 * of x in float: x = fl₃₂(x̃)(1 + δ), |δ| ≤ u_f = 2⁻²⁴, moves logit x =
 * log x − log(1 − x) by ≤ u_f·x/(x(1 − x)) = u_f/(1 − x) to first order
 * (2u_f/(1 − x) covers the second order and the double sigmoid and logs).
 * With r̄ the mean of that allowance over both x's, divided by the noise,
 * the z-scores of D's mean and variance (standard errors √(1/N), √(2/N),
 * the 4.5 of section 2) get r̄ and 2r̄ (|D| < 10 at N = 3e5, so a shift
 * of ≤ r̄ in every D moves D² by ≤ 2·10·r̄... taken as 20r̄) added.  Half
 * or double the noise gives var 0.25 or 4. */
static void check_synth_noise(void)
{
    const float sigma = 0.1f;
    aek_synth_manifold_config cfg = {.rows = 400, .cols = 784, .latent_dim = 4, .hidden = 0,
                                     .noise = 0, .seed = 21};
    aek_dataset a, b;
    aek_status s1 = aek_synth_manifold(&cfg, &a);
    cfg.noise = sigma;
    aek_status s2 = aek_synth_manifold(&cfg, &b);
    if (s1 != AEK_OK || s2 != AEK_OK) {
        chk_verdict("synthetic manifold noise: generated", NAN, 0, 0, "%s", aek_last_error());
        return;
    }
    const size_t N = cfg.rows * cfg.cols;
    double s = 0, s2sum = 0, r = 0;
    for (size_t i = 0; i < N; i++) {
        double x0 = a.x[i], x1 = b.x[i];
        double dlt = (log(x1 / (1 - x1)) - log(x0 / (1 - x0))) / sigma;
        s += dlt;
        s2sum += dlt * dlt;
        r += (2 * 0x1p-24 / (1 - x0) + 2 * 0x1p-24 / (1 - x1)) / sigma;
    }
    const double n = (double)N, mean = s / n, var = s2sum / n - mean * mean, rbar = r / n;
    chk_le("synthetic manifold: (logit noisy − logit clean)/noise, |mean| z-score", fabs(mean) * sqrt(n),
           4.5 + rbar * sqrt(n), "%zu entries, noise %g; mean %.3g; rounding allowance %.2g", N,
           (double)sigma, mean, rbar);
    chk_le("synthetic manifold: (logit noisy − logit clean)/noise, |var − 1| z-score",
           fabs(var - 1) / sqrt(2 / n), 4.5 + 20 * rbar / sqrt(2 / n), "var %.5f (1 = the noise is "
           "noise·N(0,1) in logit units)", var);
    chk_verdict("synthetic manifold: 784 columns are a 28×28 image (data.h)", (double)(a.h * 100 + a.w),
                2828, a.h == 28 && a.w == 28 && a.cols == 784, "h %zu w %zu", a.h, a.w);
    aek_dataset_free(&a);
    aek_dataset_free(&b);
    cfg.cols = 60;
    cfg.rows = 3;
    if (aek_synth_manifold(&cfg, &a) == AEK_OK) {
        chk_verdict("synthetic manifold: 60 columns have no image shape", (double)(a.h + a.w), 0,
                    a.h == 0 && a.w == 0, "h %zu w %zu", a.h, a.w);
        aek_dataset_free(&a);
    }
}

/* The latent dimension, where it can be seen exactly: latent_dim = 1 and
 * hidden = 1 put every noise-free logit row on one line, b + B·u_r with a
 * scalar u_r = tanh(A z_r + a) that varies with the latent draw z_r.  The
 * centred logits then have rank 1: every row is parallel to the longest, v,
 * within the float storage of x (per entry ≤ e = 2u_f/(1 − x), twice that
 * after centring; projecting a row on v̂ adds its share: residual ≤
 * 4√n·e), while v itself is far above that (the rows are not all the
 * same: a latent that is not drawn leaves them constant, v = 0). */
static void check_synth_latent(void)
{
    aek_synth_manifold_config cfg = {.rows = 200, .cols = 16, .latent_dim = 1, .hidden = 1,
                                     .noise = 0, .seed = 5};
    aek_dataset a;
    if (aek_synth_manifold(&cfg, &a) != AEK_OK) {
        chk_verdict("synthetic manifold latent 1: generated", NAN, 0, 0, "%s", aek_last_error());
        return;
    }
    enum { R = 200, C = 16 };
    static double L[R * C];
    double mean[C] = {0}, e = 0;
    for (size_t i = 0; i < R * C; i++) {
        double x = a.x[i];
        L[i] = log(x / (1 - x));
        mean[i % C] += L[i] / R;
        e = fmax(e, 2 * 0x1p-24 / (1 - x));
    }
    size_t best = 0;
    double bn = 0;
    for (size_t r = 0; r < R; r++) {
        double nn = 0;
        for (size_t j = 0; j < C; j++)
            L[r * C + j] -= mean[j], nn += L[r * C + j] * L[r * C + j];
        if (nn > bn)
            bn = nn, best = r;
    }
    bn = sqrt(bn);
    double worst = 0, bound = 4 * sqrt((double)C) * e;
    for (size_t r = 0; r < R && bn > 0; r++) {
        double d = 0, res = 0;
        for (size_t j = 0; j < C; j++)
            d += L[r * C + j] * L[best * C + j] / bn;
        for (size_t j = 0; j < C; j++) {
            double t = L[r * C + j] - d * L[best * C + j] / bn;
            res += t * t;
        }
        worst = fmax(worst, sqrt(res));
    }
    chk_le("synthetic manifold, latent 1 hidden 1: logit rows on one line (residual / 4√n·e)",
           bn > 0 ? worst / bound : INFINITY, 1.0, "200 rows of 16; e = max 2u_f/(1−x) = %.2g", e);
    chk_verdict("synthetic manifold, latent 1 hidden 1: the rows vary along the line", bn, bound,
                bn > bound, "longest centred logit row %.3g; must exceed the rounding bound "
                "%.2g (constant rows: below it)", bn, bound);
    aek_dataset_free(&a);
}

int main(void)
{
    check_table();
    check_draws();
    check_words();
    check_rng_streams();
    check_stream_keys();
    check_synth_noise();
    check_synth_latent();
    return chk_finish();
}
