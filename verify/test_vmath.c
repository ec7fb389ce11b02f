/*
 * test_vmath.c — the vector math (exp, sigmoid, tanh, softplus) of every
 * kernel set this CPU executes, against double-precision libm.
 *
 * What is checked, per kernel set and function:
 *  - a strided walk over all 2^32 float bit patterns (prime stride; stride 1,
 *    i.e. exhaustive, with VMATH_FULL=1; a larger stride under an emulator,
 *    AEKIT_EMULATED=1), plus every float within ±4096 ulp of each threshold of
 *    the algorithms (overflow, subnormal onset, underflow to 0, the tanh
 *    switch and saturation, 0);
 *  - normal results: max relative error |y − ref|/|ref| ≤ 1e-6;
 *  - subnormal (and zero) results: max |y − ref| ≤ 3·2^-149;
 *  - no NaN/Inf where the result is finite, +inf where it overflows, NaN
 *    for NaN;
 *  - special values, exact: exp(−inf) = 0, exp(+inf) = +inf, sigmoid(±inf)
 *    = 1/0, tanh(±inf) = ±1, tanh(±0) = ±0, tanh(denormal) = denormal,
 *    exp(denormal) = 1, softplus(±inf) = +inf/0, NaN → NaN, …;
 *  - the row functions at every length 0..40 from unaligned pointers and in
 *    place (y == x): bitwise equal to the element functions (the scalar
 *    inline functions, or for SIMD sets the same set over full vectors),
 *    with NaN guards before and after y untouched.
 *
 * References (double, relative error ~1e-16, negligible against 1e-6):
 *   exp x;  sigmoid = 1/(1+e^-x) (as e^x/(1+e^x) for x < 0, no overflow);
 *   tanh x;  softplus = log1p(e^x), as x + log1p(e^-x) for x > 0 (equal in
 *   exact arithmetic; e^x overflows double for x > 709).
 *
 * Why 1e-6 (≈ 17 units of 2^-24) is a bound and not a hope — error budget of
 * the implementation (simd/scalar/vmath_scalar.h), u = 2^-24:
 *   e^x = p(r)·2^n: polynomial 1.4e-8 (tools/fit_vmath.py); r = x − n·ln2 is
 *     exact to ≤ 2^-26 absolute (Cody–Waite) → ≤ 1.5e-8 relative; Horner in
 *     float ≤ ~1.5u (|r| ≤ 0.35 damps all but the last steps); 2^n exact
 *     for normal results.  ε_exp ≲ 3e-8 + 1.5u ≈ 1.2e-7.
 *   sigmoid = num/(1+z): z's error scaled by ≤ 1, + 2 roundings: ≲ ε_exp + 1u.
 *   tanh: polynomial 4.5e-9 + ≲ 1.5u; exp form for |x| ≥ 0.625 (tanh ≥ 0.55):
 *     (1−t)/t ≤ 0.8 times (ε_exp + 1u), + 0.5u for 1 − q.
 *   softplus: log1p(z) carries z's error scaled by ≤ 1, + ~3u; + max(x,0)
 *     adds 0.5u.
 * So ≲ 3e-7 is expected everywhere; 1e-6 is the spec the GEMM epilogue
 * bound in test_gemm.c relies on (EPS_ACT).
 *
 * Subnormal results, bound 3·2^-149: e^x = (p·2^n1)·2^n2 with p·2^n1 exact
 * and normal, so the only new error is the last rounding (≤ 2^-150) plus p's
 * relative error (≤ 2.5e-7 by the budget above, without its final rounding
 * to normal) times |y| < 2^-126: 0.5 + 2^23·2.5e-7 ≈ 2.6 units.  sigmoid and
 * softplus return that z unchanged there (1+z = 1, 2z/(2+z) = z exactly),
 * tanh returns x.
 */
#include "check.h"
#include "../simd/kernels.h"
#include "../simd/scalar/vmath_scalar.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const double REL_BOUND = 1e-6;
static const double SUB_BOUND = 3.0; /* units of 2^-149 */
static const double UNIT = 0x1p-149;

enum { F_EXP, F_SIGMOID, F_TANH, F_SOFTPLUS, NF };
static const char *const FNAME[NF] = {"exp", "sigmoid", "tanh", "softplus"};

static aek_vmap_fn rowfn(const aek_kernel_set *ks, int f)
{
    switch (f) {
    case F_EXP: return ks->vexp;
    case F_SIGMOID: return ks->vsigmoid;
    case F_TANH: return ks->vtanh;
    default: return ks->vsoftplus;
    }
}

static float scalar_elem(int f, float x)
{
    switch (f) {
    case F_EXP: return aek_exp_scalar(x);
    case F_SIGMOID: return aek_sigmoid_scalar(x);
    case F_TANH: return aek_tanh_scalar(x);
    default: return aek_softplus_scalar(x);
    }
}

/* The four references from one exp each. */
static void refs(double x, double r[NF])
{
    double e = exp(x);
    r[F_EXP] = e;
    r[F_SIGMOID] = x >= 0 ? 1.0 / (1.0 + 1.0 / e) : e / (1.0 + e);
    r[F_TANH] = tanh(x);
    r[F_SOFTPLUS] = x > 0 ? x + log1p(1.0 / e) : log1p(e);
}

static float f_of_bits(uint32_t b)
{
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

static uint32_t bits_of_f(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

/* Error statistics of one (set, function). */
typedef struct {
    double rel, sub;         /* max relative error (normal), max abs/2^-149 */
    float rel_x, sub_x;      /* where */
    float rel_y, sub_y;
    double rel_ref, sub_ref;
    size_t n_norm, n_sub;    /* inputs per class */
    size_t bad_nonfinite;    /* NaN/Inf where the result is finite */
    size_t bad_over;         /* not +inf (−inf) where the result overflows */
    size_t bad_nan;          /* not NaN for a NaN result */
    float bad_x;             /* first input of one of these */
    int have_bad;
} stats;

static void account(stats *s, float x, float y, double ref)
{
    if (isnan(ref)) {
        if (!isnan(y)) {
            s->bad_nan++;
            if (!s->have_bad++) s->bad_x = x;
        }
        return;
    }
    float rf = (float)ref;
    if (isinf(rf)) {
        if (y != rf) {
            s->bad_over++;
            if (!s->have_bad++) s->bad_x = x;
        }
        return;
    }
    if (!isfinite(y)) {
        s->bad_nonfinite++;
        if (!s->have_bad++) s->bad_x = x;
        return;
    }
    double err = fabs((double)y - ref);
    if (fabs(ref) >= FLT_MIN) {
        double r = err / fabs(ref);
        s->n_norm++;
        if (r > s->rel) {
            s->rel = r;
            s->rel_x = x, s->rel_y = y, s->rel_ref = ref;
        }
    } else {
        double a = err / UNIT;
        s->n_sub++;
        if (a > s->sub) {
            s->sub = a;
            s->sub_x = x, s->sub_y = y, s->sub_ref = ref;
        }
    }
}

typedef struct {
    const aek_kernel_set *ks[AEK_ISA_COUNT];
    int nsets;
    stats st[AEK_ISA_COUNT][NF];
} sweep;

#define CHUNK 4096

/* Runs the batch xs[0..n) through every set and function. */
static void run_batch(sweep *w, const float *xs, size_t n)
{
    static double ref[CHUNK][NF];
    static float ys[CHUNK];
    for (size_t i = 0; i < n; i++)
        refs(xs[i], ref[i]);
    for (int s = 0; s < w->nsets; s++)
        for (int f = 0; f < NF; f++) {
            rowfn(w->ks[s], f)(n, xs, ys);
            stats *st = &w->st[s][f];
            for (size_t i = 0; i < n; i++)
                account(st, xs[i], ys[i], ref[i][f]);
        }
}

/* Thresholds of the algorithms, where errors concentrate; ±4096 ulp around
 * each (both signs). */
static size_t run_thresholds(sweep *w)
{
    static const float T[] = {88.7228394f, 87.3365479f, 103.972076f, 0.625f, 9.01091f,
                              10.0f,       5.0f,        0.0f,        1.0f,   44.3614197f,
                              51.9860382f, 0.3465736f};
    float xs[CHUNK];
    size_t n = 0, total = 0;
    for (size_t t = 0; t < sizeof T / sizeof T[0]; t++)
        for (int sgn = 0; sgn < 2; sgn++) {
            uint32_t c = bits_of_f(T[t]);
            for (int d = -4096; d < 4096; d++) {
                int64_t b = (int64_t)c + d;
                if (b < 0) continue;
                uint32_t bits = (uint32_t)b | (sgn ? 0x80000000u : 0);
                xs[n++] = f_of_bits(bits);
                if (n == CHUNK) {
                    run_batch(w, xs, n);
                    total += n;
                    n = 0;
                }
            }
        }
    run_batch(w, xs, n);
    return total + n;
}

/* The walk over bit patterns 0, stride, 2·stride, … < 2^32. */
static size_t run_walk(sweep *w, uint64_t stride)
{
    float xs[CHUNK];
    size_t n = 0, total = 0;
    for (uint64_t b = 0; b < (1ull << 32); b += stride) {
        xs[n++] = f_of_bits((uint32_t)b);
        if (n == CHUNK) {
            run_batch(w, xs, n);
            total += n;
            n = 0;
        }
    }
    run_batch(w, xs, n);
    return total + n;
}

/* ---- special values --------------------------------------------------------- */

typedef struct {
    float x;
    float want[NF]; /* exact expected results (bitwise, NaN: any NaN) */
} special;

/* Checks exact special values of one set; returns the number of mismatches
 * and describes the first one. */
static size_t check_specials(const aek_kernel_set *ks, int f, char *where, size_t wlen)
{
    const float inf = INFINITY, nan = NAN, den = 0x1p-140f, dmin = 0x1p-149f;
    const special S[] = {
        /*   x          exp     sigmoid  tanh     softplus */
        {-inf, {0.0f, 0.0f, -1.0f, 0.0f}},
        {inf, {inf, 1.0f, 1.0f, inf}},
        {nan, {nan, nan, nan, nan}},
        {-nan, {nan, nan, nan, nan}},
        {0.0f, {1.0f, 0.5f, 0.0f, 0x1.62e43p-1f}},
        {-0.0f, {1.0f, 0.5f, -0.0f, 0x1.62e43p-1f}},
        {den, {1.0f, 0.5f, den, 0x1.62e43p-1f}},
        {-den, {1.0f, 0.5f, -den, 0x1.62e43p-1f}},
        {dmin, {1.0f, 0.5f, dmin, 0x1.62e43p-1f}},
        {-dmin, {1.0f, 0.5f, -dmin, 0x1.62e43p-1f}},
        {0x1p-100f, {1.0f, 0.5f, 0x1p-100f, 0x1.62e43p-1f}},
        {100.0f, {inf, 1.0f, 1.0f, 100.0f}},
        {-200.0f, {0.0f, 0.0f, -1.0f, 0.0f}},
        {FLT_MAX, {inf, 1.0f, 1.0f, FLT_MAX}},
        {-FLT_MAX, {0.0f, 0.0f, -1.0f, 0.0f}},
        {1e30f, {inf, 1.0f, 1.0f, 1e30f}},
        {-1e30f, {0.0f, 0.0f, -1.0f, 0.0f}},
        {20.0f, {0x1.ceb088p+28f /* e^20 ≈ 4.85165195e8, rel-checked */, 1.0f, 1.0f, 20.0f}},
    };
    const size_t ns = sizeof S / sizeof S[0];
    float xs[sizeof S / sizeof S[0]], ys[sizeof S / sizeof S[0]];
    for (size_t i = 0; i < ns; i++)
        xs[i] = S[i].x;
    rowfn(ks, f)(ns, xs, ys);
    size_t bad = 0;
    for (size_t i = 0; i < ns; i++) {
        float want = S[i].want[f], y = ys[i];
        int ok;
        if (isnan(want))
            ok = isnan(y);
        else if (want == 0x1.62e43p-1f || (f == F_EXP && xs[i] == 20.0f))
            ok = fabs((double)y - want) <= REL_BOUND * want; /* ln2, e^20: not exact */
        else
            ok = bits_of_f(y) == bits_of_f(want); /* sign of zero counts */
        if (!ok && bad++ == 0)
            snprintf(where, wlen, "first: %s(%a) = %a, want %a", FNAME[f], (double)xs[i],
                     (double)y, (double)want);
    }
    return bad;
}

/* ---- row functions: tails, alignment, in place, guards -------------------- */

#define MAXLEN 40
#define GUARDN 8

static size_t check_rows(const aek_kernel_set *ks, char *where, size_t wlen)
{
    /* 64 inputs over every range (64 is a multiple of every vector width, so
     * the full call computes each element in a full vector) */
    float xin[64], full[NF][64];
    chk_rng g = {42};
    for (int i = 0; i < 64; i++) {
        double u = chk_uniform(&g, -1, 1);
        xin[i] = (float)(i % 4 == 0 ? u * 120 : i % 4 == 1 ? u * 12 : i % 4 == 2 ? u : u * 1e-3);
    }
    xin[5] = NAN, xin[17] = INFINITY, xin[30] = -INFINITY, xin[33] = 0x1p-140f;
    size_t bad = 0;
    for (int f = 0; f < NF; f++) {
        rowfn(ks, f)(64, xin, full[f]);
        if (ks->isa == AEK_ISA_SCALAR)
            for (int i = 0; i < 64; i++) {
                float e = scalar_elem(f, xin[i]);
                if (memcmp(&e, &full[f][i], sizeof e) != 0 && bad++ == 0)
                    snprintf(where, wlen, "%s row != element at %d", FNAME[f], i);
            }
    }
    const uint32_t GUARD_BITS = 0x7fc0beefu; /* a NaN nobody computes */
    float xb[MAXLEN + 2 * GUARDN + 4], yb[MAXLEN + 2 * GUARDN + 4];
    for (int f = 0; f < NF; f++)
        for (size_t off = 0; off < 4; off++)
            for (size_t len = 0; len <= MAXLEN; len++)
                for (int inplace = 0; inplace < 2; inplace++) {
                    size_t src0 = (off * 7 + len) % (64 - MAXLEN); /* vary the lane */
                    for (size_t i = 0; i < sizeof yb / sizeof yb[0]; i++) {
                        memcpy(&yb[i], &GUARD_BITS, sizeof(float));
                        xb[i] = 1.0f;
                    }
                    float *x = xb + GUARDN + off, *y = yb + GUARDN + off;
                    memcpy(x, xin + src0, len * sizeof(float));
                    if (inplace) {
                        memcpy(y, x, len * sizeof(float));
                        rowfn(ks, f)(len, y, y);
                    } else {
                        rowfn(ks, f)(len, x, y);
                    }
                    for (size_t i = 0; i < sizeof yb / sizeof yb[0]; i++) {
                        float *p = &yb[i];
                        int inside = p >= y && p < y + len;
                        int ok = inside ? memcmp(p, &full[f][src0 + (size_t)(p - y)], sizeof(float)) == 0
                                        : memcmp(p, &GUARD_BITS, sizeof(float)) == 0;
                        if (!ok && bad++ == 0)
                            snprintf(where, wlen, "%s len %zu offset %zu%s: %s at %td", FNAME[f], len,
                                     off, inplace ? " in place" : "",
                                     inside ? "differs from full-vector result" : "guard overwritten",
                                     p - y);
                    }
                }
    return bad;
}

/* ---- driver ------------------------------------------------------------------- */

static int env_on(const char *name)
{
    const char *v = getenv(name);
    return v && *v && strcmp(v, "0") != 0;
}

static const char *prec(double x, char *buf, size_t n)
{
    snprintf(buf, n, "%.9g (%a)", x, x);
    return buf;
}

int main(void)
{
    if (aek_init() != AEK_OK) {
        fprintf(stderr, "test_vmath: %s\n", aek_last_error());
        return 2;
    }
    int full = env_on("VMATH_FULL"), emulated = env_on("AEKIT_EMULATED"), quick = env_on("QUICK");
    /* Prime strides sized to the time budget: 31 walks 1.4e8 patterns (1 in
     * 31 of all floats, ~8 s natively for three sets); QUICK=1 (sanitizer
     * runs) and emulators (qemu-aarch64: ~35 s for two sets) walk 2.0e7. */
    uint64_t stride = full ? 1 : emulated || quick ? 211 : 31;
    char mode[160];
    snprintf(mode, sizeof mode, "%s stride %llu%s", full ? "exhaustive (VMATH_FULL=1):" : "walk",
             (unsigned long long)stride,
             full ? "" : emulated ? " (larger: AEKIT_EMULATED=1, under an emulator)"
                 : quick ? " (larger: QUICK=1)" : "");

    static sweep w;
    for (int isa = 0; isa < AEK_ISA_COUNT; isa++) {
        const aek_kernel_set *ks = aek_kernels_for((aek_isa)isa);
        if (!ks) {
            char name[64];
            snprintf(name, sizeof name, "vmath[%s]", aek_isa_name((aek_isa)isa));
            chk_skip(name, "kernel set not executable on this CPU/binary");
            continue;
        }
        w.ks[w.nsets++] = ks;
    }

    clock_t c0 = clock();
    size_t nwalk = run_walk(&w, stride);
    size_t nthr = run_thresholds(&w);
    double secs = (double)(clock() - c0) / CLOCKS_PER_SEC;
    printf("# sweep: %zu walk + %zu threshold inputs x %d sets in %.1f s\n", nwalk, nthr, w.nsets,
           secs);

    for (int s = 0; s < w.nsets; s++) {
        const aek_kernel_set *ks = w.ks[s];
        for (int f = 0; f < NF; f++) {
            const stats *st = &w.st[s][f];
            char name[96], b1[64], b2[64];
            snprintf(name, sizeof name, "vmath[%s] %s: max rel err, normal results", ks->name,
                     FNAME[f]);
            chk_le(name, st->rel, REL_BOUND, "worst x=%s y=%.9g ref=%s; %zu normal of %zu inputs, %s",
                   prec(st->rel_x, b1, sizeof b1), st->rel_y, prec(st->rel_ref, b2, sizeof b2),
                   st->n_norm, nwalk + nthr, mode);
            snprintf(name, sizeof name, "vmath[%s] %s: max abs err / 2^-149, subnormal results",
                     ks->name, FNAME[f]);
            if (st->n_sub)
                chk_le(name, st->sub, SUB_BOUND, "worst x=%s y=%a ref=%a; %zu inputs", prec(st->sub_x, b1, sizeof b1),
                       (double)st->sub_y, st->sub_ref, st->n_sub);
            else
                chk_skip(name, "no input has a subnormal result");
            snprintf(name, sizeof name, "vmath[%s] %s: NaN/Inf only where due", ks->name, FNAME[f]);
            size_t bad = st->bad_nonfinite + st->bad_over + st->bad_nan;
            chk_le(name, (double)bad, 0,
                   "%zu non-finite where finite, %zu missed overflow, %zu NaN lost%s%s", st->bad_nonfinite,
                   st->bad_over, st->bad_nan, st->have_bad ? "; first x=" : "",
                   st->have_bad ? prec(st->bad_x, b1, sizeof b1) : "");
            char where[160] = "";
            size_t sbad = check_specials(ks, f, where, sizeof where);
            snprintf(name, sizeof name, "vmath[%s] %s: special values", ks->name, FNAME[f]);
            chk_le(name, (double)sbad, 0, "±inf, NaN, ±0, denormals, huge, ln2; figure = mismatches %s",
                   where);
        }
        char where[160] = "";
        size_t rbad = check_rows(ks, where, sizeof where);
        char name[96];
        snprintf(name, sizeof name, "vmath[%s] rows: lengths 0..%d, unaligned, in place, guards", ks->name,
                 MAXLEN);
        chk_le(name, (double)rbad, 0, "bitwise vs %s; figure = mismatches %s",
               ks->isa == AEK_ISA_SCALAR ? "element functions" : "full-vector results", where);
    }
    return chk_finish();
}
