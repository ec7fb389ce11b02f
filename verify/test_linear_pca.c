/*
 * test_linear_pca.c — a linear autoencoder trained by aekit recovers PCA
 * (the seeds' proof, DESIGN.md §3), measured three ways:
 *
 *  1. Subspace: principal angles between the span of the trained encoder's
 *     rows (and of the decoder's columns) and the top-k PCA subspace.  The
 *     sines are the singular values of (I − Q₁Q₁ᵀ)Q₂ (accurate for small
 *     angles, unlike acos of the singular values of Q₁ᵀQ₂), Q orthonormal
 *     bases built in double.
 *  2. Loss: at the optimum the batch-mean MSE of a rank-k linear map equals
 *     the discarded variance Σ_{j>k} λ_j (pca.h: C = XcᵀXc/m); the gap
 *     (L − L*)/L* of the trained model.
 *  3. Individual directions (Kunin et al. 2019, "Loss landscapes of
 *     regularized linear autoencoders"): with L2 weight decay λ on both
 *     untied layers the optimum is W* = U_k·diag(√(λ_i − λ))·O-free, i.e.
 *     the decoder's left singular vectors are the principal directions
 *     themselves and its squared singular values are λ_i − λ.
 *
 * Data: synthetic with a planted spectrum and clear eigengaps at k = 1, 5
 * and 30 (aek_synth_linear, exactly centred and whitened latents, so the
 * planted basis is the eigenbasis of the sample); the PCA reference is the
 * toolkit's own aek_pca (checked against NumPy in verify/steps/pca_numpy.sh)
 * and the planted truth.  Bounds: max angle ≤ 0.5° (from the issue), and
 * the loss gap that by itself proves the decoder within 0.5° (derived at
 * the check).  Real data (Fashion-MNIST, if `make
 * data` put it under data/), k = 2, 5, 30: the decoder's angle checked
 * against the largest angle the loss gap allows at that eigengap; where the
 * gap is too narrow for that bound to say anything (k = 30), the figures are
 * reported as a skip with the reason, not as a pass.
 *
 * First, the measuring tools of src/subspace.c on inputs of known answer
 * (check_subspace): principal angles of 60° and of 1e-7 rad, and Gram–Schmidt
 * on rows 1e-10 from dependent.
 */
#include "check.h"
#include "../src/data.h"
#include "../src/eigen_sym.h"
#include "../src/pca.h"
#include "../src/subspace.h"
#include "../src/train.h"
#include "../simd/kernels.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Rows of a float matrix (r×c) as doubles; transposed when `cols` is set
 * (the columns of the matrix become the rows). */
static double *rows_of(const float *A, size_t r, size_t c, int cols)
{
    size_t k = cols ? c : r, n = cols ? r : c;
    double *Q = malloc(k * n * sizeof(double));
    for (size_t i = 0; i < k; i++)
        for (size_t p = 0; p < n; p++)
            Q[i * n + p] = cols ? A[p * c + i] : A[i * c + p];
    return Q;
}

typedef struct {
    double enc_angle, dec_angle, loss, gap;
    double loss_ld; /* the same model's loss in long double (exact_loss) */
    double dir_angle, sv_err; /* Kunin: worst individual direction, singular values */
    int ok;
} lin_result;

/* Left singular vectors (rows of U, k×n) and squared singular values of a
 * float n×k matrix B, from the eigen-decomposition of BᵀB (k×k, double). */
static int left_singular(const float *B, size_t n, size_t k, double *U, double *s2)
{
    double *G = malloc(k * k * sizeof(double)), *R = malloc(k * k * sizeof(double));
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) {
            double d = 0;
            for (size_t p = 0; p < n; p++)
                d += (double)B[p * k + i] * B[p * k + j];
            G[i * k + j] = d;
        }
    int rc = aek_eig_sym(k, G, k, s2, R, k) != AEK_OK;
    for (size_t i = 0; !rc && i < k; i++) {
        /* u_i = B r_i / s_i */
        double nn = 0;
        for (size_t p = 0; p < n; p++) {
            double d = 0;
            for (size_t j = 0; j < k; j++)
                d += (double)B[p * k + j] * R[i * k + j];
            U[i * n + p] = d;
            nn += d * d;
        }
        for (size_t p = 0; p < n; p++)
            U[i * n + p] /= sqrt(nn);
    }
    free(G);
    free(R);
    return rc;
}

/* (1/m)Σ‖Wd(Wx + b) + c − x‖² of the trained float weights on the float
 * data, in long double: its rounding, O((n + k)·2⁻⁶⁴) relative, is nothing
 * next to the float32 terms of the bounds it meets. */
static double exact_loss(const aek_model *M, const float *X, size_t m, size_t n, size_t k)
{
    const float *W = M->W[0], *b = M->b[0], *Wd = M->Wd[0], *c = M->c[0];
    long double *a = malloc(k * sizeof *a), L = 0;
    for (size_t i = 0; i < m; i++) {
        const float *x = X + i * n;
        for (size_t j = 0; j < k; j++) {
            long double s = b[j];
            for (size_t p = 0; p < n; p++)
                s += (long double)W[j * n + p] * x[p];
            a[j] = s;
        }
        for (size_t p = 0; p < n; p++) {
            long double z = (long double)c[p] - x[p];
            for (size_t j = 0; j < k; j++)
                z += Wd[p * k + j] * a[j];
            L += z * z;
        }
    }
    free(a);
    return (double)(L / (long double)m);
}

/* Trains a linear AE of code size k on X (m×n, centred) and measures it
 * against the PCA; with `exact`, also its loss in long double (loss_ld,
 * else NaN: 0.6 s on Fashion-MNIST that no check there reads). */
static lin_result train_linear(const float *X, size_t m, size_t n, size_t k, const aek_pca *p,
                               double l2, int epochs, size_t batch, double lr, int exact)
{
    aek_model *M = NULL;
    lin_result r = {0};
    aek_config cfg = aek_config_default(n, k);
    cfg.act[0] = AEK_ACT_IDENTITY;
    cfg.out_act = AEK_ACT_IDENTITY;
    cfg.l2 = l2;
    if (aek_model_create(&cfg, batch, 5, &M) != AEK_OK)
        return r;
    aek_train_config tc = aek_train_default();
    tc.opt.kind = AEK_OPT_ADAM;
    tc.opt.lr = lr;
    tc.opt.lr_final = lr * 1e-3; /* cosine decay: the last steps refine, not jitter */
    tc.epochs = epochs;
    tc.batch = batch;
    tc.seed = 3;
    if (aek_train(M, X, m, &tc, NULL) != AEK_OK) {
        aek_model_free(M);
        return r;
    }
    double recon, total;
    aek_eval_dataset(M, X, m, 0, &recon, &total);
    double *Qp = malloc(k * n * sizeof(double));
    memcpy(Qp, p->components, k * n * sizeof(double));
    double *Qe = rows_of(M->W[0], k, n, 0), *Qd = rows_of(M->Wd[0], n, k, 1);
    aek_orthonormalize_rows(Qe, k, n);
    aek_orthonormalize_rows(Qd, k, n);
    r.enc_angle = aek_max_principal_angle_deg(Qe, Qp, k, n);
    r.dec_angle = aek_max_principal_angle_deg(Qd, Qp, k, n);
    r.loss = recon;
    r.loss_ld = exact ? exact_loss(M, X, m, n, k) : NAN;
    r.gap = (recon - p->discarded) / p->discarded;
    r.ok = 1;
    if (l2 > 0) {
        /* Kunin et al.: W* = U_k·diag(s), s_i² = 1 − λ/λ_i under this
         * convention (stationarity of (1/m)Σ‖x − W*Wx‖² + λ(‖W‖² + ‖W*‖²):
         * in each principal direction c(1 − ab)b = λa and c(1 − ab)a = λb,
         * so a = b and a² = 1 − λ/c) */
        double *U = malloc(k * n * sizeof(double)), *s2 = malloc(k * sizeof(double));
        r.ok = !left_singular(M->Wd[0], n, k, U, s2);
        for (size_t i = 0; r.ok && i < k; i++) {
            double c = 0;
            for (size_t q = 0; q < n; q++)
                c += U[i * n + q] * p->components[i * n + q];
            double ang = acos(fmin(1, fabs(c))) * 180 / 3.14159265358979323846;
            r.dir_angle = fmax(r.dir_angle, ang);
            double want = 1 - l2 / p->eigenvalues[i];
            r.sv_err = fmax(r.sv_err, fabs(s2[i] - want) / want);
        }
        free(U);
        free(s2);
    }
    free(Qp);
    free(Qe);
    free(Qd);
    aek_model_free(M);
    return r;
}



/* The regularized optimum is approached at a rate set by λ·lr (the balance
 * W ↔ W*ᵀ is restored only by the decay): 80 epochs leave the singular
 * values 1.7e-3 off, 160 → 8e-4, 320 → 4.5e-4 (measured), so 320. */
#define KUNIN_EPOCHS 320

static void check_kunin(void)
{
    /* well separated top eigenvalues so individual directions are defined */
    const size_t n = 40, m = 4000, k = 5;
    double lam[40];
    for (size_t j = 0; j < n; j++)
        lam[j] = j < k ? 20.0 / (double)(1u << j) : 0.2 - 0.15 * (double)(j - k) / (double)(n - k);
    aek_dataset d = {0};
    aek_planted_spectrum truth = {0};
    aek_pca *p = NULL;
    if (aek_synth_linear(m, n, lam, n, 77, 1, &d, &truth) != AEK_OK ||
        aek_pca_fit(d.x, m, n, n, k, NULL, &p) != AEK_OK) {
        chk_verdict("linear AE + L2 (Kunin)", NAN, 0, 0, "setup failed: %s", aek_last_error());
        return;
    }
    const double l2 = 0.5;
    lin_result r = train_linear(d.x, m, n, k, p, l2, KUNIN_EPOCHS, 100, 1e-2, 0);
    chk_le("linear AE + L2 (Kunin 2019), k=5: decoder left singular vectors vs principal "
           "directions, max angle (deg)", r.ok ? r.dir_angle : NAN, 0.5,
           "lambda %.2g; eigenvalues 20,10,5,2.5,1.25 | 0.2..0.05; subspace %.3g deg", l2, r.dec_angle);
    chk_le("linear AE + L2 (Kunin 2019), k=5: squared singular values vs 1 - lambda/lambda_i, "
           "max rel err", r.ok ? r.sv_err : NAN, 1e-3, "the closed form of the regularized optimum");
    aek_pca_free(p);
    aek_planted_spectrum_free(&truth);
    aek_dataset_free(&d);
}

/* Fashion-MNIST: no planted truth, so the angles are reported against the
 * eigengap, and checked against what the loss allows: for a rank-k linear
 * reconstruction whose column space makes angles θ_i with the top-k
 * subspace, L − L* ≥ (λ_k − λ_{k+1})·Σ sin²θ_i (write tr(P_S C) in the
 * eigenbasis), so sin²θ_max ≤ (L − L*)/(λ_k − λ_{k+1}). */
static void check_real(void)
{
    static const char *const paths[] = {"data/fashion-mnist/train-images-idx3-ubyte.gz",
                                        "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"};
    aek_dataset d = {0};
    const char *used = NULL;
    for (size_t i = 0; i < 2 && !used; i++)
        if (aek_load_idx_images(paths[i], &d) == AEK_OK)
            used = paths[i];
    if (!used) {
        chk_skip("linear AE = PCA on Fashion-MNIST", "data not found (make data)");
        return;
    }
    size_t rows = getenv("QUICK") && !strcmp(getenv("QUICK"), "1") ? 3000 : 10000;
    aek_data_take_first(&d, rows);
    aek_data_scale_u8(&d);
    aek_data_center(&d);
    /* k = 2: a wide eigengap (λ2 − λ3 ≈ 8.3 of λ2 ≈ 12.3 on the first 10000
     * images); k = 5: a moderate one (≈ 0.33 of 2.6); k = 30: a narrow one
     * (≈ 0.0074 of 0.20), where the loss cannot pin the subspace down */
    static const size_t ks[] = {2, 5, 30};
    for (int i = 0; i < 3; i++) {
        size_t k = ks[i];
        aek_pca *p = NULL;
        aek_pca_opts o = {0, AEK_PCA_FULL, 0};
        if (aek_pca_fit(d.x, d.rows, d.cols, d.cols, k, &o, &p) != AEK_OK) {
            char fname[96];
            snprintf(fname, sizeof fname, "linear AE = PCA, Fashion-MNIST k=%zu: PCA of the data", k);
            chk_verdict(fname, NAN, 0, 0, "aek_pca_fit failed: %s", aek_last_error());
            continue;
        }
        lin_result r = train_linear(d.x, d.rows, d.cols, k, p, 0, 25, 100, 3e-3, 0);
        double gap = p->spectrum[k - 1] - p->spectrum[k];
        double excess = r.loss - p->discarded;
        double allowed = asin(fmin(1, sqrt(fmax(excess, 0) / gap))) * 180 / 3.14159265358979323846;
        char name[160];
        snprintf(name, sizeof name, "linear AE = PCA, Fashion-MNIST k=%zu: decoder subspace angle "
                 "vs the bound the loss gap allows (deg)", k);
        if (r.ok && allowed >= 89.99) {
            /* sin²θ ≤ (L − L*)/gap ≥ 1 bounds nothing: a check here could
             * not fail, so the figures are reported as a skip */
            chk_skip(name, "not checkable: L - L* = %.3g exceeds the eigengap lambda_%zu - "
                     "lambda_%zu = %.4g - %.4g, so the loss allows any angle; measured: decoder "
                     "%.3g deg, encoder rows %.3g deg, (L - L*)/L* = %.3g (%zu rows of %s)",
                     excess, k, k + 1, p->spectrum[k - 1], p->spectrum[k], r.dec_angle,
                     r.enc_angle, r.gap, d.rows, used);
        } else {
            chk_le(name, r.ok ? r.dec_angle : NAN, allowed,
                   "%zu rows of %s; eigengap lambda_%zu - lambda_%zu = %.4g - %.4g; (L - L*)/L* = "
                   "%.3g; encoder rows %.3g deg (not identifiable: the loss does not see encoder "
                   "components in the data's near-null space)", d.rows, used, k, k + 1,
                   p->spectrum[k - 1], p->spectrum[k], r.gap, r.enc_angle);
        }
        aek_pca_free(p);
    }
    aek_dataset_free(&d);
}

/* subspace.c on its own, with known answers.  Q1 = e₁..e₃, Q2 rows
 * cos θᵢ·eᵢ + sin θᵢ·e₃₊ᵢ in R⁶ (principal angles exactly θᵢ), both turned by
 * the same random orthogonal P (a product of 6 Householder reflectors, so
 * the angles do not change) and Q1's rows mixed by a 3×3 rotation (the
 * same row space).  θ = (10°, 35°, 60°): the largest is 60°; θ = (1e-7 rad,
 * 2e-8, 0): the largest is 1e-7 rad, where acos of the cosines (1 − 5e-15)
 * would be off by ~5%.  Bound on sin θ_max (u = 2⁻⁵³, n = 6, k = 3): the
 * inputs carry one rounding per entry (P's product is accumulated in
 * double, ≤ 2n roundings: ‖ΔQ‖_F ≤ 2n·√(kn)·u each), R = Q2 − (Q2Q1ᵀ)Q1
 * adds ≤ (k + 1)(n + 2)u per entry (‖·‖_F ≤ √(kn) of that), and the k×k
 * Gram matrix RRᵀ and its largest eigenvalue (c = 32, test_pca.c) add
 * (n + c·k)u·sin²θ: |Δ sin θ| ≤ (4n + (k + 1)(n + 2))√(kn)·u + (n + ck)u,
 * then |Δθ| ≤ |Δ sin θ|/cos θ. */
static void check_subspace(void)
{
    enum { N = 6, K = 3 };
    const double PI = 3.14159265358979323846;
    const double TH[2][K] = {{10, 35, 60}, {1e-7 * 180 / PI, 2e-8 * 180 / PI, 0}};
    chk_rng g = {606};
    double P[N * N], v[N];
    for (size_t i = 0; i < N * N; i++)
        P[i] = i % (N + 1) == 0;
    for (int r = 0; r < N; r++) { /* P ← P·(I − 2vvᵀ) */
        double nn = 0;
        for (int j = 0; j < N; j++)
            v[j] = chk_uniform(&g, -1, 1), nn += v[j] * v[j];
        for (int j = 0; j < N; j++)
            v[j] /= sqrt(nn);
        for (int i = 0; i < N; i++) {
            double d = 0;
            for (int j = 0; j < N; j++)
                d += P[i * N + j] * v[j];
            for (int j = 0; j < N; j++)
                P[i * N + j] -= 2 * d * v[j];
        }
    }
    const double c = 0.6, sn = 0.8; /* the 3×3 mixing: a rotation in rows 0, 1 */
    for (int t = 0; t < 2; t++) {
        double A1[K * N], A2[K * N], Q1[K * N], Q2[K * N];
        memset(A1, 0, sizeof A1);
        memset(A2, 0, sizeof A2);
        for (int i = 0; i < K; i++) {
            double th = TH[t][i] * PI / 180;
            A1[i * N + i] = 1;
            A2[i * N + i] = cos(th);
            A2[i * N + K + i] = sin(th);
        }
        for (int i = 0; i < K; i++) /* rows times Pᵀ: the same rotation of R⁶ */
            for (int j = 0; j < N; j++) {
                double s1 = 0, s2 = 0;
                for (int l = 0; l < N; l++)
                    s1 += A1[i * N + l] * P[j * N + l], s2 += A2[i * N + l] * P[j * N + l];
                Q1[i * N + j] = s1;
                Q2[i * N + j] = s2;
            }
        for (int j = 0; j < N; j++) { /* mix rows 0 and 1 of Q1 */
            double a = Q1[j], b = Q1[N + j];
            Q1[j] = c * a - sn * b;
            Q1[N + j] = sn * a + c * b;
        }
        double want = fmax(TH[t][0], TH[t][K - 1]) * PI / 180, got = aek_max_principal_angle_deg(Q1, Q2, K, N) * PI / 180;
        const double u = 0x1p-53, kn = sqrt((double)(K * N));
        double ds = (4.0 * N + (K + 1.0) * (N + 2.0)) * kn * u + (N + 32.0 * K) * u;
        char name[128];
        snprintf(name, sizeof name, "aek_max_principal_angle_deg: largest of θ = (%g°, %g°, %g°), "
                 "rotated, |Δθ| (rad)", TH[t][0], TH[t][1], TH[t][2]);
        chk_le(name, fabs(got - want), ds / cos(want), "got %.17g rad, want %.17g; bound |Δ sin θ|/cos θ",
               got, want);
    }

    /* aek_orthonormalize_rows on rows 1e-10 from dependent (κ ≈ 1e10): one
     * Gram–Schmidt pass leaves them orthogonal only to ≈ κu ≈ 1e-6, the
     * second to O(u) (Giraud et al. 2005: "twice is enough" while κu ≪ 1);
     * bound 2(k + 1)n·u, the rounding of two passes of k projections of
     * length n.  The span must not move: every input row lies in the output
     * rows' span (residual after projection ≤ the same bound × its norm).
     * And an exactly dependent row (integer entries, exact arithmetic)
     * becomes 0. */
    double A[4 * N], B[4 * N];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < N; j++)
            A[i * N + j] = chk_uniform(&g, -1, 1);
    for (int j = 0; j < N; j++) /* row 3 = row 0 + 1e-10·(a random direction): nearly dependent */
        A[3 * N + j] = A[j] + 1e-10 * chk_uniform(&g, -1, 1);
    memcpy(B, A, sizeof A);
    aek_orthonormalize_rows(B, 4, N);
    double orth = 0, span = 0;
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
            double d = 0;
            for (int l = 0; l < N; l++)
                d += B[i * N + l] * B[j * N + l];
            orth = fmax(orth, fabs(d - (i == j)));
        }
        double r[N], nr = 0, na = 0;
        memcpy(r, A + i * N, sizeof r);
        for (int j = 0; j < 4; j++) {
            double d = 0;
            for (int l = 0; l < N; l++)
                d += B[j * N + l] * A[i * N + l];
            for (int l = 0; l < N; l++)
                r[l] -= d * B[j * N + l];
        }
        for (int l = 0; l < N; l++)
            nr += r[l] * r[l], na += A[i * N + l] * A[i * N + l];
        span = fmax(span, sqrt(nr / na));
    }
    const double ob = 2.0 * (4 + 1) * N * 0x1p-53;
    chk_le("aek_orthonormalize_rows, rows 1e-10 from dependent: ‖QQᵀ − I‖_max", orth, ob,
           "4 rows of R⁶; bound 2(k+1)n·u (two passes)");
    chk_le("aek_orthonormalize_rows: input rows in the output span (relative residual)", span, ob,
           "bound 2(k+1)n·u");
    double D[3 * 3] = {1, 2, 0, 0, 1, 0, 1, 3, 0}; /* row 2 = row 0 + row 1 */
    aek_orthonormalize_rows(D, 3, 3);
    chk_le("aek_orthonormalize_rows: an exactly dependent row becomes 0", fabs(D[6]) + fabs(D[7]) + fabs(D[8]),
           0, "rows (1,2,0), (0,1,0), (1,3,0); figure = Σ|row 2|");
}

int main(void)
{
    if (aek_init() != AEK_OK)
        return 2;
    check_subspace();
    /* planted spectrum, n = 64: gaps after 1 (20 → 12), 5 (9 → 6), 30 (3 → 0.5) */
    const size_t n = 64, m = 4000;
    double lam[64];
    for (size_t j = 0; j < n; j++)
        lam[j] = j == 0 ? 20 : j < 5 ? 12 - (double)(j - 1) : j < 30 ? 6 - 3.0 * (double)(j - 5) / 24
                                                                    : 0.5 - 0.45 * (double)(j - 30) / 33;
    aek_dataset d = {0};
    aek_planted_spectrum truth = {0};
    if (aek_synth_linear(m, n, lam, n, 2024, 1, &d, &truth) != AEK_OK) {
        fprintf(stderr, "test_linear_pca: %s\n", aek_last_error());
        return 2;
    }
    static const size_t ks[] = {1, 5, 30};
    for (int i = 0; i < 3; i++) {
        size_t k = ks[i];
        aek_pca *p = NULL;
        if (aek_pca_fit(d.x, m, n, n, k, NULL, &p) != AEK_OK) {
            chk_verdict("linear AE = PCA: pca", NAN, 0, 0, "%s", aek_last_error());
            continue;
        }
        lin_result r = train_linear(d.x, m, n, k, p, 0, 60, 100, 1e-2, 1);
        char name[128];
        snprintf(name, sizeof name, "linear AE = PCA, planted k=%zu: max angle encoder rows (deg)", k);
        chk_le(name, r.ok ? r.enc_angle : NAN, 0.5, "decoder columns %.3g deg; eigengap %.3g -> %.3g",
               r.dec_angle, lam[k - 1], lam[k]);
        snprintf(name, sizeof name, "linear AE = PCA, planted k=%zu: (loss - optimum)/optimum", k);
        /* The loss L (exact_loss) against the planted optimum L* = Σ_{j>k} λ_j.
         * Above: the loss gap that proves by itself the 0.5° for the
         * decoder's subspace S: L − L* ≥ (λ_k − λ_{k+1})·sin²θ_max (c_j =
         * ‖P_S v_j‖², tr(P_S C) = Σ λ_j c_j, Σ_{j>k} c_j ≤ Σ_{j≤k} (1 − c_j)),
         * so L − L* ≤ (λ_k − λ_{k+1})·sin²(0.5°) passes no model outside it.
         * Both sides widened by e: the float32 data x(1 + δ), |δ| ≤ u', move
         * the optimum by |ΔL*| ≤ 2u'√(L*·tr C) + u'²·tr C (Cauchy–Schwarz over
         * the rows, ‖μ_f‖² ≤ u'²·tr C for the biases), u' = 2⁻²⁴ + 2⁻⁴⁰ (the
         * generator's double stage, O(n·rank·2⁻⁵³), inside 2⁻⁴⁰).  Below: no
         * rank-k affine map is under L*_f, so L ≥ L* − e. */
        double Lst = 0, trC = 0, up = ldexp(1.0, -24) + ldexp(1.0, -40);
        for (size_t j = 0; j < n; j++) {
            Lst += j >= k ? lam[j] : 0;
            trC += lam[j];
        }
        const double s05 = sin(0.5 * 3.14159265358979323846 / 180);
        const double e = (2 * up * sqrt(Lst * trC) + up * up * trC) / Lst;
        const double hi = (lam[k - 1] - lam[k]) * s05 * s05 / Lst + e;
        const double gap = (r.loss_ld - Lst) / Lst;
        chk_verdict(name, r.ok ? gap : NAN, hi, r.ok && gap >= -e && gap <= hi,
                    "must be in [-%.2g, %.3g]: (lambda_k - lambda_k+1) sin^2(0.5 deg)/L* + e, the "
                    "gap that proves the decoder within 0.5 deg, e = float32 data; loss (long "
                    "double) %.9g, aek_eval %.9g, L* %.9g", e, hi, r.loss_ld, r.loss, Lst);
        /* the toolkit's PCA against the planted truth itself */
        double *Qt = malloc(k * n * sizeof(double));
        for (size_t a = 0; a < k; a++)
            for (size_t q = 0; q < n; q++)
                Qt[a * n + q] = truth.basis[q * n + a];
        snprintf(name, sizeof name, "aek_pca vs planted basis k=%zu: max angle (deg)", k);
        chk_le(name, aek_max_principal_angle_deg(Qt, p->components, k, n), 1e-3,
               "exactly whitened latents: the planted basis is the sample's eigenbasis; float "
               "covariance error ~1e-6 over gap %.3g", lam[k - 1] - lam[k]);
        free(Qt);
        aek_pca_free(p);
    }
    aek_planted_spectrum_free(&truth);
    aek_dataset_free(&d);
    check_kunin();
    check_real();
    return chk_finish();
}
