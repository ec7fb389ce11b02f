/*
 * test_gradcheck_f64.c — finite-difference checks of the production model
 * code (src/model*.c built in double precision, -DAEK_F64) for every variant
 * × hidden activation × loss × tied/untied (gc_variants.h), over every
 * parameter entry; large layers by a seeded random subset of entries plus
 * random directions; and each regularizer on its own (penalty value against
 * an independent evaluation of its formula, and its gradient).
 *
 * Method: central differences refined by one Richardson step,
 *   D(h) = (f(θ+h) − f(θ−h))/2h = f' + c₂h² + c₄h⁴ + …
 *   R    = (4·D(h/2) − D(h))/3   = f' + O(h⁴)
 * with h = 1e-3.  Truncation: |c₄|h⁴ ≈ 1e-12·|f⁽⁵⁾|/5!; rounding: each f is
 * exact to ≈ n_ops·1e-16·|f|, amplified by 1/h ≈ 1e3 → ≈ 1e-13·|f|·n_ops.
 * The rounding part is measured, not assumed: the noise σ of f at the test
 * point is estimated from a sixth-order difference table of f along a random
 * direction at 25 steps of 1e-7 (Moré & Wild, "Estimating computational noise",
 * 2011: Δ⁶f of a smooth f at such steps is pure noise, variance C(12,6)·σ²),
 * and the noise of R is ν = 2σ/h (R = (4D(h/2) − D(h))/3 carries
 * √(16·2 + 2/4)/3 ≈ 1.9 σ/h).  An entry passes when
 *   |g − R| ≤ 1e-6·max(|g|, |R|) + 6ν,
 * i.e. relative error ≤ 1e-6 wherever the gradient is above the resolution
 * of finite differences, and agreement to the noise level below it (6ν is
 * about six standard deviations of R's noise: a false alarm has odds below
 * 1e-8 per entry); the
 * figure is the largest |g − R| / (that bound), ≤ 1, and the note says how
 * many entries were resolved at the full 1e-6 (|g| > 6e6·ν).
 *
 * Test points keep a margin from kinks: ReLU pre-activations and k-sparse
 * selection boundaries are at least 20·h·max|input| away from switching
 * (re-drawn otherwise), so no perturbation crosses one.  Noise is frozen by
 * reusing the same noise key for every evaluation.
 */
#include "check.h"
#include "gc_variants.h"
#include "lib_gradref.h"
#include "../src/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Step of the differences: 1e-3 for small models; layers of realistic size
 * sum ~10⁵–10⁶ terms into f, so their rounding noise is ~100× larger and the
 * step 1e-2 keeps it below the bound (Richardson truncation at 1e-2 is still
 * O(h⁴) = 1e-8 of the gradient scale). */
static double H = 1e-3;
static const double BOUND = 1e-6;
/* A perturbation h of one parameter moves a first-layer pre-activation by at
 * most h·max|input| (deeper ones by that times the layer gains, O(1) here);
 * a margin of 20 such steps leaves no kink within reach. */
static const double MIN_MARGIN = 20;

/* What the finite differences differentiate: the total loss, or one part. */
typedef enum { PART_TOTAL, PART_L2, PART_SPARSE, PART_CONTRACTIVE, PART_CAE_H } part;

static double eval_part(aek_model *M, const double *X, size_t m, const aek_noise_key *key, part p)
{
    double t = aek_model_eval(M, X, m, key, 0);
    switch (p) {
    case PART_L2: return M->loss_l2;
    case PART_SPARSE: return M->loss_sparse;
    case PART_CONTRACTIVE: return M->loss_contractive;
    case PART_CAE_H: return M->loss_cae_h;
    default: return t;
    }
}

/* Richardson-refined central difference along direction v (NULL: the unit
 * vector of entry i). */
static double fd(aek_model *M, const double *X, size_t m, const aek_noise_key *key, size_t i,
                 const double *v, part p)
{
    double d[2];
    double *saved = NULL;
    if (v) {
        saved = malloc(M->nparams * sizeof(double));
        memcpy(saved, M->params, M->nparams * sizeof(double));
    }
    for (int s = 0; s < 2; s++) {
        double h = s == 0 ? H : H / 2, f[2];
        for (int sign = 0; sign < 2; sign++) {
            double step = sign ? -h : h;
            if (v)
                for (size_t j = 0; j < M->nparams; j++)
                    M->params[j] = saved[j] + step * v[j];
            else
                M->params[i] += step;
            f[sign] = eval_part(M, X, m, key, p);
            if (v)
                memcpy(M->params, saved, M->nparams * sizeof(double));
            else
                M->params[i] -= step;
        }
        d[s] = (f[0] - f[1]) / (2 * h);
    }
    free(saved);
    return (4 * d[1] - d[0]) / 3;
}

/* The test's own forward pass (lib_gradref_f64.c): the code layer's
 * activations in *code, and the kink margin in units of h·max|input|. */
static double own_encoder(const aek_model *M, const double *in0, size_t m, double **code)
{
    double maxin = 1, margin = gradref_own_forward_f64(M, in0, m, code, &maxin);
    return margin / (H * maxin);
}

/* s = g'(a) from h = g(a) */
static double deriv(double h, aek_act g)
{
    switch (g) {
    case AEK_ACT_SIGMOID: return h * (1 - h);
    case AEK_ACT_TANH: return 1 - h * h;
    case AEK_ACT_RELU: return h > 0;
    default: return 1;
    }
}

/* Random test point: inputs in (0.05, 0.95), Glorot weights, biases in
 * ±0.3, re-drawn until the kink margin holds.  Returns the margin. */
static double draw_point(aek_model *M, double *X, size_t m, const aek_noise_key *key,
                         unsigned long long seed)
{
    double margin = 0;
    chk_rng g = {0};
    const size_t n = M->cfg.sizes[0];
    for (int tries = 0; tries < 400 && margin < MIN_MARGIN; tries++) {
        g.s = seed * 1000 + (unsigned long long)tries;
        for (size_t i = 0; i < m * n; i++)
            X[i] = chk_uniform(&g, 0.05, 0.95);
        aek_model_init_params(M, seed * 7 + (unsigned long long)tries);
        for (size_t t = 0; t < M->ntensors; t++)
            if (M->tensors[t].rows == 1)
                for (size_t j = 0; j < M->tensors[t].cols; j++)
                    M->params[M->tensors[t].offset + j] = chk_uniform(&g, -0.3, 0.3);
        aek_model_corrupt(M, X, m, key);
        double *code = NULL;
        margin = own_encoder(M, M->H[0], m, &code);
        free(code);
        /* CAE+H also encodes corrupted copies x~ + sigma*eps (fixed while the
         * parameters move, like H[0]): their ReLU pre-activations are kinks
         * of the loss too, so the margin is the minimum over them as well. */
        for (int c = 0; M->cfg.cae_h_gamma > 0 && c < M->cfg.cae_h_copies; c++) {
            aek_model_cae_h_copy(M, m, key, c);
            margin = fmin(margin, own_encoder(M, M->xc, m, &code));
            free(code);
        }
    }
    return margin;
}

static double rel_err(double a, double b, double floor)
{
    return fabs(a - b) / fmax(fmax(fabs(a), fabs(b)), floor);
}

/* |g − R| against 1e-6·max(|g|, |R|) + 6ν (see the top comment). */
static double score(double g, double r, double nu)
{
    return fabs(g - r) / (BOUND * fmax(fabs(g), fabs(r)) + 6 * nu + 1e-300);
}

/* ν: the noise of the Richardson difference at this point, from the
 * sixth-order difference table of f along a random unit direction. */
static double fd_noise(aek_model *M, const double *X, size_t m, const aek_noise_key *key, part p)
{
    enum { N = 25 };
    double f[N], *saved = malloc(M->nparams * sizeof(double)), *v = malloc(M->nparams * sizeof(double));
    memcpy(saved, M->params, M->nparams * sizeof(double));
    chk_rng r = {777};
    double norm = 0;
    for (size_t i = 0; i < M->nparams; i++) {
        v[i] = saved[i] != 0 ? chk_uniform(&r, -1, 1) : 0; /* not the zero padding */
        norm += v[i] * v[i];
    }
    for (int j = 0; j < N; j++) {
        for (size_t i = 0; i < M->nparams; i++)
            M->params[i] = saved[i] + 1e-7 * j * v[i] / sqrt(norm);
        f[j] = eval_part(M, X, m, key, p);
    }
    memcpy(M->params, saved, M->nparams * sizeof(double));
    double ss = 0;
    for (int s = 0; s + 6 < N; s++) {
        /* Δ⁶f = Σ_k (−1)^k C(6,k) f[s+6−k] */
        static const double C6[7] = {1, -6, 15, -20, 15, -6, 1};
        double d = 0;
        for (int k = 0; k <= 6; k++)
            d += C6[k] * f[s + k];
        ss += d * d;
    }
    free(saved);
    free(v);
    double sigma = sqrt(ss / (N - 6) / 924.0);
    return 2 * sigma / H;
}

static size_t g_rows[64];

/* Every entry of every tensor (small models). */
static void check_all_entries(const gc_variant *v, int tied)
{
    aek_config cfg = v->cfg;
    cfg.tied = tied;
    char name[400], desc[200];
    aek_config_describe(&cfg, desc, sizeof desc);
    snprintf(name, sizeof name, "gradcheck f64 %.100s%s: err/bound", v->name, tied ? " tied" : "");
    const size_t m = 5, n = cfg.sizes[0];
    aek_model *M = NULL;
    if (aek_model_create(&cfg, m, 1, &M) != AEK_OK) {
        chk_verdict(name, NAN, BOUND, 0, "create failed: %s", aek_last_error());
        return;
    }
    double *X = malloc(m * n * sizeof(double));
    aek_noise_key key = {.seed = 42, .epoch = 7, .rows = g_rows};
    double margin = draw_point(M, X, m, &key, 17);
    if (margin < MIN_MARGIN) {
        chk_verdict(name, margin, MIN_MARGIN, 0, "no test point with a kink margin found");
    } else {
        double f0 = aek_model_eval(M, X, m, &key, 1);
        double *g = malloc(M->nparams * sizeof(double));
        memcpy(g, M->grads, M->nparams * sizeof(double));
        double nu = fd_noise(M, X, m, &key, PART_TOTAL), worst = 0, wrel = 0;
        const char *where = "";
        size_t checked = 0, resolved = 0;
        for (size_t t = 0; t < M->ntensors; t++)
            for (size_t e = 0; e < M->tensors[t].rows * M->tensors[t].cols; e++) {
                size_t i = M->tensors[t].offset + e;
                double R = fd(M, X, m, &key, i, NULL, PART_TOTAL), r = score(g[i], R, nu);
                wrel = fmax(wrel, rel_err(g[i], R, 1e-300));
                checked++;
                resolved += fabs(g[i]) > 6e6 * nu;
                if (!(r <= worst)) {
                    worst = r;
                    where = M->tensors[t].name;
                }
            }
        chk_le(name, worst, 1.0,
               "%s; all %zu entries (%zu above the FD resolution, max rel err %.2g), FD noise "
               "%.2g, loss %.6g, worst in %s, kink margin %.0f h",
               desc, checked, resolved, wrel, nu, f0, where, margin);
        free(g);
    }
    free(X);
    aek_model_free(M);
}

/* A layer of realistic size: a seeded random subset of entries of every
 * tensor, plus random directions v (‖v‖ = 1): ∇f·v against the directional
 * finite difference. */
static void check_large(const char *label, aek_config cfg, size_t m, size_t per_tensor, int dirs)
{
    H = 1e-2;
    aek_model *M = NULL;
    char name[160], desc[200];
    aek_config_describe(&cfg, desc, sizeof desc);
    snprintf(name, sizeof name, "gradcheck f64 large %s: err/bound", label);
    if (aek_model_create(&cfg, m, 1, &M) != AEK_OK) {
        chk_verdict(name, NAN, BOUND, 0, "create failed: %s", aek_last_error());
        return;
    }
    const size_t n = cfg.sizes[0];
    double *X = malloc(m * n * sizeof(double));
    aek_noise_key key = {.seed = 9, .epoch = 1, .rows = g_rows};
    double margin = draw_point(M, X, m, &key, 29);
    aek_model_eval(M, X, m, &key, 1);
    double *g = malloc(M->nparams * sizeof(double));
    memcpy(g, M->grads, M->nparams * sizeof(double));
    double nu = fd_noise(M, X, m, &key, PART_TOTAL), worst = 0, worst_dir = 0;
    chk_rng r = {12345};
    size_t checked = 0, resolved = 0;
    for (size_t t = 0; t < M->ntensors; t++) {
        size_t cnt = M->tensors[t].rows * M->tensors[t].cols;
        for (size_t s = 0; s < per_tensor && s < cnt; s++) {
            size_t e = cnt <= per_tensor ? s : chk_next(&r) % cnt;
            size_t i = M->tensors[t].offset + e;
            worst = fmax(worst, score(g[i], fd(M, X, m, &key, i, NULL, PART_TOTAL), nu));
            resolved += fabs(g[i]) > 6e6 * nu;
            checked++;
        }
    }
    double *v = calloc(M->nparams, sizeof(double));
    for (int d = 0; d < dirs; d++) {
        double norm = 0, gv = 0;
        for (size_t t = 0; t < M->ntensors; t++)
            for (size_t e = 0; e < M->tensors[t].rows * M->tensors[t].cols; e++) {
                size_t i = M->tensors[t].offset + e;
                v[i] = chk_uniform(&r, -1, 1);
                norm += v[i] * v[i];
            }
        norm = sqrt(norm);
        for (size_t i = 0; i < M->nparams; i++) {
            v[i] /= norm;
            gv += g[i] * v[i];
        }
        worst_dir = fmax(worst_dir, score(gv, fd(M, X, m, &key, 0, v, PART_TOTAL), nu));
    }
    chk_le(name, fmax(worst, worst_dir), 1.0,
           "%s, batch %zu, h 1e-2; %zu random entries (%zu above the FD resolution; max %.2g) + %d random "
           "directions (max %.2g); FD noise %.2g; %zu parameters; kink margin %.0f h",
           desc, m, checked, resolved, worst, dirs, worst_dir, nu, M->nparams, margin);
    free(v);
    free(g);
    free(X);
    aek_model_free(M);
    H = 1e-3;
}

/* ---- the rounding bound of a regularizer's value against its formula ------
 * Both sides are double evaluations of one function of the same parameters
 * and inputs, with the same libm exp/tanh (the f64 build's scalar kernels
 * and lib_gradref_f64.c), so they differ only by rounding, u = 2^-53,
 * γ_n = nu/(1 − nu):
 *  - a pre-activation a_ij, an (n+1)-term sum in another order (GEMM vs a
 *    loop), is within γ_{n+1}·A_ij of the exact one on each side, A_ij =
 *    |b_j| + Σ_q |W_jq x_iq|: the two differ by δa ≤ 2γ_{n+1}·A_ij;
 *  - h = g(a) within 3u relative on each side (exp or tanh, the add, the
 *    quotient); s = h(1 − h) or 1 − h² then within κ·δa + 10u(1 + r) of
 *    the other side's, relatively: κ = |s'/s| = |1 − 2h| (sigmoid), 2|h|
 *    (tanh), and r = h/(1 − h) or h²/(1 − h²) the amplification of h's
 *    error in the cancelling 1 − h or 1 − h²;
 *  - sums of N nonnegative terms in any order: 2γ_N of the sum between the
 *    two sides. */
static double gam(double n) { return n * 0x1p-53 / (1 - n * 0x1p-53); }

/* |s − s_other| bound for one activation value h (pre-activation bound A). */
static double s_err(double h, double A, size_t n, aek_act g)
{
    const double u = 0x1p-53, da = 2 * gam((double)n + 1) * A;
    const double s = deriv(h, g);
    const double kappa = g == AEK_ACT_TANH ? 2 * fabs(h) : fabs(1 - 2 * h);
    const double r = g == AEK_ACT_TANH ? h * h / s : h / (1 - h);
    return s * (kappa * da + 10 * u * (1 + r));
}

/* A_ij = |b_j| + Σ_q |W_jq x_iq| of encoder layer 0 at input x (m × n). */
static double pre_abs(const aek_model *M, const double *x, size_t i, size_t j)
{
    const size_t n = M->cfg.sizes[0];
    double A = fabs(M->b[0][j]);
    for (size_t q = 0; q < n; q++)
        A += fabs(M->W[0][j * n + q] * x[i * n + q]);
    return A;
}

/* A regularizer on its own: its value against the formula evaluated here,
 * and its gradient (grad with the term − grad without it) against finite
 * differences of the term alone. */
static void check_regularizer(const char *label, aek_config cfg, part p)
{
    const size_t m = 6, n = cfg.sizes[0];
    aek_model *M = NULL;
    char name[160];
    aek_model_create(&cfg, m, 1, &M);
    double *X = malloc(m * n * sizeof(double));
    aek_noise_key key = {.seed = 3, .epoch = 4, .rows = g_rows};
    draw_point(M, X, m, &key, 41);
    aek_model_eval(M, X, m, &key, 1);
    double *g1 = malloc(M->nparams * sizeof(double)), *g0 = malloc(M->nparams * sizeof(double));
    memcpy(g1, M->grads, M->nparams * sizeof(double));
    double value = eval_part(M, X, m, &key, p);

    /* the formula, from the test's own forward pass */
    const aek_config *c = &M->cfg;
    const size_t k = c->sizes[c->n_layers];
    const double u = 0x1p-53;
    double ref = 0, err = 0; /* err: the bound on |value − ref| (see gam() above) */
    double *code = NULL;
    own_encoder(M, M->H[0], m, &code);
    if (p == PART_L2) {
        size_t N = 0;
        for (int l = 0; l < c->n_layers; l++)
            for (size_t i = 0; i < c->sizes[l] * c->sizes[l + 1]; i++, N += c->tied ? 1 : 2)
                ref += M->W[l][i] * M->W[l][i] + (c->tied ? 0 : M->Wd[l][i] * M->Wd[l][i]);
        /* N squares summed, times λ: no pre-activation involved */
        err = 2 * gam((double)N + 2) * ref;
        ref *= c->l2;
        err *= c->l2;
    } else if (p == PART_SPARSE) {
        const double rho = c->sparse_rho;
        for (size_t j = 0; j < k; j++) {
            double rh = 0, drh = 0;
            for (size_t i = 0; i < m; i++) {
                const double h = code[i * k + j];
                rh += h / (double)m;
                /* h moves by h(1 − h)·δa plus its own 3u·h on each side */
                drh += (h * (1 - h) * 2 * gam((double)n + 1) * pre_abs(M, M->H[0], i, j) +
                        6 * u * h) / (double)m;
            }
            drh += 2 * gam((double)m + 1) * rh;
            const double t1 = rho * log(rho / rh), t2 = (1 - rho) * log((1 - rho) / (1 - rh));
            ref += t1 + t2;
            /* KL_j moves by |∂KL/∂ρ̂|·δρ̂, and each side's two logs of
             * arguments rounded twice (the quotient, 1 − ρ̂) and the products
             * by ≤ 4u(ρ + (1 − ρ)) + 4u(|t1| + |t2|) */
            err += fabs(-rho / rh + (1 - rho) / (1 - rh)) * drh + 8 * u * (1 + fabs(t1) + fabs(t2));
        }
        err += gam((double)k + 2) * ref;
        ref *= c->sparse_beta;
        err *= c->sparse_beta;
    } else if (p == PART_CONTRACTIVE || p == PART_CAE_H) {
        /* ‖J_i‖²_F = Σ_j Σ_p (s_ij W_jp)², summed explicitly over every entry */
        double *hc = NULL;
        for (int copy = 0; copy < (p == PART_CAE_H ? c->cae_h_copies : 1); copy++) {
            if (p == PART_CAE_H) {
                aek_model_cae_h_copy(M, m, &key, copy);
                free(hc);
                own_encoder(M, M->xc, m, &hc);
            }
            for (size_t i = 0; i < m; i++)
                for (size_t j = 0; j < k; j++) {
                    double cj = 0;
                    for (size_t q = 0; q < n; q++) {
                        double s = deriv(code[i * k + j], c->act[0]);
                        if (p == PART_CAE_H)
                            s -= deriv(hc[i * k + j], c->act[0]);
                        double J = s * M->W[0][j * n + q];
                        ref += J * J;
                        cj += M->W[0][j * n + q] * M->W[0][j * n + q];
                    }
                    /* Σ_q J² = S²·c_j with S = s (or s(x) − s(x̃)) off by e
                     * between the sides: (2eS + e²)c_j, plus 4u·S²c_j for
                     * the squares and products */
                    double S = deriv(code[i * k + j], c->act[0]);
                    double e = s_err(code[i * k + j], pre_abs(M, M->H[0], i, j), n, c->act[0]);
                    if (p == PART_CAE_H) {
                        S -= deriv(hc[i * k + j], c->act[0]);
                        e += s_err(hc[i * k + j], pre_abs(M, M->xc, i, j), n, c->act[0]);
                    }
                    S = fabs(S);
                    err += (2 * e * S + e * e) * cj + 4 * u * S * S * cj;
                }
        }
        free(hc);
        const double N = (double)(m * k * n) * (p == PART_CAE_H ? c->cae_h_copies : 1);
        err += 2 * gam(N + (double)(n + m) + 8) * ref; /* the sums, in any order */
        const double scale = p == PART_CAE_H ? c->cae_h_gamma / ((double)m * c->cae_h_copies)
                                             : c->contractive / (double)m;
        ref *= scale;
        err = err * scale + 2 * u * ref;
    }
    free(code);
    snprintf(name, sizeof name, "regularizer %s: value vs formula, rel err", label);
    /* bound: err / ref, the rounding of both evaluations derived above (was
     * a flat 1e-12, not derived) */
    chk_le(name, rel_err(value, ref, 1e-300), err / fabs(ref),
           "model %.12g, formula %.12g (double; both sums of ~%zu terms); bound = derived "
           "rounding of both sides / |formula|", value, ref, m * k * n);

    /* gradient of the term alone */
    aek_config off = cfg;
    if (p == PART_L2) off.l2 = 0;
    if (p == PART_SPARSE) off.sparse_beta = 0;
    if (p == PART_CONTRACTIVE) off.contractive = 0;
    if (p == PART_CAE_H) off.cae_h_gamma = 0;
    M->cfg = off;
    aek_model_eval(M, X, m, &key, 1);
    memcpy(g0, M->grads, M->nparams * sizeof(double));
    M->cfg = cfg;
    double nu = fd_noise(M, X, m, &key, p), worst = 0;
    for (size_t t = 0; t < M->ntensors; t++)
        for (size_t e = 0; e < M->tensors[t].rows * M->tensors[t].cols; e++) {
            size_t i = M->tensors[t].offset + e;
            worst = fmax(worst, score(g1[i] - g0[i], fd(M, X, m, &key, i, NULL, p), nu));
        }
    snprintf(name, sizeof name, "regularizer %s: gradient of the term alone, err/bound", label);
    chk_le(name, worst, 1.0, "grad(with) - grad(without) vs finite differences of the term; FD "
           "noise %.2g", nu);
    free(g0);
    free(g1);
    free(X);
    aek_model_free(M);
}

int main(void)
{
    for (size_t i = 0; i < 64; i++)
        g_rows[i] = 3 + 7 * i;
    static gc_variant vs[256];
    int nv = gc_variants(vs, 256, 6, 4);
    for (int i = 0; i < nv; i++)
        for (int tied = 0; tied < 2; tied++)
            check_all_entries(&vs[i], tied);

    aek_config big = aek_config_default(784, 64);
    big.noise = AEK_NOISE_MASK;
    big.noise_level = 0.25;
    big.contractive = 0.05;
    check_large("784-64 sigmoid mask+contractive", big, 16, 40, 3);
    aek_config deep = aek_config_default(300, 100);
    deep.n_layers = 3;
    deep.sizes[2] = 50;
    deep.sizes[3] = 10;
    deep.act[0] = deep.act[1] = AEK_ACT_TANH;
    deep.act[2] = AEK_ACT_IDENTITY;
    deep.loss = AEK_LOSS_BCE;
    check_large("300-100-50-10 tanh/linear bce", deep, 12, 40, 3);
    /* every layer a different activation: a backward pass that takes a
     * neighbouring layer's f' (decoder act[l+1] for act[l], encoder act[l]
     * for act[l−1]) differs only where neighbours differ, which the deep
     * case above has at the code layer alone */
    aek_config mixed = aek_config_default(24, 11);
    mixed.n_layers = 3;
    mixed.sizes[2] = 8;
    mixed.sizes[3] = 5;
    mixed.act[0] = AEK_ACT_SIGMOID;
    mixed.act[1] = AEK_ACT_TANH;
    mixed.act[2] = AEK_ACT_IDENTITY;
    mixed.out_act = AEK_ACT_TANH;
    check_large("24-11-8-5 sigmoid/tanh/linear, tanh out, mse", mixed, 6, 40, 3);

    aek_config r = aek_config_default(7, 5);
    aek_config rl2 = r, rsp = r, rc = r, rh = r;
    rl2.l2 = 0.3;
    rsp.sparse_beta = 0.7;
    rsp.sparse_rho = 0.2;
    rc.contractive = 0.4;
    rh.cae_h_gamma = 0.4;
    rh.cae_h_sigma = 0.3;
    rh.cae_h_copies = 3;
    check_regularizer("L2", rl2, PART_L2);
    check_regularizer("KL sparsity", rsp, PART_SPARSE);
    check_regularizer("contractive", rc, PART_CONTRACTIVE);
    check_regularizer("CAE+H", rh, PART_CAE_H);
    rc.act[0] = AEK_ACT_TANH;
    rh.act[0] = AEK_ACT_TANH;
    check_regularizer("contractive tanh", rc, PART_CONTRACTIVE);
    check_regularizer("CAE+H tanh", rh, PART_CAE_H);
    return chk_finish();
}
