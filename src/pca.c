/*
 * pca.c — PCA through the toolkit's SGEMM and the double eigen-solvers
 * (pca.h states the convention: C = XcᵀXc/m).
 *
 * Covariance, and why it is accurate.  The mean is summed in double; each
 * chunk of rows is centred in double and rounded once to float,
 * x̃ = fl₃₂(x − μ) = (x − μ)(1 + δ), |δ| ≤ u = 2⁻²⁴; the chunk's Gram matrix
 * G = X̃cᵀX̃c is one float SGEMM (TN) over the chunk's r rows, and the chunk
 * results are added in double.  A float dot product of length r, in any
 * order and in k-blocks (≤ r/64 + 2 extra roundings), has
 * |fl(s) − s| ≤ γ_{r'} Σ|a||b| with γ_j = ju/(1 − ju) (Higham §3.1), so
 *
 *   |Ĉᵢⱼ − Cᵢⱼ| ≤ γ_{r+r/64+4} (|Xc|ᵀ|Xc|)ᵢⱼ / m  (+ O(m/r · 2⁻⁵³), the double adds)
 *
 * and, since |Xc|ᵀ|Xc| is PSD with trace m·tr C,  ‖Ĉ − C‖₂ ≤ γ·tr C: every
 * eigenvalue moves by at most γ·tr C (Weyl).  The bound grows with the chunk
 * and not with m — that is the point of chunking (one 60000-row float GEMM
 * would allow γ ≈ 3.6e-3).
 *
 * Chunk size.  The bound is ∝ r, the cost is not: each chunk adds one pass
 * over the n×n double accumulator and GEMM calls with k = r, which amortise
 * packing and the micro-kernel's k-loop.  Measured for 60000×784 on one
 * AVX-512 core: r = 64: 1.26 s, 128: 0.98 s, 256: 0.74 s, 1024: 0.6–0.7 s.
 * r = 256 is the knee — within ~10 % of the asymptotic speed, with
 * γ ≈ 1.6e-5 (1024 would allow 6.6e-5; independent roundings give ~√r·u,
 * ≈ 1e-6).  That matters: a subspace moves by up to ‖ΔC‖₂/gap, and PCA
 * eigen-gaps of real data are small fractions of tr C.
 *
 * Only the lower triangle is computed (column blocks of NB: half the
 * flops), then mirrored, so Ĉ is exactly symmetric.
 */
#include "pca.h"

#include "data.h"
#include "eigen_sym.h"
#include "../simd/error.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { NB = 128 }; /* column block of the lower-triangle GEMMs */

static void *alloc_array(size_t count, size_t size)
{
    if (count == 0)
        count = 1;
    if (count > ((size_t)PTRDIFF_MAX - 64) / size)
        return NULL;
    return aligned_alloc(64, (count * size + 63) / 64 * 64);
}

/* Column means in double; AEK_ERR_NUMERIC at the first non-finite entry. */
static aek_status column_means(const float *X, size_t m, size_t n, size_t ldx, double *mean)
{
    memset(mean, 0, n * sizeof *mean);
    for (size_t i = 0; i < m; i++) {
        const float *row = X + i * ldx;
        for (size_t j = 0; j < n; j++) {
            if (!isfinite(row[j]))
                return aek_error(AEK_ERR_NUMERIC, "PCA: non-finite value %g at row %zu, column %zu",
                                 (double)row[j], i, j);
            mean[j] += row[j];
        }
    }
    for (size_t j = 0; j < n; j++)
        mean[j] /= (double)m;
    return AEK_OK;
}

/* dst (rows×n, packed) = fl₃₂(X − μ) for rows r0 .. r0+rows. */
static void centre_rows(const float *X, size_t ldx, size_t n, const double *mean, size_t r0,
                        size_t rows, float *dst)
{
    for (size_t i = 0; i < rows; i++) {
        const float *src = X + (r0 + i) * ldx;
        for (size_t j = 0; j < n; j++)
            dst[i * n + j] = (float)((double)src[j] - mean[j]);
    }
}

static aek_status check_data(const char *fn, const float *X, size_t m, size_t n, size_t ldx)
{
    if (!X || n == 0)
        return aek_error(AEK_ERR_ARG, "%s: X = %p, n = %zu (need data and n ≥ 1)", fn,
                         (const void *)X, n);
    if (m < 2)
        return aek_error(AEK_ERR_ARG, "%s: m = %zu samples; a covariance needs m ≥ 2", fn, m);
    if (ldx < n)
        return aek_error(AEK_ERR_ARG, "%s: ldx = %zu < n = %zu", fn, ldx, n);
    if (n > SIZE_MAX / n / sizeof(double))
        return aek_error(AEK_ERR_NOMEM, "%s: n = %zu is too large", fn, n);
    return AEK_OK;
}

aek_status aek_pca_covariance(const float *X, size_t m, size_t n, size_t ldx, size_t chunk_rows,
                              double *mean, double *cov)
{
    aek_status st = check_data("aek_pca_covariance", X, m, n, ldx);
    if (st != AEK_OK)
        return st;
    if (!mean || !cov)
        return aek_error(AEK_ERR_ARG, "aek_pca_covariance: mean and cov must be set");
    size_t chunk = chunk_rows ? chunk_rows : AEK_PCA_CHUNK;
    if (chunk > m)
        chunk = m;
    float *Xc = alloc_array(chunk * n, sizeof(float)), *G = alloc_array(n * n, sizeof(float));
    if (!Xc || !G) {
        st = aek_error(AEK_ERR_NOMEM, "aek_pca_covariance: no memory for n = %zu", n);
        goto done;
    }
    st = column_means(X, m, n, ldx, mean);
    if (st != AEK_OK)
        goto done;
    memset(cov, 0, n * n * sizeof *cov);
    for (size_t r0 = 0; r0 < m; r0 += chunk) {
        size_t rows = m - r0 < chunk ? m - r0 : chunk;
        centre_rows(X, ldx, n, mean, r0, rows, Xc);
        /* G[j0.., j0..j0+nb) = Xc[:, j0..]ᵀ Xc[:, j0..j0+nb): the lower triangle */
        for (size_t j0 = 0; j0 < n; j0 += NB) {
            size_t nb = n - j0 < NB ? n - j0 : NB;
            aek_sgemm(AEK_T, AEK_N, n - j0, nb, rows, 1.0f, Xc + j0, n, Xc + j0, n, 0.0f,
                      G + j0 * n + j0, n);
        }
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j <= i; j++)
                cov[i * n + j] += G[i * n + j];
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j <= i; j++) {
            cov[i * n + j] /= (double)m;
            cov[j * n + i] = cov[i * n + j];
        }
    /* Finite data near FLT_MAX (3.4e38) still overflow: x − μ and the float
     * products of the GEMM reach Inf/NaN; say so here, not as the
     * eigensolver's "A has a NaN or infinite entry". */
    for (size_t i = 0; i < n && st == AEK_OK; i++)
        for (size_t j = 0; j <= i; j++)
            if (!isfinite(cov[i * n + j])) {
                st = aek_error(AEK_ERR_NUMERIC,
                               "PCA: the covariance overflowed the float/double range (entry "
                               "(%zu, %zu) is %s): the data are too large (column means %g, %g); "
                               "scale or standardize them first (e.g. --scale unit or "
                               "--standardize)", i, j, isnan(cov[i * n + j]) ? "NaN" : "infinite",
                               mean[i], mean[j]);
                break;
            }
done:
    free(Xc);
    free(G);
    return st;
}

void aek_pca_free(aek_pca *p)
{
    if (!p)
        return;
    free(p->components);
    free(p->components_f);
    free(p->eigenvalues);
    free(p->sv2);
    free(p->explained);
    free(p->mean);
    free(p->mean_f);
    free(p->spectrum);
    free(p);
}

/* Sign of each row: the entry of largest |·| (first on ties) made positive. */
static void fix_signs(double *V, size_t k, size_t n)
{
    for (size_t i = 0; i < k; i++) {
        double *row = V + i * n;
        size_t at = 0;
        for (size_t j = 1; j < n; j++)
            if (fabs(row[j]) > fabs(row[at]))
                at = j;
        if (row[at] < 0)
            for (size_t j = 0; j < n; j++)
                row[j] = -row[j];
    }
}

/* AEK_PCA_AUTO resolved: the full solver while it is cheap or k is a large
 * share of n, else top-k. */
static aek_pca_solver resolve_solver(size_t n, size_t k, aek_pca_solver solver)
{
    if (solver == AEK_PCA_AUTO)
        return n <= 1024 || k > n / 4 ? AEK_PCA_FULL : AEK_PCA_TOPK;
    return solver;
}

size_t aek_pca_work_bytes(size_t n, size_t k, aek_pca_solver solver)
{
    /* In double: exact far beyond any real size, and it cannot overflow.
     * The sum of what aek_pca_fit allocates, an upper bound on what it
     * holds at once: the results (12kn + 20n + 24k: components in double
     * and float, mean, spectrum, eigenvalues, sv2, explained); the
     * covariance (8n²) with its float Gram (4n²) and a chunk of centred
     * rows (≤ 1024n); full: Vall and aek_eig_sym's working copy and
     * rotations (3 × 8n²) and its vectors and rotation batches (168n +
     * 2048); top-k: aek_eig_sym_topk's Krylov basis (its sizes for block
     * b); 4096 for alignment. */
    double N = (double)n, K = (double)k, b = K < 64 ? K : 64;
    double keep = fmin(K + b, N), smax = fmin(keep + 3 * b, N);
    double common = 12 * N * N + 1024 * N + 12 * K * N + 20 * N + 24 * K + 4096;
    double bytes = resolve_solver(n, k, solver) == AEK_PCA_FULL
                       ? common + 24 * N * N + 168 * N + 2048
                       : common + 8 * ((2 * smax + 3 * keep + b) * N + 2 * smax * smax);
    return bytes >= (double)SIZE_MAX ? SIZE_MAX : (size_t)bytes;
}

aek_status aek_pca_check_size(size_t n, size_t k, aek_pca_solver solver)
{
    size_t need = aek_pca_work_bytes(n, k, solver), cap = aek_data_memory_cap();
    if (need <= cap)
        return AEK_OK;
    char hn[32], hc[32];
    aek_human_bytes((double)need, hn, sizeof hn);
    aek_human_bytes((double)cap, hc, sizeof hc);
    return aek_error(AEK_ERR_NOMEM, "PCA of %zu columns needs %s (%zu bytes) for its %zu x %zu "
                     "matrices (%s solver), above the memory cap of %s (%zu bytes, "
                     "AEKIT_MAX_DATA_BYTES): use fewer columns", n, hn, need, n, n,
                     resolve_solver(n, k, solver) == AEK_PCA_FULL ? "full" : "top-k", hc, cap);
}

aek_status aek_pca_fit(const float *X, size_t m, size_t n, size_t ldx, size_t k,
                       const aek_pca_opts *opt, aek_pca **out)
{
    aek_status st = check_data("aek_pca_fit", X, m, n, ldx);
    if (st != AEK_OK)
        return st;
    if (!out)
        return aek_error(AEK_ERR_ARG, "aek_pca_fit: out must be set");
    if (k == 0 || k > n)
        return aek_error(AEK_ERR_ARG, "aek_pca_fit: k = %zu components, need 1 ≤ k ≤ n = %zu", k,
                         n);
    aek_pca_solver solver = resolve_solver(n, k, opt ? opt->solver : AEK_PCA_AUTO);
    if (solver != AEK_PCA_FULL && solver != AEK_PCA_TOPK)
        return aek_error(AEK_ERR_ARG, "aek_pca_fit: unknown solver %d", (int)solver);
    /* Refused before allocating: an allocation this large can succeed on an
     * overcommitting system and then exhaust memory as it is touched. */
    if ((st = aek_pca_check_size(n, k, solver)) != AEK_OK)
        return st;

    aek_pca *p = calloc(1, sizeof *p);
    double *cov = alloc_array(n * n, sizeof(double));
    double *Vall = solver == AEK_PCA_FULL ? alloc_array(n * n, sizeof(double)) : NULL;
    if (!p || !cov || (solver == AEK_PCA_FULL && !Vall)) {
        st = aek_error(AEK_ERR_NOMEM, "aek_pca_fit: no memory for n = %zu", n);
        goto fail;
    }
    p->m = m;
    p->n = n;
    p->k = k;
    p->solver = solver;
    p->components = alloc_array(k * n, sizeof(double));
    p->components_f = alloc_array(k * n, sizeof(float));
    p->eigenvalues = alloc_array(k, sizeof(double));
    p->sv2 = alloc_array(k, sizeof(double));
    p->explained = alloc_array(k, sizeof(double));
    p->mean = alloc_array(n, sizeof(double));
    p->mean_f = alloc_array(n, sizeof(float));
    if (solver == AEK_PCA_FULL)
        p->spectrum = alloc_array(n, sizeof(double));
    if (!p->components || !p->components_f || !p->eigenvalues || !p->sv2 || !p->explained ||
        !p->mean || !p->mean_f || (solver == AEK_PCA_FULL && !p->spectrum)) {
        st = aek_error(AEK_ERR_NOMEM, "aek_pca_fit: no memory for n = %zu, k = %zu", n, k);
        goto fail;
    }

    st = aek_pca_covariance(X, m, n, ldx, opt ? opt->chunk_rows : 0, p->mean, cov);
    if (st != AEK_OK)
        goto fail;
    p->total_variance = 0;
    for (size_t j = 0; j < n; j++)
        p->total_variance += cov[j * n + j];

    if (solver == AEK_PCA_FULL) {
        st = aek_eig_sym(n, cov, n, p->spectrum, Vall, n);
        if (st != AEK_OK)
            goto fail;
        memcpy(p->components, Vall, k * n * sizeof(double));
        memcpy(p->eigenvalues, p->spectrum, k * sizeof(double));
        p->discarded = 0;
        for (size_t j = n; j-- > k;) /* smallest first */
            p->discarded += p->spectrum[j];
    } else {
        aek_eig_topk_opts eo = {opt ? opt->tol : 0, 0, 0, 0};
        st = aek_eig_sym_topk(n, cov, n, k, p->eigenvalues, p->components, n, &eo, NULL);
        if (st != AEK_OK)
            goto fail;
        double top = 0;
        for (size_t j = 0; j < k; j++)
            top += p->eigenvalues[j];
        p->discarded = p->total_variance - top;
    }
    fix_signs(p->components, k, n);
    for (size_t i = 0; i < k * n; i++)
        p->components_f[i] = (float)p->components[i];
    for (size_t j = 0; j < n; j++)
        p->mean_f[j] = (float)p->mean[j];
    for (size_t j = 0; j < k; j++) {
        p->sv2[j] = (double)m * p->eigenvalues[j];
        p->explained[j] = p->total_variance > 0 ? p->eigenvalues[j] / p->total_variance : 0;
    }
    free(cov);
    free(Vall);
    *out = p;
    return AEK_OK;
fail:
    free(cov);
    free(Vall);
    aek_pca_free(p);
    return st;
}

aek_status aek_pca_project(const aek_pca *p, const float *X, size_t m, size_t ldx, float *codes,
                           size_t ldc)
{
    if (!p || !X || !codes || ldx < p->n || ldc < p->k)
        return aek_error(AEK_ERR_ARG,
                         "aek_pca_project: need p, X, codes set, ldx ≥ n = %zu, ldc ≥ k = %zu "
                         "(got ldx %zu, ldc %zu)",
                         p ? p->n : 0, p ? p->k : 0, ldx, ldc);
    size_t n = p->n, chunk = AEK_PCA_CHUNK < m ? AEK_PCA_CHUNK : m;
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < n; j++)
            if (!isfinite(X[i * ldx + j]))
                return aek_error(AEK_ERR_NUMERIC,
                                 "aek_pca_project: non-finite value at row %zu, column %zu", i, j);
    float *Xc = alloc_array(chunk * n, sizeof(float));
    if (!Xc)
        return aek_error(AEK_ERR_NOMEM, "aek_pca_project: no memory");
    for (size_t r0 = 0; r0 < m; r0 += chunk) {
        size_t rows = m - r0 < chunk ? m - r0 : chunk;
        centre_rows(X, ldx, n, p->mean, r0, rows, Xc);
        aek_sgemm(AEK_N, AEK_T, rows, p->k, n, 1.0f, Xc, n, p->components_f, n, 0.0f,
                  codes + r0 * ldc, ldc);
    }
    free(Xc);
    return AEK_OK;
}

aek_status aek_pca_reconstruct(const aek_pca *p, const float *codes, size_t m, size_t ldc,
                               float *Xhat, size_t ldxh)
{
    if (!p || !codes || !Xhat || ldc < p->k || ldxh < p->n)
        return aek_error(AEK_ERR_ARG,
                         "aek_pca_reconstruct: need p, codes, Xhat set, ldc ≥ k = %zu, ldxh ≥ n = "
                         "%zu (got ldc %zu, ldxh %zu)",
                         p ? p->k : 0, p ? p->n : 0, ldc, ldxh);
    aek_epilogue ep = {p->mean_f, AEK_ACT_IDENTITY};
    aek_sgemm_ex(AEK_N, AEK_N, m, p->n, p->k, 1.0f, codes, ldc, p->components_f, p->n, 0.0f, Xhat,
                 ldxh, &ep);
    return AEK_OK;
}
