/*
 * test_pca.c — the symmetric eigen-solvers (src/eigen_sym.h) and PCA
 * (src/pca.h).
 *
 * 1. aek_eig_sym on matrices of known spectrum A = QΛQᵀ (Q a product of n
 *    random Householder reflectors, built in long double and rounded once),
 *    Λ uniform, repeated, clustered, graded, constant, and already diagonal;
 *    n = 1, 2, 3, 50, 300.  Figures: max|λ̂ − λ|/‖A‖, ‖V̂V̂ᵀ − I‖_max and
 *    max‖Av̂ − λ̂v̂‖/‖A‖ (figures computed in long double), plus exactness
 *    properties (zero matrix, power-of-two scaling, lower triangle only,
 *    V = NULL, thread count).
 * 2. aek_eig_sym_topk against aek_eig_sym, and its iteration cap.
 * 3. PCA on data with a planted spectrum: the covariance against a double
 *    reference element by element, eigenvalues, the recovered subspace
 *    against the sample covariance's and against the planted one, the
 *    projection and reconstruction helpers, the loss identity, errors.
 * 4. Timings ('#' lines only: speed is never asserted).
 *
 * Bounds for the eigen-solver (u = 2⁻⁵³).  Backward stability: the computed
 * pairs are an exact decomposition of A + E with V̂ = W + F, W orthogonal,
 *   ‖E‖₂ ≤ c·n·u·‖A‖₂,  ‖F‖₂ ≤ c·n·u,  c = 32, where
 *   24 = the QR phase, worst-case rounding: a row of V̂ meets ≈ 4n rotations
 *        (two per sweep; ≈ 2 sweeps per eigenvalue with the Wilkinson shift,
 *        1.95 measured at n = 784), each exact up to ≈ 6u (Higham, ASNA 2nd
 *        ed., §19.6, Givens rotations);
 *    8 = the n−2 reflectors of the reduction and of forming Q: each is
 *        applied with the error of an inner product of length ≤ n, which for
 *        independent roundings grows like √n·u (Higham §2.8), and n of them
 *        accumulate to ≈ n·u (the worst case would be n²·u).
 * From these, by Weyl's theorem and W ⟂:
 *   |λ̂ᵢ − λᵢ| ≤ ‖E‖₂ + ‖A − A_exact‖₂ ≤ (c·n + √n)·u·‖A‖  (A rounded from
 *        long double: ‖ΔA‖₂ ≤ ‖ΔA‖_F ≤ u‖A‖_F ≤ √n·u‖A‖₂);
 *   ‖V̂V̂ᵀ − I‖ ≤ 2‖F‖ + ‖F‖² ≈ 2·c·n·u;
 *   ‖Av̂ − λ̂v̂‖ = ‖−Ew + (A − λ̂)f‖ ≤ ‖E‖ + 2‖A‖‖f‖ ≤ 3·c·n·u·‖A‖.
 * A deliberate bug (a sign in a rotation, a wrong shift, single precision
 * anywhere) gives figures of 1e-8 … 1, far above these bounds.
 */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "../simd/kernels.h"
#include "../src/data.h"
#include "../src/eigen_sym.h"
#include "../src/pca.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef long double ld;

static const double U = 0x1p-53;  /* double unit roundoff */
static const double UF = 0x1p-24; /* float unit roundoff  */
static const double C_EIG = 32;   /* the c of c·n·u above  */

static double gam(double k, double u) { return k * u / (1 - k * u); }

static void *xmalloc(size_t bytes)
{
    void *p = malloc(bytes ? bytes : 1);
    if (!p) {
        fprintf(stderr, "test_pca: out of memory\n");
        exit(2);
    }
    return p;
}

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
static double now(void) { return clock_s(CLOCK_MONOTONIC); }
/* CPU time of the calling thread: the honest figure for a one-thread run on
 * a shared machine, where wall time includes other people's work. */
static double cpu_now(void) { return clock_s(CLOCK_THREAD_CPUTIME_ID); }

static double gauss(chk_rng *g) /* Box–Muller */
{
    double u1 = 1 - chk_uniform(g, 0, 1), u2 = chk_uniform(g, 0, 1);
    return sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
}

/* ---- test matrices ---------------------------------------------------------- */

/* Q (n×n, long double) = H₁···H_n, Hᵢ = I − 2uuᵀ for random unit u. */
static void random_orthogonal(size_t n, chk_rng *g, ld *Q)
{
    ld *u = xmalloc(n * sizeof *u);
    for (size_t i = 0; i < n * n; i++)
        Q[i] = i % (n + 1) == 0;
    for (size_t r = 0; r < n; r++) {
        ld nrm = 0;
        for (size_t j = 0; j < n; j++) {
            u[j] = chk_uniform(g, -1, 1);
            nrm += u[j] * u[j];
        }
        nrm = sqrtl(nrm);
        for (size_t j = 0; j < n; j++)
            u[j] /= nrm;
        for (size_t i = 0; i < n; i++) { /* Q ← Q·H */
            ld s = 0;
            for (size_t j = 0; j < n; j++)
                s += Q[i * n + j] * u[j];
            for (size_t j = 0; j < n; j++)
                Q[i * n + j] -= 2 * s * u[j];
        }
    }
    free(u);
}

/* A = Q·diag(lam)·Qᵀ in long double, rounded once (exactly symmetric). */
static void build_sym(size_t n, const ld *Q, const double *lam, double *A)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++) {
            ld s = 0;
            for (size_t l = 0; l < n; l++)
                s += Q[i * n + l] * lam[l] * Q[j * n + l];
            A[i * n + j] = A[j * n + i] = (double)s;
        }
}

static int cmp_desc(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

typedef enum { SP_UNIFORM, SP_REPEATED, SP_CLUSTERED, SP_GRADED, SP_CONSTANT, SP_DIAGONAL, SP_COUNT } spec_kind;
static const char *const SP_NAME[SP_COUNT] = {"uniform",  "repeated", "clustered",
                                              "graded",   "constant", "diagonal input"};

/* A known spectrum (unsorted) of kind sk. */
static void make_spectrum(spec_kind sk, size_t n, chk_rng *g, double *lam)
{
    for (size_t i = 0; i < n; i++) {
        switch (sk) {
        case SP_UNIFORM: lam[i] = chk_uniform(g, -1, 1); break;
        case SP_REPEATED: lam[i] = (double[]){-1.0, 0.5, 2.0, 0.5}[i % 4]; break;
        case SP_CLUSTERED: /* spacings 1e-13 (below resolution) and 1e-8 */
            lam[i] = i % 2 ? 1 + 1e-13 * (double)i : -0.5 + 1e-8 * (double)i;
            break;
        case SP_GRADED: lam[i] = (i % 2 ? -1 : 1) * pow(10.0, -15.0 * (double)i / (double)n); break;
        case SP_CONSTANT: lam[i] = 3; break;
        case SP_DIAGONAL: lam[i] = (double)((i * 7) % 5) - 2.0; break;
        default: lam[i] = 0;
        }
    }
}

/* ---- figures ------------------------------------------------------------------ */

typedef struct {
    double ev, orth, res; /* max|λ̂−λ|/‖A‖, ‖VVᵀ−I‖_max, max‖Av−λv‖/‖A‖ */
} eig_fig;

/* ‖VVᵀ − I‖_max over rows i ≡ 0 (mod step) of V (k rows, n columns, stride
 * ldv) against all rows. */
static double orth_error_step(size_t k, size_t n, const double *V, size_t ldv, size_t step)
{
    double worst = 0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) {
            if (i % step != 0)
                break;
            ld s = 0;
            for (size_t l = 0; l < n; l++)
                s += (ld)V[i * ldv + l] * V[j * ldv + l];
            worst = fmax(worst, fabs((double)(s - (i == j))));
        }
    return worst;
}

static double orth_error(size_t k, size_t n, const double *V, size_t ldv)
{
    return orth_error_step(k, n, V, ldv, 1);
}

/* ‖A v − w v‖₂ in long double (A full, stride n). */
static double residual(size_t n, const double *A, double w, const double *v)
{
    ld r2 = 0;
    for (size_t i = 0; i < n; i++) {
        ld s = 0;
        for (size_t j = 0; j < n; j++)
            s += (ld)A[i * n + j] * v[j];
        s -= (ld)w * v[i];
        r2 += s * s;
    }
    return (double)sqrtl(r2);
}

/* Figures of k computed pairs (w, V rows) against lam (sorted, or NULL);
 * residuals and orthogonality of every step-th pair only (long double is
 * slow at n = 784). */
static eig_fig eig_figures(size_t n, const double *A, size_t k, const double *w, const double *V,
                           const double *lam, double anorm, size_t step)
{
    eig_fig f = {0, 0, 0};
    for (size_t i = 0; i < k; i++) {
        if (lam)
            f.ev = fmax(f.ev, fabs(w[i] - lam[i]) / anorm);
        if (i % step == 0 || i == k - 1)
            f.res = fmax(f.res, residual(n, A, w[i], V + i * n) / anorm);
    }
    f.orth = orth_error_step(k, n, V, n, step);
    return f;
}

/* ---- 1. full solver ------------------------------------------------------------- */

static void check_eig_known(void)
{
    static const size_t SIZES[] = {1, 2, 3, 50, 300};
    for (size_t si = 0; si < sizeof SIZES / sizeof SIZES[0]; si++) {
        size_t n = SIZES[si];
        chk_rng g = {1234 + n};
        ld *Q = xmalloc(n * n * sizeof *Q);
        double *A = xmalloc(n * n * sizeof *A), *V = xmalloc(n * n * sizeof *V);
        double *lam = xmalloc(n * sizeof *lam), *w = xmalloc(n * sizeof *w);
        eig_fig worst = {0, 0, 0};
        const char *wk[3] = {"", "", ""};
        size_t unsorted = 0, failed = 0;
        for (int sk = 0; sk < SP_COUNT; sk++) {
            make_spectrum((spec_kind)sk, n, &g, lam);
            if (sk == SP_DIAGONAL) {
                memset(A, 0, n * n * sizeof *A);
                for (size_t i = 0; i < n; i++)
                    A[i * n + i] = lam[i];
            } else {
                random_orthogonal(n, &g, Q);
                build_sym(n, Q, lam, A);
            }
            qsort(lam, n, sizeof *lam, cmp_desc);
            double anorm = fmax(fabs(lam[0]), fabs(lam[n - 1]));
            if (aek_eig_sym(n, A, n, w, V, n) != AEK_OK) {
                fprintf(stderr, "aek_eig_sym n=%zu %s: %s\n", n, SP_NAME[sk], aek_last_error());
                failed++;
                continue;
            }
            for (size_t i = 1; i < n; i++)
                unsorted += w[i] > w[i - 1];
            eig_fig f = eig_figures(n, A, n, w, V, lam, anorm, 1);
            if (f.ev >= worst.ev) worst.ev = f.ev, wk[0] = SP_NAME[sk];
            if (f.orth >= worst.orth) worst.orth = f.orth, wk[1] = SP_NAME[sk];
            if (f.res >= worst.res) worst.res = f.res, wk[2] = SP_NAME[sk];
        }
        double cn = C_EIG * (double)n * U;
        char name[96];
        if (failed) {
            snprintf(name, sizeof name, "eig_sym n=%zu: solver returned OK", n);
            chk_le(name, (double)failed, 0, "spectra that failed (see stderr)");
        }
        snprintf(name, sizeof name, "eig_sym n=%zu: max|λ−λtrue|/‖A‖", n);
        chk_le(name, worst.ev, cn + sqrt((double)n) * U, "bound (c·n+√n)·u, c=%g; worst: %s",
               C_EIG, wk[0]);
        snprintf(name, sizeof name, "eig_sym n=%zu: ‖VVᵀ−I‖_max", n);
        chk_le(name, worst.orth, 2 * cn, "bound 2·c·n·u; worst: %s", wk[1]);
        snprintf(name, sizeof name, "eig_sym n=%zu: max‖Av−λv‖/‖A‖", n);
        chk_le(name, worst.res, 3 * cn, "bound 3·c·n·u; worst: %s", wk[2]);
        snprintf(name, sizeof name, "eig_sym n=%zu: eigenvalues sorted descending", n);
        chk_le(name, (double)unsorted, 0, "%d spectra: uniform, repeated, clustered, graded, "
               "constant, diagonal input", (int)SP_COUNT);
        free(Q);
        free(A);
        free(V);
        free(lam);
        free(w);
    }
}

static size_t bits_differ(const double *x, const double *y, size_t count)
{
    size_t d = 0;
    for (size_t i = 0; i < count; i++)
        d += memcmp(&x[i], &y[i], sizeof(double)) != 0;
    return d;
}

/* Properties that must hold exactly, not just within a bound. */
static void check_eig_exact(void)
{
    size_t n = 50;
    chk_rng g = {77};
    ld *Q = xmalloc(n * n * sizeof *Q);
    double *A = xmalloc(n * n * sizeof *A), *B = xmalloc(n * n * sizeof *B);
    double *lam = xmalloc(n * sizeof *lam), *w = xmalloc(n * sizeof *w), *w2 = xmalloc(n * sizeof *w2);
    double *V = xmalloc(n * n * sizeof *V), *V2 = xmalloc(n * n * sizeof *V2);
    make_spectrum(SP_UNIFORM, n, &g, lam);
    random_orthogonal(n, &g, Q);
    build_sym(n, Q, lam, A);
    aek_eig_sym(n, A, n, w, V, n);

    /* zero matrix: no reflector, no rotation — exactly 0 and exactly I */
    memset(B, 0, n * n * sizeof *B);
    aek_eig_sym(n, B, n, w2, V2, n);
    double zf = 0;
    for (size_t i = 0; i < n; i++)
        zf = fmax(zf, fabs(w2[i]));
    zf = fmax(zf, orth_error(n, n, V2, n));
    chk_le("eig_sym zero matrix: max|λ| + ‖VVᵀ−I‖_max", zf, 0, "n=%zu, must be exact", n);

    /* only the lower triangle is read: NaN above the diagonal changes nothing */
    memcpy(B, A, n * n * sizeof *B);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            B[i * n + j] = NAN;
    aek_eig_sym(n, B, n, w2, V2, n);
    chk_le("eig_sym reads only the lower triangle", (double)(bits_differ(w, w2, n) + bits_differ(V, V2, n * n)),
           0, "NaN in the strict upper triangle; figure = doubles that differ");

    /* power-of-two scaling is exact: the same vectors, eigenvalues scaled */
    size_t differ = 0;
    for (int e = -700; e <= 700; e += 1400) {
        for (size_t i = 0; i < n * n; i++)
            B[i] = ldexp(A[i], e);
        aek_eig_sym(n, B, n, w2, V2, n);
        for (size_t i = 0; i < n; i++)
            w2[i] = ldexp(w2[i], -e);
        differ += bits_differ(w, w2, n) + bits_differ(V, V2, n * n);
    }
    chk_le("eig_sym A·2^±700 gives the same bits (scaled)", (double)differ, 0,
           "no overflow/underflow anywhere; figure = doubles that differ");

    /* eigenvalues only: the same sweeps, so the same eigenvalues */
    aek_eig_sym(n, A, n, w2, NULL, 0);
    chk_le("eig_sym V=NULL gives the same eigenvalues", (double)bits_differ(w, w2, n), 0,
           "figure = eigenvalues that differ");

    /* errors are reported, outputs untouched */
    for (size_t i = 0; i < n; i++)
        w2[i] = 42;
    memcpy(B, A, n * n * sizeof *B);
    B[7 * n + 3] = NAN;
    fprintf(stderr, "(test_pca: expected errors follow)\n");
    int ok = aek_eig_sym(n, B, n, w2, V2, n) == AEK_ERR_NUMERIC && strstr(aek_last_error(), "NaN");
    fprintf(stderr, "  %s\n", aek_last_error());
    B[7 * n + 3] = INFINITY;
    ok &= aek_eig_sym(n, B, n, w2, V2, n) == AEK_ERR_NUMERIC;
    B[7 * n + 3] = A[7 * n + 3];
    B[7 * n + 7] = NAN; /* the diagonal is part of the lower triangle */
    ok &= aek_eig_sym(n, B, n, w2, V2, n) == AEK_ERR_NUMERIC;
    ok &= aek_eig_sym_topk(n, B, n, 2, w2, V2, n, NULL, NULL) == AEK_ERR_NUMERIC;
    ok &= aek_eig_sym(n, A, n - 1, w2, V2, n) == AEK_ERR_ARG;
    fprintf(stderr, "  %s\n", aek_last_error());
    ok &= aek_eig_sym(0, A, n, w2, V2, n) == AEK_ERR_ARG;
    ok &= aek_eig_sym(n, A, n, w2, V2, n - 1) == AEK_ERR_ARG;
    for (size_t i = 0; i < n; i++)
        ok &= w2[i] == 42;
    chk_verdict("eig_sym rejects NaN/Inf (also on the diagonal), bad n/lda/ldv; w untouched", ok, 1, ok,
                "figure 1 = every case gave its status");
    free(Q);
    free(A);
    free(B);
    free(lam);
    free(w);
    free(w2);
    free(V);
    free(V2);
}

/* NumPy's eigvalsh of A (n×n, full) into w, descending; 0 on success.  The
 * matrix goes to a temporary file as raw doubles, the eigenvalues come back
 * as %.17g text. */
static int numpy_eigvalsh(size_t n, const double *A, double *w)
{
    const char *py = getenv("PYTHON") ? getenv("PYTHON") : "/usr/bin/python3";
    char path[] = "/tmp/aekit_eig_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "wb");
    int ok = f && fwrite(A, sizeof(double), n * n, f) == n * n;
    if (f)
        ok &= fclose(f) == 0;
    char cmd[512];
    snprintf(cmd, sizeof cmd, "%s -c \"import numpy as np; a = np.fromfile('%s', '<f8')"
             ".reshape(%zu, %zu); print('\\n'.join('%%.17g' %% x for x in "
             "np.linalg.eigvalsh(a)[::-1]))\" 2>/dev/null", py, path, n, n);
    FILE *p = ok ? popen(cmd, "r") : NULL;
    size_t got = 0;
    while (p && got < n && fscanf(p, "%lf", &w[got]) == 1)
        got++;
    if (p)
        ok &= pclose(p) == 0;
    remove(path);
    return ok && got == n ? 0 : -1;
}

/* Matrices that are hard for one phase or another, against NumPy's eigvalsh
 * (LAPACK; an independent backward-stable solver, so its eigenvalues are
 * within c·n·u·‖A‖ of the exact ones too: bound 2·c·n·u + √n·u with ours)
 * and on their own figures (residual, orthogonality: with all n pairs these
 * two fix the eigenvalues as well, A = V̂ᵀΛ̂V̂ + O(figures)):
 *  - the path graph (zero diagonal, unit off-diagonal), n = 4, 7, 10: the
 *    spectrum ±2cos(kπ/(n+1)) comes in ± pairs and the diagonal stays 0
 *    under a zero shift, so a shift other than Wilkinson's (the trailing
 *    entry, or none) never splits the pairs: no convergence;
 *  - near-tridiagonal (entries beyond the first off-diagonal 1e-13): each
 *    column's tail is tiny against x₀, so x₀ − β cancels completely unless
 *    β takes the sign opposite to x₀;
 *  - the diagonal far larger than the rest (±1e300 and 1 on it, 1e-300
 *    off it): the power-of-two scaling must see the diagonal;
 *  - rank 2 of n = 30 (28 eigenvalues exactly 0), two 2×2 blocks [1 1; 1 1]
 *    (eigenvalues 2, 2, 0, 0 with the coupling exactly 0), n = 1 and 2×2
 *    cases of every ordering (a < c, a > c, a = c with b ≠ 0). */
static void check_eig_hard(void)
{
    enum { NH = 12 };
    static const size_t SZ[NH] = {4, 7, 10, 40, 3, 30, 4, 1, 2, 2, 2, 60};
    static const char *const NAME[NH] = {
        "path graph n=4",  "path graph n=7", "path graph n=10", "near-tridiagonal n=40",
        "diagonal 1e300 ≫ off-diagonal 1e-300", "rank 2 of n=30", "blocks [1 1; 1 1] ×2",
        "n=1", "2×2 a<c", "2×2 a>c", "2×2 a=c", "near-tridiagonal n=60, graded"};
    chk_rng g = {2718};
    double worst_ev = 0, worst_res = 0, worst_orth = 0, worst_path = 0;
    const char *wk[3] = {"", "", ""};
    int failed = 0, numpy_missing = 0;
    for (int c = 0; c < NH; c++) {
        size_t n = SZ[c];
        double *A = xmalloc(n * n * sizeof *A), *w = xmalloc(n * sizeof *w),
               *V = xmalloc(n * n * sizeof *V), *wn = xmalloc(n * sizeof *wn);
        memset(A, 0, n * n * sizeof *A);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j <= i; j++) {
                double a = 0;
                if (c <= 2)
                    a = i == j + 1;
                else if (c == 3 || c == 11)
                    a = i - j <= 1 ? chk_uniform(&g, -1, 1)
                                   : 1e-13 * chk_uniform(&g, -1, 1) * (c == 11 ? pow(0.5, (double)i) : 1);
                else if (c == 4)
                    a = i == j ? (double[]){1e300, -1e300, 1}[i] : 1e-300 * (double)(i + j);
                else if (c == 6)
                    a = i / 2 == j / 2;
                else if (c == 7)
                    a = -3.5;
                else if (c >= 8 && c <= 10)
                    a = i != j ? (c == 10 ? 0.75 : 0) : (c == 8) == (i == 0) ? -2 : 5;
                A[i * n + j] = A[j * n + i] = a;
            }
        if (c == 5) { /* u₁u₁ᵀ·2 + u₂u₂ᵀ in long double, u orthonormal */
            ld *Q = xmalloc(n * n * sizeof *Q);
            double *lam = xmalloc(n * sizeof *lam);
            random_orthogonal(n, &g, Q);
            for (size_t i = 0; i < n; i++)
                lam[i] = i == 0 ? 2 : i == 1 ? 1 : 0;
            build_sym(n, Q, lam, A);
            free(Q);
            free(lam);
        }
        if (aek_eig_sym(n, A, n, w, V, n) != AEK_OK) {
            fprintf(stderr, "aek_eig_sym %s: %s\n", NAME[c], aek_last_error());
            failed++;
            goto next;
        }
        double anorm = 0;
        if (numpy_eigvalsh(n, A, wn) != 0) {
            numpy_missing++;
            for (size_t i = 0; i < n; i++)
                anorm = fmax(anorm, fabs(w[i]));
        } else {
            anorm = fmax(fabs(wn[0]), fabs(wn[n - 1]));
            double cn = C_EIG * (double)n * U, e = 0;
            for (size_t i = 0; i < n; i++)
                e = fmax(e, fabs(w[i] - wn[i]) / anorm);
            if (e / (2 * cn + sqrt((double)n) * U) >= worst_ev)
                worst_ev = e / (2 * cn + sqrt((double)n) * U), wk[0] = NAME[c];
        }
        if (c <= 2) { /* the exact spectrum 2cos(kπ/(n+1)), k = 1..n, descending */
            double e = 0, pi = 3.14159265358979323846, nrm = 2 * cos(pi / (double)(n + 1));
            for (size_t k = 1; k <= n; k++)
                e = fmax(e, fabs(w[k - 1] - 2 * cos((double)k * pi / (double)(n + 1))) / nrm);
            worst_path = fmax(worst_path, e / ((C_EIG * (double)n + 4) * U));
        }
        if (anorm == 0)
            anorm = 1;
        eig_fig f = eig_figures(n, A, n, w, V, NULL, anorm, 1);
        double cn = C_EIG * (double)n * U;
        if (f.res / (3 * cn) >= worst_res)
            worst_res = f.res / (3 * cn), wk[1] = NAME[c];
        if (f.orth / (2 * cn) >= worst_orth)
            worst_orth = f.orth / (2 * cn), wk[2] = NAME[c];
    next:
        free(A);
        free(w);
        free(V);
        free(wn);
    }
    chk_le("eig_sym hard matrices: solver returned OK", (double)failed, 0,
           "%d matrices: path graphs, near-tridiagonal, diagonal ≫ rest, rank 2, 2×2 blocks, n=1, 2×2",
           NH);
    if (numpy_missing)
        chk_skip("eig_sym hard matrices vs NumPy eigvalsh: max|λ−λnp|/‖A‖ / bound",
                 "%d of %d matrices: %s -c 'import numpy' failed", numpy_missing, NH,
                 getenv("PYTHON") ? getenv("PYTHON") : "/usr/bin/python3");
    else
        chk_le("eig_sym hard matrices vs NumPy eigvalsh: max|λ−λnp|/‖A‖ / bound", worst_ev, 1.0,
               "bound (2·c·n + √n)·u per matrix; worst: %s", wk[0]);
    chk_le("eig_sym path graphs: max|λ − 2cos(kπ/(n+1))|/‖A‖ / bound", worst_path, 1.0,
           "n = 4, 7, 10; bound (c·n + 4)·u (c·n·u backward error, 4u for the cosines)");
    chk_le("eig_sym hard matrices: max‖Av−λv‖/‖A‖ / bound", worst_res, 1.0,
           "bound 3·c·n·u per matrix; worst: %s", wk[1]);
    chk_le("eig_sym hard matrices: ‖VVᵀ−I‖_max / bound", worst_orth, 1.0,
           "bound 2·c·n·u per matrix; worst: %s", wk[2]);
}

/* n = 784: the timing of the full solver, and the same bits for any number
 * of threads (work is split by columns of V only). */
static void check_eig_threads(void)
{
    size_t n = 784;
    chk_rng g = {99};
    double *A = xmalloc(n * n * sizeof *A), *V1 = xmalloc(n * n * sizeof *V1),
           *V2 = xmalloc(n * n * sizeof *V2), *w1 = xmalloc(n * sizeof *w1), *w2 = xmalloc(n * sizeof *w2);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++)
            A[i * n + j] = A[j * n + i] = chk_uniform(&g, -1, 1);
    int T = aek_num_threads();
    aek_set_num_threads(1);
    double t0 = now(), c0 = cpu_now();
    aek_status s1 = aek_eig_sym(n, A, n, w1, V1, n);
    double t1 = now(), c1 = cpu_now();
    aek_set_num_threads(T > 1 ? T : 2);
    aek_status s2 = aek_eig_sym(n, A, n, w2, V2, n);
    double t2 = now();
    aek_set_num_threads(T);
    printf("# timing: aek_eig_sym n=%zu (random symmetric, values+vectors): 1 thread %.3f s wall "
           "(%.3f s CPU), %d threads %.3f s wall\n",
           n, t1 - t0, c1 - c0, T > 1 ? T : 2, t2 - t1);
    size_t d = s1 == AEK_OK && s2 == AEK_OK ? bits_differ(w1, w2, n) + bits_differ(V1, V2, n * n)
                                            : n * n;
    chk_le("eig_sym n=784: 1 thread and N threads give the same bits", (double)d, 0,
           "N=%d; figure = doubles that differ", T > 1 ? T : 2);
    eig_fig f = eig_figures(n, A, n, w1, V1, NULL, fmax(fabs(w1[0]), fabs(w1[n - 1])), 16);
    double cn = C_EIG * (double)n * U;
    chk_le("eig_sym n=784 random: ‖VVᵀ−I‖_max", f.orth, 2 * cn, "bound 2·c·n·u; every 16th row");
    chk_le("eig_sym n=784 random: max‖Av−λv‖/‖A‖", f.res, 3 * cn, "bound 3·c·n·u; every 16th pair");
    free(A);
    free(V1);
    free(V2);
    free(w1);
    free(w2);
}

/* ---- principal angles ----------------------------------------------------------- */

/* sin of the largest principal angle between the row spaces of V1 and V2
 * (k×n, orthonormal rows): the singular values of the projection residual
 * M = (I − V1ᵀV1)V2ᵀ are the sines of the angles — accurate at small angles,
 * unlike the cosines from V1V2ᵀ.  σ_max² = λ_max(MᵀM), MᵀM formed in long
 * double, its eigenvalues by aek_eig_sym (verified above). */
static double sin_max_angle(size_t k, size_t n, const double *V1, size_t ld1, const double *V2,
                            size_t ld2)
{
    ld *C = xmalloc(k * k * sizeof *C), *M = xmalloc(n * k * sizeof *M);
    double *G = xmalloc(k * k * sizeof *G), *ev = xmalloc(k * sizeof *ev);
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) {
            ld s = 0;
            for (size_t l = 0; l < n; l++)
                s += (ld)V1[i * ld1 + l] * V2[j * ld2 + l];
            C[i * k + j] = s;
        }
    for (size_t l = 0; l < n; l++)
        for (size_t j = 0; j < k; j++) {
            ld s = V2[j * ld2 + l];
            for (size_t i = 0; i < k; i++)
                s -= (ld)V1[i * ld1 + l] * C[i * k + j];
            M[l * k + j] = s;
        }
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) {
            ld s = 0;
            for (size_t l = 0; l < n; l++)
                s += M[l * k + i] * M[l * k + j];
            G[i * k + j] = (double)s;
        }
    double smax = NAN;
    if (aek_eig_sym(k, G, k, ev, NULL, 0) == AEK_OK)
        smax = sqrt(fmax(ev[0], 0));
    free(C);
    free(M);
    free(G);
    free(ev);
    return smax;
}

/* ---- 2. top-k solver ------------------------------------------------------------- */

/* The default of aek_eig_topk_opts.tol (eigen_sym.h: "0 → 1e-10"): the
 * accuracy a caller gets without choosing one (aek_pca's top-k solver). */
static const double TOPK_DEFAULT_TOL = 1e-10;

/* aek_eig_sym_topk against aek_eig_sym on A (n×n full); tol 0 runs the
 * solver's default and holds it to the documented TOPK_DEFAULT_TOL.  With R = AXᵀ − XᵀΘ,
 * ‖R‖₂ ≤ √k·tol·‖A‖ by the stopping test, and
 *   Kahan: every θᵢ is within ‖R‖₂ of an eigenvalue; interlacing θᵢ ≤ λᵢ —
 *          so |θᵢ − λᵢ| ≤ ‖R‖₂ when no eigenvalue is missed (a missed
 *          copy of a repeated eigenvalue shows up here);
 *   Davis–Kahan (sin θ, residual form): sin θ_max ≤ ‖R‖₂/δ, δ = θ_k − λ_{k+1};
 * each plus the full solver's own c·n·u terms. */
static void check_topk_case(const char *label, size_t n, const double *A, size_t k, double tol)
{
    double *w = xmalloc(n * sizeof *w), *V = xmalloc(n * n * sizeof *V);
    double *wk = xmalloc(k * sizeof *wk), *Vk = xmalloc(k * n * sizeof *Vk);
    aek_eig_topk_opts o = {tol, 0, 0, 7};
    aek_eig_topk_info inf;
    if (tol == 0)
        tol = TOPK_DEFAULT_TOL;
    aek_status s1 = aek_eig_sym(n, A, n, w, V, n);
    double t0 = now();
    aek_status s2 = aek_eig_sym_topk(n, A, n, k, wk, Vk, n, &o, &inf);
    double t1 = now();
    char name[128];
    if (s1 != AEK_OK || s2 != AEK_OK) {
        snprintf(name, sizeof name, "topk %s: solvers return OK", label);
        chk_verdict(name, (double)s2, 0, 0, "%s", aek_last_error());
        goto out;
    }
    double anorm = fmax(fabs(w[0]), fabs(w[n - 1])), cn = C_EIG * (double)n * U;
    double rk = sqrt((double)k) * tol;
    eig_fig f = eig_figures(n, A, k, wk, Vk, w, anorm, 1);
    double delta = (wk[k - 1] - w[k]) / anorm - cn; /* relative gap, conservatively */
    double sn = sin_max_angle(k, n, Vk, n, V, n);
    snprintf(name, sizeof name, "topk %s: max|θ−λ_full|/‖A‖", label);
    chk_le(name, f.ev, rk + 4 * cn, "bound √k·tol + 4·c·n·u, tol %g; %zu block steps, %zu A·v, "
           "%zu restarts, %.3f s", tol, inf.iterations, inf.matvecs, inf.restarts, t1 - t0);
    snprintf(name, sizeof name, "topk %s: max‖Av−θv‖/‖A‖", label);
    chk_le(name, f.res, tol + 3 * cn, "bound tol + 3·c·n·u; solver reported %.3g", inf.max_residual);
    snprintf(name, sizeof name, "topk %s: ‖VVᵀ−I‖_max", label);
    chk_le(name, f.orth, 2 * cn, "bound 2·c·n·u");
    snprintf(name, sizeof name, "topk %s: sin θ_max vs full solver", label);
    chk_le(name, sn, delta > 0 ? (rk + cn) / delta + 4 * cn : 0,
           "bound (√k·tol + c·n·u)/δ + 4·c·n·u, δ = (θ_k − λ_k+1)/‖A‖ = %.3g", delta);
out:
    free(w);
    free(V);
    free(wk);
    free(Vk);
}

static void check_topk(void)
{
    size_t n = 300;
    chk_rng g = {4242};
    ld *Q = xmalloc(n * n * sizeof *Q);
    double *A = xmalloc(n * n * sizeof *A), *lam = xmalloc(n * sizeof *lam);

    /* a triple eigenvalue at the top: a single-vector Krylov method would
     * return 5, 4, 3.5, … with small residuals and miss two copies */
    for (size_t i = 0; i < n; i++)
        lam[i] = i < 3 ? 5 : i == 3 ? 4 : i == 4 ? 3.5 : chk_uniform(&g, -1, 2);
    random_orthogonal(n, &g, Q);
    build_sym(n, Q, lam, A);
    check_topk_case("n=300 k=5, triple top eigenvalue", n, A, 5, 1e-12);

    /* slowly decaying PSD spectrum (ratio 0.9 between neighbours) */
    for (size_t i = 0; i < n; i++)
        lam[i] = 10 * pow(0.9, (double)i);
    random_orthogonal(n, &g, Q);
    build_sym(n, Q, lam, A);
    check_topk_case("n=300 k=8, decay 0.9", n, A, 8, 1e-12);

    /* random symmetric: the top of a semicircle, gaps ~1 % of ‖A‖ */
    size_t nr = 200;
    for (size_t i = 0; i < nr; i++)
        for (size_t j = 0; j <= i; j++)
            A[i * nr + j] = A[j * nr + i] = chk_uniform(&g, -1, 1);
    check_topk_case("n=200 k=4, random symmetric", nr, A, 4, 1e-10);

    /* the default tolerance, on a small eigengap: λ₁..λ₄ = 1, 0.999, 0.998,
     * 0.997, then λ₅ = 0.996 and the rest in [−1, 0.99].  A gap of 1e-3·‖A‖
     * makes each block step gain little, so a default looser than the
     * documented 1e-10 stops at a residual above the bound below (a default
     * of 1e-8 stops at ≈ 1e-8·‖A‖) */
    for (size_t i = 0; i < n; i++)
        lam[i] = i < 5 ? 1 - 1e-3 * (double)i : chk_uniform(&g, -1, 0.99);
    random_orthogonal(n, &g, Q);
    build_sym(n, Q, lam, A);
    check_topk_case("n=300 k=4, gap 1e-3, default tol", n, A, 4, 0);

    /* the iteration cap returns an error and writes nothing */
    double wk[4] = {42, 42, 42, 42}, *Vk = xmalloc(4 * nr * sizeof *Vk);
    for (size_t i = 0; i < 4 * nr; i++)
        Vk[i] = 42;
    aek_eig_topk_opts o = {1e-10, 2, 0, 1};
    aek_eig_topk_info inf;
    fprintf(stderr, "(test_pca: expected errors follow)\n");
    aek_status st = aek_eig_sym_topk(nr, A, nr, 4, wk, Vk, nr, &o, &inf);
    fprintf(stderr, "  %s\n", aek_last_error());
    int untouched = 1;
    for (size_t i = 0; i < 4 * nr; i++)
        untouched &= Vk[i] == 42 && wk[i % 4] == 42;
    int ok = st == AEK_ERR_NUMERIC && untouched && strstr(aek_last_error(), "no convergence");
    chk_verdict("topk max_iter=2 on a hard matrix: error, outputs untouched", ok, 1, ok,
                "status %d, residual reached %.3g·‖A‖", (int)st, inf.max_residual);
    ok = aek_eig_sym_topk(nr, A, nr, 0, wk, Vk, nr, NULL, NULL) == AEK_ERR_ARG;
    ok &= aek_eig_sym_topk(nr, A, nr, nr + 1, wk, Vk, nr, NULL, NULL) == AEK_ERR_ARG;
    o.tol = 2;
    ok &= aek_eig_sym_topk(nr, A, nr, 4, wk, Vk, nr, &o, NULL) == AEK_ERR_ARG;
    fprintf(stderr, "  %s\n", aek_last_error());
    chk_verdict("topk rejects k=0, k>n, tol ∉ (0,1)", ok, 1, ok, "figure 1 = every case");
    free(Q);
    free(A);
    free(lam);
    free(Vk);
}

/* ---- 3. PCA ------------------------------------------------------------------------ */

/* Data with a planted spectrum: xᵢ = μ + Σₗ √λₗ zᵢₗ qₗ, z ~ N(0, 1), Q a
 * random orthonormal basis; rows of stride ld = n + 3 whose padding is NaN
 * (it must never be read).  Population covariance Σ = Q diag(λ) Qᵀ. */
typedef struct {
    size_t m, n, ld;
    float *X;
    double *lam, *P, *Sigma, *mu; /* λ (descending), P: rows = qₗ, Σ, μ */
} planted;

static planted make_planted(size_t m, size_t n, unsigned long long seed)
{
    planted d = {m, n, n + 3, NULL, NULL, NULL, NULL, NULL};
    chk_rng g = {seed};
    ld *Q = xmalloc(n * n * sizeof *Q);
    d.X = xmalloc(m * d.ld * sizeof *d.X);
    d.lam = xmalloc(n * sizeof *d.lam);
    d.P = xmalloc(n * n * sizeof *d.P);
    d.Sigma = xmalloc(n * n * sizeof *d.Sigma);
    d.mu = xmalloc(n * sizeof *d.mu);
    static const double top[] = {9, 7, 5, 4};
    for (size_t l = 0; l < n; l++)
        d.lam[l] = l < 4 ? top[l] : 0.5 - 0.3 * (double)(l - 4) / (double)(n - 4);
    for (size_t j = 0; j < n; j++)
        d.mu[j] = 10 + 0.25 * (double)j; /* an offset that centring must remove */
    random_orthogonal(n, &g, Q);
    build_sym(n, Q, d.lam, d.Sigma);
    for (size_t l = 0; l < n; l++)
        for (size_t j = 0; j < n; j++)
            d.P[l * n + j] = (double)Q[j * n + l];
    double *z = xmalloc(n * sizeof *z);
    for (size_t i = 0; i < m; i++) {
        for (size_t l = 0; l < n; l++)
            z[l] = sqrt(d.lam[l]) * gauss(&g);
        for (size_t j = 0; j < n; j++) {
            ld x = d.mu[j];
            for (size_t l = 0; l < n; l++)
                x += Q[j * n + l] * z[l];
            d.X[i * d.ld + j] = (float)x;
        }
        for (size_t j = n; j < d.ld; j++)
            d.X[i * d.ld + j] = NAN;
    }
    free(z);
    free(Q);
    return d;
}

static void planted_free(planted *d)
{
    free(d->X);
    free(d->lam);
    free(d->P);
    free(d->Sigma);
    free(d->mu);
}

/* Reference statistics of the float data, in long double: the sample
 * covariance S (÷m, about the sample mean) and B = |Xc|ᵀ|Xc|/m, the scale of
 * the SGEMM error bound. */
typedef struct {
    double *mean, *S, *B, trace;
} ref_stats;

static ref_stats reference_stats(const planted *d)
{
    size_t m = d->m, n = d->n;
    ref_stats r = {xmalloc(n * sizeof(double)), xmalloc(n * n * sizeof(double)),
                   xmalloc(n * n * sizeof(double)), 0};
    ld *mu = xmalloc(n * sizeof *mu), *S = xmalloc(n * n * sizeof *S), *B = xmalloc(n * n * sizeof *B);
    ld *xc = xmalloc(n * sizeof *xc);
    for (size_t j = 0; j < n; j++)
        mu[j] = 0;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            mu[j] += d->X[i * d->ld + j];
    for (size_t j = 0; j < n; j++)
        mu[j] /= (ld)m;
    for (size_t t = 0; t < n * n; t++)
        S[t] = B[t] = 0;
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < n; j++)
            xc[j] = d->X[i * d->ld + j] - mu[j];
        for (size_t a = 0; a < n; a++)
            for (size_t b = 0; b <= a; b++) {
                S[a * n + b] += xc[a] * xc[b];
                B[a * n + b] += fabsl(xc[a] * xc[b]);
            }
    }
    for (size_t a = 0; a < n; a++) {
        r.mean[a] = (double)mu[a];
        for (size_t b = 0; b <= a; b++) {
            r.S[a * n + b] = r.S[b * n + a] = (double)(S[a * n + b] / (ld)m);
            r.B[a * n + b] = r.B[b * n + a] = (double)(B[a * n + b] / (ld)m);
        }
        r.trace += r.S[a * n + a];
    }
    free(mu);
    free(S);
    free(B);
    free(xc);
    return r;
}

static void ref_free(ref_stats *r)
{
    free(r->mean);
    free(r->S);
    free(r->B);
}

/* γ of the covariance for chunks of r rows out of m (pca.c): float dot
 * products of length r in ≤ r/64 + 2 k-blocks, two centring roundings, and
 * the double sum of ⌈m/r⌉ chunk results (+ the long double reference). */
static double gamma_cov(size_t r, size_t m)
{
    return gam((double)r + (double)r / 64 + 4, UF) + gam((double)m / (double)r + 4, U);
}

/* Max over entries of |Ĉ − S| / (γ_cov·B). */
static double cov_ratio(size_t n, const double *C, const ref_stats *r, double g)
{
    double worst = 0;
    for (size_t t = 0; t < n * n; t++) {
        double bound = g * r->B[t] + 1e-300;
        worst = fmax(worst, fabs(C[t] - r->S[t]) / bound);
    }
    return worst;
}

static void check_covariance(const planted *d, const ref_stats *r)
{
    size_t n = d->n;
    double *mean = xmalloc(n * sizeof *mean), *C = xmalloc(n * n * sizeof *C);
    static const size_t CHUNKS[] = {0, 777, 1};
    for (size_t c = 0; c < sizeof CHUNKS / sizeof CHUNKS[0]; c++) {
        size_t chunk = CHUNKS[c] ? CHUNKS[c] : AEK_PCA_CHUNK;
        char name[96];
        snprintf(name, sizeof name, "pca covariance chunk=%zu: max|Ĉ−S|/(γ·|Xc|ᵀ|Xc|/m)", chunk);
        if (aek_pca_covariance(d->X, d->m, n, d->ld, CHUNKS[c], mean, C) != AEK_OK) {
            chk_verdict(name, NAN, 1, 0, "%s", aek_last_error());
            continue;
        }
        double g = gamma_cov(chunk, d->m);
        int sym = 1;
        for (size_t a = 0; a < n; a++)
            for (size_t b = 0; b < a; b++)
                sym &= memcmp(&C[a * n + b], &C[b * n + a], sizeof(double)) == 0;
        chk_le(name, cov_ratio(n, C, r, g), 1.0,
               "m=%zu n=%zu, γ = γ_f(r+r/64+4) + γ_d(m/r+4) = %.3g; exactly symmetric: %s", d->m,
               n, g, sym ? "yes" : "NO");
    }
    free(mean);
    free(C);
}

/* The subspace, the spectrum and the loss identity of aek_pca_fit. */
static void check_pca_fit(const planted *d, const ref_stats *r, size_t k)
{
    size_t n = d->n, m = d->m;
    aek_pca *p = NULL;
    if (aek_pca_fit(d->X, m, n, d->ld, k, NULL, &p) != AEK_OK) {
        chk_verdict("pca fit", NAN, 0, 0, "%s", aek_last_error());
        return;
    }
    double cn = C_EIG * (double)n * U, g = gamma_cov(AEK_PCA_CHUNK, m), tr = r->trace;
    double *wS = xmalloc(n * sizeof *wS), *VS = xmalloc(n * n * sizeof *VS);
    double *D = xmalloc(n * n * sizeof *D), *wD = xmalloc(n * sizeof *wD);
    aek_eig_sym(n, r->S, n, wS, VS, n);
    double normS = wS[0];

    /* spectrum: Weyl, |λ̂ − λ(S)| ≤ ‖Ĉ − S‖₂ + 2·c·n·u‖S‖ ≤ (γ + 2cnu)·tr S */
    double ev = 0;
    for (size_t j = 0; j < n; j++)
        ev = fmax(ev, fabs(p->spectrum[j] - wS[j]) / tr);
    chk_le("pca spectrum vs eig(S in double): max|λ̂−λ|/tr S", ev, g + 2 * cn,
           "all %zu eigenvalues; bound γ_cov + 2·c·n·u (‖Ĉ−S‖₂ ≤ γ·tr S)", n);
    chk_le("pca total variance vs tr S: |Δ|/tr S", fabs(p->total_variance - tr) / tr,
           g + (double)n * U, "bound γ_cov + n·u");

    /* subspace vs the double sample covariance: ‖sin Θ‖ ≤ 2‖Ĉ−S‖₂/(λk − λk+1)
     * (Davis–Kahan, Yu–Wang–Samworth form) with the a-priori ‖Ĉ−S‖₂ ≤ γ·tr S —
     * not the measured difference, which a bug would enlarge along with the
     * angle (the measured ‖Ĉ−S‖_F is printed for reference) */
    double *C = xmalloc(n * n * sizeof *C), *mean = xmalloc(n * sizeof *mean), dF = 0;
    aek_pca_covariance(d->X, m, n, d->ld, 0, mean, C);
    for (size_t t = 0; t < n * n; t++)
        dF += (C[t] - r->S[t]) * (C[t] - r->S[t]);
    dF = sqrt(dF);
    double gapS = wS[k - 1] - wS[k];
    double num_b = 2 * (g * tr + 2 * cn * normS) / gapS + 4 * cn;
    double s_num = sin_max_angle(k, n, p->components, n, VS, n);
    chk_le("pca subspace vs eig(S in double): sin θ_max", s_num, num_b,
           "bound 2(γ·tr S + 2cnu‖S‖)/(λk−λk+1) + 4cnu; measured ‖Ĉ−S‖_F/tr S = %.3g; angle %.3g rad",
           dF / tr, asin(fmin(1, s_num)));

    /* subspace vs the planted one: the sampling error ‖S − Σ‖₂ over the
     * population gap, plus the numerical part (sin θ_max is a metric) */
    for (size_t t = 0; t < n * n; t++)
        D[t] = r->S[t] - d->Sigma[t];
    aek_eig_sym(n, D, n, wD, NULL, 0);
    double dS = fmax(fabs(wD[0]), fabs(wD[n - 1])) * (1 + cn);
    double gapP = d->lam[k - 1] - d->lam[k];
    double s_pl = sin_max_angle(k, n, p->components, n, d->P, n);
    chk_le("pca subspace vs planted: sin θ_max", s_pl, 2 * dS / gapP + num_b,
           "bound 2‖S−Σ‖₂/(λk−λk+1 of Σ) + numerical; m=%zu, ‖S−Σ‖₂ = %.3g, gap %.3g; angle %.3g rad",
           m, dS, gapP, asin(fmin(1, s_pl)));
    double evp = 0;
    for (size_t j = 0; j < n; j++)
        evp = fmax(evp, fabs(p->spectrum[j] - d->lam[j]));
    chk_le("pca eigenvalues vs planted: max|λ̂−λ|", evp, dS + (g + 2 * cn) * tr,
           "bound ‖S−Σ‖₂ + (γ + 2cnu)·tr S (Weyl)");

    /* components: unit, orthonormal, sign convention */
    size_t bad_sign = 0;
    for (size_t i = 0; i < k; i++) {
        const double *v = p->components + i * n;
        size_t at = 0;
        for (size_t j = 1; j < n; j++)
            if (fabs(v[j]) > fabs(v[at]))
                at = j;
        bad_sign += !(v[at] > 0);
    }
    chk_le("pca components orthonormal: ‖VVᵀ−I‖_max", orth_error(k, n, p->components, n), 2 * cn,
           "bound 2·c·n·u");
    chk_le("pca components: largest-|v| entry positive", (double)bad_sign, 0, "figure = rows violating");

    /* bookkeeping: σ² = m·λ, explained = λ/tr, discarded = tail sum */
    double book = 0, top = 0;
    for (size_t j = 0; j < k; j++) {
        book = fmax(book, fabs(p->sv2[j] - (double)m * p->eigenvalues[j]) / p->sv2[j]);
        book = fmax(book, fabs(p->explained[j] * p->total_variance - p->eigenvalues[j]) / p->eigenvalues[j]);
        top += p->eigenvalues[j];
    }
    chk_le("pca sv2 = m·λ, explained = λ/tr: max rel. error", book, 4 * U, "one rounding each");

    /* the linear-AE identity: (1/m)Σ‖xᵢ − x̂ᵢ‖² with x̂ = μ + VᵀV(x − μ) equals
     * Σ_{j>k} λⱼ.  For exact eigenvectors of S it is exact.  V̂ at angles θ
     * from them costs ≤ (λ₁ − λₙ)‖sin Θ‖²_F ≤ k‖S‖sin²θ_max, and its departure
     * from orthonormality (≤ 2cnu) ≤ 4k·cnu‖S‖.  The computed tail sum, via
     * Σ_{j>k}λ = tr − Σ_{j≤k}λ: |tr Ĉ − tr S| ≤ γ·tr S, k top eigenvalues
     * within γ·tr S + 2cnu‖S‖ each, and Σ λ̂ − tr Ĉ = tr E ≤ n·cnu‖S‖.  Total
     * (k+1)γ·tr S + (n + 6k)·cnu‖S‖ + k‖S‖sin²θ_max. */
    ld L = 0;
    ld *xc = xmalloc(n * sizeof *xc), *c = xmalloc(k * sizeof *c);
    for (size_t i = 0; i < m; i++) {
        for (size_t j = 0; j < n; j++)
            xc[j] = (ld)d->X[i * d->ld + j] - r->mean[j];
        for (size_t a = 0; a < k; a++) {
            c[a] = 0;
            for (size_t j = 0; j < n; j++)
                c[a] += p->components[a * n + j] * xc[j];
        }
        for (size_t j = 0; j < n; j++) {
            ld x = xc[j];
            for (size_t a = 0; a < k; a++)
                x -= c[a] * p->components[a * n + j];
            L += x * x;
        }
    }
    L /= (ld)m;
    double lb = (double)(k + 1) * g * tr + (double)(n + 6 * k) * cn * normS +
                (double)k * normS * num_b * num_b;
    chk_le("pca loss identity: |(1/m)Σ‖x−x̂‖² − discarded|/tr S", fabs((double)L - p->discarded) / tr,
           lb / tr, "discarded = %.6g = Σ_{j>k}λⱼ; tr − Σ_{j≤k}λ̂ⱼ = %.6g", p->discarded,
           p->total_variance - top);
    free(xc);
    free(c);
    free(C);
    free(mean);
    free(wS);
    free(VS);
    free(D);
    free(wD);
    aek_pca_free(p);
}

/* The helpers against long double evaluations on the same float inputs:
 *   codes = fl₃₂(x − μ)·Vfᵀ:  |Δ| ≤ γ_f(n + n/64 + 4)·Σₗ|xc||vf|
 *   x̂ = codes·Vf + μf:        |Δ| ≤ γ_f(k + k/64 + 4)·(Σⱼ|codes||vf| + |μf|) */
static void check_helpers(const planted *d, size_t k)
{
    size_t n = d->n, m = d->m;
    aek_pca *p = NULL;
    if (aek_pca_fit(d->X, m, n, d->ld, k, NULL, &p) != AEK_OK) {
        chk_verdict("pca helpers", NAN, 0, 0, "%s", aek_last_error());
        return;
    }
    size_t ldc = k + 2, ldh = n + 1;
    float *codes = xmalloc(m * ldc * sizeof *codes), *Xh = xmalloc(m * ldh * sizeof *Xh);
    aek_status s1 = aek_pca_project(p, d->X, m, d->ld, codes, ldc);
    aek_status s2 = aek_pca_reconstruct(p, codes, m, ldc, Xh, ldh);
    double gp = gam((double)n + (double)n / 64 + 4, UF), gr = gam((double)k + (double)k / 64 + 4, UF);
    double wp = 0, wr = 0;
    ld Lf = 0;
    for (size_t i = 0; i < m && s1 == AEK_OK && s2 == AEK_OK; i++) {
        const float *x = d->X + i * d->ld;
        for (size_t a = 0; a < k; a++) {
            ld s = 0, sa = 0;
            for (size_t j = 0; j < n; j++) {
                ld t = ((ld)x[j] - p->mean[j]) * p->components_f[a * n + j];
                s += t;
                sa += fabsl(t);
            }
            wp = fmax(wp, (double)(fabsl(codes[i * ldc + a] - s) / (gp * sa + 1e-300)));
        }
        for (size_t j = 0; j < n; j++) {
            ld s = p->mean_f[j], sa = fabsl(s);
            for (size_t a = 0; a < k; a++) {
                ld t = (ld)codes[i * ldc + a] * p->components_f[a * n + j];
                s += t;
                sa += fabsl(t);
            }
            wr = fmax(wr, (double)(fabsl(Xh[i * ldh + j] - s) / (gr * sa + 1e-300)));
            ld e = (ld)Xh[i * ldh + j] - x[j];
            Lf += e * e;
        }
    }
    if (s1 != AEK_OK || s2 != AEK_OK)
        wp = wr = NAN;
    chk_le("pca project vs long double: max|Δ|/bound", wp, 1.0,
           "bound γ_f(n+n/64+4)·Σ|xc||v|, n=%zu", n);
    chk_le("pca reconstruct vs long double: max|Δ|/bound", wr, 1.0,
           "bound γ_f(k+k/64+4)·(Σ|code||v| + |μ|), k=%zu", k);
    printf("# pca float helpers: (1/m)Σ‖x − reconstruct(project(x))‖² = %.7g, discarded = %.7g "
           "(relative gap %.2g)\n",
           (double)(Lf / (ld)m), p->discarded, fabs((double)(Lf / (ld)m) - p->discarded) / p->discarded);
    free(codes);
    free(Xh);
    aek_pca_free(p);
}

/* Top-k solver inside PCA against the full one; threads; padding. */
static void check_pca_variants(const planted *d, size_t k)
{
    size_t n = d->n, m = d->m;
    aek_pca *pf = NULL, *pt = NULL, *pd = NULL, *p2 = NULL, *pc = NULL;
    aek_pca_opts ot = {0, AEK_PCA_TOPK, 1e-12};
    aek_status s = aek_pca_fit(d->X, m, n, d->ld, k, NULL, &pf);
    if (s == AEK_OK)
        s = aek_pca_fit(d->X, m, n, d->ld, k, &ot, &pt);
    if (s != AEK_OK) {
        chk_verdict("pca top-k vs full", NAN, 0, 0, "%s", aek_last_error());
        goto out;
    }
    double cn = C_EIG * (double)n * U, normC = pf->spectrum[0], ev = 0;
    for (size_t j = 0; j < k; j++)
        ev = fmax(ev, fabs(pt->eigenvalues[j] - pf->eigenvalues[j]) / normC);
    double rk = sqrt((double)k) * ot.tol, delta = (pt->eigenvalues[k - 1] - pf->spectrum[k]) / normC - cn;
    chk_le("pca top-k vs full solver: max|Δλ|/‖C‖", ev, rk + 4 * cn, "bound √k·tol + 4·c·n·u");
    chk_le("pca top-k vs full solver: sin θ_max", sin_max_angle(k, n, pt->components, n, pf->components, n),
           (rk + cn) / delta + 4 * cn, "bound (√k·tol + c·n·u)/δ + 4·c·n·u");

    /* aek_pca's top-k path with no tolerance asked (tol 0): the solver's
     * documented default, ‖Cv − λv‖ ≤ 1e-10·‖C‖, on the covariance it
     * decomposed (aek_pca_covariance: the same bits), + 3·c·n·u for the
     * residual's own evaluation as in section 2 */
    aek_pca_opts od = {0, AEK_PCA_TOPK, 0};
    double *C = xmalloc(n * n * sizeof *C), *mu = xmalloc(n * sizeof *mu), res = NAN;
    if (aek_pca_fit(d->X, m, n, d->ld, k, &od, &pd) == AEK_OK &&
        aek_pca_covariance(d->X, m, n, d->ld, 0, mu, C) == AEK_OK) {
        res = 0;
        for (size_t j = 0; j < k; j++)
            res = fmax(res, residual(n, C, pd->eigenvalues[j], pd->components + j * n) / normC);
    }
    chk_le("pca top-k, default tol: max‖Cv−λv‖/‖C‖", res, TOPK_DEFAULT_TOL + 3 * cn,
           "bound 1e-10 (eigen_sym.h default) + 3·c·n·u");
    free(C);
    free(mu);

    /* the same bits for any thread count (SGEMM and eigen-solver both are) */
    int T = aek_num_threads();
    aek_set_num_threads(T > 1 ? T : 2);
    aek_set_parallel_threshold(0);
    s = aek_pca_fit(d->X, m, n, d->ld, k, NULL, &p2);
    aek_set_parallel_threshold(1e6);
    aek_set_num_threads(T);
    /* rows packed without padding: the padding NaN must not have mattered */
    float *Xp = xmalloc(m * n * sizeof *Xp);
    for (size_t i = 0; i < m; i++)
        memcpy(Xp + i * n, d->X + i * d->ld, n * sizeof *Xp);
    if (s == AEK_OK)
        s = aek_pca_fit(Xp, m, n, n, k, NULL, &pc);
    free(Xp);
    size_t diff = s == AEK_OK ? bits_differ(pf->components, p2->components, k * n) +
                                    bits_differ(pf->spectrum, p2->spectrum, n)
                              : 1;
    chk_le("pca: N threads give the same bits as the default", (double)diff, 0,
           "N=%d, parallel threshold 0; figure = doubles that differ", T > 1 ? T : 2);
    diff = s == AEK_OK ? bits_differ(pf->components, pc->components, k * n) +
                             bits_differ(pf->spectrum, pc->spectrum, n)
                       : 1;
    chk_le("pca: ldx > n with NaN padding gives the same bits", (double)diff, 0,
           "figure = doubles that differ from the packed copy");
out:
    aek_pca_free(pf);
    aek_pca_free(pt);
    aek_pca_free(pd);
    aek_pca_free(p2);
    aek_pca_free(pc);
}

static void check_pca_errors(const planted *d)
{
    size_t n = d->n, m = d->m;
    aek_pca *p = NULL;
    int ok = 1;
    char msgs[4][160];
    fprintf(stderr, "(test_pca: expected errors follow)\n");
    ok &= aek_pca_fit(d->X, m, n, d->ld, 0, NULL, &p) == AEK_ERR_ARG;
    snprintf(msgs[0], sizeof msgs[0], "%s", aek_last_error());
    ok &= aek_pca_fit(d->X, m, n, d->ld, n + 1, NULL, &p) == AEK_ERR_ARG;
    ok &= aek_pca_fit(d->X, 1, n, d->ld, 2, NULL, &p) == AEK_ERR_ARG;
    snprintf(msgs[1], sizeof msgs[1], "%s", aek_last_error());
    ok &= aek_pca_fit(d->X, m, n, n - 1, 2, NULL, &p) == AEK_ERR_ARG;
    ok &= aek_pca_fit(NULL, m, n, d->ld, 2, NULL, &p) == AEK_ERR_ARG;
    float *X = xmalloc(m * d->ld * sizeof *X);
    memcpy(X, d->X, m * d->ld * sizeof *X);
    X[123 * d->ld + 5] = NAN;
    ok &= aek_pca_fit(X, m, n, d->ld, 2, NULL, &p) == AEK_ERR_NUMERIC &&
          strstr(aek_last_error(), "row 123, column 5") != NULL;
    snprintf(msgs[2], sizeof msgs[2], "%s", aek_last_error());
    X[123 * d->ld + 5] = -INFINITY;
    ok &= aek_pca_fit(X, m, n, d->ld, 2, NULL, &p) == AEK_ERR_NUMERIC;
    ok &= p == NULL;
    /* projection of non-finite data is refused too */
    aek_pca *q = NULL;
    float codes[2];
    if (aek_pca_fit(d->X, m, n, d->ld, 2, NULL, &q) == AEK_OK) {
        ok &= aek_pca_project(q, X + 123 * d->ld, 1, d->ld, codes, 2) == AEK_ERR_NUMERIC;
        snprintf(msgs[3], sizeof msgs[3], "%s", aek_last_error());
        ok &= aek_pca_project(q, X, 1, d->ld, codes, 1) == AEK_ERR_ARG;
    } else {
        ok = 0;
        snprintf(msgs[3], sizeof msgs[3], "fit failed");
    }
    aek_pca_free(q);
    free(X);
    for (int i = 0; i < 4; i++)
        fprintf(stderr, "  %s\n", msgs[i]);
    chk_verdict("pca rejects k=0, k>n, m<2, ldx<n, NULL, NaN/Inf (with row/col)", ok, 1, ok,
                "figure 1 = every case gave its status; e.g. \"%s\"", msgs[2]);

    /* Finite data near FLT_MAX overflow the covariance: the message must
     * say so and suggest scaling, not leak the eigensolver's "A has a NaN
     * or infinite entry" (both solvers, and the covariance on its own). */
    float big[8 * 3];
    chk_rng g = {17};
    for (size_t i = 0; i < 8 * 3; i++)
        big[i] = (float)chk_uniform(&g, 0, 3e38);
    aek_pca_opts full = {0};
    full.solver = AEK_PCA_FULL;
    aek_status s1 = aek_pca_fit(big, 8, 3, 3, 2, &full, &p);
    char m1[400];
    snprintf(m1, sizeof m1, "%s", aek_last_error());
    aek_pca_opts topk = {0};
    topk.solver = AEK_PCA_TOPK;
    aek_status s2 = aek_pca_fit(big, 8, 3, 3, 2, &topk, &p);
    char m2[400];
    snprintf(m2, sizeof m2, "%s", aek_last_error());
    double mean[3], cov[9];
    aek_status s3 = aek_pca_covariance(big, 8, 3, 3, 0, mean, cov);
    ok = s1 == AEK_ERR_NUMERIC && s2 == AEK_ERR_NUMERIC && s3 == AEK_ERR_NUMERIC && !p;
    ok &= strstr(m1, "covariance overflowed") && strstr(m1, "scale or standardize") &&
          strstr(m2, "covariance overflowed") && !strstr(m1, "aek_eig_sym");
    chk_verdict("pca of finite data near 3e38: 'covariance overflowed', suggests scaling", ok, 1,
                ok, "statuses %d %d %d (full, top-k, covariance); full: %s; top-k: %s", (int)s1,
                (int)s2, (int)s3, m1, m2);

    /* n×n matrices above the readers' memory cap are refused before any
     * allocation, the message giving both sizes; at a cap of exactly
     * aek_pca_work_bytes the fit runs (the cap is that bound, no other) */
    size_t prev = aek_data_memory_cap(), need = aek_pca_work_bytes(n, 4, AEK_PCA_AUTO);
    aek_data_set_memory_cap(need - 1);
    aek_status s4 = aek_pca_fit(d->X, m, n, d->ld, 4, NULL, &p);
    char m4[400];
    snprintf(m4, sizeof m4, "%s", aek_last_error());
    aek_data_set_memory_cap(need);
    aek_status s5 = aek_pca_fit(d->X, m, n, d->ld, 4, NULL, &q);
    aek_data_set_memory_cap(prev);
    aek_pca_free(q);
    ok = s4 == AEK_ERR_NOMEM && !p && strstr(m4, "memory cap") && strstr(m4, "48 columns") &&
         s5 == AEK_OK;
    chk_verdict("pca of n columns needing more than the memory cap: refused, before allocating", ok,
                1, ok, "statuses %d (cap %zu = need - 1), %d (cap = need); \"%s\"", (int)s4,
                need - 1, (int)s5, m4);
}

/* ---- 4. timings ---------------------------------------------------------------- */

static void report_timings(void)
{
    int quick = getenv("QUICK") && strcmp(getenv("QUICK"), "1") == 0;
    size_t m = quick ? 6000 : 60000, n = 784;
    float *X = xmalloc(m * n * sizeof *X);
    chk_rng g = {5};
    /* MNIST-like: F smooth factors with decaying weights plus pixel noise,
     * values in ~[0, 1]: X = Z·B + 0.3 + noise (Z·B by the toolkit's SGEMM) */
    enum { F = 24 };
    float *B = xmalloc(F * n * sizeof *B), *Z = xmalloc(m * F * sizeof *Z);
    for (size_t t = 0; t < F * n; t++)
        B[t] = (float)chk_uniform(&g, -0.1, 0.1);
    for (size_t i = 0; i < m; i++)
        for (size_t f = 0; f < F; f++)
            Z[i * F + f] = (float)chk_uniform(&g, -1, 1) / (float)(1 + f);
    aek_sgemm(AEK_N, AEK_N, m, n, F, 1.0f, Z, F, B, n, 0.0f, X, n);
    for (size_t t = 0; t < m * n; t++)
        X[t] += 0.3f + 0.02f * (float)chk_uniform(&g, -1, 1);
    free(B);
    free(Z);
    double *mean = xmalloc(n * sizeof *mean), *C = xmalloc(n * n * sizeof *C);
    double *w = xmalloc(n * sizeof *w), *V = xmalloc(n * n * sizeof *V);
    double t0 = now(), c0 = cpu_now();
    aek_status s1 = aek_pca_covariance(X, m, n, n, 0, mean, C);
    double t1 = now(), c1 = cpu_now();
    aek_status s2 = aek_eig_sym(n, C, n, w, V, n);
    double t2 = now(), c2 = cpu_now();
    printf("# timing: aek_pca_covariance %zux%zu (chunk %d, %d threads, %s kernels): %.3f s wall, "
           "%.3f s CPU of the calling thread%s\n",
           m, n, AEK_PCA_CHUNK, aek_num_threads(), aek_isa_name(aek_current_isa()), t1 - t0,
           c1 - c0, quick ? " (QUICK: 6000 rows)" : "");
    printf("# timing: aek_eig_sym on that covariance (n=%zu) right after the SGEMM: %.3f s wall, "
           "%.3f s CPU; status %d/%d\n",
           n, t2 - t1, c2 - c1, (int)s1, (int)s2);
    free(X);
    free(mean);
    free(C);
    free(w);
    free(V);
}

int main(void)
{
    if (aek_init() != AEK_OK) {
        fprintf(stderr, "test_pca: %s\n", aek_last_error());
        return 2;
    }
    check_eig_known();
    check_eig_hard();
    check_eig_exact();
    check_eig_threads();
    check_topk();

    size_t k = 4;
    planted d = make_planted(20000, 48, 2024);
    ref_stats r = reference_stats(&d);
    check_covariance(&d, &r);
    check_pca_fit(&d, &r, k);
    check_helpers(&d, k);
    check_pca_variants(&d, k);
    check_pca_errors(&d);
    ref_free(&r);
    planted_free(&d);

    report_timings();
    return chk_finish();
}
