/*
 * eigen_sym.c — symmetric eigen-solvers (eigen_sym.h).
 *
 * Full solver, in three phases (all in double):
 *  1. Scale A by a power of two (exact) so max|aᵢⱼ| ∈ [½, 1): no overflow or
 *     harmful underflow in any square below, whatever the units of A.
 *  2. Householder tridiagonalisation T = QᵀAQ on the upper triangle of a
 *     copy (row k holds the k-th reflector, so every access is contiguous).
 *     H = I − τvvᵀ sends x to βe₁ with β = −sign(x₀)‖x‖ (no cancellation in
 *     x₀ − β), v = (x − βe₁)/(x₀ − β), τ = (β − x₀)/β.  The two-sided update
 *     is the rank-2 form  HAH = A − vwᵀ − wvᵀ,  p = τAv,  w = p − ½τ(pᵀv)v.
 *     Then W = Qᵀ = H_{n−3}···H₀ is formed row by row (W ← W·H_k touches
 *     only rows and columns > k).
 *  3. Implicit symmetric QR with the Wilkinson shift (the eigenvalue of the
 *     trailing 2×2 nearer its last entry; globally convergent, cubically in
 *     practice), bulge chased by Givens rotations G (rows k, k+1):
 *     T ← GTGᵀ and W ← GW, so WAWᵀ = T throughout and the rows of W end as
 *     the eigenvectors.  2×2 blocks are diagonalised directly by a Jacobi
 *     rotation.  Off-diagonals with |eₖ| ≤ u(|dₖ| + |dₖ₊₁|) are set to zero
 *     (a relative perturbation of T, within the backward error).
 *
 * Why QR and not divide and conquer: it is short, has no secular equation
 * to safeguard, and its cost (≈6n³ flops in rotations) is made fast by
 * recording the rotations of many sweeps and applying them to W column
 * block by column block: a block of W stays in cache across hundreds of
 * rotations, and threads take disjoint column blocks.  Each element of W
 * sees the same operations in the same order for any split, so results are
 * bitwise identical for every thread count.
 *
 * Top-k solver: see aek_eig_sym_topk below.
 */
#include "eigen_sym.h"

#include "../simd/error.h"
#include "../simd/threadpool.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const double U = 0x1p-53;      /* unit roundoff of double              */
static const double TINY = 0x1p-1000; /* off-diagonals below this are zero    */

/* ---- small helpers ------------------------------------------------------ */

/* count·size bytes, 64-byte aligned, or NULL (also on overflow). */
static void *alloc_array(size_t count, size_t size)
{
    if (count == 0)
        count = 1;
    if (count > ((size_t)PTRDIFF_MAX - 64) / size)
        return NULL;
    size_t bytes = (count * size + 63) / 64 * 64;
    return aligned_alloc(64, bytes);
}

/* The loops below are written as fixed-width inner blocks over restrict
 * pointers so that -O2 vectorises them (GCC's cheap cost model takes a
 * constant trip count); no loop is reassociated: every result has one fixed
 * order of operations on every ISA. */

/* Σ xᵢyᵢ with four interleaved partial sums, added as (s₀+s₁)+(s₂+s₃). */
static double dot(const double *restrict x, const double *restrict y, size_t n)
{
    double s[4] = {0, 0, 0, 0};
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (size_t l = 0; l < 4; l++)
            s[l] += x[i + l] * y[i + l];
    for (; i < n; i++)
        s[0] += x[i] * y[i];
    return (s[0] + s[1]) + (s[2] + s[3]);
}

/* y += a·x */
static void axpy(double *restrict y, const double *restrict x, double a, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (size_t l = 0; l < 8; l++)
            y[i + l] += a * x[i + l];
    for (; i < n; i++)
        y[i] += a * x[i];
}

/* y −= a·x + b·z */
static void rank2_row(double *restrict y, const double *restrict x, double a,
                      const double *restrict z, double b, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (size_t l = 0; l < 8; l++)
            y[i + l] -= a * x[i + l] + b * z[i + l];
    for (; i < n; i++)
        y[i] -= a * x[i] + b * z[i];
}

static int threads_for(double flops)
{
    int t = aek_num_threads();
    int by_work = (int)(flops / 2e6); /* a wake-up costs ~µs: ≥ 2 Mflop each */
    if (by_work < t)
        t = by_work;
    return t < 1 ? 1 : t;
}

/* Power of two s with max|a|·s ∈ [½, 1) (1 for the zero matrix). */
static double pow2_scale(double amax)
{
    if (amax == 0)
        return 1;
    int e;
    frexp(amax, &e);
    return ldexp(1.0, -e);
}

/* ---- phase 2: tridiagonalisation ---------------------------------------- */

/* a: n×n, upper triangle holds A.  On return T = QᵀAQ has diagonal d and
 * off-diagonal e (eₖ = T[k][k+1]); row k, columns k+1.., holds vₖ (v₀ = 1)
 * with τₖ in tau (τ = 0: Hₖ = I).  p: n doubles of workspace. */
static void tridiagonalise(size_t n, double *a, double *d, double *e, double *tau, double *p)
{
    for (size_t k = 0; k + 2 < n; k++) {
        size_t r = n - k - 1;
        double *v = a + k * n + k + 1;
        d[k] = a[k * n + k];
        double x0 = v[0], tail = dot(v + 1, v + 1, r - 1);
        if (tail == 0) { /* column already reduced: H = I */
            e[k] = x0;
            tau[k] = 0;
            continue;
        }
        double beta = -copysign(sqrt(x0 * x0 + tail), x0);
        double t = (beta - x0) / beta, sc = 1 / (x0 - beta);
        for (size_t i = 1; i < r; i++)
            v[i] *= sc;
        v[0] = 1;
        e[k] = beta;
        tau[k] = t;

        /* p = A₂₂v from the upper triangle: row i contributes its dot over
         * j ≥ i to pᵢ and aᵢⱼvᵢ to pⱼ (j > i), i.e. the lower half. */
        double *A22 = a + (k + 1) * n + (k + 1);
        memset(p, 0, r * sizeof *p);
        for (size_t i = 0; i < r; i++) {
            const double *row = A22 + i * n;
            p[i] += row[i] * v[i] + dot(row + i + 1, v + i + 1, r - i - 1);
            axpy(p + i + 1, row + i + 1, v[i], r - i - 1);
        }
        /* p = τA₂₂v, w = p − ½τ(pᵀv)v (kept in p) */
        for (size_t i = 0; i < r; i++)
            p[i] *= t;
        double h = 0.5 * t * dot(p, v, r);
        axpy(p, v, -h, r);
        for (size_t i = 0; i < r; i++) {
            double *row = A22 + i * n;
            rank2_row(row + i, p + i, v[i], v + i, p[i], r - i);
        }
    }
    if (n >= 2) {
        d[n - 2] = a[(n - 2) * n + (n - 2)];
        e[n - 2] = a[(n - 2) * n + (n - 1)];
    }
    d[n - 1] = a[(n - 1) * n + (n - 1)];
}

/* W = Qᵀ = H_{n−3}···H₀, built as W ← W·Hₖ for k = n−3 … 0.  Row i starts
 * as eᵢ and only reflectors k < i change it: wᵢ[k+1..] −= τ(wᵢ·v)vᵀ.  Rows
 * are independent; a task takes blocks of QROWS rows (so each reflector is
 * read once per block) in a cyclic order (row i costs ∝ i). */
enum { QROWS = 8 };

typedef struct {
    size_t n;
    const double *a, *tau;
    double *W;
} formq_job;

static void formq_task(void *arg, int tid, int nt)
{
    const formq_job *j = arg;
    size_t n = j->n, nblk = (n + QROWS - 1) / QROWS;
    for (size_t b = (size_t)tid; b < nblk; b += (size_t)nt) {
        size_t i0 = b * QROWS, i1 = i0 + QROWS < n ? i0 + QROWS : n;
        for (size_t i = i0; i < i1; i++) {
            memset(j->W + i * n, 0, n * sizeof(double));
            j->W[i * n + i] = 1;
        }
        if (n < 3 || i1 < 2)
            continue;
        /* largest reflector index that touches a row of the block: i1−2 */
        size_t kmax = i1 - 2 < n - 3 ? i1 - 2 : n - 3;
        for (size_t k = kmax + 1; k-- > 0;) {
            if (j->tau[k] == 0)
                continue;
            const double *v = j->a + k * n + k + 1;
            size_t r = n - k - 1;
            for (size_t i = i0 > k + 1 ? i0 : k + 1; i < i1; i++) {
                double *row = j->W + i * n + k + 1;
                double s = j->tau[k] * dot(row, v, r);
                axpy(row, v, -s, r);
            }
        }
    }
}

/* ---- phase 3: implicit QR on the tridiagonal ----------------------------- */

/* Rotations recorded by the QR sweeps and applied to W in batches.  A sweep
 * is a chain of rotations in planes (k₀, k₀+1), (k₀+1, k₀+2), …, each
 *   W[k] ← c·W[k] + s·W[k+1],   W[k+1] ← c·W[k+1] − s·W[k],
 * so row k+1 leaves one rotation and enters the next: walking a chain keeps
 * it in registers (one load and one store per rotation instead of two). */
typedef struct {
    size_t n, nrot, cap, nchain;
    size_t *k0, *len; /* chain j: rows k0[j] .. k0[j]+len[j] (≤ cap chains) */
    double *c, *s;    /* rotations of all chains, in order                  */
    double *W;        /* NULL: eigenvalues only, nothing recorded            */
} rot_batch;

enum { ROT_COLS = 32, ROT_LANES = 8 }; /* column block of W: n rows × 256 B */

/* One chain on an 8-column slice x of W (row stride n).  With GCC/Clang the
 * carried row lives in four 2-lane vector registers (generic vectors: SSE2
 * or NEON, no ISA flags; element-wise IEEE operations, so the bits equal
 * those of the plain loop below). */
#if defined(__GNUC__)
typedef double v2d __attribute__((vector_size(16)));
static inline v2d v2_load(const double *p)
{
    v2d v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void v2_store(double *p, v2d v) { memcpy(p, &v, sizeof v); }

static void rot_chain8(double *x, size_t n, size_t len, const double *c, const double *s)
{
    v2d a0 = v2_load(x), a1 = v2_load(x + 2), a2 = v2_load(x + 4), a3 = v2_load(x + 6);
    for (size_t r = 0; r < len; r++) {
        double *lo = x + r * n, *hi = lo + n;
        v2d cr = {c[r], c[r]}, sr = {s[r], s[r]}, v;
        v = v2_load(hi);
        v2_store(lo, cr * a0 + sr * v);
        a0 = cr * v - sr * a0;
        v = v2_load(hi + 2);
        v2_store(lo + 2, cr * a1 + sr * v);
        a1 = cr * v - sr * a1;
        v = v2_load(hi + 4);
        v2_store(lo + 4, cr * a2 + sr * v);
        a2 = cr * v - sr * a2;
        v = v2_load(hi + 6);
        v2_store(lo + 6, cr * a3 + sr * v);
        a3 = cr * v - sr * a3;
    }
    double *end = x + len * n;
    v2_store(end, a0);
    v2_store(end + 2, a1);
    v2_store(end + 4, a2);
    v2_store(end + 6, a3);
}
#else
static void rot_chain8(double *x, size_t n, size_t len, const double *c, const double *s)
{
    for (size_t r = 0; r < len; r++) {
        double *restrict lo = x + r * n, *restrict hi = lo + n;
        for (size_t l = 0; l < ROT_LANES; l++) {
            double u = lo[l], v = hi[l];
            lo[l] = c[r] * u + s[r] * v;
            hi[l] = c[r] * v - s[r] * u;
        }
    }
}
#endif

/* The same on a slice narrower than 8 (the last columns of W). */
static void rot_chain_tail(double *x, size_t n, size_t w, size_t len, const double *c,
                           const double *s)
{
    for (size_t r = 0; r < len; r++)
        for (size_t l = 0; l < w; l++) {
            double u = x[r * n + l], v = x[(r + 1) * n + l];
            x[r * n + l] = c[r] * u + s[r] * v;
            x[(r + 1) * n + l] = c[r] * v - s[r] * u;
        }
}

/* Thread tid takes a contiguous range of column blocks and applies every
 * chain of the batch to each block in turn (the block stays in cache). */
static void rot_task(void *arg, int tid, int nt)
{
    const rot_batch *b = arg;
    size_t n = b->n, nblk = (n + ROT_COLS - 1) / ROT_COLS;
    size_t blk0 = aek_part_begin(nblk, tid, nt), blk1 = aek_part_begin(nblk, tid + 1, nt);
    for (size_t blk = blk0; blk < blk1; blk++) {
        size_t j0 = blk * ROT_COLS, j1 = j0 + ROT_COLS < n ? j0 + ROT_COLS : n;
        const double *c = b->c, *s = b->s;
        for (size_t ch = 0; ch < b->nchain; ch++) {
            double *x = b->W + b->k0[ch] * n;
            size_t len = b->len[ch], j = j0;
            for (; j + ROT_LANES <= j1; j += ROT_LANES)
                rot_chain8(x + j, n, len, c, s);
            if (j < j1)
                rot_chain_tail(x + j, n, j1 - j, len, c, s);
            c += len;
            s += len;
        }
    }
}

static void rot_flush(rot_batch *b)
{
    if (b->nrot == 0)
        return;
    aek_parallel_run(threads_for(6.0 * (double)b->nrot * (double)b->n), rot_task, b);
    b->nrot = 0;
    b->nchain = 0;
}

/* Opens a chain of len rotations starting at plane (k0, k0+1); returns where
 * to write its c and s (NULL when not recording). */
static size_t rot_open(rot_batch *b, size_t k0, size_t len)
{
    if (!b->W)
        return 0;
    if (b->nrot + len > b->cap)
        rot_flush(b);
    b->k0[b->nchain] = k0;
    b->len[b->nchain] = len;
    b->nchain++;
    size_t at = b->nrot;
    b->nrot += len;
    return at;
}

static void rot_set(rot_batch *b, size_t at, double c, double s)
{
    if (b->W) {
        b->c[at] = c;
        b->s[at] = s;
    }
}

static int negligible(const double *d, const double *e, size_t k)
{
    double x = fabs(e[k]);
    return x <= U * (fabs(d[k]) + fabs(d[k + 1])) || x <= TINY;
}

/* Diagonalise the 2×2 block [a b; b c] at rows k, k+1: with t = tan θ the
 * smaller root of t² − 2ζt − 1 = 0, ζ = (c − a)/2b, the rotation zeroes b and
 * a' = a + tb, c' = c − tb (the trace is kept exactly as a + c). */
static void jacobi2(double *d, double *e, size_t k, rot_batch *rb)
{
    double a = d[k], b = e[k], c = d[k + 1];
    double zeta = (c - a) / (2 * b);
    double t = -copysign(1.0, zeta) / (fabs(zeta) + hypot(1.0, zeta));
    double cs = 1 / sqrt(1 + t * t), sn = t * cs;
    d[k] = a + t * b;
    d[k + 1] = c - t * b;
    e[k] = 0;
    rot_set(rb, rot_open(rb, k, 1), cs, sn);
}

/* One implicit QR sweep with Wilkinson shift on the unreduced block lo..hi. */
static void qr_sweep(double *d, double *e, size_t lo, size_t hi, rot_batch *rb)
{
    double del = 0.5 * (d[hi - 1] - d[hi]), q = e[hi - 1];
    double mu = d[hi] - q * q / (del + copysign(hypot(del, q), del));
    double x = d[lo] - mu, z = e[lo];
    size_t at = rot_open(rb, lo, hi - lo);
    for (size_t k = lo; k < hi; k++) {
        double r = hypot(x, z), c = 1, s = 0;
        if (r != 0) {
            c = x / r;
            s = z / r;
        }
        if (k > lo)
            e[k - 1] = r;
        double a = d[k], b = e[k], cc = d[k + 1];
        double c2 = c * c, s2 = s * s, cs2 = 2 * c * s * b;
        d[k] = c2 * a + cs2 + s2 * cc;
        d[k + 1] = s2 * a - cs2 + c2 * cc;
        e[k] = c * s * (cc - a) + (c2 - s2) * b;
        if (k + 1 < hi) { /* the bulge at (k, k+2) */
            z = s * e[k + 1];
            e[k + 1] *= c;
            x = e[k];
        }
        rot_set(rb, at + (k - lo), c, s);
    }
}

/* Eigenvalues of the tridiagonal (d, e) into d; rotations into rb. */
static aek_status tridiag_qr(size_t n, double *d, double *e, rot_batch *rb)
{
    size_t sweeps = 0, cap = 30 * n + 30;
    size_t hi = n - 1;
    while (hi > 0) {
        if (negligible(d, e, hi - 1)) {
            e[hi - 1] = 0;
            hi--;
            continue;
        }
        size_t lo = hi - 1;
        while (lo > 0 && !negligible(d, e, lo - 1))
            lo--;
        if (lo > 0)
            e[lo - 1] = 0;
        if (++sweeps > cap)
            return aek_error(AEK_ERR_NUMERIC,
                             "symmetric QR did not converge after %zu sweeps (n = %zu)", cap, n);
        if (hi - lo == 1)
            jacobi2(d, e, lo, rb);
        else
            qr_sweep(d, e, lo, hi, rb);
    }
    rot_flush(rb);
    return AEK_OK;
}

/* ---- full solver ----------------------------------------------------------- */

/* Reads the lower triangle: checks it is finite and returns max|aᵢⱼ| (or −1). */
static double lower_amax(size_t n, const double *A, size_t lda)
{
    double amax = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++) {
            double x = fabs(A[i * lda + j]);
            if (!(x <= 1.79769313486231570815e308))
                return -1;
            if (x > amax)
                amax = x;
        }
    return amax;
}

static aek_status check_args(const char *fn, size_t n, const double *A, size_t lda, const double *w)
{
    if (n == 0 || !A || !w)
        return aek_error(AEK_ERR_ARG, "%s: n = %zu, A = %p, w = %p (need n ≥ 1 and both set)", fn,
                         n, (const void *)A, (const void *)w);
    if (lda < n)
        return aek_error(AEK_ERR_ARG, "%s: lda = %zu < n = %zu", fn, lda, n);
    return AEK_OK;
}

/* Sorts idx[0..n) so that d[idx[·]] is descending (ties by index: stable). */
static void sort_desc(size_t n, const double *d, size_t *idx)
{
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    for (size_t i = 1; i < n; i++) { /* insertion sort: the QR output is nearly sorted */
        size_t x = idx[i], j = i;
        while (j > 0 && d[idx[j - 1]] < d[x]) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = x;
    }
}

aek_status aek_eig_sym(size_t n, const double *A, size_t lda, double *w, double *V, size_t ldv)
{
    aek_status st = check_args("aek_eig_sym", n, A, lda, w);
    if (st != AEK_OK)
        return st;
    if (V && ldv < n)
        return aek_error(AEK_ERR_ARG, "aek_eig_sym: ldv = %zu < n = %zu", ldv, n);
    if (n > SIZE_MAX / n)
        return aek_error(AEK_ERR_NOMEM, "aek_eig_sym: n = %zu is too large", n);
    double amax = lower_amax(n, A, lda);
    if (amax < 0)
        return aek_error(AEK_ERR_NUMERIC, "aek_eig_sym: A has a NaN or infinite entry");
    double sc = pow2_scale(amax);

    size_t cap = 4 * n + 64; /* rotations per batch */
    double *a = alloc_array(n * n, sizeof(double));
    double *W = V ? alloc_array(n * n, sizeof(double)) : NULL;
    double *d = alloc_array(n, sizeof(double)), *e = alloc_array(n, sizeof(double));
    double *tau = alloc_array(n, sizeof(double)), *p = alloc_array(n, sizeof(double));
    size_t *idx = alloc_array(n, sizeof(size_t));
    rot_batch rb = {n, 0, cap, 0, NULL, NULL, NULL, NULL, W};
    if (V) {
        rb.k0 = alloc_array(cap, sizeof(size_t));
        rb.len = alloc_array(cap, sizeof(size_t));
        rb.c = alloc_array(cap, sizeof(double));
        rb.s = alloc_array(cap, sizeof(double));
    }
    if (!a || !d || !e || !tau || !p || !idx || (V && (!W || !rb.k0 || !rb.len || !rb.c || !rb.s))) {
        st = aek_error(AEK_ERR_NOMEM, "aek_eig_sym: no memory for n = %zu", n);
        goto done;
    }

    /* upper triangle of a = scaled lower triangle of A (transposed) */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++)
            a[j * n + i] = A[i * lda + j] * sc;
    e[n - 1] = 0;
    tridiagonalise(n, a, d, e, tau, p);
    if (V) {
        formq_job fj = {n, a, tau, W};
        aek_parallel_run(threads_for(4.0 / 3.0 * (double)n * (double)n * (double)n), formq_task,
                         &fj);
    }
    st = tridiag_qr(n, d, e, &rb);
    if (st != AEK_OK)
        goto done;

    sort_desc(n, d, idx);
    for (size_t i = 0; i < n; i++) {
        w[i] = d[idx[i]] / sc;
        if (V)
            memcpy(V + i * ldv, W + idx[i] * n, n * sizeof(double));
    }
done:
    free(a);
    free(W);
    free(d);
    free(e);
    free(tau);
    free(p);
    free(idx);
    free(rb.k0);
    free(rb.len);
    free(rb.c);
    free(rb.s);
    return st;
}

/* ---- top-k solver ----------------------------------------------------------
 *
 * Block Lanczos with full reorthogonalisation, in the form that is easiest
 * to make robust:
 *   - an orthonormal basis Q (s vectors, stored as rows) and AQ are kept;
 *     H = QᵀAQ is formed explicitly (not from a three-term recurrence), so
 *     rounding in the basis never corrupts the projected matrix;
 *   - Rayleigh–Ritz: H = YΘYᵀ (aek_eig_sym), Ritz pairs (θᵢ, xᵢ = Qᵀyᵢ) with
 *     explicit residuals rᵢ = (AQ)ᵀyᵢ − θᵢxᵢ;
 *   - the basis grows by the residuals of the leading unconverged Ritz pairs,
 *     orthogonalised twice against Q.  rᵢ ∈ span(Q, AQ), so this spans the
 *     next block Krylov space (Davidson with no preconditioner = Lanczos);
 *   - when s would exceed s_max, a thick restart keeps the k + b leading
 *     Ritz vectors (their AQ and H = diag(θ) come for free).
 * A block of b vectors captures eigenvalues of multiplicity up to b.  From a
 * single vector, the Krylov space holds one direction of each eigenspace:
 * in exact arithmetic the other copies of a repeated eigenvalue are never
 * found and the next eigenvalue converges in their place, with a small
 * residual — a wrong answer no residual test sees (rounding noise may bring
 * the copies back, but nothing guarantees when).  Hence the default b = k.
 */

typedef struct {
    unsigned long long s;
} rng64;

static double rng_sym(rng64 *r) /* uniform in [−1, 1) (splitmix64) */
{
    unsigned long long z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * 0x1p-52 - 1.0;
}

/* y = A·x for the lower triangle of A (row i: dot over j ≤ i into yᵢ,
 * aᵢⱼxᵢ into yⱼ for j < i). */
static void symv_lower(size_t n, const double *A, size_t lda, const double *x, double *y)
{
    memset(y, 0, n * sizeof *y);
    for (size_t i = 0; i < n; i++) {
        const double *row = A + i * lda;
        y[i] += dot(row, x, i) + row[i] * x[i];
        axpy(y, row, x[i], i);
    }
}

static double norm2(const double *x, size_t n) { return sqrt(dot(x, x, n)); }

typedef struct {
    size_t n, smax, s;
    const double *A;
    size_t lda;
    double *Q, *AQ, *H; /* smax×n, smax×n, smax×smax (lower triangle used) */
    rng64 rng;
    size_t matvecs;
} krylov;

/* x ← x − Q(Qᵀx), up to three times while a pass removes more than half of
 * x ("twice is enough" unless the second pass cancels too).  Returns ‖x‖. */
static double orthogonalise(krylov *K, double *x)
{
    double before = norm2(x, K->n), after = before;
    for (int pass = 0; pass < 3; pass++) {
        for (size_t j = 0; j < K->s; j++)
            axpy(x, K->Q + j * K->n, -dot(K->Q + j * K->n, x, K->n), K->n);
        after = norm2(x, K->n);
        if (after > 0.5 * before)
            break;
        before = after;
    }
    return after;
}

/* Appends the directions in T (cnt rows of n) to the basis, orthonormalised;
 * a direction already in span(Q) is replaced by a random one.  Then AQ and
 * the new rows of H.  Returns how many vectors were added. */
static size_t expand(krylov *K, double *T, size_t cnt)
{
    size_t n = K->n, s0 = K->s;
    for (size_t c = 0; c < cnt && K->s < n && K->s < K->smax; c++) {
        double *t = T + c * n;
        for (int tries = 0;; tries++) {
            double nu0 = norm2(t, n);
            double nu = nu0 > 0 ? orthogonalise(K, t) : 0;
            /* kept only if well clear of the rounding left in it: after the
             * passes t ⟂ Q to ~u·nu0/nu */
            if (nu > 1e-8 * nu0) {
                double *q = K->Q + K->s * n;
                for (size_t i = 0; i < n; i++)
                    q[i] = t[i] / nu;
                K->s++;
                break;
            }
            if (tries == 8)
                return K->s - s0; /* no new direction found: Q spans Rⁿ numerically */
            for (size_t i = 0; i < n; i++)
                t[i] = rng_sym(&K->rng);
        }
    }
    for (size_t i = s0; i < K->s; i++) {
        symv_lower(n, K->A, K->lda, K->Q + i * n, K->AQ + i * n);
        K->matvecs++;
        for (size_t j = 0; j <= i; j++)
            K->H[i * K->smax + j] = dot(K->Q + j * n, K->AQ + i * n, n);
    }
    return K->s - s0;
}

aek_status aek_eig_sym_topk(size_t n, const double *A, size_t lda, size_t k, double *w, double *V,
                            size_t ldv, const aek_eig_topk_opts *opt, aek_eig_topk_info *info)
{
    aek_eig_topk_info inf = {0, 0, 0, 0, 0};
    aek_status st = check_args("aek_eig_sym_topk", n, A, lda, w);
    if (st != AEK_OK)
        return st;
    if (k == 0 || k > n || !V || ldv < n)
        return aek_error(AEK_ERR_ARG,
                         "aek_eig_sym_topk: k = %zu (need 1..n = %zu), V = %p, ldv = %zu (need ≥ n)",
                         k, n, (void *)V, ldv);
    double tol = opt && opt->tol != 0 ? opt->tol : 1e-10;
    size_t max_iter = opt && opt->max_iter ? opt->max_iter : 1000;
    size_t b = opt && opt->block ? opt->block : (k < 64 ? k : 64);
    if (!(tol > 0 && tol < 1))
        return aek_error(AEK_ERR_ARG, "aek_eig_sym_topk: tol = %g is not in (0, 1)", tol);
    if (b > n)
        b = n;
    if (lower_amax(n, A, lda) < 0)
        return aek_error(AEK_ERR_NUMERIC, "aek_eig_sym_topk: A has a NaN or infinite entry");

    size_t keep = k + b < n ? k + b : n;        /* Ritz vectors kept on restart */
    size_t smax = keep + 3 * b < n ? keep + 3 * b : n;
    if (smax > SIZE_MAX / n || smax > SIZE_MAX / smax)
        return aek_error(AEK_ERR_NOMEM, "aek_eig_sym_topk: n = %zu, k = %zu too large", n, k);
    krylov K = {n, smax, 0, A, lda, NULL, NULL, NULL, {opt ? opt->seed : 0}, 0};
    K.Q = alloc_array(smax * n, sizeof(double));
    K.AQ = alloc_array(smax * n, sizeof(double));
    K.H = alloc_array(smax * smax, sizeof(double));
    double *Y = alloc_array(smax * smax, sizeof(double)), *th = alloc_array(smax, sizeof(double));
    double *X = alloc_array(keep * n, sizeof(double)), *AX = alloc_array(keep * n, sizeof(double));
    double *R = alloc_array(keep * n, sizeof(double)), *res = alloc_array(keep, sizeof(double));
    double *T = alloc_array(b * n, sizeof(double));
    if (!K.Q || !K.AQ || !K.H || !Y || !th || !X || !AX || !R || !res || !T) {
        st = aek_error(AEK_ERR_NOMEM, "aek_eig_sym_topk: no memory (n = %zu, basis %zu)", n, smax);
        goto done;
    }
    for (size_t i = 0; i < b * n; i++)
        T[i] = rng_sym(&K.rng);
    expand(&K, T, b);

    for (;;) {
        /* Rayleigh–Ritz on span(Q) */
        size_t s = K.s;
        st = aek_eig_sym(s, K.H, smax, th, Y, smax);
        if (st != AEK_OK)
            goto done;
        inf.anorm = fmax(inf.anorm, fmax(fabs(th[0]), fabs(th[s - 1])));
        size_t nr = s < keep ? s : keep;
        for (size_t i = 0; i < nr; i++) {
            double *x = X + i * n, *ax = AX + i * n, *r = R + i * n;
            memset(x, 0, n * sizeof *x);
            memset(ax, 0, n * sizeof *ax);
            for (size_t j = 0; j < s; j++) {
                axpy(x, K.Q + j * n, Y[i * smax + j], n);
                axpy(ax, K.AQ + j * n, Y[i * smax + j], n);
            }
            for (size_t t = 0; t < n; t++)
                r[t] = ax[t] - th[i] * x[t];
            res[i] = norm2(r, n);
        }
        double limit = tol * inf.anorm, worst = 0;
        for (size_t i = 0; i < k; i++)
            worst = fmax(worst, res[i]);
        inf.max_residual = inf.anorm > 0 ? worst / inf.anorm : worst;
        inf.matvecs = K.matvecs;
        if (worst <= limit) {
            for (size_t i = 0; i < k; i++) {
                w[i] = th[i];
                memcpy(V + i * ldv, X + i * n, n * sizeof(double));
            }
            break;
        }
        if (!(worst == worst)) {
            st = aek_error(AEK_ERR_NUMERIC, "aek_eig_sym_topk: residual is NaN (overflow in A·v?)");
            goto done;
        }
        if (++inf.iterations > max_iter) {
            st = aek_error(AEK_ERR_NUMERIC,
                           "aek_eig_sym_topk: no convergence in %zu block steps: max residual "
                           "%.3g·‖A‖ > tol %.3g (k = %zu, block %zu)",
                           max_iter, inf.max_residual, tol, k, b);
            goto done;
        }
        /* next directions: residuals of the leading unconverged Ritz pairs */
        size_t cnt = 0;
        for (size_t i = 0; i < nr && cnt < b; i++)
            if (res[i] > limit) {
                for (size_t t = 0; t < n; t++)
                    T[cnt * n + t] = R[i * n + t] / res[i];
                cnt++;
            }
        if (s + cnt > smax && nr < s) { /* thick restart */
            memcpy(K.Q, X, nr * n * sizeof(double));
            memcpy(K.AQ, AX, nr * n * sizeof(double));
            for (size_t i = 0; i < nr; i++)
                for (size_t j = 0; j <= i; j++)
                    K.H[i * smax + j] = i == j ? th[i] : 0;
            K.s = nr;
            inf.restarts++;
        }
        if (expand(&K, T, cnt) == 0) {
            st = aek_error(AEK_ERR_NUMERIC,
                           "aek_eig_sym_topk: basis cannot grow (%zu of n = %zu) and max residual "
                           "%.3g·‖A‖ > tol %.3g",
                           K.s, n, inf.max_residual, tol);
            goto done;
        }
    }
done:
    inf.matvecs = K.matvecs;
    if (info)
        *info = inf;
    free(K.Q);
    free(K.AQ);
    free(K.H);
    free(Y);
    free(th);
    free(X);
    free(AX);
    free(R);
    free(res);
    free(T);
    return st;
}
