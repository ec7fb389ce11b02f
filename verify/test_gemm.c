/*
 * test_gemm.c — every kernel set this CPU executes, against a double
 * precision reference of the same product, over awkward shapes.
 *
 * What is checked, per kernel set:
 *  - random shapes with 1, primes and non-multiples of every tile size
 *    (MR ∈ {4, 6, 12}, NR ∈ {8, 16, 32}), shapes crossing the kc, nc and mc
 *    block boundaries, all four transpose pairs, lda/ldb/ldc larger than
 *    the row length;
 *  - alpha/beta cases (beta = 0 over a NaN-filled C, alpha = 0 over NaN A
 *    and B, k = 0) and every epilogue (bias, sigmoid, tanh, relu);
 *  - no write outside C: NaN guard zones around every buffer and in the
 *    row padding must be untouched;
 *  - the same bits for 1, 2, 3 and 4 threads, and in edge tiles as in full ones;
 *  - agreement with the scalar set;
 *  - the packers (aek_pack_a/aek_pack_b, both transposes, with and without
 *    the set's pack_t) equal pack.h's definition exactly, zero padding
 *    included.
 *
 * Error bound (Higham, Accuracy and Stability, §3.1): a float dot product of
 * length k accumulated in any order with or without FMA satisfies
 * |fl(s) − s| ≤ γ_k Σ|a_p b_p|, γ_n = n·u/(1 − n·u), u = 2⁻²⁴.  The k-blocks
 * add one rounding each, alpha/beta/bias three more, so for
 *   v = alpha·s + beta·c + bias:   |Δv| ≤ γ_{k+nb+3} (|alpha|Σ|a||b| + |beta c| + |bias|)
 * and the activation adds its Lipschitz constant L (sigmoid ¼, others 1)
 * times that, plus its own relative error (vector math bound, test_vmath.c):
 *   |y − y_ref| ≤ L·|Δv| + ε_act·|y_ref|.
 * The figure printed is max |y − y_ref| / bound over all elements (≤ 1).
 */
#include "check.h"
#include "../simd/cpu.h"
#include "../simd/kernels.h"
#include "../simd/pack.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GUARD 64 /* floats of NaN guard before and after every buffer */
static const double U = 0x1p-24;
static const double EPS_ACT = 1e-6; /* vector-math relative error bound */

typedef struct { size_t m, n, k; } shape;

/* 1, primes, non-multiples of 4/6/12 and 8/16/32, kc (≤512), nc (≤256) and
 * mc (≤2048) crossings; edge tiles of every kind, among them 8-row edges
 * with ≤ 16 columns (20×48: 12+8 rows, 32+16 columns; 44×40) and 12-row
 * tiles of a 16-column edge (784 = 24·32 + 16), which the avx512 kernels
 * compute on one vector per row. */
static const shape SHAPES[] = {
    {1, 1, 1},    {1, 1, 7},     {1, 37, 1},    {13, 1, 5},    {2, 3, 4},     {5, 7, 11},
    {6, 16, 8},   {12, 32, 16},  {4, 8, 3},     {13, 33, 17},  {7, 31, 64},   {23, 29, 31},
    {37, 41, 43}, {64, 64, 64},  {61, 67, 71},  {97, 101, 103}, {128, 256, 96}, {11, 300, 13},
    {3, 5, 1031}, {50, 70, 600}, {2100, 9, 3},  {127, 129, 257}, {31, 257, 513}, {25, 49, 0},
    {20, 48, 37}, {44, 40, 29},  {36, 784, 45},
};
#define NSHAPES (sizeof SHAPES / sizeof SHAPES[0])

typedef struct { float alpha, beta; } ab_case;
static const ab_case AB[] = {{1.0f, 0.0f}, {0.5f, 2.0f}, {-1.5f, 1.0f}, {0.0f, 0.5f}, {1.25f, -0.75f}};
#define NAB (sizeof AB / sizeof AB[0])

/* row: aek_sgemm_rows_with's row term (no bias, no activation), r_i ∈ [−1, 1] */
typedef struct { int bias; aek_act act; int row; } ep_case;
static const ep_case EP[] = {{0, AEK_ACT_IDENTITY, 0}, {1, AEK_ACT_IDENTITY, 0},
                             {1, AEK_ACT_SIGMOID, 0},  {1, AEK_ACT_TANH, 0},
                             {1, AEK_ACT_RELU, 0},     {0, AEK_ACT_SIGMOID, 0},
                             {0, AEK_ACT_IDENTITY, 1}};
#define NEP (sizeof EP / sizeof EP[0])

/* A matrix of r×c with row stride ld, inside NaN guard zones. */
typedef struct {
    float *base, *p;
    size_t r, c, ld, total;
} buf;

static buf buf_new(size_t r, size_t c, size_t pad)
{
    buf b = {.r = r, .c = c, .ld = c + pad};
    b.total = GUARD * 2 + (r ? r * b.ld : 0) + 1;
    b.base = malloc(b.total * sizeof(float));
    if (!b.base) {
        fprintf(stderr, "test_gemm: out of memory\n");
        exit(2);
    }
    for (size_t i = 0; i < b.total; i++)
        b.base[i] = NAN;
    b.p = b.base + GUARD;
    return b;
}

/* n floats, exiting on failure; numbered: src[i] = i + 0.5 (every value
 * distinct, so a float moved to the wrong place shows), or all NaN. */
static float *floats(size_t n)
{
    float *x = malloc((n ? n : 1) * sizeof *x);
    if (!x) {
        fprintf(stderr, "test_gemm: out of memory\n");
        exit(2);
    }
    return x;
}
static float *numbered(size_t n)
{
    float *x = floats(n);
    for (size_t i = 0; i < n; i++)
        x[i] = (float)i + 0.5f;
    return x;
}
static float *nans(size_t n)
{
    float *x = floats(n);
    for (size_t i = 0; i < n; i++)
        x[i] = NAN;
    return x;
}

/* Floats written into the GUARD NaNs that follow a block at p. */
static size_t guards_written(const float *p)
{
    size_t w = 0;
    for (size_t i = 0; i < GUARD; i++)
        w += !isnan(p[i]);
    return w;
}

static void buf_fill(buf *b, chk_rng *g, float lo, float hi)
{
    for (size_t i = 0; i < b->r; i++)
        for (size_t j = 0; j < b->c; j++)
            b->p[i * b->ld + j] = (float)chk_uniform(g, lo, hi);
}

/* Number of floats outside the r×c matrix that differ (bitwise) from ref. */
static size_t outside_changed(const buf *b, const float *ref_base)
{
    size_t bad = 0;
    for (size_t t = 0; t < b->total; t++) {
        ptrdiff_t off = (ptrdiff_t)t - GUARD;
        int inside = off >= 0 && (size_t)off < b->r * b->ld && (size_t)off % b->ld < b->c;
        if (!inside && memcmp(&b->base[t], &ref_base[t], sizeof(float)) != 0)
            bad++;
    }
    return bad;
}

static double act_ref(double v, aek_act a)
{
    switch (a) {
    case AEK_ACT_SIGMOID: return 1.0 / (1.0 + exp(-v));
    case AEK_ACT_TANH: return tanh(v);
    case AEK_ACT_RELU: return v > 0 ? v : 0;
    default: return v;
    }
}

static double act_lip(aek_act a) { return a == AEK_ACT_SIGMOID ? 0.25 : 1.0; }

static float opget(const buf *b, aek_trans t, size_t i, size_t j)
{
    return t == AEK_N ? b->p[i * b->ld + j] : b->p[j * b->ld + i];
}

typedef struct {
    double worst;       /* max |y − ref| / bound                   */
    size_t guard_bad;   /* floats changed outside C                 */
    size_t nonfinite;   /* NaN/Inf where the reference is finite    */
} outcome;

/* One product with a given kernel set and thread count; compares it with the
 * double reference.  C0 holds the initial C (for beta); result left in *Cout
 * when non-NULL (caller frees). */
static outcome run_case(const aek_kernel_set *ks, int threads, shape s, aek_trans ta,
                        aek_trans tb, ab_case ab, ep_case ep, unsigned long long seed,
                        float **Cout)
{
    chk_rng g = {seed};
    size_t ar = ta == AEK_N ? s.m : s.k, ac = ta == AEK_N ? s.k : s.m;
    size_t br = tb == AEK_N ? s.k : s.n, bc = tb == AEK_N ? s.n : s.k;
    buf A = buf_new(ar, ac, chk_next(&g) % 5);
    buf B = buf_new(br, bc, chk_next(&g) % 5);
    buf C = buf_new(s.m, s.n, chk_next(&g) % 5);
    buf_fill(&A, &g, -1, 1);
    buf_fill(&B, &g, -1, 1);
    if (ab.beta != 0.0f || ep.row)
        buf_fill(&C, &g, -1, 1); /* else C stays NaN: beta = 0 must not read it */
    if (ab.alpha == 0.0f) {      /* alpha = 0 must reference neither A nor B */
        for (size_t i = 0; i < A.total; i++) A.base[i] = NAN;
        for (size_t i = 0; i < B.total; i++) B.base[i] = NAN;
    }
    float *bias = NULL;
    if (ep.bias) {
        bias = malloc((s.n ? s.n : 1) * sizeof(float));
        for (size_t j = 0; j < s.n; j++)
            bias[j] = (float)chk_uniform(&g, -1, 1);
    }
    float *row = NULL;
    if (ep.row) {
        row = malloc((s.m ? s.m : 1) * sizeof(float));
        for (size_t i = 0; i < s.m; i++)
            row[i] = (float)chk_uniform(&g, -1, 1);
    }
    float *C0 = malloc(C.total * sizeof(float));
    memcpy(C0, C.base, C.total * sizeof(float));

    aek_set_num_threads(threads);
    aek_epilogue e = {bias, ep.act};
    if (ep.row)
        aek_sgemm_rows_with(ks, ta, tb, s.m, s.n, s.k, ab.alpha, A.p, A.ld, B.p, B.ld, ab.beta,
                            C.p, C.ld, row);
    else
        aek_sgemm_with(ks, ta, tb, s.m, s.n, s.k, ab.alpha, A.p, A.ld, B.p, B.ld, ab.beta, C.p,
                       C.ld, &e);

    outcome o = {0, outside_changed(&C, C0), 0};
    size_t nblocks = s.k / 64 + 2; /* kc ≥ 64: an upper bound on the k-blocks */
    /* + 1 for the row term's fma */
    double n_round = (double)(s.k + nblocks + 3 + (ep.row ? 1 : 0));
    double gamma = n_round * U / (1 - n_round * U);
    for (size_t i = 0; i < s.m; i++)
        for (size_t j = 0; j < s.n; j++) {
            double sum = 0, abs_sum = 0;
            if (ab.alpha != 0.0f)
                for (size_t p = 0; p < s.k; p++) {
                    double t = (double)opget(&A, ta, i, p) * opget(&B, tb, p, j);
                    sum += t;
                    abs_sum += fabs(t);
                }
            double c0 = ab.beta != 0.0f || row ? C0[GUARD + i * C.ld + j] : 0.0;
            double bj = bias ? bias[j] : 0.0;
            /* the row term: alpha·(Σ + r_i·c0) (the caller's C, on k-block 1) */
            double rt = row ? (double)row[i] * c0 : 0.0;
            double v = ab.alpha * (sum + rt) + ab.beta * c0 + bj;
            double ref = act_ref(v, ep.act);
            double bound = act_lip(ep.act) * gamma *
                               (fabs(ab.alpha) * (abs_sum + fabs(rt)) + fabs(ab.beta * c0) +
                                fabs(bj)) +
                           EPS_ACT * fabs(ref) + 1e-37;
            double y = C.p[i * C.ld + j];
            if (!isfinite(y)) {
                o.nonfinite++;
                o.worst = INFINITY;
                continue;
            }
            double r = fabs(y - ref) / bound;
            if (r > o.worst)
                o.worst = r;
        }
    if (Cout) {
        *Cout = malloc((s.m * s.n > 0 ? s.m * s.n : 1) * sizeof(float));
        for (size_t i = 0; i < s.m; i++)
            memcpy(*Cout + i * s.n, C.p + i * C.ld, s.n * sizeof(float));
    }
    free(A.base);
    free(B.base);
    free(C.base);
    free(C0);
    free(bias);
    free(row);
    return o;
}

static const char *tname(aek_trans a, aek_trans b)
{
    static const char *n[4] = {"NN", "NT", "TN", "TT"};
    return n[a * 2 + b];
}

/* Random shapes × transposes, rotating through the alpha/beta and epilogue
 * cases; one CHECK line per (set, transpose pair). */
static void check_shapes(const aek_kernel_set *ks)
{
    for (int t = 0; t < 4; t++) {
        aek_trans ta = (aek_trans)(t / 2), tb = (aek_trans)(t % 2);
        double worst = 0;
        size_t guard = 0, nonfinite = 0, cases = 0;
        char where[160] = "";
        for (size_t si = 0; si < NSHAPES; si++) {
            size_t idx = si * 4 + (size_t)t;
            ab_case ab = AB[idx % NAB];
            ep_case ep = EP[(idx / NAB + idx) % NEP];
            outcome o = run_case(ks, 1, SHAPES[si], ta, tb, ab, ep, 1000 + idx, NULL);
            cases++;
            guard += o.guard_bad;
            nonfinite += o.nonfinite;
            if (o.worst > worst || !isfinite(o.worst)) {
                worst = o.worst;
                snprintf(where, sizeof where, "worst %zux%zux%zu alpha=%g beta=%g %s%s",
                         SHAPES[si].m, SHAPES[si].n, SHAPES[si].k, ab.alpha, ab.beta,
                         ep.row ? "row term+" : ep.bias ? "bias+" : "", aek_act_name(ep.act));
            }
        }
        char name[96];
        snprintf(name, sizeof name, "gemm[%s] %s shapes: max err/bound", ks->name, tname(ta, tb));
        chk_le(name, worst, 1.0, "%zu shapes; %s", cases, where);
        snprintf(name, sizeof name, "gemm[%s] %s no write outside C, no NaN leak", ks->name,
                 tname(ta, tb));
        chk_le(name, (double)(guard + nonfinite), 0, "%zu guard floats changed, %zu non-finite",
               guard, nonfinite);
    }
}

/* Every alpha/beta case × every epilogue × every transpose on two shapes
 * (one full tile of the widest set, one with every edge). */
static void check_cross(const aek_kernel_set *ks)
{
    static const shape S[] = {{12, 32, 16}, {13, 35, 19}};
    double worst = 0;
    size_t bad = 0, cases = 0;
    char where[160] = "";
    for (size_t si = 0; si < 2; si++)
        for (size_t a = 0; a < NAB; a++)
            for (size_t e = 0; e < NEP; e++)
                for (int t = 0; t < 4; t++) {
                    outcome o = run_case(ks, 1, S[si], (aek_trans)(t / 2), (aek_trans)(t % 2),
                                         AB[a], EP[e], 7 + cases, NULL);
                    cases++;
                    bad += o.guard_bad + o.nonfinite;
                    if (o.worst > worst || !isfinite(o.worst)) {
                        worst = o.worst;
                        snprintf(where, sizeof where, "worst %zux%zux%zu %s alpha=%g beta=%g %s%s",
                                 S[si].m, S[si].n, S[si].k, tname((aek_trans)(t / 2), (aek_trans)(t % 2)),
                                 AB[a].alpha, AB[a].beta,
                                 EP[e].row ? "row term+" : EP[e].bias ? "bias+" : "",
                                 aek_act_name(EP[e].act));
                    }
                }
    char name[96];
    snprintf(name, sizeof name, "gemm[%s] alpha/beta x epilogue x trans: max err/bound", ks->name);
    chk_le(name, worst, 1.0, "%zu cases, %zu guard/NaN faults; %s", cases, bad, where);
    if (bad) {
        snprintf(name, sizeof name, "gemm[%s] alpha/beta x epilogue: guards and NaN", ks->name);
        chk_le(name, (double)bad, 0, "faults in the cross product");
    }
}

/* Same bits for 1..4 threads (parallel threshold 0 so every thread works). */
static void check_threads(const aek_kernel_set *ks)
{
    static const struct { shape s; aek_trans ta, tb; } C[] = {
        {{128, 256, 784}, AEK_N, AEK_T}, {{97, 101, 103}, AEK_T, AEK_N},
        {{300, 50, 600}, AEK_T, AEK_T},  {{33, 700, 129}, AEK_N, AEK_N},
    };
    aek_set_parallel_threshold(0);
    size_t differ = 0, total = 0;
    for (size_t c = 0; c < sizeof C / sizeof C[0]; c++) {
        float *ref = NULL;
        ep_case ep = {1, AEK_ACT_SIGMOID, 0};
        run_case(ks, 1, C[c].s, C[c].ta, C[c].tb, AB[1], ep, 99 + c, &ref);
        for (int T = 2; T <= 4; T++) {
            float *out = NULL;
            run_case(ks, T, C[c].s, C[c].ta, C[c].tb, AB[1], ep, 99 + c, &out);
            for (size_t i = 0; i < C[c].s.m * C[c].s.n; i++)
                differ += memcmp(&out[i], &ref[i], sizeof(float)) != 0;
            total += C[c].s.m * C[c].s.n;
            free(out);
        }
        free(ref);
    }
    aek_set_parallel_threshold(1e6);
    aek_set_num_threads(1);
    char name[96];
    snprintf(name, sizeof name, "gemm[%s] threads 2,3,4 bitwise equal to 1 thread", ks->name);
    chk_le(name, (double)differ, 0, "%zu elements compared; figure = elements that differ", total);
}

/* Edge tiles compute the same bits as full tiles (kernels.h's contract,
 * on which thread-count determinism rests): the top-left m'×n' corner of a
 * product of 3·MR × 3·NR is multiplied again on its own, as a view with the
 * same strides, so its last rows and columns fall in edge tiles (the edge
 * row kernels, half-width steps, masked stores, packed edge panels) where
 * the whole product had full ones.  Same k-blocks, same in-place/packed
 * choices (they depend on m ≤ 512, k and the strides, all unchanged), so
 * every element must match bit for bit.  k = 700 crosses every set's kc;
 * two epilogues: alpha 1.5 + bias + sigmoid over a NaN C (beta = 0), and
 * beta 0.5 over a filled C without activation (the inline linear store). */
static void check_edge_bits(const aek_kernel_set *ks)
{
    const size_t MR = ks->mr, NR = ks->nr, M = 3 * MR, N = 3 * NR, K = 700;
    size_t ms[24], nm = 0;
    for (size_t i = 1; i < MR; i++)
        ms[nm++] = i;
    ms[nm++] = MR + 1;
    ms[nm++] = 2 * MR + MR / 2;
    const size_t ns[] = {1, NR / 2 - 1, NR / 2, NR / 2 + 1, NR - 1, NR + 1, 2 * NR + NR / 2};
    const size_t nn = sizeof ns / sizeof ns[0];
    chk_rng g = {4242};
    float *A = malloc(M * K * sizeof(float)), *B = malloc(K * N * sizeof(float));
    float *C0 = malloc(M * N * sizeof(float)), *full = malloc(M * N * sizeof(float));
    float *part = malloc(M * N * sizeof(float)), *bias = malloc(N * sizeof(float));
    for (size_t i = 0; i < M * K; i++) A[i] = (float)chk_uniform(&g, -1, 1);
    for (size_t i = 0; i < K * N; i++) B[i] = (float)chk_uniform(&g, -1, 1);
    for (size_t i = 0; i < M * N; i++) C0[i] = (float)chk_uniform(&g, -1, 1);
    for (size_t j = 0; j < N; j++) bias[j] = (float)chk_uniform(&g, -1, 1);
    aek_set_num_threads(1);
    size_t differ = 0, compared = 0;
    char first[128] = "";
    for (int t = 0; t < 4; t++) {
        const aek_trans ta = (aek_trans)(t / 2), tb = (aek_trans)(t % 2);
        const size_t lda = ta == AEK_N ? K : M, ldb = tb == AEK_N ? N : K;
        for (int e = 0; e < 2; e++) {
            const float alpha = e ? 1.0f : 1.5f, beta = e ? 0.5f : 0.0f;
            const aek_epilogue ep = {e ? NULL : bias, e ? AEK_ACT_IDENTITY : AEK_ACT_SIGMOID};
            for (size_t i = 0; i < M * N; i++) full[i] = e ? C0[i] : NAN;
            aek_sgemm_with(ks, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, full, N, &ep);
            for (size_t a = 0; a < nm; a++)
                for (size_t b = 0; b < nn; b++) {
                    for (size_t i = 0; i < M * N; i++) part[i] = e ? C0[i] : NAN;
                    aek_sgemm_with(ks, ta, tb, ms[a], ns[b], K, alpha, A, lda, B, ldb, beta, part,
                                   N, &ep);
                    for (size_t i = 0; i < ms[a]; i++)
                        for (size_t j = 0; j < ns[b]; j++) {
                            compared++;
                            if (memcmp(&part[i * N + j], &full[i * N + j], sizeof(float)) != 0 &&
                                differ++ == 0)
                                snprintf(first, sizeof first, "; first: %s %zux%zu, (%zu,%zu)",
                                         tname(ta, tb), ms[a], ns[b], i, j);
                        }
                }
        }
    }
    char name[96];
    snprintf(name, sizeof name, "gemm[%s] edge tiles: the bits of full tiles", ks->name);
    chk_le(name, (double)differ, 0, "%zu elements of %zu corners compared; figure = elements that differ%s",
           compared, 4 * 2 * nm * nn, first);
    free(A);
    free(B);
    free(C0);
    free(full);
    free(part);
    free(bias);
}

/* The row term is the fused SGD step of a gradient G = op(A)·op(B) +
 * diag(r)·W formed the long way — the GEMM (alpha 1, beta 0), an axpy of
 * r_i·W_i into each row of G, then W += −lr·G with the set's axpy — to the
 * bit, with one k-block (k ≤ kc), every transpose pair, shapes with edge
 * tiles in both directions, at 1 and 3 threads (model_eval.c relies on it:
 * test_train's fused-step checks compare whole models). */
static void check_row_step_bits(const aek_kernel_set *ks)
{
    const size_t MR = ks->mr, NR = ks->nr;
    const size_t ms[] = {1, MR - 1, MR, MR + 1, 2 * MR + 3, 37, 256};
    const size_t ns[] = {1, NR - 1, NR + 3, 100, 784};
    const size_t kk[] = {1, 17, 128};
    const float lr = 0.0371f;
    chk_rng g = {777};
    size_t differ = 0, compared = 0, cases = 0;
    char first[128] = "";
    aek_set_parallel_threshold(0);
    for (int threads = 1; threads <= 3; threads += 2) {
        aek_set_num_threads(threads);
        for (int t = 0; t < 4; t++) {
            const aek_trans ta = (aek_trans)(t / 2), tb = (aek_trans)(t % 2);
            for (size_t a = 0; a < sizeof ms / sizeof ms[0]; a++)
                for (size_t b = 0; b < sizeof ns / sizeof ns[0]; b++) {
                    const size_t m = ms[a], n = ns[b], k = kk[(a + b + (size_t)t) % 3];
                    const size_t lda = ta == AEK_N ? k : m, ldb = tb == AEK_N ? n : k;
                    float *A = floats(m * k), *B = floats(k * n), *W = floats(m * n);
                    float *Wf = floats(m * n), *G = floats(m * n), *r = floats(m);
                    for (size_t i = 0; i < m * k; i++) A[i] = (float)chk_uniform(&g, -1, 1);
                    for (size_t i = 0; i < k * n; i++) B[i] = (float)chk_uniform(&g, -1, 1);
                    for (size_t i = 0; i < m * n; i++) W[i] = Wf[i] = (float)chk_uniform(&g, -1, 1);
                    for (size_t i = 0; i < m; i++) r[i] = (float)chk_uniform(&g, -0.5, 0.5);
                    aek_sgemm_with(ks, ta, tb, m, n, k, 1, A, lda, B, ldb, 0, G, n, NULL);
                    for (size_t i = 0; i < m; i++) {
                        ks->axpy(n, r[i], W + i * n, G + i * n);
                        ks->axpy(n, -lr, G + i * n, W + i * n);
                    }
                    aek_sgemm_rows_with(ks, ta, tb, m, n, k, -lr, A, lda, B, ldb, 1, Wf, n, r);
                    cases++;
                    for (size_t i = 0; i < m * n; i++) {
                        compared++;
                        if (memcmp(&W[i], &Wf[i], sizeof(float)) != 0 && differ++ == 0)
                            snprintf(first, sizeof first, "; first: %s %zux%zux%zu, %d threads, (%zu,%zu)",
                                     tname(ta, tb), m, n, k, threads, i / n, i % n);
                    }
                    free(A);
                    free(B);
                    free(W);
                    free(Wf);
                    free(G);
                    free(r);
                }
        }
    }
    aek_set_parallel_threshold(1e6);
    aek_set_num_threads(1);
    char name[96];
    snprintf(name, sizeof name, "gemm[%s] row term: the bits of GEMM + row axpy + axpy step", ks->name);
    chk_le(name, (double)differ, 0, "%zu products, %zu elements; figure = elements that differ%s",
           cases, compared, first);
}

/* The set against the scalar set on the same inputs: both are within the
 * bound of the exact result, so they are within twice the bound of each
 * other; the figure is that ratio. */
static void check_vs_scalar(const aek_kernel_set *ks)
{
    if (ks->isa == AEK_ISA_SCALAR)
        return;
    static const shape S[] = {{61, 67, 71}, {128, 256, 784}, {37, 1000, 256}};
    double worst = 0;
    for (size_t c = 0; c < 3; c++)
        for (int t = 0; t < 4; t++) {
            float *x = NULL, *y = NULL;
            ep_case ep = {1, AEK_ACT_TANH, 0};
            run_case(ks, 1, S[c], (aek_trans)(t / 2), (aek_trans)(t % 2), AB[0], ep, 5 + c, &x);
            run_case(&aek_kernels_scalar, 1, S[c], (aek_trans)(t / 2), (aek_trans)(t % 2), AB[0], ep,
                     5 + c, &y);
            double k = (double)S[c].k, gamma = (k + k / 64 + 5) * U / (1 - (k + k / 64 + 5) * U);
            for (size_t i = 0; i < S[c].m * S[c].n; i++) {
                /* |a|,|b| ≤ 1: Σ|a b| ≤ k, |bias| ≤ 1, |tanh| ≤ 1 */
                double bound = 2 * (gamma * (k + 1) + EPS_ACT);
                double r = fabs((double)x[i] - y[i]) / bound;
                if (!(r <= worst))
                    worst = r;
            }
            free(x);
            free(y);
        }
    char name[96];
    snprintf(name, sizeof name, "gemm[%s] vs scalar set: max diff / (2·bound)", ks->name);
    chk_le(name, worst, 1.0, "3 shapes x 4 transposes, bias+tanh; bound uses Σ|a||b| ≤ k");
}

/* The set's transposing packer against its definition, exactly (it only
 * moves floats): dst[p·r + i] = src[i·ld + p] for i < rows, 0 for
 * rows ≤ i < r, and nothing written past kc·r.  Rows up to nr + 1 and kc
 * past two 16-column steps cover the avx512 packer's 16×16 tiles, their
 * column tails and the avx2 tail it hands the remaining rows to. */
static void check_pack_t(const aek_kernel_set *ks)
{
    if (!ks->pack_t)
        return;
    const size_t rmax = (ks->mr > ks->nr ? ks->mr : ks->nr) + 1, ld = 53;
    size_t bad = 0, cases = 0;
    for (size_t rows = 1; rows <= rmax; rows++)
        for (size_t kc = 1; kc <= 50; kc += 7)
            for (int rr = 0; rr < 2; rr++) {
                size_t r = rr == 0 ? (rows > ks->mr ? rows : ks->mr) : (rows > ks->nr ? rows : ks->nr);
                float *src = numbered(rows * ld), *dst = nans(kc * r + GUARD);
                ks->pack_t(src, ld, rows, kc, r, dst);
                for (size_t p = 0; p < kc; p++)
                    for (size_t i = 0; i < r; i++) {
                        float want = i < rows ? src[i * ld + p] : 0.0f;
                        bad += !(dst[p * r + i] == want);
                    }
                bad += guards_written(dst + kc * r);
                free(src);
                free(dst);
                cases++;
            }
    char name[96];
    snprintf(name, sizeof name, "gemm[%s] pack_t equals its definition", ks->name);
    chk_le(name, (double)bad, 0, "%zu blocks (rows ≤ %zu, kc ≤ 50, r = max(rows, mr|nr)); figure = wrong floats",
           cases, rmax);
}

/* The set's plain transpose against its definition, exactly:
 * dst[p·ldd + i] = src[i·ld + p] for i < rows, p < cols, and nothing else
 * written — not the ldd − rows floats between its rows (in a transposed
 * product they are other threads' columns of C), nor past the block. */
static void check_transpose(const aek_kernel_set *ks)
{
    if (!ks->transpose)
        return;
    const size_t ld = 53;
    size_t bad = 0, cases = 0;
    for (size_t rows = 1; rows <= 35; rows += 2)
        for (size_t cols = 1; cols <= 40; cols += 3) {
            const size_t ldd = rows + 5, out = cols * ldd;
            float *src = numbered(rows * ld), *dst = nans(out + GUARD);
            ks->transpose(src, ld, rows, cols, dst, ldd);
            for (size_t p = 0; p < cols; p++)
                for (size_t i = 0; i < ldd; i++)
                    bad += i < rows ? !(dst[p * ldd + i] == src[i * ld + p]) : !isnan(dst[p * ldd + i]);
            bad += guards_written(dst + out);
            free(src);
            free(dst);
            cases++;
        }
    char name[96];
    snprintf(name, sizeof name, "gemm[%s] transpose equals its definition", ks->name);
    chk_le(name, (double)bad, 0, "%zu blocks (rows 1..35, cols 1..40, ldd = rows + 5); figure = wrong floats",
           cases);
}

/* A transposed product (gemm.c, transposed_ok: C = A·Bᵀ computed as
 * Cᵀ = B·Aᵀ, then transposed) has the bits of the untransposed one: the
 * same product with ldc = n + 1 is not transposed and must agree in every
 * element, for 1..4 threads (the choice depends on the thread count), every
 * epilogue, shapes with edge tiles on both sides (m not a multiple of 16,
 * n not of MR) and k past every set's kc.  A shape that is not transposed
 * at 1 thread counts as a failure, so the check cannot pass vacuously. */
static void check_transposed_bits(const aek_kernel_set *ks)
{
    if (!ks->transpose)
        return;
    static const shape S[] = {{128, 1000, 784}, {100, 777, 901}, {17, 40, 1100},
                              {1, 300, 200},    {256, 1000, 700}, {200, 1000, 350}};
    static const ep_case E[] = {{0, AEK_ACT_IDENTITY, 0}, {1, AEK_ACT_SIGMOID, 0}, {1, AEK_ACT_TANH, 0},
                                {0, AEK_ACT_RELU, 0},     {1, AEK_ACT_IDENTITY, 0}};
    const size_t ns = sizeof S / sizeof S[0], ne = sizeof E / sizeof E[0];
    size_t differ = 0, compared = 0, not_taken = 0, guards = 0;
    char first[128] = "";
    chk_rng g = {777};
    aek_set_parallel_threshold(0);
    for (size_t s = 0; s < ns; s++) {
        const size_t m = S[s].m, n = S[s].n, k = S[s].k;
        float *A = floats(m * k), *B = floats(n * k), *bias = floats(n);
        /* C one float past a 64-byte line at odd thread counts: the
         * transpose pass splits its columns at the first line boundary */
        float *ref = floats(m * (n + 1)), *Cb = floats(m * n + GUARD + 1);
        for (size_t i = 0; i < m * k; i++) A[i] = (float)chk_uniform(&g, -1, 1);
        for (size_t i = 0; i < n * k; i++) B[i] = (float)chk_uniform(&g, -1, 1);
        for (size_t j = 0; j < n; j++) bias[j] = (float)chk_uniform(&g, -1, 1);
        for (size_t e = 0; e < ne; e++) {
            const aek_epilogue ep = {E[e].bias ? bias : NULL, E[e].act};
            aek_set_num_threads(1);
            not_taken += aek_gemm_transposed(ks, AEK_N, AEK_T, m, n, k, 1, 0, n + 1) != 0;
            aek_sgemm_with(ks, AEK_N, AEK_T, m, n, k, 1.0f, A, k, B, k, 0.0f, ref, n + 1, &ep);
            for (int T = 1; T <= 4; T++) {
                aek_set_num_threads(T);
                if (T == 1)
                    not_taken += aek_gemm_transposed(ks, AEK_N, AEK_T, m, n, k, 1, 0, n) != 1;
                float *C = Cb + (T & 1);
                for (size_t i = 0; i < m * n + GUARD + 1; i++)
                    Cb[i] = NAN;
                aek_sgemm_with(ks, AEK_N, AEK_T, m, n, k, 1.0f, A, k, B, k, 0.0f, C, n, &ep);
                for (size_t i = 0; i < m; i++)
                    for (size_t j = 0; j < n; j++) {
                        compared++;
                        if (memcmp(&C[i * n + j], &ref[i * (n + 1) + j], sizeof(float)) != 0 &&
                            differ++ == 0)
                            snprintf(first, sizeof first, "; first: %zux%zux%zu ep %zu T %d (%zu,%zu)",
                                     m, n, k, e, T, i, j);
                    }
                guards += guards_written(C + m * n);
                guards += C != Cb && !isnan(Cb[0]);
            }
        }
        free(A);
        free(B);
        free(bias);
        free(ref);
        free(Cb);
    }
    aek_set_parallel_threshold(1e6);
    aek_set_num_threads(1);
    char name[112];
    snprintf(name, sizeof name, "gemm[%s] transposed products: the bits of untransposed ones", ks->name);
    chk_le(name, (double)(differ + not_taken + guards), 0,
           "%zu elements (%zu shapes x %zu epilogues x 1..4 threads, C 64-byte aligned at even "
           "thread counts and 4 bytes past at odd); figure = elements that differ "
           "(%zu) + paths not as expected (%zu) + guard floats written (%zu)%s",
           compared, ns, ne, differ, not_taken, guards, first);
}

/* aek_pack_a / aek_pack_b against pack.h's definition, exactly: every
 * panel of an mc×kc block of op(A) (kc×nc of op(B)) at an offset, both
 * transposes, through the set's pack_t and the portable loops; edge panels
 * padded with zeros (not merely left alone: a NaN there would only show as
 * a slow kernel), nothing written past the block. */
static size_t pack_block_bad(int is_a, aek_trans t, size_t mn, size_t kc, size_t r,
                             aek_pack_t_fn pack_t)
{
    const size_t panels = (mn + r - 1) / r;
    const size_t off_mn = 3, off_k = 5, ld = (t == AEK_N) == is_a ? kc + off_k + 2 : mn + off_mn + 2;
    const size_t src_rows = (t == AEK_N) == is_a ? mn + off_mn : kc + off_k;
    const size_t out = panels * r * kc;
    float *src = numbered(src_rows * ld), *dst = nans(out + GUARD);
    if (is_a)
        aek_pack_a(pack_t, t, src, ld, off_mn, off_k, mn, kc, r, dst);
    else
        aek_pack_b(pack_t, t, src, ld, off_k, off_mn, kc, mn, r, dst);
    size_t bad = 0;
    for (size_t c = 0; c < panels; c++)
        for (size_t p = 0; p < kc; p++)
            for (size_t i = 0; i < r; i++) {
                size_t e = c * r + i; /* row of op(A) or column of op(B) in the block */
                float want = 0.0f;
                if (e < mn) {
                    /* op(X)[e][p] for A, op(X)[p][e] for B, each at its offset */
                    size_t row = is_a ? off_mn + e : off_k + p, col = is_a ? off_k + p : off_mn + e;
                    want = t == AEK_N ? src[row * ld + col] : src[col * ld + row];
                }
                bad += !(dst[c * r * kc + p * r + i] == want);
            }
    bad += guards_written(dst + out);
    free(src);
    free(dst);
    return bad;
}

static void check_pack_ab(const aek_kernel_set *ks)
{
    size_t bad = 0, cases = 0;
    for (int is_a = 0; is_a < 2; is_a++)
        for (int t = 0; t < 2; t++)
            for (int with_t = 0; with_t < 2; with_t++) {
                aek_pack_t_fn pack_t = with_t ? ks->pack_t : NULL;
                if (with_t && !pack_t)
                    continue;
                /* the set's width, and 37: pack.h takes any width, and one
                 * past 32 reaches the generic pack_rows instance and
                 * copy_pad's memcpy/memset path, which no set's width does */
                const size_t widths[2] = {is_a ? ks->mr : ks->nr, 37};
                for (int w = 0; w < 2; w++) {
                    const size_t r = widths[w];
                    for (size_t mn = 1; mn <= 2 * r + 1; mn++)
                        for (size_t kc = 1; kc <= 40; kc += 13) {
                            bad += pack_block_bad(is_a, (aek_trans)t, mn, kc, r, pack_t);
                            cases++;
                        }
                }
            }
    char name[96];
    snprintf(name, sizeof name, "gemm[%s] pack_a/pack_b equal their definition", ks->name);
    chk_le(name, (double)bad, 0,
           "%zu blocks (A and B, N and T, pack_t and portable, r = mr|nr and 37, edges 1..2r+1, kc ≤ 40); figure = wrong floats",
           cases);
}

/* Illegal strides are refused and C is left as it was. */
static void check_bad_args(void)
{
    float A[4] = {1, 2, 3, 4}, B[4] = {1, 2, 3, 4}, C[4] = {7, 7, 7, 7};
    fprintf(stderr, "(test_gemm: the next line is an expected error message)\n");
    aek_sgemm(AEK_N, AEK_N, 2, 2, 2, 1.0f, A, 1 /* < k */, B, 2, 0.0f, C, 2);
    int unchanged = C[0] == 7 && C[1] == 7 && C[2] == 7 && C[3] == 7;
    chk_verdict("gemm rejects lda < k and leaves C unchanged", unchanged, 1, unchanged,
                "figure 1 = unchanged");
}

/* The L3's sharers set mc (aek_blocking_for); sysfs gives them as a CPU
 * list.  A list misread as larger would shrink every A block. */
static void check_cpu_list(void)
{
    static const struct { const char *list; int n; } cases[] = {
        {"0-1\n", 2}, {"0-7,64-71\n", 16}, {"3", 1}, {"0,2,4", 3}, {"0-3,8", 5},
        {"", 0}, {"\n", 0}, {"x", 0}, {"5-3", 0}, {"0-", 0}, {"1,,2", 0}, {"-1", 0},
        {"0-3 junk", 0},
    };
    int bad = 0, n = (int)(sizeof cases / sizeof cases[0]);
    for (int i = 0; i < n; i++)
        if (aek_cpu_list_count(cases[i].list) != cases[i].n) {
            printf("# cpu list \"%s\": %d, expected %d\n", cases[i].list,
                   aek_cpu_list_count(cases[i].list), cases[i].n);
            bad++;
        }
    chk_le("cpu: shared_cpu_list counted (ranges, singles; malformed lists give 0)", bad, 0,
           "%d lists; figure = miscounted", n);
}

/* Without AEKIT_ISA, start-up takes the widest set this CPU executes
 * (README): avx512, then avx2 on x86-64; neon on AArch64; scalar last. */
static void check_default_isa(void)
{
    const char *name = "dispatch: the default set is the widest one this CPU executes";
    const char *env = getenv("AEKIT_ISA");
    if (env && *env) {
        chk_skip(name, "AEKIT_ISA is set");
        return;
    }
    static const aek_isa order[] = {AEK_ISA_AVX512, AEK_ISA_AVX2, AEK_ISA_NEON, AEK_ISA_SCALAR};
    aek_isa want = AEK_ISA_SCALAR;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        if (aek_isa_supported(order[i])) {
            want = order[i];
            break;
        }
    chk_le(name, aek_current_isa() != want, 0, "chosen %s, widest executable %s; figure = 1 if not",
           aek_isa_name(aek_current_isa()), aek_isa_name(want));
}

int main(void)
{
    check_cpu_list();
    if (aek_init() != AEK_OK) {
        fprintf(stderr, "test_gemm: %s\n", aek_last_error());
        return 2;
    }
    check_default_isa();
    for (int isa = 0; isa < AEK_ISA_COUNT; isa++) {
        const aek_kernel_set *ks = chk_kernel_set(isa);
        if (!ks)
            continue;
        aek_blocking b = aek_blocking_for(ks);
        printf("# set %s: %s, MRxNR %zux%zu, kc %zu nc %zu mc %zu\n", ks->name, ks->gemm_ukr_name,
               ks->mr, ks->nr, b.kc, b.nc, b.mc);
        check_shapes(ks);
        check_cross(ks);
        check_threads(ks);
        check_edge_bits(ks);
        check_row_step_bits(ks);
        check_vs_scalar(ks);
        check_pack_t(ks);
        check_transpose(ks);
        check_transposed_bits(ks);
        check_pack_ab(ks);
    }
    check_bad_args();
    return chk_finish();
}
