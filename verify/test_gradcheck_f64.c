/*
 * test_gradcheck_f64.c — finite-difference checks of the production model
 * code (src/model*.c built in double precision, -DAEK_F64) for every variant
 * × hidden activation × loss × tied/untied, over every parameter entry.
 *
 * Method: central differences refined by one Richardson step,
 *   D(h) = (f(θ+h) − f(θ−h))/2h = f' + c₂h² + c₄h⁴ + …
 *   R    = (4·D(h/2) − D(h))/3   = f' + O(h⁴)
 * with h = 1e-3.  Truncation: |c₄|h⁴ ~ 1e-12·|f⁽⁵⁾|; rounding: each f is
 * exact to ~|f|·1e-16, amplified by 1/h ≈ 1e3 → ~1e-13·|f|.  Both are far
 * below the 1e-6 relative bound on every entry with |g| above the noise
 * floor 1e-9·(1 + |f|), where an error of that size could only come from the
 * rounding floor (the relative error there is measured against the floor).
 * Relative error = |g − R| / max(|g|, |R|, floor).
 *
 * Test points keep a margin from kinks: ReLU pre-activations and k-sparse
 * selection boundaries are at least 20·h·max|input| away from switching
 * (re-drawn otherwise), so no perturbation crosses one.  Noise is frozen by
 * reusing the same noise key for every evaluation.
 */
#include "check.h"
#include "../src/model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double H = 1e-3;
/* A perturbation h of one parameter moves a first-layer pre-activation by at
 * most h·max|input| (deeper ones by that times the layer gains, O(1) here);
 * a margin of 20 such steps leaves no kink within reach. */
static const double MIN_MARGIN = 20;

typedef struct {
    const char *name;
    aek_config cfg;
} variant;

static double fd_richardson(aek_model *M, const double *X, size_t m, const aek_noise_key *key,
                            size_t i)
{
    double *p = &M->params[i], p0 = *p;
    double d[2];
    for (int s = 0; s < 2; s++) {
        double h = s == 0 ? H : H / 2;
        *p = p0 + h;
        double fp = aek_model_eval(M, X, m, key, 0);
        *p = p0 - h;
        double fm = aek_model_eval(M, X, m, key, 0);
        d[s] = (fp - fm) / (2 * h);
    }
    *p = p0;
    return (4 * d[1] - d[0]) / 3;
}

/* Smallest distance of a ReLU pre-activation from 0, or of a k-sparse
 * boundary from a swap, relative to what one perturbation can move. */
static double kink_margin(aek_model *M, const double *X, size_t m, const aek_noise_key *key)
{
    const aek_config *c = &M->cfg;
    double margin = INFINITY;
    aek_model_corrupt(M, X, m, key);
    const double *in = M->H[0];
    double *buf = malloc(m * 4096 * sizeof(double));
    size_t width_in = c->sizes[0];
    double maxin = 1;
    for (int l = 0; l < c->n_layers; l++) {
        size_t k = c->sizes[l + 1];
        for (size_t i = 0; i < m * width_in; i++)
            maxin = fmax(maxin, fabs(in[i]));
        /* pre-activations a = in·Wᵀ + b */
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < k; j++) {
                double a = M->b[l][j];
                for (size_t p = 0; p < width_in; p++)
                    a += in[i * width_in + p] * M->W[l][j * width_in + p];
                buf[i * k + j] = a;
                if (c->act[l] == AEK_ACT_RELU)
                    margin = fmin(margin, fabs(a));
            }
        for (size_t i = 0; i < m * k; i++) {
            double a = buf[i];
            switch (c->act[l]) {
            case AEK_ACT_SIGMOID: buf[i] = 1 / (1 + exp(-a)); break;
            case AEK_ACT_TANH: buf[i] = tanh(a); break;
            case AEK_ACT_RELU: buf[i] = a > 0 ? a : 0; break;
            default: break;
            }
        }
        if (l == c->n_layers - 1 && c->ksparse_k && c->ksparse_k < k)
            for (size_t i = 0; i < m; i++) {
                /* gap between the k-th and (k+1)-th largest of the row */
                double *row = buf + i * k, kth = -INFINITY, next = -INFINITY;
                double *s = malloc(k * sizeof(double));
                memcpy(s, row, k * sizeof(double));
                for (size_t a = 0; a < k; a++)
                    for (size_t b = a + 1; b < k; b++)
                        if (s[b] > s[a]) { double t = s[a]; s[a] = s[b]; s[b] = t; }
                kth = s[c->ksparse_k - 1];
                next = s[c->ksparse_k];
                free(s);
                margin = fmin(margin, (kth - next) / 2);
            }
        if (l > 0)
            free((void *)in);
        double *next_in = malloc(m * k * sizeof(double));
        memcpy(next_in, buf, m * k * sizeof(double));
        in = next_in;
        width_in = k;
    }
    if (c->n_layers > 0)
        free((void *)in);
    free(buf);
    return margin / (H * maxin);
}

static void check_variant(const variant *v, int tied)
{
    aek_config cfg = v->cfg;
    cfg.tied = tied;
    char name[200], desc[200];
    aek_config_describe(&cfg, desc, sizeof desc);
    snprintf(name, sizeof name, "gradcheck f64 %s%s", v->name, tied ? " tied" : "");
    const size_t m = 5, n = cfg.sizes[0];
    aek_model *M = NULL;
    if (aek_model_create(&cfg, m, 1, &M) != AEK_OK) {
        chk_verdict(name, NAN, 1e-6, 0, "create failed: %s", aek_last_error());
        return;
    }
    double *X = malloc(m * n * sizeof(double));
    size_t rows[5] = {3, 14, 15, 92, 65};
    aek_noise_key key = {.seed = 42, .epoch = 7, .rows = rows};
    chk_rng g = {0};
    double margin = 0;
    int tries = 0;
    for (; tries < 400 && margin < MIN_MARGIN; tries++) {
        g.s = 1000 + (unsigned long long)tries;
        for (size_t i = 0; i < m * n; i++)
            X[i] = chk_uniform(&g, 0.05, 0.95);
        aek_model_init_params(M, 100 + (unsigned long long)tries);
        /* non-zero biases so their gradients are exercised off the origin */
        for (size_t t = 0; t < M->ntensors; t++)
            if (M->tensors[t].rows == 1)
                for (size_t j = 0; j < M->tensors[t].cols; j++)
                    M->params[M->tensors[t].offset + j] = chk_uniform(&g, -0.3, 0.3);
        margin = kink_margin(M, X, m, &key);
    }
    if (margin < MIN_MARGIN) {
        chk_verdict(name, margin, MIN_MARGIN, 0, "no test point with a kink margin found");
        goto out;
    }
    double f0 = aek_model_eval(M, X, m, &key, 1);
    double *g_an = malloc(M->nparams * sizeof(double));
    memcpy(g_an, M->grads, M->nparams * sizeof(double));
    double floor = 1e-9 * (1 + fabs(f0));
    double worst = 0;
    const char *worst_t = "";
    size_t checked = 0;
    for (size_t t = 0; t < M->ntensors; t++) {
        const aek_tensor *T = &M->tensors[t];
        for (size_t e = 0; e < T->rows * T->cols; e++) {
            size_t i = T->offset + e;
            double fd = fd_richardson(M, X, m, &key, i);
            double den = fmax(fmax(fabs(g_an[i]), fabs(fd)), floor);
            double r = fabs(g_an[i] - fd) / den;
            checked++;
            if (!(r <= worst)) {
                worst = r;
                worst_t = T->name;
            }
        }
    }
    chk_le(name, worst, 1e-6, "%s; %zu entries, loss %.6g, worst in %s, kink margin %.0f steps",
           desc, checked, f0, worst_t, margin);
    free(g_an);
out:
    free(X);
    aek_model_free(M);
}

int main(void)
{
    static const aek_act acts[] = {AEK_ACT_SIGMOID, AEK_ACT_TANH, AEK_ACT_IDENTITY, AEK_ACT_RELU};
    variant vs[64];
    int nv = 0;
    for (int a = 0; a < 4; a++) {
        for (int loss = 0; loss < 2; loss++) {
            aek_config c = aek_config_default(6, 4);
            c.act[0] = acts[a];
            c.loss = loss ? AEK_LOSS_BCE : AEK_LOSS_MSE;
            c.out_act = loss ? AEK_ACT_SIGMOID : (a == 1 ? AEK_ACT_TANH : a == 2 ? AEK_ACT_IDENTITY : AEK_ACT_SIGMOID);
            static char names[64][96];
            const char *an = aek_act_name(acts[a]);
            const char *ln = loss ? "bce" : "mse";
            aek_config v;
#define ADD(label, setup)                                                              \
    do {                                                                               \
        v = c;                                                                         \
        setup;                                                                         \
        snprintf(names[nv], sizeof names[nv], "%s %s %s", label, an, ln);             \
        vs[nv].name = names[nv];                                                       \
        vs[nv].cfg = v;                                                                \
        nv++;                                                                          \
    } while (0)
            if (loss == 0) {
                ADD("plain", (void)0);
                ADD("l2", v.l2 = 0.01);
                ADD("mask", (v.noise = AEK_NOISE_MASK, v.noise_level = 0.3));
                ADD("gauss", (v.noise = AEK_NOISE_GAUSS, v.noise_level = 0.1));
                ADD("ksparse", (v.ksparse_k = 2));
                ADD("contractive", v.contractive = 0.1);
                ADD("cae_h", (v.cae_h_gamma = 0.1, v.cae_h_sigma = 0.2, v.cae_h_copies = 2));
                if (acts[a] == AEK_ACT_SIGMOID)
                    ADD("sparse", (v.sparse_beta = 0.5, v.sparse_rho = 0.1));
                ADD("deep", (v.n_layers = 2, v.sizes[1] = 5, v.sizes[2] = 3, v.act[1] = acts[a]));
                ADD("deep ksparse", (v.n_layers = 2, v.sizes[1] = 5, v.sizes[2] = 3, v.act[1] = acts[a],
                                     v.ksparse_k = 2, v.noise = AEK_NOISE_MASK, v.noise_level = 0.2));
                if (acts[a] == AEK_ACT_SIGMOID)
                    ADD("deep sparse", (v.n_layers = 2, v.sizes[1] = 5, v.sizes[2] = 3, v.act[1] = acts[a],
                                        v.sparse_beta = 0.5, v.sparse_rho = 0.1, v.l2 = 0.01));
            } else {
                ADD("plain", (void)0);
            }
        }
    }
    for (int i = 0; i < nv; i++)
        for (int tied = 0; tied < 2; tied++)
            check_variant(&vs[i], tied);
    return chk_finish();
}
