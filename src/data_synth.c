/*
 * data_synth.c — the synthetic datasets (data.h): a nonlinear low-
 * dimensional manifold in [0,1]^n, and linear data with a planted spectrum
 * for the linear-AE ≡ PCA proofs.
 *
 * Determinism: the map (or basis) comes from RNG stream 0 of the seed and
 * the samples from stream 1, drawn row by row, so the same seed gives the
 * same bits, and N rows are a prefix of M > N rows with the same seed —
 * a held-out split is the tail of one larger draw.
 */
#include "data.h"
#include "fileio.h"
#include "rng.h"
#include "../simd/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* (the map as a whole was checked against the memory cap) */
static double *alloc_doubles(size_t a, size_t b)
{
    size_t n;
    if (__builtin_mul_overflow(a, b, &n) || n > SIZE_MAX / sizeof(double))
        return NULL;
    return malloc(n ? n * sizeof(double) : 1);
}

static double sigmoid(double v) { return 1.0 / (1.0 + exp(-v)); }

aek_status aek_synth_manifold(const aek_synth_manifold_config *cfg, aek_dataset *out)
{
    memset(out, 0, sizeof *out);
    if (!cfg || cfg->rows == 0 || cfg->cols == 0 || cfg->latent_dim == 0)
        return aek_error(AEK_ERR_ARG, "synthetic manifold: rows, cols and latent_dim must be >= 1");
    if (!(cfg->noise >= 0) || !isfinite(cfg->noise))
        return aek_error(AEK_ERR_ARG, "synthetic manifold: noise %g must be finite and >= 0",
                         (double)cfg->noise);
    size_t d = cfg->latent_dim, n = cfg->cols;
    size_t m = cfg->hidden ? cfg->hidden : (4 * d > 16 ? 4 * d : 16);
    aek_status s = aek_dataset_alloc(out, cfg->rows, n);
    if (s != AEK_OK)
        return aek_error_prefix(s, "synthetic manifold");
    /* the map's doubles, in double (no overflow): above the cap, say so */
    const double map = ((double)m * (double)d + (double)n * (double)m + 2.0 * (double)m +
                        (double)n + (double)d) * sizeof(double);
    if (map > (double)aek_data_memory_cap()) {
        char need[32], have[32];
        aek_human_bytes(map, need, sizeof need);
        aek_human_bytes((double)aek_data_memory_cap(), have, sizeof have);
        aek_dataset_free(out);
        return aek_error(AEK_ERR_NOMEM, "synthetic manifold: its map (%zu -> %zu -> %zu) needs "
                         "%s, above the memory cap of %s (AEKIT_MAX_DATA_BYTES)", d, m, n, need,
                         have);
    }
    /* rows × (m·d + n·m) multiply-adds in double, one core: about 1 ns
     * each on the machines of our reports.  An in-range latent size can ask
     * for hours (10000 rows at latent 10000: 4e12) with no output, so
     * above ~2 minutes of it, say so instead. */
    const double work = (double)cfg->rows * ((double)m * (double)d + (double)n * (double)m);
    if (work > 1e11) {
        aek_dataset_free(out);
        return aek_error(AEK_ERR_ARG, "synthetic manifold: %zu rows through a %zu -> %zu -> %zu "
                         "map are %.2g multiply-adds, above the 1e11 (about two minutes) it "
                         "generates; use fewer rows or a smaller latent dimension", cfg->rows, d,
                         m, n, work);
    }
    double *A = alloc_doubles(m, d), *a = alloc_doubles(m, 1);
    double *B = alloc_doubles(n, m), *b = alloc_doubles(n, 1);
    double *z = alloc_doubles(d, 1), *u = alloc_doubles(m, 1);
    if (!A || !a || !B || !b || !z || !u) {
        s = aek_error(AEK_ERR_NOMEM, "synthetic manifold: out of memory for the map");
        goto done;
    }
    /* The map: pre-activations of std ≈ 1.5 keep tanh in its curved range;
     * output logits of std ≈ 1.3 spread the values over (0.1, 0.9). */
    aek_rng g;
    aek_rng_seed_stream(&g, cfg->seed, 0);
    for (size_t i = 0; i < m * d; i++)
        A[i] = aek_rng_normal(&g) * 1.5 / sqrt((double)d);
    for (size_t i = 0; i < m; i++)
        a[i] = aek_rng_normal(&g) * 0.5;
    for (size_t i = 0; i < n * m; i++)
        B[i] = aek_rng_normal(&g) * 2.0 / sqrt((double)m);
    for (size_t i = 0; i < n; i++)
        b[i] = aek_rng_normal(&g) * 0.5;

    aek_rng_seed_stream(&g, cfg->seed, 1);
    for (size_t r = 0; r < cfg->rows; r++) {
        for (size_t k = 0; k < d; k++)
            z[k] = aek_rng_normal(&g);
        for (size_t h = 0; h < m; h++) {
            double t = a[h];
            for (size_t k = 0; k < d; k++)
                t += A[h * d + k] * z[k];
            u[h] = tanh(t);
        }
        float *x = out->x + r * n;
        for (size_t j = 0; j < n; j++) {
            double t = b[j];
            for (size_t h = 0; h < m; h++)
                t += B[j * m + h] * u[h];
            t += cfg->noise * aek_rng_normal(&g);
            x[j] = (float)sigmoid(t);
        }
    }
    size_t side = (size_t)(sqrt((double)n) + 0.5);
    if (side * side == n)
        out->h = out->w = side;
done:
    free(A), free(a), free(B), free(b), free(z), free(u);
    if (s != AEK_OK)
        aek_dataset_free(out);
    return s;
}

/* Modified Gram–Schmidt, twice ("twice is enough"), on the k columns of the
 * row-major n×k matrix M; with `against_ones` each column is first made
 * orthogonal to the all-ones vector.  Columns end with norm `norm`.
 * Returns -1 if a column is (numerically) dependent on the ones before it. */
static int orthonormalize_columns(double *M, size_t n, size_t k, int against_ones, double norm)
{
    for (size_t j = 0; j < k; j++) {
        for (int pass = 0; pass < 2; pass++) {
            if (against_ones) {
                double mean = 0;
                for (size_t i = 0; i < n; i++)
                    mean += M[i * k + j];
                mean /= (double)n;
                for (size_t i = 0; i < n; i++)
                    M[i * k + j] -= mean;
            }
            for (size_t p = 0; p < j; p++) {
                double dot = 0;
                for (size_t i = 0; i < n; i++)
                    dot += M[i * k + p] * M[i * k + j];
                dot /= norm * norm; /* column p has norm `norm` */
                for (size_t i = 0; i < n; i++)
                    M[i * k + j] -= dot * M[i * k + p];
            }
        }
        double ss = 0;
        for (size_t i = 0; i < n; i++)
            ss += M[i * k + j] * M[i * k + j];
        if (!(ss > 1e-20 * (double)n))
            return -1;
        double scale = norm / sqrt(ss);
        for (size_t i = 0; i < n; i++)
            M[i * k + j] *= scale;
    }
    return 0;
}

void aek_planted_spectrum_free(aek_planted_spectrum *p)
{
    if (!p)
        return;
    free(p->basis);
    free(p->eigvals);
    memset(p, 0, sizeof *p);
}

aek_status aek_synth_linear(size_t rows, size_t cols, const double *eigvals, size_t rank,
                            uint64_t seed, int exact, aek_dataset *out,
                            aek_planted_spectrum *truth)
{
    memset(out, 0, sizeof *out);
    if (truth)
        memset(truth, 0, sizeof *truth);
    if (rows == 0 || cols == 0 || rank == 0 || rank > cols || !eigvals)
        return aek_error(AEK_ERR_ARG,
                         "synthetic linear data: need rows, cols >= 1 and 1 <= rank (%zu) <= cols "
                         "(%zu) eigenvalues", rank, cols);
    if (exact && rows <= rank)
        return aek_error(AEK_ERR_ARG,
                         "synthetic linear data: an exact spectrum needs rows (%zu) > rank (%zu)",
                         rows, rank);
    for (size_t j = 0; j < rank; j++)
        if (!(eigvals[j] >= 0) || !isfinite(eigvals[j]))
            return aek_error(AEK_ERR_ARG, "synthetic linear data: eigenvalue %zu is %g (must be "
                             "finite and >= 0)", j, eigvals[j]);
    aek_status s = aek_dataset_alloc(out, rows, cols);
    if (s != AEK_OK)
        return aek_error_prefix(s, "synthetic linear data");
    double *Q = alloc_doubles(cols, rank), *Z = alloc_doubles(rows, rank);
    double *lam = alloc_doubles(rank, 1), *root = alloc_doubles(rank, 1);
    if (!Q || !Z || !lam || !root) {
        s = aek_error(AEK_ERR_NOMEM, "synthetic linear data: out of memory (%zu x %zu latent "
                      "matrix)", rows, rank);
        goto fail;
    }
    memcpy(lam, eigvals, rank * sizeof(double));
    for (size_t j = 0; j < rank; j++)
        root[j] = sqrt(lam[j]);
    aek_rng g;
    aek_rng_seed_stream(&g, seed, 0);
    for (size_t i = 0; i < cols * rank; i++)
        Q[i] = aek_rng_normal(&g);
    if (orthonormalize_columns(Q, cols, rank, 0, 1.0) != 0) {
        s = aek_error(AEK_ERR_ARG, "synthetic linear data: random basis is degenerate (seed %llu)",
                      (unsigned long long)seed);
        goto fail;
    }
    aek_rng_seed_stream(&g, seed, 1);
    for (size_t i = 0; i < rows * rank; i++)
        Z[i] = aek_rng_normal(&g);
    if (exact && orthonormalize_columns(Z, rows, rank, 1, sqrt((double)rows)) != 0) {
        s = aek_error(AEK_ERR_ARG, "synthetic linear data: latent draws are degenerate");
        goto fail;
    }
    for (size_t r = 0; r < rows; r++) {
        const double *zr = Z + r * rank;
        float *x = out->x + r * cols;
        for (size_t i = 0; i < cols; i++) {
            double t = 0;
            for (size_t j = 0; j < rank; j++)
                t += Q[i * rank + j] * root[j] * zr[j];
            x[i] = (float)t;
        }
    }
    free(Z);
    free(root);
    if (truth) {
        truth->dim = cols;
        truth->rank = rank;
        truth->basis = Q;
        truth->eigvals = lam;
    } else {
        free(Q);
        free(lam);
    }
    return AEK_OK;
fail:
    free(Q), free(Z), free(lam), free(root);
    aek_dataset_free(out);
    return s;
}
