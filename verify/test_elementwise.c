/*
 * test_elementwise.c — the element-wise and reduction kernels (act, loss_mse,
 * loss_bce, colsum, hidden_bwd, cae_h, axpy, sgd, adam) of every kernel set
 * this CPU executes, against a double-precision evaluation of the formulas of
 * simd/kernels.h written out below (never the scalar kernels themselves).
 *
 * What is checked, per kernel set and kernel:
 *  - every activation (sigmoid, tanh, relu, linear) where the kernel takes
 *    one; every optional pointer present and NULL (col_add, c, s2, d2, xhat,
 *    dz); the aliasing the contract allows (act in place, hidden_bwd da = dh);
 *  - lengths 0..70, 127..129, 255, 1000, 4099, 128000; matrices with cols
 *    0..70, rows 0..70, and 128×1000, 127×129, 33×257, 7×131, 0×5, 5×0;
 *  - every buffer misaligned by its own 0..15 floats;
 *  - NaN guard zones of GUARD floats before and after every buffer (each a
 *    NaN with its own payload): outputs must leave them untouched, inputs
 *    must stay bitwise unchanged, and a guard value read into a result
 *    would show up as a non-finite output;
 *    outputs the contract overwrites (y, dz, xhat, out, s2, dac, da when not
 *    aliased) start as NaN, so a read-before-write shows up too;
 *  - the same bits when the case is run again with every buffer at another
 *    alignment (the order of summation is fixed for a given n);
 *  - agreement with the scalar set within twice the bound (both sets are
 *    within the bound of the exact value); colsum must be bitwise equal,
 *    since its contract fixes the order of the float additions.
 *
 * Error bounds.  u = 2⁻²⁴, γ_k = k·u/(1 − k·u), γᵈ_k the same with 2⁻⁵³
 * (Higham, Accuracy and Stability of Numerical Algorithms, §3.1–3.4).
 * Each output is a polynomial in float inputs (h, dh, c, …).  Evaluated in
 * float, every monomial t of the expanded formula picks up at most K_t
 * factors (1 + δ), |δ| ≤ u: K(a ± b) = K(a) + 1 for the monomials of a,
 * K(a·b) = K(a) + K(b) + 1 (both factors' roundings multiply), and
 * |Π(1 + δ)| − 1 ≤ γ_K; so |ŷ − y| ≤ Σ_t γ_{K_t}·|t|, i.e. "K·u times the
 * formula with every term made positive".  K is counted on the scalar
 * reference's order of operations (simd/scalar/elementwise_scalar_body.h);
 * the SIMD sets fuse some pairs with FMA, which removes roundings and never
 * adds one (their counts are in their sources).  With s, s' expanded in h:
 *   sigmoid  s = h − h²       |s| → |h| + h²     s·s' = s²(1 − 2h)
 *   tanh     s = 1 − h²       |s| → 1 + h²       s·s' = −2h·s²
 *   relu, linear: s ∈ {0, 1} exact, s' = 0: products with s are exact and
 *   terms with s' vanish, so their counts drop (written as `smooth ? a : b`).
 * Vector-math results (σ, softplus, tanh) carry a relative error EPS_ACT
 * = 1e-6 (the spec of test_vmath.c), plus 3·2⁻¹⁴⁹ absolute for subnormal
 * results.  Sums returned in double: float terms, added in double: the
 * terms' float bound plus γᵈ_n·Σ|terms|.  gk(k) = γ_k + γᵈ_{k+2} also covers
 * the double reference's own rounding of the same expression, and the sums
 * carry 2·γᵈ_n for the same reason.  The bound of every check is written next
 * to it; the figure printed is max |ŷ − y|/bound over all outputs (≤ 1).
 */
#include "check.h"
#include "../simd/kernels.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GUARD 64 /* NaN floats before and after every buffer */
#define MAXOFF 16 /* buffers start 0..15 floats past a 64-byte boundary */

static const double U = 0x1p-24;
static const double UD = 0x1p-53;
static const double EPS_ACT = 1e-6;         /* vector-math relative error (test_vmath.c) */
static const double SUBNORMAL_ABS = 0x3p-149; /* vector-math absolute error, subnormal results */

static double gam(double k) { return k <= 0 ? 0 : k * U / (1 - k * U); }
static double gamd(double k) { return k <= 0 ? 0 : k * UD / (1 - k * UD); }
/* k float roundings, plus the double reference's own rounding */
static double gk(double k) { return gam(k) + gamd(k + 2); }

/* All memory of a case comes from one arena, reset after the case: no
 * allocator churn (and no fresh page faults) across thousands of cases. */
static struct {
    unsigned char *base;
    size_t size, used;
} ARENA;

static void *arena_alloc(size_t bytes)
{
    size_t need = (bytes + 63) / 64 * 64;
    if (!ARENA.base) {
        ARENA.size = (size_t)160 << 20; /* the largest case (3 runs of 128×1000) needs ~40 MB */
        ARENA.base = aligned_alloc(64, ARENA.size);
    }
    if (!ARENA.base || need > ARENA.size - ARENA.used) {
        fprintf(stderr, "test_elementwise: out of memory\n");
        exit(2);
    }
    void *p = ARENA.base + ARENA.used;
    ARENA.used += need ? need : 64;
    return p;
}

/* ---- buffers inside NaN guard zones ------------------------------------- */

typedef struct {
    float *base, *p, *snap; /* allocation, first element, copy after set-up */
    size_t n, total;
} tbuf;

/* Buffer offsets: per buffer a pseudo-random 0..15, plus a shift that makes
 * a second run put every buffer at another alignment. */
typedef struct {
    chk_rng g;
    unsigned shift;
} offgen;

static tbuf tb_new(size_t n, offgen *og, const float *init)
{
    tbuf b;
    size_t off = (size_t)((chk_next(&og->g) + og->shift) % MAXOFF);
    b.n = n;
    b.total = 2 * GUARD + MAXOFF + n;
    b.base = arena_alloc(b.total * sizeof(float)); /* 64-byte aligned */
    b.snap = arena_alloc(b.total * sizeof(float));
    /* quiet NaNs with a payload unique to the position and the buffer, so a
     * stray write of a NaN computed from some other guard still shows */
    static uint32_t salt;
    salt += 0x9E3779B9u;
    for (size_t i = 0; i < b.total; i++) {
        uint32_t bits = 0x7FC00000u | (((uint32_t)i * 2654435761u + salt) & 0x3FFFFFu);
        memcpy(&b.base[i], &bits, sizeof bits);
    }
    b.p = b.base + GUARD + off;
    if (init && n)
        memcpy(b.p, init, n * sizeof(float));
    memcpy(b.snap, b.base, b.total * sizeof(float));
    return b;
}

/* Floats that differ bitwise from the set-up: outside [p, p+n) only, or
 * everywhere (inputs). */
static size_t count_diff(const float *a, const float *b, size_t n)
{
    if (!n || memcmp(a, b, n * sizeof(float)) == 0)
        return 0;
    size_t bad = 0;
    for (size_t t = 0; t < n; t++)
        bad += memcmp(&a[t], &b[t], sizeof(float)) != 0;
    return bad;
}

/* Floats that differ bitwise from the set-up: outside [p, p+n) only, or
 * everywhere (inputs). */
static size_t tb_changed(const tbuf *b, int inside_too)
{
    size_t lo = (size_t)(b->p - b->base), hi = lo + b->n;
    if (inside_too)
        return count_diff(b->base, b->snap, b->total);
    return count_diff(b->base, b->snap, lo) + count_diff(b->base + hi, b->snap + hi, b->total - hi);
}

/* ---- results of one case -------------------------------------------------- */

typedef struct {
    const char *name;
    size_t n;
    float *got;      /* n floats, or NULL: a double result in got_sum */
    double got_sum;
    double *ref, *bnd;
} tout;

#define MAXOUT 5
typedef struct {
    tout o[MAXOUT];
    int no;
    size_t faults; /* guard floats written + input floats changed */
} tres;

static tout *out_arr(tres *r, const char *name, const float *got, size_t n)
{
    tout *o = &r->o[r->no++];
    o->name = name;
    o->n = n;
    o->got = arena_alloc(n * sizeof(float));
    if (n)
        memcpy(o->got, got, n * sizeof(float));
    o->got_sum = 0;
    o->ref = arena_alloc(n * sizeof(double));
    o->bnd = arena_alloc(n * sizeof(double));
    return o;
}

static tout *out_sum(tres *r, const char *name, double got)
{
    tout *o = &r->o[r->no++];
    o->name = name;
    o->n = 1;
    o->got = NULL;
    o->got_sum = got;
    o->ref = arena_alloc(sizeof(double));
    o->bnd = arena_alloc(sizeof(double));
    return o;
}

static double got_at(const tout *o, size_t i) { return o->got ? (double)o->got[i] : o->got_sum; }

/* err/bound, 0 for an exact match, inf for any error against a zero bound or
 * a non-finite result. */
static double ratio(double got, double ref, double bnd)
{
    if (!isfinite(got))
        return INFINITY;
    double e = fabs(got - ref);
    if (e == 0)
        return 0;
    return bnd > 0 ? e / bnd : INFINITY;
}

/* ---- test data -------------------------------------------------------------- */

typedef struct {
    int kernel;
    size_t rows, cols; /* 1-D kernels: rows = 1, n = cols */
    aek_act act;
    unsigned opt;      /* bit set of the kernel's options (optnames) */
    unsigned long long seed;
} tcase;

static float uni(chk_rng *g, double lo, double hi) { return (float)chk_uniform(g, lo, hi); }

/* A stored activation h = g(a).  Sigmoid/tanh include saturated values next
 * to 0, ±1; relu is exactly 0 a quarter of the time, else ≥ 1e-3, so the
 * derivative [h > 0] is never a question of rounding (no kink in play). */
static float gen_h(chk_rng *g, aek_act act)
{
    int edge = chk_next(g) % 16 == 0;
    switch (act) {
    case AEK_ACT_SIGMOID:
        if (edge)
            return chk_next(g) % 2 ? uni(g, 1e-7, 1e-4) : 1.0f - uni(g, 6e-8, 1e-4);
        return uni(g, 1e-4, 1 - 1e-4);
    case AEK_ACT_TANH:
        if (edge)
            return (chk_next(g) % 2 ? 1.0f : -1.0f) * (1.0f - uni(g, 6e-8, 1e-4));
        return uni(g, -0.9999, 0.9999);
    case AEK_ACT_RELU: return chk_next(g) % 4 == 0 ? 0.0f : uni(g, 1e-3, 3);
    default: return uni(g, -3, 3);
    }
}

/* s = g'(a), s' = ds/da from h (kernels.h), their expanded magnitudes |s|,
 * |s'| (every term made positive), all exact in double for a float h. */
typedef struct { double s, sp, s_abs, sp_abs; } dref;

static dref deriv_ref(aek_act a, double h)
{
    dref d;
    switch (a) {
    case AEK_ACT_SIGMOID:
        d.s = h * (1 - h);
        d.sp = d.s * (1 - 2 * h);
        d.s_abs = fabs(h) + h * h;
        d.sp_abs = d.s_abs * (1 + 2 * fabs(h));
        break;
    case AEK_ACT_TANH:
        d.s = 1 - h * h;
        d.sp = -2 * h * d.s;
        d.s_abs = 1 + h * h;
        d.sp_abs = 2 * fabs(h) * d.s_abs;
        break;
    case AEK_ACT_RELU:
        d.s = d.s_abs = h > 0 ? 1 : 0;
        d.sp = d.sp_abs = 0;
        break;
    default:
        d.s = d.s_abs = 1;
        d.sp = d.sp_abs = 0;
        break;
    }
    return d;
}

static double act_ref(double x, aek_act a)
{
    switch (a) {
    case AEK_ACT_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case AEK_ACT_TANH: return tanh(x);
    case AEK_ACT_RELU: return x > 0 ? x : 0;
    default: return x;
    }
}

static double softplus_ref(double z) { return (z > 0 ? z : 0) + log1p(exp(-fabs(z))); }

/* ---- one runner per kernel ---------------------------------------------------
 * Each draws its inputs from c->seed (the same for every set and alignment),
 * places its buffers with og, calls the kernel, records guard/input faults
 * and the outputs with their double reference and bound. */

/* act: y = f(x + bias).  opt bit 0: in place; bit 1: a bias.  The sum is
 * rounded to float first (the contract), so the reference is f of that
 * rounded sum.  Bound: exact for relu/linear; EPS_ACT·|y| (+ subnormal
 * floor) for the vector-math sigmoid/tanh. */
static void run_act(const aek_kernel_set *ks, const tcase *c, offgen *og, tres *r)
{
    size_t n = c->cols;
    chk_rng g = {c->seed};
    float *x = arena_alloc(n * sizeof(float)), *b = arena_alloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        x[i] = chk_next(&g) % 8 == 0 ? uni(&g, -40, 40) : uni(&g, -12, 12);
        b[i] = uni(&g, -3, 3);
    }
    int inplace = c->opt & 1, has_bias = (c->opt >> 1) & 1;
    tbuf X = tb_new(n, og, x), Y = tb_new(n, og, NULL), B = tb_new(n, og, b);
    ks->act(n, c->act, has_bias ? B.p : NULL, X.p, inplace ? X.p : Y.p);
    r->faults += inplace ? tb_changed(&X, 0) : tb_changed(&X, 1) + tb_changed(&Y, 0);
    r->faults += tb_changed(&B, 1);
    tout *o = out_arr(r, "y", inplace ? X.p : Y.p, n);
    int smooth = c->act == AEK_ACT_SIGMOID || c->act == AEK_ACT_TANH;
    for (size_t i = 0; i < n; i++) {
        const float s = has_bias ? x[i] + b[i] : x[i]; /* rounded, as the kernel does */
        o->ref[i] = act_ref(s, c->act);
        o->bnd[i] = smooth ? EPS_ACT * fabs(o->ref[i]) + SUBNORMAL_ABS : 0;
    }
}

/* loss_mse: Σ (x̂ − x)², dz = scale·(x̂ − x)·f'(x̂).  opt bit 0: dz.
 *   sum: d = x̂ − x rounded once, d² formed exactly in double → each term
 *        within γ_2·d²; the double additions (kernel and reference) add
 *        2γᵈ_{n+1}·Σd².
 *   dz:  (scale·d)·s: scale·d 2, s = h·(1 − h) or 1 − h·h 2, product
 *        2 + 2 + 1 = 5 (relu/linear: 2): gk(5)·|scale|·(|x̂| + |x|)·|s|. */
static void run_mse(const aek_kernel_set *ks, const tcase *c, offgen *og, tres *r)
{
    size_t n = c->cols;
    chk_rng g = {c->seed};
    float *xh = arena_alloc(n * sizeof(float)), *x = arena_alloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        xh[i] = gen_h(&g, c->act);
        x[i] = gen_h(&g, c->act);
    }
    float scale = uni(&g, 0.05, 2) * (chk_next(&g) % 2 ? 1.0f : -1.0f);
    int has_dz = c->opt & 1, smooth = c->act == AEK_ACT_SIGMOID || c->act == AEK_ACT_TANH;
    tbuf XH = tb_new(n, og, xh), X = tb_new(n, og, x), DZ = tb_new(n, og, NULL);
    double sum = ks->loss_mse(n, XH.p, X.p, c->act, scale, has_dz ? DZ.p : NULL);
    r->faults += tb_changed(&XH, 1) + tb_changed(&X, 1) + tb_changed(&DZ, !has_dz);
    tout *os = out_sum(r, "sum", sum);
    tout *od = has_dz ? out_arr(r, "dz", DZ.p, n) : NULL;
    double s2 = 0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)xh[i] - x[i];
        s2 += d * d;
        if (od) {
            dref dv = deriv_ref(c->act, xh[i]);
            od->ref[i] = scale * d * dv.s;
            od->bnd[i] = gk(smooth ? 5 : 2) * fabs(scale) * (fabs(xh[i]) + fabs(x[i])) * dv.s_abs;
        }
    }
    os->ref[0] = s2;
    os->bnd[0] = gk(2) * s2 + 2 * gamd((double)n + 1) * (1 + gam(2)) * s2;
}

/* loss_bce from logits: Σ softplus(z) − x·z, x̂ = σ(z), dz = scale·(σ(z) − x).
 * opt bit 0: xhat, bit 1: dz.
 *   sum:  per term softplus carries EPS_ACT, x·z and the difference one
 *         rounding each: (EPS_ACT + γ_2)·(softplus + |x z|); then the double
 *         additions 2γᵈ_n·Σ.
 *   x̂:    EPS_ACT·σ (+ subnormal floor).
 *   dz:   |scale|·(EPS_ACT·σ·(1 + γ_2) + γ_2·(σ + |x|)) (difference, product). */
static void run_bce(const aek_kernel_set *ks, const tcase *c, offgen *og, tres *r)
{
    size_t n = c->cols;
    chk_rng g = {c->seed};
    float *z = arena_alloc(n * sizeof(float)), *x = arena_alloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        z[i] = chk_next(&g) % 8 == 0 ? uni(&g, -40, 40) : uni(&g, -12, 12);
        unsigned k = (unsigned)(chk_next(&g) % 8);
        x[i] = k == 0 ? 0.0f : k == 1 ? 1.0f : uni(&g, 0, 1);
    }
    float scale = uni(&g, 0.05, 2) * (chk_next(&g) % 2 ? 1.0f : -1.0f);
    int has_xhat = c->opt & 1, has_dz = (c->opt >> 1) & 1;
    tbuf Z = tb_new(n, og, z), X = tb_new(n, og, x), XH = tb_new(n, og, NULL),
         DZ = tb_new(n, og, NULL);
    double sum = ks->loss_bce(n, Z.p, X.p, scale, has_xhat ? XH.p : NULL, has_dz ? DZ.p : NULL);
    r->faults += tb_changed(&Z, 1) + tb_changed(&X, 1) + tb_changed(&XH, !has_xhat) +
                 tb_changed(&DZ, !has_dz);
    tout *os = out_sum(r, "sum", sum);
    tout *ox = has_xhat ? out_arr(r, "xhat", XH.p, n) : NULL;
    tout *od = has_dz ? out_arr(r, "dz", DZ.p, n) : NULL;
    double ref = 0, mag = 0;
    for (size_t i = 0; i < n; i++) {
        double sp = softplus_ref(z[i]), xz = (double)x[i] * z[i], p = act_ref(z[i], AEK_ACT_SIGMOID);
        ref += sp - xz;
        mag += sp + fabs(xz);
        if (ox) {
            ox->ref[i] = p;
            ox->bnd[i] = EPS_ACT * p + SUBNORMAL_ABS;
        }
        if (od) {
            od->ref[i] = scale * (p - x[i]);
            od->bnd[i] = fabs(scale) * ((EPS_ACT * p + SUBNORMAL_ABS) * (1 + gk(2)) +
                                        gk(2) * (p + fabs(x[i])));
        }
    }
    os->ref[0] = ref;
    os->bnd[0] = (EPS_ACT + gk(2)) * mag + 2 * gamd((double)n) * (1 + EPS_ACT + gam(2)) * mag;
}

/* colsum: out[j] = Σ_i x[i][j].  A float sum of `rows` terms:
 * gk(rows − 1)·Σ_i |x_ij|. */
static void run_colsum(const aek_kernel_set *ks, const tcase *c, offgen *og, tres *r)
{
    size_t rows = c->rows, cols = c->cols, n = rows * cols;
    chk_rng g = {c->seed};
    float *x = arena_alloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        x[i] = uni(&g, -1, 1);
    tbuf X = tb_new(n, og, x), O = tb_new(cols, og, NULL);
    ks->colsum(rows, cols, X.p, O.p);
    r->faults += tb_changed(&X, 1) + tb_changed(&O, 0);
    tout *o = out_arr(r, "out", O.p, cols);
    for (size_t j = 0; j < cols; j++) {
        double s = 0, a = 0;
        for (size_t i = 0; i < rows; i++) {
            s += x[i * cols + j];
            a += fabs(x[i * cols + j]);
        }
        o->ref[j] = s;
        o->bnd[j] = gk((double)rows - 1) * a;
    }
}

/* hidden_bwd.  opt bit 0 col_add, bit 1 c, bit 2 s2, bit 3 da = dh.
 *   da = (dh + a)·s + coef·c·s·s': g = dh + a 1, s 2, g·s 4, sum 5;
 *        s' = s·(1 − 2h) 4 (tanh (−2h)·s 3), ((coef·c)·s)·s' 4 + 4 + 1 = 9,
 *        sum 10: gk(5)·(|dh| + |a|)·|s| + gk(10)·|coef·c|·|s|·|s'|
 *        (relu/linear: only dh + a is rounded: gk(1)).
 *   s2 = Σ_i s²: each s·s 2 + 2 + 1 = 5 (relu/linear 0), then rows − 1
 *        float additions: gk(5 + rows − 1)·Σ_i |s|².
 *   pen = Σ c·s²: (c·s)·s = 3 + 2 + 1 = 6 (relu/linear 0), added in double:
 *        (gk(6) + 2γᵈ_n(1 + γ_6))·Σ |c|·|s|²; exactly 0 without c. */
static void run_hbwd(const aek_kernel_set *ks, const tcase *c, offgen *og, tres *r)
{
    size_t rows = c->rows, cols = c->cols, n = rows * cols;
    chk_rng g = {c->seed};
    int has_col = c->opt & 1, has_c = (c->opt >> 1) & 1, has_s2 = (c->opt >> 2) & 1,
        alias = (c->opt >> 3) & 1;
    int smooth = c->act == AEK_ACT_SIGMOID || c->act == AEK_ACT_TANH;
    int k_gs = smooth ? 5 : 1, k_ss = smooth ? 5 : 0, k_pen = smooth ? 6 : 0;
    float *h = arena_alloc(n * sizeof(float)), *dh = arena_alloc(n * sizeof(float));
    float *col = arena_alloc(cols * sizeof(float)), *cc = arena_alloc(cols * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        h[i] = gen_h(&g, c->act);
        dh[i] = uni(&g, -1, 1);
    }
    for (size_t j = 0; j < cols; j++) {
        col[j] = uni(&g, -1, 1);
        cc[j] = uni(&g, 0, 4);
    }
    float coef = uni(&g, 0.05, 1.5);
    tbuf H = tb_new(n, og, h), DH = tb_new(n, og, dh), COL = tb_new(cols, og, col),
         C = tb_new(cols, og, cc), DA = tb_new(n, og, NULL), S2 = tb_new(cols, og, NULL);
    float *da = alias ? DH.p : DA.p;
    aek_hidden_bwd_args a = {rows, cols, c->act, H.p, DH.p, has_col ? COL.p : NULL,
                             has_c ? C.p : NULL, coef, da, has_s2 ? S2.p : NULL};
    double pen = ks->hidden_bwd(&a);
    r->faults += tb_changed(&H, 1) + tb_changed(&COL, 1) + tb_changed(&C, 1) +
                 (alias ? tb_changed(&DH, 0) : tb_changed(&DH, 1) + tb_changed(&DA, 0)) +
                 tb_changed(&S2, !has_s2);
    tout *op = out_sum(r, "pen", pen);
    tout *od = out_arr(r, "da", da, n);
    tout *os = has_s2 ? out_arr(r, "s2", S2.p, cols) : NULL;
    double pref = 0, pmag = 0;
    if (os)
        for (size_t j = 0; j < cols; j++)
            os->ref[j] = os->bnd[j] = 0;
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            size_t k = i * cols + j;
            dref d = deriv_ref(c->act, h[k]);
            double ad = has_col ? col[j] : 0, cj = has_c ? cc[j] : 0;
            od->ref[k] = (dh[k] + ad) * d.s + (double)coef * cj * d.s * d.sp;
            od->bnd[k] = gk(k_gs) * (fabs(dh[k]) + fabs(ad)) * d.s_abs +
                         gk(10) * fabs((double)coef * cj) * d.s_abs * d.sp_abs;
            pref += cj * d.s * d.s;
            pmag += fabs(cj) * d.s_abs * d.s_abs;
            if (os) {
                os->ref[j] += d.s * d.s;
                os->bnd[j] += d.s_abs * d.s_abs;
            }
        }
    if (os)
        for (size_t j = 0; j < cols; j++)
            os->bnd[j] *= gk((double)(k_ss + rows) - 1);
    op->ref[0] = pref;
    op->bnd[0] = (gk(k_pen) + 2 * gamd((double)n) * (1 + gam(k_pen))) * pmag;
}

/* cae_h.  opt bit 0: d2.  d = s − s̃ (|d| → |s| + |s̃|), s 2, d 3:
 *   da  += coef·c·d·s': cd = (coef·c)·d 1 + 3 + 1 = 5, s' ≤ 4, cd·s' 10,
 *          the sum 11; the old da gets one rounding:
 *          gk(1)·|da| + gk(11)·|coef·c|·|d|·|s'|.
 *   dac  = −cd·s̃' (negation exact): gk(10)·|coef·c|·|d|·|s̃'|.
 *   d2  += Σ_i d²: d·d 7, then `rows` additions:
 *          gk(rows)·|d2| + gk(rows + 7)·Σ_i |d|².
 *   pen  = Σ c·d²: (c·d)·d = 4 + 3 + 1 = 8, added in double:
 *          (gk(8) + 2γᵈ_n(1 + γ_8))·Σ |c|·|d|².
 *   relu/linear: d ∈ {−1, 0, 1} and c·d² are exact (counts 0), da stays,
 *   dac = 0 exactly. */
static void run_caeh(const aek_kernel_set *ks, const tcase *c, offgen *og, tres *r)
{
    size_t rows = c->rows, cols = c->cols, n = rows * cols;
    chk_rng g = {c->seed};
    int has_d2 = c->opt & 1;
    int smooth = c->act == AEK_ACT_SIGMOID || c->act == AEK_ACT_TANH;
    int k_dd = smooth ? 7 : 0, k_pen = smooth ? 8 : 0;
    float *h = arena_alloc(n * sizeof(float)), *hc = arena_alloc(n * sizeof(float));
    float *da0 = arena_alloc(n * sizeof(float)), *cc = arena_alloc(cols * sizeof(float));
    float *d20 = arena_alloc(cols * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        h[i] = gen_h(&g, c->act);
        hc[i] = gen_h(&g, c->act);
        da0[i] = uni(&g, -1, 1);
    }
    for (size_t j = 0; j < cols; j++) {
        cc[j] = uni(&g, 0, 4);
        d20[j] = uni(&g, 0, 2);
    }
    float coef = uni(&g, 0.05, 1.5);
    tbuf H = tb_new(n, og, h), HC = tb_new(n, og, hc), C = tb_new(cols, og, cc),
         DA = tb_new(n, og, da0), DAC = tb_new(n, og, NULL), D2 = tb_new(cols, og, d20);
    aek_cae_h_args a = {rows, cols, c->act, H.p, HC.p, C.p, coef, DA.p, DAC.p,
                        has_d2 ? D2.p : NULL};
    double pen = ks->cae_h(&a);
    r->faults += tb_changed(&H, 1) + tb_changed(&HC, 1) + tb_changed(&C, 1) +
                 tb_changed(&DA, 0) + tb_changed(&DAC, 0) + tb_changed(&D2, !has_d2);
    tout *op = out_sum(r, "pen", pen);
    tout *oa = out_arr(r, "da", DA.p, n);
    tout *oc = out_arr(r, "dac", DAC.p, n);
    tout *o2 = has_d2 ? out_arr(r, "d2", D2.p, cols) : NULL;
    double pref = 0, pmag = 0;
    if (o2)
        for (size_t j = 0; j < cols; j++) {
            o2->ref[j] = d20[j];
            o2->bnd[j] = 0;
        }
    for (size_t i = 0; i < rows; i++)
        for (size_t j = 0; j < cols; j++) {
            size_t k = i * cols + j;
            dref s = deriv_ref(c->act, h[k]), t = deriv_ref(c->act, hc[k]);
            double d = s.s - t.s, dmag = s.s_abs + t.s_abs, qc = (double)coef * cc[j];
            oa->ref[k] = da0[k] + qc * d * s.sp;
            oa->bnd[k] = gk(1) * fabs(da0[k]) + gk(11) * fabs(qc) * dmag * s.sp_abs;
            oc->ref[k] = -qc * d * t.sp;
            oc->bnd[k] = gk(10) * fabs(qc) * dmag * t.sp_abs;
            pref += cc[j] * d * d;
            pmag += fabs(cc[j]) * dmag * dmag;
            if (o2) {
                o2->ref[j] += d * d;
                o2->bnd[j] += dmag * dmag;
            }
        }
    if (o2)
        for (size_t j = 0; j < cols; j++)
            o2->bnd[j] = gk((double)rows) * d20[j] + gk((double)(rows + k_dd)) * o2->bnd[j];
    op->ref[0] = pref;
    op->bnd[0] = (gk(k_pen) + 2 * gamd((double)n) * (1 + gam(k_pen))) * pmag;
}

/* axpy: y + a·x: gk(1)·|y| + gk(2)·|a·x|. */
static void run_axpy(const aek_kernel_set *ks, const tcase *c, offgen *og, tres *r)
{
    size_t n = c->cols;
    chk_rng g = {c->seed};
    float *x = arena_alloc(n * sizeof(float)), *y = arena_alloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        x[i] = uni(&g, -1, 1);
        y[i] = uni(&g, -1, 1);
    }
    float a = uni(&g, 0.1, 2) * (chk_next(&g) % 2 ? 1.0f : -1.0f);
    tbuf X = tb_new(n, og, x), Y = tb_new(n, og, y);
    ks->axpy(n, a, X.p, Y.p);
    r->faults += tb_changed(&X, 1) + tb_changed(&Y, 0);
    tout *o = out_arr(r, "y", Y.p, n);
    for (size_t i = 0; i < n; i++) {
        o->ref[i] = y[i] + (double)a * x[i];
        o->bnd[i] = gk(1) * fabs(y[i]) + gk(2) * fabs((double)a * x[i]);
    }
}

/* sgd: v' = μv + g, w' = w − lr·v'.  opt bit 0: μ = 0.
 *   v': gk(1)·|g| + gk(2)·|μv|;   w': gk(1)·|w| + gk(4)·|lr|·(|μv| + |g|)
 *   (μv in v' 2, lr·v' 3, the difference 4). */
static void run_sgd(const aek_kernel_set *ks, const tcase *c, offgen *og, tres *r)
{
    size_t n = c->cols;
    chk_rng g = {c->seed};
    float *w = arena_alloc(n * sizeof(float)), *gr = arena_alloc(n * sizeof(float)),
          *v = arena_alloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        w[i] = uni(&g, -1, 1);
        gr[i] = uni(&g, -1, 1);
        v[i] = uni(&g, -1, 1);
    }
    float lr = uni(&g, 1e-3, 0.5), mu = (c->opt & 1) ? 0.0f : uni(&g, 0.5, 0.99);
    tbuf W = tb_new(n, og, w), G = tb_new(n, og, gr), V = tb_new(n, og, v);
    ks->sgd(n, W.p, G.p, V.p, lr, mu);
    r->faults += tb_changed(&W, 0) + tb_changed(&G, 1) + tb_changed(&V, 0);
    tout *ow = out_arr(r, "w", W.p, n), *ov = out_arr(r, "v", V.p, n);
    for (size_t i = 0; i < n; i++) {
        double mv = (double)mu * v[i], vn = mv + gr[i];
        ov->ref[i] = vn;
        ov->bnd[i] = gk(1) * fabs(gr[i]) + gk(2) * fabs(mv);
        ow->ref[i] = w[i] - (double)lr * vn;
        ow->bnd[i] = gk(1) * fabs(w[i]) + gk(4) * lr * (fabs(mv) + fabs(gr[i]));
    }
}

/* adam.  β₁, β₂ ∈ [½, 1): 1 − β is exact in float (Sterbenz).
 *   m' = β₁m + (1−β₁)g: 2 roundings per term → gk(2)·P_m,
 *        P_m = |β₁m| + (1−β₁)|g|.
 *   v' = β₂v + (1−β₂)g·g: gk(2)·β₂v + gk(3)·(1−β₂)g² (all terms ≥ 0, so v̂'
 *        is within γ_3 relative).
 *   w' = w − lr·m'/D, D = √v' + eps: √ of v̂' and + eps keep D̂ within γ_4
 *        relative, lr·m̂' and / add 2 roundings → lr·m̂'/D·(1 + θ_6); the
 *        error of m̂' (γ_2·P_m) passes through lr/D; the final − adds u:
 *        gk(1)·|w| + (|lr|/D)·(gk(7)·|m'| + gk(2)·(1 + γ_7)·P_m). */
static void run_adam(const aek_kernel_set *ks, const tcase *c, offgen *og, tres *r)
{
    size_t n = c->cols;
    chk_rng g = {c->seed};
    float *w = arena_alloc(n * sizeof(float)), *gr = arena_alloc(n * sizeof(float)),
          *m = arena_alloc(n * sizeof(float)), *v = arena_alloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) {
        int zero = chk_next(&g) % 16 == 0; /* g = 0 and v = 0: D = eps */
        w[i] = uni(&g, -1, 1);
        gr[i] = zero ? 0.0f : uni(&g, -1, 1);
        m[i] = uni(&g, -0.5, 0.5);
        v[i] = zero ? 0.0f : uni(&g, 0, 0.5);
    }
    aek_adam_step s = {uni(&g, 1e-4, 0.1), uni(&g, 0.5, 0.99), uni(&g, 0.5, 0.9999),
                       uni(&g, 1e-8, 1e-3)};
    tbuf W = tb_new(n, og, w), G = tb_new(n, og, gr), M = tb_new(n, og, m), V = tb_new(n, og, v);
    ks->adam(n, W.p, G.p, M.p, V.p, &s);
    r->faults += tb_changed(&W, 0) + tb_changed(&G, 1) + tb_changed(&M, 0) + tb_changed(&V, 0);
    tout *ow = out_arr(r, "w", W.p, n), *om = out_arr(r, "m", M.p, n), *ov = out_arr(r, "v", V.p, n);
    double b1 = s.b1, b2 = s.b2, lr = s.lr_t, eps = s.eps_t;
    for (size_t i = 0; i < n; i++) {
        double gi = gr[i];
        double mn = b1 * m[i] + (1 - b1) * gi, pm = fabs(b1 * m[i]) + (1 - b1) * fabs(gi);
        double vn = b2 * v[i] + (1 - b2) * gi * gi;
        double D = sqrt(vn) + eps;
        om->ref[i] = mn;
        om->bnd[i] = gk(2) * pm;
        ov->ref[i] = vn;
        ov->bnd[i] = gk(2) * b2 * v[i] + gk(3) * (1 - b2) * gi * gi;
        ow->ref[i] = w[i] - lr * mn / D;
        ow->bnd[i] = gk(1) * fabs(w[i]) + lr / D * (gk(7) * fabs(mn) + gk(2) * (1 + gam(7)) * pm);
    }
}

/* ---- the kernel table and the shapes ------------------------------------- */

typedef void (*run_fn)(const aek_kernel_set *, const tcase *, offgen *, tres *);

typedef struct {
    const char *name;
    run_fn run;
    int uses_act, two_d;
    const char *opts[4]; /* names of the option bits */
    unsigned nbits;
} kdesc;

static const kdesc KERNELS[] = {
    {"act", run_act, 1, 0, {"in-place", "bias"}, 2},
    {"loss_mse", run_mse, 1, 0, {"dz"}, 1},
    {"loss_bce", run_bce, 0, 0, {"xhat", "dz"}, 2},
    {"colsum", run_colsum, 0, 1, {0}, 0},
    {"hidden_bwd", run_hbwd, 1, 1, {"col_add", "c", "s2", "da=dh"}, 4},
    {"cae_h", run_caeh, 1, 1, {"d2"}, 1},
    {"axpy", run_axpy, 0, 0, {0}, 0},
    {"sgd", run_sgd, 0, 0, {"mu=0"}, 1},
    {"adam", run_adam, 0, 0, {0}, 0},
};
#define NKERNELS (sizeof KERNELS / sizeof KERNELS[0])

static const aek_act ACTS[] = {AEK_ACT_SIGMOID, AEK_ACT_TANH, AEK_ACT_RELU, AEK_ACT_IDENTITY};

typedef struct { size_t rows, cols; } shape;
static shape SH1[96], SH2[192];
static size_t nsh1, nsh2;

/* 1-D: n = 0..70 (every tail of 8 and 16 lanes, 2-vector unrolls), a few
 * past 128, and 128000 (a 128×1000 batch).  2-D: cols 0..70 on 1..3 rows,
 * rows 0..70 on column counts around the vector widths, and batch shapes. */
static void make_shapes(void)
{
    for (size_t n = 0; n <= 70; n++)
        SH1[nsh1++] = (shape){1, n};
    static const size_t big1[] = {127, 128, 129, 255, 1000, 4099, 128000};
    for (size_t k = 0; k < sizeof big1 / sizeof big1[0]; k++)
        SH1[nsh1++] = (shape){1, big1[k]};
    for (size_t c = 0; c <= 70; c++)
        SH2[nsh2++] = (shape){1 + c % 3, c};
    static const size_t cw[] = {1, 7, 16, 17, 33, 64, 129};
    for (size_t r = 0; r <= 70; r++)
        SH2[nsh2++] = (shape){r, cw[r % (sizeof cw / sizeof cw[0])]};
    static const shape big2[] = {{0, 0}, {0, 5}, {5, 0}, {128, 1000}, {127, 129}, {33, 257}, {7, 131}};
    for (size_t k = 0; k < sizeof big2 / sizeof big2[0]; k++)
        SH2[nsh2++] = big2[k];
}

static void opt_str(const kdesc *k, unsigned opt, char *buf, size_t len)
{
    buf[0] = 0;
    for (unsigned b = 0; b < k->nbits; b++)
        if (opt >> b & 1) {
            size_t l = strlen(buf);
            snprintf(buf + l, len - l, "%s%s", l ? "+" : "", k->opts[b]);
        }
    if (!buf[0])
        snprintf(buf, len, "%s", k->nbits ? "no options" : "-");
}

/* ---- the checks ---------------------------------------------------------------- */

typedef struct {
    double worst;
    char where[200];
} worst_t;

static void note_worst(worst_t *w, double r, const kdesc *k, const tcase *c, const tout *o,
                       size_t idx)
{
    if (!(r > w->worst))
        return;
    char opts[64];
    opt_str(k, c->opt, opts, sizeof opts);
    w->worst = r;
    snprintf(w->where, sizeof w->where, "worst %s[%zu] at %zux%zu %s", o->name, idx, c->rows,
             c->cols, opts);
}

/* Runs every case of one kernel on one set: error vs the double reference per
 * activation, faults (guards, inputs, NaN), bitwise repeatability at other
 * alignments, and agreement with the scalar set. */
static void check_kernel(const aek_kernel_set *ks, const kdesc *k, size_t ki)
{
    const shape *sh = k->two_d ? SH2 : SH1;
    size_t nsh = k->two_d ? nsh2 : nsh1;
    size_t nact = k->uses_act ? 4 : 1;
    worst_t err[4] = {{0, ""}, {0, ""}, {0, ""}, {0, ""}}, vs = {0, ""};
    size_t cases[4] = {0}, faults = 0, nonfinite = 0, differ = 0, vs_differ = 0, values = 0;
    int is_scalar = ks->isa == AEK_ISA_SCALAR;

    for (size_t si = 0; si < nsh; si++)
        for (size_t ai = 0; ai < nact; ai++)
            for (unsigned opt = 0; opt < (1u << k->nbits); opt++) {
                tcase c = {(int)ki, sh[si].rows, sh[si].cols, ACTS[ai], opt,
                           0x5EEDull + ((ki * 1000 + si) * 4 + ai) * 16 + opt};
                offgen og1 = {{c.seed * 31 + 7}, 0}, og2 = {{c.seed * 31 + 7}, 7};
                tres r1 = {0}, r2 = {0}, r3 = {0};
                k->run(ks, &c, &og1, &r1);
                k->run(ks, &c, &og2, &r2);
                if (!is_scalar)
                    k->run(&aek_kernels_scalar, &c, &og1, &r3);
                cases[ai]++;
                faults += r1.faults + r2.faults;
                for (int q = 0; q < r1.no; q++) {
                    const tout *o = &r1.o[q], *o2 = &r2.o[q], *o3 = is_scalar ? NULL : &r3.o[q];
                    for (size_t i = 0; i < o->n; i++) {
                        double g1 = got_at(o, i);
                        double rr = ratio(g1, o->ref[i], o->bnd[i]);
                        if (!isfinite(g1) && isfinite(o->ref[i]))
                            nonfinite++;
                        note_worst(&err[ai], rr, k, &c, o, i);
                        values++;
                        double g2 = got_at(o2, i);
                        differ += memcmp(&g1, &g2, sizeof g1) != 0;
                        if (o3) {
                            double g3 = got_at(o3, i);
                            if (k->run == run_colsum) { /* order fixed by contract: same bits */
                                vs_differ += memcmp(&g1, &g3, sizeof g1) != 0;
                            } else {
                                /* both within bnd of the exact value */
                                double rv = ratio(g1, g3, 2 * o->bnd[i]);
                                note_worst(&vs, rv, k, &c, o, i);
                            }
                        }
                    }
                }
                ARENA.used = 0; /* everything of this case */
            }

    char name[128];
    for (size_t ai = 0; ai < nact; ai++) {
        if (k->uses_act)
            snprintf(name, sizeof name, "%s[%s] %s: max err/bound", k->name, ks->name,
                     aek_act_name(ACTS[ai]));
        else
            snprintf(name, sizeof name, "%s[%s]: max err/bound", k->name, ks->name);
        chk_le(name, err[ai].worst, 1.0, "%zu cases, all options; %s", cases[ai],
               err[ai].where[0] ? err[ai].where : "all exact");
    }
    snprintf(name, sizeof name, "%s[%s]: guards, inputs, NaN, same bits at other alignments",
             k->name, ks->name);
    chk_le(name, (double)(faults + nonfinite + differ), 0,
           "%zu values; %zu guard/input floats changed, %zu non-finite, %zu differ between "
           "alignments", values, faults, nonfinite, differ);
    if (!is_scalar) {
        snprintf(name, sizeof name, "%s[%s] vs scalar set: %s", k->name, ks->name,
                 k->run == run_colsum ? "values that differ (same order of adds)"
                                      : "max diff/(2*bound)");
        if (k->run == run_colsum)
            chk_le(name, (double)vs_differ, 0, "rows added in order: bitwise equal expected");
        else
            chk_le(name, vs.worst, 1.0, "%s", vs.where[0] ? vs.where : "all equal");
    }
}

/* ---- masking noise --------------------------------------------------------
 * The reference decides "53-bit uniform < q" in double, as the noise was
 * first written (u = (draw >> 11)·2⁻⁵³); the kernels decide it in integers
 * against thresh = ⌈q·2⁵³⌉.  Bitwise equality (the sign of a masked zero
 * included), in place and not, every length 0..70 and some long ones (every
 * vector tail), thresholds at the ends; then the masked fraction of 2²⁰
 * draws against q (binomial: 5σ = 5·√(q(1−q)/N)). */
static uint64_t ref_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void ref_mask(size_t n, uint64_t s0, double q, const float *x, float *y)
{
    for (size_t j = 0; j < n; j++) {
        s0 += 0x9E3779B97F4A7C15ull;
        double u = (double)(ref_mix64(s0) >> 11) * 0x1.0p-53;
        y[j] = u < q ? 0.0f : x[j];
    }
}

static uint64_t thresh_of(double q)
{
    return q <= 0 ? 0 : q >= 1 ? (uint64_t)1 << 53 : (uint64_t)ceil(q * 0x1.0p53);
}

static void check_mask_noise(const aek_kernel_set *ks)
{
    static const double qs[] = {0.0, 0x1p-53, 0.25, 0.3, 0.5, 1.0 - 0x1p-53, 1.0};
    enum { NMAX = 5000 };
    static float x[NMAX], y[NMAX], r[NMAX], z[NMAX];
    chk_rng g = {12345};
    for (size_t j = 0; j < NMAX; j++)
    {
        float v = uni(&g, -1, 1);
        x[j] = v + (v >= 0 ? 1.0f : -1.0f); /* never 0 */
    }
    size_t lens[80], nl = 0, diff = 0, cases = 0;
    for (size_t n = 0; n <= 70; n++)
        lens[nl++] = n;
    lens[nl++] = 784;
    lens[nl++] = 1000;
    lens[nl++] = 4099;
    lens[nl++] = NMAX;
    for (size_t li = 0; li < nl; li++)
        for (size_t qi = 0; qi < sizeof qs / sizeof qs[0]; qi++)
            for (uint64_t seed = 1; seed <= 3; seed++) {
                size_t n = lens[li];
                uint64_t s0 = ref_mix64(seed * 7919 + n);
                ref_mask(n, s0, qs[qi], x, r);
                ks->mask_noise(n, s0, thresh_of(qs[qi]), x, y);
                memcpy(z, x, n * sizeof(float));
                ks->mask_noise(n, s0, thresh_of(qs[qi]), z, z);
                diff += (size_t)(memcmp(y, r, n * sizeof(float)) != 0) +
                        (size_t)(memcmp(z, r, n * sizeof(float)) != 0);
                cases += 2;
            }
    char name[96];
    snprintf(name, sizeof name, "mask_noise[%s] == double reference (bits)", ks->name);
    chk_le(name, (double)diff, 0, "%zu cases: lengths 0..70, 784, 1000, 4099, 5000; q from 0 to 1; "
           "in place and not; figure = cases that differ", cases);

    const size_t N = (size_t)1 << 20, part = NMAX;
    size_t zeros = 0;
    for (size_t done = 0; done < N; done += part) {
        ks->mask_noise(part, ref_mix64(done + 99), thresh_of(0.25), x, y);
        for (size_t j = 0; j < part; j++)
            zeros += y[j] == 0.0f;
    }
    size_t total = (N + part - 1) / part * part;
    double frac = (double)zeros / (double)total, sd = sqrt(0.25 * 0.75 / (double)total);
    snprintf(name, sizeof name, "mask_noise[%s] masked fraction, q = 0.25", ks->name);
    chk_le(name, fabs(frac - 0.25) / sd, 5.0, "%.6f of %zu draws; figure = |fraction − q|/σ",
           frac, total);
}

/* ---- row_sumsq -------------------------------------------------------------
 * out[j] = Σ_i x_ji² summed in double (products of floats are exact there)
 * and rounded to float: |out − exact| ≤ exact·(2⁻²⁴ + γ_cols(double)),
 * γ_n = n·2⁻⁵³/(1 − n·2⁻⁵³) for any order of the n − 1 additions; the
 * reference is a compensated (Kahan) double sum, within 2·2⁻⁵³ of exact. */
static void check_row_sumsq(const aek_kernel_set *ks)
{
    static const size_t colss[] = {0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 100, 784, 1000};
    enum { ROWS = 5 };
    chk_rng g = {777};
    double worst = 0;
    char where[96] = "";
    for (size_t ci = 0; ci < sizeof colss / sizeof colss[0]; ci++) {
        size_t cols = colss[ci];
        float *x = malloc((ROWS * cols + 1) * sizeof(float)), out[ROWS];
        for (size_t i = 0; i < ROWS * cols; i++)
            x[i] = uni(&g, -1, 1) * (float)ldexp(1.0, (int)(i % 7) - 3);
        ks->row_sumsq(ROWS, cols, x, out);
        for (size_t j = 0; j < ROWS; j++) {
            double s = 0, c = 0;
            for (size_t i = 0; i < cols; i++) {
                double y = (double)x[j * cols + i] * x[j * cols + i] - c, t = s + y;
                c = (t - s) - y;
                s = t;
            }
            double bnd = s * (0x1p-24 + gamd((double)cols + 2)) + 0x1p-149;
            double r = fabs((double)out[j] - s) / bnd;
            if (r > worst || isnan(r)) {
                worst = isnan(r) ? INFINITY : r;
                snprintf(where, sizeof where, "worst at cols %zu row %zu", cols, j);
            }
        }
        free(x);
    }
    char name[96];
    snprintf(name, sizeof name, "row_sumsq[%s] vs compensated double sum", ks->name);
    chk_le(name, worst, 1.0, "%s; figure = error / (2^-24 + gamma_cols) bound", where);
}

int main(void)
{
    if (aek_init() != AEK_OK) {
        fprintf(stderr, "test_elementwise: %s\n", aek_last_error());
        return 2;
    }
    make_shapes();
    for (int isa = 0; isa < AEK_ISA_COUNT; isa++) {
        const aek_kernel_set *ks = aek_kernels_for((aek_isa)isa);
        if (!ks) {
            char name[64];
            snprintf(name, sizeof name, "elementwise[%s]", aek_isa_name((aek_isa)isa));
            chk_skip(name, "kernel set not executable on this CPU/binary");
            continue;
        }
        printf("# set %s\n", ks->name);
        for (size_t ki = 0; ki < NKERNELS; ki++)
            check_kernel(ks, &KERNELS[ki], ki);
        check_mask_noise(ks);
        check_row_sumsq(ks);
    }
    return chk_finish();
}
