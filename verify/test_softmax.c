/*
 * test_softmax.c — the softmax classifier behind `aekit classify`
 * (src/softmax.h).
 *
 * 1. Gradient, in two links:
 *    a. an independent double-precision reference of the loss and of its
 *       analytic gradient (written here, from the formulas in softmax.h) is
 *       checked against central differences of the reference loss
 *       (h = 1e-5: truncation O(h²·|L'''|) ≈ 1e-10, rounding ≈ 1e-16/h);
 *    b. the library's float loss and gradient are checked against that
 *       reference on the same parameters and data.  A priori bound for (b):
 *       the logits are float dot products of length d, the weight gradient
 *       float dot products of length m (aek_sgemm), so every entry's error
 *       is below γ_{d+m+8}·(|∂L/∂Z|ᵀ|X| + |∂L/∂Z|ᵀ|X|·max|δz|) — we use the
 *       normwise form 4·(d + m)·u·max|g_ref| + that, u = 2⁻²⁴.
 *    c. a direct, loose check of the float gradient against central
 *       differences of the float loss (h = 1e-2; the float logits make the
 *       difference quotient accurate to ≈ u·|z|/h only).
 *    A flipped sign, a missing 1/m or a wrong L2 factor gives errors of
 *    order 1, far above every bound.
 * 2. Training on separable data: K = 4 Gaussian blobs in d = 12 whose
 *    means are 12σ apart are classified without a single error (train and
 *    test); the final loss is below that of the first epoch.
 * 3. Determinism: same seed → the same bits, also with 1 and 2 threads.
 * 4. Errors: bad class counts, labels out of range, bad arguments.
 * 6. The optimizer: every Adam step of a run replayed in double from the
 *    parameters the epoch callback saw, within its derived rounding bound
 *    (cosine and constant lr); a run of several batches per epoch (the last
 *    short) replayed whole at lr 1e-30; the epoch loss is the mean of the
 *    batch losses; logits 1600 apart give the exact loss and gradient.
 * 5. `aekit classify`'s reported training loss (over 4096-row blocks) against
 *    a double evaluation of the same model over more than one block.
 */
#define _POSIX_C_SOURCE 200809L
#include "check.h"
#include "../simd/kernels.h"
#include "../src/data.h"
#include "../src/rng.h"
#include "../src/softmax.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double UF = 0x1p-24;

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "test_softmax: out of memory\n");
        exit(2);
    }
    return p;
}

/* The double reference: loss and gradient (layout of softmax.h: W then b). */
static double ref_loss(const double *P, size_t d, size_t k, const double *X, const uint8_t *y,
                       size_t m, double l2, double *grad)
{
    const double *W = P, *b = P + k * d;
    double *z = xmalloc(k * sizeof *z);
    double sum = 0;
    if (grad)
        memset(grad, 0, (k * d + k) * sizeof *grad);
    for (size_t i = 0; i < m; i++) {
        double mx = -INFINITY;
        for (size_t c = 0; c < k; c++) {
            double a = b[c];
            for (size_t j = 0; j < d; j++)
                a += W[c * d + j] * X[i * d + j];
            z[c] = a;
            if (a > mx)
                mx = a;
        }
        double se = 0;
        for (size_t c = 0; c < k; c++)
            se += exp(z[c] - mx);
        /* cppcheck-suppress invalidFunctionArg ; se >= 1: the largest logit adds exp(0) */
        double lse = mx + log(se);
        sum += lse - z[y[i]];
        if (grad)
            for (size_t c = 0; c < k; c++) {
                double dz = (exp(z[c] - lse) - (c == y[i])) / (double)m;
                for (size_t j = 0; j < d; j++)
                    grad[c * d + j] += dz * X[i * d + j];
                grad[k * d + c] += dz;
            }
    }
    double reg = 0;
    for (size_t j = 0; j < k * d; j++) {
        reg += W[j] * W[j];
        if (grad)
            grad[j] += 2 * l2 * W[j];
    }
    free(z);
    return sum / (double)m + l2 * reg;
}

static void test_gradient(void)
{
    const size_t d = 37, k = 5, m = 64;
    const double l2 = 0.03;
    chk_rng r = {12345};
    aek_softmax s;
    if (aek_softmax_init(&s, d, k) != AEK_OK) {
        chk_verdict("softmax init", 0, NAN, 0, "%s", aek_last_error());
        return;
    }
    const size_t np = aek_softmax_nparams(&s);
    float *X = xmalloc(m * d * sizeof *X), *g = xmalloc(np * sizeof *g),
          *work = xmalloc(m * k * sizeof *work);
    double *Xd = xmalloc(m * d * sizeof *Xd), *P = xmalloc(np * sizeof *P),
           *gr = xmalloc(np * sizeof *gr), *tmp = xmalloc(np * sizeof *tmp);
    uint8_t *y = xmalloc(m);
    for (size_t i = 0; i < m * d; i++)
        Xd[i] = X[i] = (float)chk_uniform(&r, -1, 1);
    for (size_t i = 0; i < m; i++)
        y[i] = (uint8_t)(chk_next(&r) % k);
    for (size_t j = 0; j < np; j++)
        P[j] = s.params[j] = (float)chk_uniform(&r, -0.5, 0.5);

    /* a. reference analytic gradient vs central differences of the reference */
    double Lr = ref_loss(P, d, k, Xd, y, m, l2, gr);
    double gmax = 0, fd_err = 0;
    for (size_t j = 0; j < np; j++)
        gmax = fmax(gmax, fabs(gr[j]));
    const double h = 1e-5;
    for (size_t j = 0; j < np; j++) {
        memcpy(tmp, P, np * sizeof *P);
        tmp[j] = P[j] + h;
        double lp = ref_loss(tmp, d, k, Xd, y, m, l2, NULL);
        tmp[j] = P[j] - h;
        double lm = ref_loss(tmp, d, k, Xd, y, m, l2, NULL);
        fd_err = fmax(fd_err, fabs((lp - lm) / (2 * h) - gr[j]));
    }
    /* Central differences: truncation h²/6·|∂³L| with |∂³L| ≤ max|x|³/(6√3)
     * < 0.1 along one weight (|x| ≤ 1: the third cumulant of a two-point
     * law; the L2 term is quadratic, no third derivative); rounding
     * 2·|δL|/(2h), each double loss within (d + k + m + 3)·2^-53·|L| (a
     * d-term logit, a k-term log-sum-exp, the mean of m samples). */
    const double trunc = h * h / 6 * 0.1;
    const double round = (double)(d + k + m + 3) * ldexp(1.0, -53) * fabs(Lr) / h;
    chk_le("softmax: double reference gradient vs central differences (max abs err / max|g|)",
           fd_err / gmax, (trunc + round) / gmax,
           "d=%zu k=%zu m=%zu l2=%g, %zu parameters, h=%g; bound (h^2/6*0.1 + (d+k+m+3)u|L|/h)"
           "/max|g|", d, k, m, l2, np, h);

    /* b. library (float) vs the reference */
    double Lf = aek_softmax_loss(&s, X, d, y, m, l2, g, work);
    double gerr = 0;
    for (size_t j = 0; j < np; j++)
        gerr = fmax(gerr, fabs((double)g[j] - gr[j]));
    /* logit error ≤ γ_d Σ|w||x| ≤ d·u·(max row ‖w‖₁ + |b|) (|x| ≤ 1) */
    double wmax = 0;
    for (size_t c = 0; c < k; c++) {
        double a = fabs(P[k * d + c]);
        for (size_t j = 0; j < d; j++)
            a += fabs(P[c * d + j]);
        wmax = fmax(wmax, a);
    }
    double dz = 2 * (double)(d + 2) * UF * wmax; /* |δp| ≤ 2|δz| per class */
    double gbound = 4 * (double)(d + m) * UF * gmax + dz;
    chk_le("softmax: float gradient vs double reference (max abs err)", gerr, gbound,
           "bound 4(d+m)u·max|g| + 2(d+2)u·max‖w‖₁ (logit error through p); max|g| = %.3g", gmax);
    chk_le("softmax: float loss vs double reference (rel err)", fabs(Lf - Lr) / Lr,
           4 * (double)(d + 2) * UF * wmax, "L = %.9g (ref %.9g)", Lf, Lr);

    /* c. float gradient vs central differences of the float loss */
    const float hf = 1e-2f;
    double fe = 0;
    for (size_t j = 0; j < np; j++) {
        float keep = s.params[j];
        s.params[j] = keep + hf;
        double lp = aek_softmax_loss(&s, X, d, y, m, l2, NULL, work);
        s.params[j] = keep - hf;
        double lm = aek_softmax_loss(&s, X, d, y, m, l2, NULL, work);
        s.params[j] = keep;
        double hh = ((double)(keep + hf) - (double)(keep - hf)); /* the step as represented */
        fe = fmax(fe, fabs((lp - lm) / hh - g[j]));
    }
    chk_le("softmax: float gradient vs central differences of the float loss (max abs err / max|g|)",
           fe / gmax, 2e-3, "h = 1e-2; truncation h²|L'''|/6 and float logits (u·|z|/h) dominate");

    /* the L2 term: with X = 0 the weight gradient is exactly 2λW */
    memset(X, 0, m * d * sizeof *X);
    aek_softmax_loss(&s, X, d, y, m, l2, g, work);
    double l2err = 0, l2max = 0;
    for (size_t j = 0; j < k * d; j++) {
        l2err = fmax(l2err, fabs((double)g[j] - (double)(float)(2 * l2) * s.params[j]));
        l2max = fmax(l2max, fabs(2 * l2 * s.params[j]));
    }
    /* the float product 2λ·W: two roundings (2λ, then the product) */
    chk_le("softmax: weight gradient on zero inputs is 2*l2*W", l2err, 2 * ldexp(1.0, -24) * l2max,
           "max abs err; bound 2u*max|2*l2*W|");

    free(X); free(g); free(work); free(Xd); free(P); free(gr); free(tmp); free(y);
    aek_softmax_free(&s);
}

/* Gaussian blobs: class c has mean 9·e_c (pairwise 9√2 ≈ 12.7 apart) plus
 * N(0, 1) noise in every coordinate. */
static void blobs(float *X, uint8_t *y, size_t m, size_t d, size_t k, unsigned long long seed)
{
    chk_rng r = {seed};
    for (size_t i = 0; i < m; i++) {
        uint8_t c = (uint8_t)(i % k);
        y[i] = c;
        for (size_t j = 0; j < d; j++) {
            /* Box–Muller */
            double u1 = chk_uniform(&r, 1e-12, 1), u2 = chk_uniform(&r, 0, 1);
            double n = sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
            X[i * d + j] = (float)(n + (j == c ? 9.0 : 0.0));
        }
    }
}

typedef struct {
    double first, last;
    int n;
} loss_log;

static void log_epoch(void *ctx, const aek_softmax_epoch *e)
{
    loss_log *l = ctx;
    if (e->epoch == 1)
        l->first = e->loss;
    l->last = e->loss;
    l->n++;
}

static void test_separable(void)
{
    const size_t d = 12, k = 4, m = 800, mt = 400;
    float *X = xmalloc(m * d * sizeof *X), *Xt = xmalloc(mt * d * sizeof *Xt);
    uint8_t *y = xmalloc(m), *yt = xmalloc(mt);
    blobs(X, y, m, d, k, 7);
    blobs(Xt, yt, mt, d, k, 8);
    aek_softmax s;
    aek_softmax_init(&s, d, k);
    aek_softmax_train_config cfg = aek_softmax_train_default();
    cfg.epochs = 10;
    cfg.batch = 64;
    loss_log lg = {0, 0, 0};
    aek_status st = aek_softmax_train(&s, X, d, y, m, &cfg, log_epoch, &lg);
    chk_verdict("softmax: training on blobs succeeds", st, 0, st == AEK_OK, "%s", aek_last_error());
    double etr = 1, ete = 1;
    aek_softmax_error(&s, X, d, y, m, &etr);
    aek_softmax_error(&s, Xt, d, yt, mt, &ete);
    chk_le("softmax: separable blobs, training error", etr, 0,
           "K=%zu classes in d=%zu, means 9σ from the origin on distinct axes, %zu rows", k, d, m);
    chk_le("softmax: separable blobs, test error", ete, 0, "%zu held-out rows", mt);
    /* the error is a count over the rows: 7 held-out labels moved to
     * another class (the classifier, right on all of them, is then wrong
     * on exactly those 7) give 7/mt, exactly as a double quotient */
    uint8_t *yw = xmalloc(mt);
    memcpy(yw, yt, mt);
    for (size_t i = 0; i < 7 && i < mt; i++)
        yw[i * (mt / 7)] = (uint8_t)((yw[i * (mt / 7)] + 1) % k);
    double e7 = -1;
    aek_softmax_error(&s, Xt, d, yw, mt, &e7);
    chk_le("softmax: error rate with 7 wrong labels is 7/rows", ete == 0 ? fabs(e7 - 7.0 / (double)mt) : NAN,
           0, "%zu held-out rows, error %.9g", mt, e7);
    free(yw);
    chk_verdict("softmax: epoch callback and loss decrease (last <= first/2)", lg.last,
                0.5 * lg.first, lg.n == cfg.epochs && lg.last < 0.5 * lg.first,
                "%d epochs, loss %.4g -> %.4g", lg.n, lg.first, lg.last);

    /* determinism: same seed → same bits; thread count does not matter */
    aek_softmax s2;
    aek_softmax_init(&s2, d, k);
    int T = aek_num_threads();
    aek_set_num_threads(T > 1 ? 1 : 2);
    aek_softmax_train(&s2, X, d, y, m, &cfg, NULL, NULL);
    aek_set_num_threads(T);
    chk_verdict("softmax: same seed, other thread count -> identical parameters",
                memcmp(s.params, s2.params, aek_softmax_nparams(&s) * sizeof(float)) != 0, 0,
                memcmp(s.params, s2.params, aek_softmax_nparams(&s) * sizeof(float)) == 0,
                "threads %d vs %d", T, T > 1 ? 1 : 2);
    aek_softmax_free(&s2);

    /* a different shuffle seed still converges, to different bits */
    aek_softmax_init(&s2, d, k);
    cfg.seed = 99;
    aek_softmax_train(&s2, X, d, y, m, &cfg, NULL, NULL);
    double e2 = 1;
    aek_softmax_error(&s2, Xt, d, yt, mt, &e2);
    chk_verdict("softmax: another seed shuffles differently and also separates", e2, 0,
                e2 == 0 && memcmp(s.params, s2.params, aek_softmax_nparams(&s) * sizeof(float)) != 0,
                "test error %.3g", e2);
    aek_softmax_free(&s2);

    /* ties: all-zero parameters predict class 0 */
    aek_softmax_init(&s2, d, k);
    uint8_t pred[4] = {9, 9, 9, 9};
    aek_softmax_predict(&s2, X, d, 4, pred);
    chk_verdict("softmax: ties go to the first class", pred[0] + pred[1] + pred[2] + pred[3], 0,
                !pred[0] && !pred[1] && !pred[2] && !pred[3], "zero weights");
    aek_softmax_free(&s2);
    aek_softmax_free(&s);
    free(X); free(Xt); free(y); free(yt);
}

static void test_errors(void)
{
    aek_softmax s;
    chk_verdict("softmax: k = 1 is refused", 0, NAN, aek_softmax_init(&s, 3, 1) == AEK_ERR_ARG, "%s",
                aek_last_error());
    chk_verdict("softmax: d = 0 is refused", 0, NAN, aek_softmax_init(&s, 0, 3) == AEK_ERR_ARG, "%s",
                aek_last_error());
    aek_softmax_init(&s, 2, 3);
    float X[4] = {0, 1, 1, 0};
    uint8_t y[2] = {0, 3};
    aek_softmax_train_config cfg = aek_softmax_train_default();
    chk_verdict("softmax: a label >= k is refused", 0, NAN,
                aek_softmax_train(&s, X, 2, y, 2, &cfg, NULL, NULL) == AEK_ERR_ARG, "%s",
                aek_last_error());
    y[1] = 1;
    cfg.epochs = 0;
    chk_verdict("softmax: epochs = 0 is refused", 0, NAN,
                aek_softmax_train(&s, X, 2, y, 2, &cfg, NULL, NULL) == AEK_ERR_ARG, "%s",
                aek_last_error());
    cfg = aek_softmax_train_default();
    cfg.lr = 1e30; /* diverges */
    cfg.lr_final = 0;
    float Xb[4] = {1e20f, -1e20f, -1e20f, 1e20f};
    aek_status st = aek_softmax_train(&s, Xb, 2, y, 2, &cfg, NULL, NULL);
    chk_verdict("softmax: a diverging run stops with AEK_ERR_NUMERIC", st, AEK_ERR_NUMERIC,
                st == AEK_ERR_NUMERIC, "lr 1e30 on inputs of 1e20: %s",
                st == AEK_OK ? "finished (it cannot stay finite)" : aek_last_error());
    aek_softmax_free(&s);
}

/* 6. The training rule, replayed.  softmax.h promises mini-batch Adam
 * (β₁ = 0.9, β₂ = 0.999, ε = 1e-8) on a cosine-decayed learning rate,
 *   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,
 *   θ ← θ − lr_t·m̂/(√v̂ + ε),  m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ),
 *   lr_t = lr_f + ½(lr − lr_f)(1 + cos(π(t−1)/T))  (step t of T; lr_f = 0: lr),
 * with the rows reshuffled every epoch from (seed, epoch).  A batch of all
 * m rows makes one step per epoch, and the epoch callback shows θ after
 * each one.  The replay takes the library's θ_{t−1}, gets the step's
 * gradient from aek_softmax_loss on the same batch (the rows in the order
 * softmax.c shuffles them: aek_rng_permutation of (seed, epoch), so
 * the gradient has the library's bits), runs the rule above in double and
 * compares with the library's θ_t.  Bound, per parameter: the library keeps
 * m and v in float, one rounding (u = 2⁻²⁴) per step on top of the double
 * recursion, so |m_lib − m| ≤ E_m with E_m ← β₁E_m + u'(β₁(|m| + E_m) +
 * (1−β₁)|g|) (and the same for v with g²), u' = u + 8·2⁻⁵³ for the double
 * operations; the step a·m/(√v + c) is then bounded over the box m ± E_m,
 * v ± E_v (it is monotone in each); the float step and the float update of
 * θ round twice more: u(|θ_t| + |Δ|).  A wrong β, bias correction, ε, a
 * decay that runs backwards or is on at lr_f = 0, a wrong second moment —
 * each moves θ by a sizeable part of lr per step, far above this bound. */
typedef struct {
    const aek_softmax *s;
    float *snap;   /* epochs × nparams: θ after each epoch */
    double *loss;  /* epochs: the epoch loss reported      */
    int n;
} snap_log;

static void snap_epoch(void *ctx, const aek_softmax_epoch *e)
{
    snap_log *l = ctx;
    size_t np = aek_softmax_nparams(l->s);
    if (e->epoch >= 1 && e->epoch <= e->epochs) {
        memcpy(l->snap + (size_t)(e->epoch - 1) * np, l->s->params, np * sizeof(float));
        l->loss[e->epoch - 1] = e->loss;
    }
    l->n++;
}

/* the step a·m/(√v + c) at the corner of the box farthest from the centre */
static double step_dev(double a, double m, double Em, double v, double Ev, double c)
{
    double centre = a * m / (sqrt(v) + c), worst = 0;
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 2; j++) {
            double mm = m + (i ? Em : -Em), vv = fmax(v + (j ? Ev : -Ev), 0);
            worst = fmax(worst, fabs(a * mm / (sqrt(vv) + c) - centre));
        }
    return worst;
}

/* Adam's rule in double for one parameter of gradient g: m, v updated, and
 * their bounds E_m, E_v of the library's float moments (E ← βE + u'(β(|m| +
 * E) + (1−β)|g|), g² for v; u' = u + 8·2⁻⁵³); returns the step
 * lr·(m/c1)/(√(v/c2) + ε) of bias corrections c1, c2. */
static const double B1 = 0.9, B2 = 0.999, EPS = 1e-8, U1 = 0x1p-24 + 8 * 0x1p-53;
static double adam_ref(double g, double *m, double *v, double *Em, double *Ev, double lr, double c1,
                       double c2)
{
    *Em = B1 * *Em + U1 * (B1 * (fabs(*m) + *Em) + (1 - B1) * fabs(g));
    *Ev = B2 * *Ev + U1 * (B2 * (*v + *Ev) + (1 - B2) * g * g);
    *m = B1 * *m + (1 - B1) * g;
    *v = B2 * *v + (1 - B2) * g * g;
    return lr * (*m / c1) / (sqrt(*v / c2) + EPS);
}

static void test_adam_replay(double lr_final, const char *name)
{
    const size_t d = 7, k = 4, m = 50;
    const int E = 25;
    const double b1 = B1, b2 = B2, eps = EPS;
    chk_rng r = {31337};
    float *X = xmalloc(m * d * sizeof *X);
    uint8_t *y = xmalloc(m);
    for (size_t i = 0; i < m; i++) {
        y[i] = (uint8_t)(chk_next(&r) % k);
        for (size_t j = 0; j < d; j++) /* a class signal that Adam can follow, plus noise */
            X[i * d + j] = (float)(chk_uniform(&r, -1, 1) + (j % k == y[i] ? 0.7 : 0.0));
    }
    aek_softmax s;
    aek_softmax_init(&s, d, k);
    const size_t np = aek_softmax_nparams(&s);
    aek_softmax_train_config cfg = aek_softmax_train_default();
    cfg.epochs = E;
    cfg.batch = m; /* one step per epoch */
    cfg.lr = 0.05;
    cfg.lr_final = lr_final;
    cfg.l2 = 0.01;
    cfg.seed = 5;
    snap_log lg = {&s, xmalloc((size_t)E * np * sizeof(float)), xmalloc((size_t)E * sizeof(double)), 0};
    aek_status st = aek_softmax_train(&s, X, d, y, m, &cfg, snap_epoch, &lg);

    float *theta = xmalloc(np * sizeof *theta), *g = xmalloc(np * sizeof *g), *Xb = xmalloc(m * d * sizeof *Xb);
    float *work = xmalloc(m * k * sizeof *work);
    uint8_t *yb = xmalloc(m);
    size_t *perm = xmalloc(m * sizeof *perm);
    double *mo = calloc(np, sizeof *mo), *vo = calloc(np, sizeof *vo), *Em = calloc(np, sizeof *Em),
           *Ev = calloc(np, sizeof *Ev);
    double worst = st == AEK_OK && lg.n == E ? 0 : INFINITY, loss_bits = 0, mean_step = 0;
    aek_softmax rs = s; /* a view whose parameters are the replay's θ_{t−1} */
    rs.params = theta, rs.W = theta, rs.b = theta + k * d;
    memset(theta, 0, np * sizeof *theta);
    for (int t = 1; t <= E && isfinite(worst); t++) {
        aek_rng_permutation(perm, m, cfg.seed, (uint64_t)(t - 1)); /* the classifier's order */
        for (size_t i = 0; i < m; i++) {
            memcpy(Xb + i * d, X + perm[i] * d, d * sizeof(float));
            yb[i] = y[perm[i]];
        }
        double L = aek_softmax_loss(&rs, Xb, d, yb, m, cfg.l2, g, work);
        /* one batch per epoch: the epoch loss is this batch's loss, bit for bit */
        loss_bits += memcmp(&L, &lg.loss[t - 1], sizeof L) != 0;
        double lr = lr_final > 0 ? lr_final + 0.5 * (cfg.lr - lr_final) *
                                                  (1 + cos(3.14159265358979323846 * (t - 1) / E))
                                 : cfg.lr;
        double c1 = 1 - pow(b1, t), c2 = 1 - pow(b2, t);
        const float *lib = lg.snap + (size_t)(t - 1) * np;
        for (size_t j = 0; j < np; j++) {
            double step = adam_ref(g[j], &mo[j], &vo[j], &Em[j], &Ev[j], lr, c1, c2);
            double want = (double)theta[j] - step;
            /* a·m/(√v + ε√c₂) with a = lr√c₂/c₁ is the step above */
            double bound = step_dev(lr * sqrt(c2) / c1, mo[j], Em[j], vo[j], Ev[j], eps * sqrt(c2)) +
                           0x1p-24 * (fabs(want) + 2 * fabs(step)) + 16 * 0x1p-53 * fabs(step);
            worst = fmax(worst, fabs((double)lib[j] - want) / bound);
            mean_step += fabs(step) / (double)(np * (size_t)E);
        }
        memcpy(theta, lib, np * sizeof *theta);
    }
    chk_le(name, worst, 1.0, "figure = max over %d steps and %zu parameters of |θ_lib − θ_replay| / "
           "bound; mean |step| %.3g (lr %g -> %g)", E, np, mean_step, cfg.lr, lr_final);
    char nm[200];
    snprintf(nm, sizeof nm, "%s: epoch loss = the batch's loss (bits)", name);
    chk_le(nm, loss_bits, 0, "figure = epochs whose reported loss differs from aek_softmax_loss at "
           "the epoch's starting θ");
    free(lg.snap); free(lg.loss); free(theta); free(g); free(Xb); free(work); free(yb); free(perm);
    free(mo); free(vo); free(Em); free(Ev); free(X); free(y);
    aek_softmax_free(&s);
}

/* Batches within an epoch: with lr = 1e-30 the parameters stay near 0
 * (|θ| ≲ 1e-28, so every logit is within 1e-27 of 0 and p = 1/K to the last
 * bit, as at θ = 0): every step's gradient is the gradient at θ = 0 of its
 * batch, which the test computes with the batch replayed from the shuffle.
 * The whole run (epochs × ⌈m/B⌉ steps, the last batch short) is then
 * replayed in double with no feedback from θ: the per-step bound of
 * test_adam_replay accumulates, |θ_lib − θ_replay| ≤ Σ_t bound_t.  A run
 * that drops the short last batch, restarts the shuffle each epoch, or
 * decays over a wrong number of steps gives O(1)·lr differences. */
static void test_adam_batches(void)
{
    const char *name = "softmax train: 3 epochs of batches 8+8+8+8+5 at lr 1e-30, replayed from θ = 0";
    const size_t d = 4, k = 3, m = 37, B = 8, nb = (m + B - 1) / B;
    const int E = 3;
    const double b1 = B1, b2 = B2, eps = EPS;
    const double lr0 = 1e-30, lrf = 1e-31;
    chk_rng r = {4711};
    float X[37 * 4];
    uint8_t y[37];
    for (size_t i = 0; i < m; i++) {
        y[i] = (uint8_t)(chk_next(&r) % k);
        for (size_t j = 0; j < d; j++)
            X[i * d + j] = (float)chk_uniform(&r, -1, 1);
    }
    aek_softmax s, z;
    aek_softmax_init(&s, d, k);
    aek_softmax_init(&z, d, k); /* θ = 0: the gradient of every step */
    const size_t np = aek_softmax_nparams(&s);
    aek_softmax_train_config cfg = aek_softmax_train_default();
    cfg.epochs = E, cfg.batch = B, cfg.lr = lr0, cfg.lr_final = lrf, cfg.l2 = 0, cfg.seed = 8;
    aek_status st = aek_softmax_train(&s, X, d, y, m, &cfg, NULL, NULL);
    double *th = calloc(np, sizeof *th), *mo = calloc(np, sizeof *mo), *vo = calloc(np, sizeof *vo),
           *Em = calloc(np, sizeof *Em), *Ev = calloc(np, sizeof *Ev), *Eth = calloc(np, sizeof *Eth);
    float g[4 * 3 + 3], Xb[8 * 4], work[8 * 3];
    uint8_t yb[8];
    size_t perm[37];
    const double T = (double)E * (double)nb;
    int t = 0;
    for (int e = 0; e < E; e++) {
        aek_rng_permutation(perm, m, cfg.seed, (uint64_t)e); /* the classifier's order */
        for (size_t bi = 0; bi < nb; bi++) {
            size_t r0 = bi * B, mb = m - r0 < B ? m - r0 : B;
            for (size_t i = 0; i < mb; i++) {
                memcpy(Xb + i * d, X + perm[r0 + i] * d, d * sizeof(float));
                yb[i] = y[perm[r0 + i]];
            }
            aek_softmax_loss(&z, Xb, d, yb, mb, 0, g, work);
            double lr = lrf + 0.5 * (lr0 - lrf) * (1 + cos(3.14159265358979323846 * t / T));
            t++;
            double c1 = 1 - pow(b1, t), c2 = 1 - pow(b2, t);
            for (size_t j = 0; j < np; j++) {
                double step = adam_ref(g[j], &mo[j], &vo[j], &Em[j], &Ev[j], lr, c1, c2);
                th[j] -= step;
                Eth[j] += step_dev(lr * sqrt(c2) / c1, mo[j], Em[j], vo[j], Ev[j], eps * sqrt(c2)) +
                          0x1p-24 * (fabs(th[j]) + Eth[j] + 2 * fabs(step)) + 16 * 0x1p-53 * fabs(step);
            }
        }
    }
    double worst = st == AEK_OK ? 0 : INFINITY, mean = 0;
    for (size_t j = 0; j < np; j++) {
        worst = fmax(worst, fabs((double)s.params[j] - th[j]) / Eth[j]);
        mean += fabs(th[j]) / lr0 / (double)np;
    }
    chk_le(name, worst, 1.0, "figure = max over %zu parameters of |θ_lib − θ_replay| / accumulated "
           "bound; %d steps, mean |θ|/lr %.3g", np, t, mean);
    free(th); free(mo); free(vo); free(Em); free(Ev); free(Eth);
    aek_softmax_free(&s);
    aek_softmax_free(&z);
}

/* Logits 1600 apart (softmax.h: logsumexp after subtracting the row
 * maximum, in double).  W = 0, b = (800, 0, −800): the row maximum 800 gives
 * se = 1 + e⁻⁸⁰⁰ + e⁻¹⁶⁰⁰ = 1 exactly in double (e⁻⁸⁰⁰ < 2⁻¹⁰⁷⁴), so the
 * row losses are exactly 0, 800 and 1600 for labels 0, 1, 2, their mean 800
 * within the two roundings of the sum and the quotient (2·2⁻⁵³·1600), and
 * p = (1, 0, 0) exactly, so ∂L/∂b = (p − onehot)/m summed over the rows
 * is (2, −1, −1)/3 within one float rounding each.  Any other shift
 * overflows exp (e⁸⁰⁰ = inf in double). */
static void test_large_logits(void)
{
    aek_softmax s;
    aek_softmax_init(&s, 2, 3);
    s.b[0] = 800, s.b[1] = 0, s.b[2] = -800;
    const float X[6] = {0.5f, -1, 2, 0.25f, -3, 1};
    const uint8_t y[3] = {0, 1, 2};
    float g[2 * 3 + 3], work[9];
    double L = aek_softmax_loss(&s, X, 2, y, 3, 0, g, work);
    const double want[3] = {2.0 / 3, -1.0 / 3, -1.0 / 3};
    double gb = 0;
    for (int c = 0; c < 3; c++)
        gb = fmax(gb, fabs(g[6 + c] - want[c]) / (0x1p-24 * fabs(want[c])));
    chk_le("softmax: logits 1600 apart: loss = mean of 0, 800, 1600", fabs(L - 800), 2 * 0x1p-53 * 1600,
           "b = (800, 0, -800), W = 0; loss %.17g", L);
    chk_le("softmax: logits 1600 apart: ∂L/∂b = (2, −1, −1)/3, in units of float rounding", gb, 1.0,
           "gradient %.9g %.9g %.9g", (double)g[6], (double)g[7], (double)g[8]);
    aek_softmax_free(&s);
}

/* The epoch loss is the mean of the epoch's batch losses.  At θ = 0 every
 * row's loss is log K; with lr = 1e-30 the parameters stay within
 * |θ| ≤ 10·t·lr (an Adam step is at most a few lr: |m̂|/√v̂ ≤ (1−β₁)/√(1−β₂)
 * per unit of history, < 10) and move each logit by less than
 * 10·t·lr·(Σⱼ|xⱼ| + 1) ≈ 1e-26, below the rounding of log K: every batch
 * loss is log K within 8·2⁻⁵³·log K, and so is their mean (+ nb·2⁻⁵³).
 * A sum instead of the mean gives nb·log K. */
static void test_epoch_loss_mean(void)
{
    const size_t d = 3, k = 5, m = 37, batch = 8; /* nb = 5, the last batch 5 rows */
    chk_rng r = {99};
    float X[37 * 3];
    uint8_t y[37];
    for (size_t i = 0; i < m; i++) {
        y[i] = (uint8_t)(i % k);
        for (size_t j = 0; j < d; j++)
            X[i * d + j] = (float)chk_uniform(&r, -1, 1);
    }
    aek_softmax s;
    aek_softmax_init(&s, d, k);
    aek_softmax_train_config cfg = aek_softmax_train_default();
    cfg.epochs = 2, cfg.batch = batch, cfg.lr = 1e-30, cfg.lr_final = 0, cfg.l2 = 0;
    snap_log lg = {&s, xmalloc(2 * aek_softmax_nparams(&s) * sizeof(float)), xmalloc(2 * sizeof(double)), 0};
    aek_status st = aek_softmax_train(&s, X, d, y, m, &cfg, snap_epoch, &lg);
    const double lk = log((double)k), nb = (double)((m + batch - 1) / batch);
    double dev = st == AEK_OK && lg.n == 2 ? fmax(fabs(lg.loss[0] - lk), fabs(lg.loss[1] - lk)) : INFINITY;
    chk_le("softmax train: epoch loss = mean of its batch losses (log K at θ ≈ 0)", dev,
           (8 + nb) * 0x1p-53 * lk + 1e-20, "K=%zu, %zu rows in batches of %zu; reported %.17g, %.17g; "
           "log K = %.17g", k, m, batch, lg.loss[0], lg.loss[1], lk);
    free(lg.snap); free(lg.loss);
    aek_softmax_free(&s);
}

/* 5. `aekit classify` reports the training loss at the final parameters,
 * the mean over every training row of logsumexp(z) − z_y (no L2 term),
 * computed in blocks of 4096 rows.  5000 rows (blocks of 4096 and 904; the
 * last 904 with random labels, so their loss is far above the others': a
 * mean of block means, or a block weighed as full, moves the figure by
 * ~0.1) are classified by the command (--json) and the same model is
 * trained here (same data, settings, seed and kernel set: the same bits);
 * its loss is then evaluated in double, row by row.  Bound: the command's
 * logits are float dot products of d terms plus the bias, each within
 * γ_{d+1}·S_i of the exact value (S_i = max_c |b_c| + Σ_j |W_cj x_ij|,
 * γ_n = nu/(1 − nu), u = 2^-24; the double reference's own, at 2^-53, is
 * added too), and logsumexp(z) − z_y moves by at most twice the largest
 * logit error (both terms 1-Lipschitz in the max norm); the sums, the
 * block weights and the quotient in double add (m + 16)·2^-53·L, and the
 * JSON's 9 significant digits 5e-9·L. */
static double gamma_n(double n, double u) { return n * u / (1 - n * u); }

static void test_cli_train_loss(void)
{
    const char *name = "aekit classify: reported train loss (5000 rows, blocks of 4096 + 904) vs "
                       "double evaluation of the same model";
    const size_t m = 5000, d = 6, k = 3;
    const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
    char dir[] = "/tmp/aekit_cls_XXXXXX";
    if (!mkdtemp(dir)) {
        chk_verdict(name, NAN, 0, 0, "mkdtemp failed");
        return;
    }
    float *X = xmalloc(m * d * sizeof *X);
    uint8_t *y = xmalloc(m);
    chk_rng r = {2024};
    for (size_t i = 0; i < m; i++) {
        const size_t c = i % k;
        y[i] = i < 4096 ? (uint8_t)c : (uint8_t)(chk_next(&r) % k);
        for (size_t j = 0; j < d; j++) {
            double u1 = chk_uniform(&r, 1e-12, 1), u2 = chk_uniform(&r, 0, 1);
            double g = sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2);
            X[i * d + j] = (float)(g + (j == c ? 2.0 : 0.0));
        }
    }
    char xp[256], yp[256], jp[256], cmd[2048];
    snprintf(xp, sizeof xp, "%s/x.npy", dir);
    snprintf(yp, sizeof yp, "%s/y.npy", dir);
    snprintf(jp, sizeof jp, "%s/out.json", dir);
    aek_softmax_train_config cfg = aek_softmax_train_default();
    cfg.epochs = 2;
    cfg.batch = 500;
    cfg.seed = 3;
    double reported = NAN, rep_err[2] = {NAN, NAN};
    aek_softmax s = {0};
    int ok = aek_npy_write_f32(xp, X, m, d) == AEK_OK &&
             aek_npy_write(yp, AEK_NPY_U8, y, 1, &m) == AEK_OK;
    if (ok) {
        snprintf(cmd, sizeof cmd, "AEKIT_ISA=%s %s/aekit classify --train %s --train-labels %s "
                 "--test %s --test-labels %s --scale none --no-standardize --epochs %d --batch %zu "
                 "--seed %llu --json %s --quiet > %s/stdout 2>&1", aek_kernels()->name, build, xp,
                 yp, xp, yp, cfg.epochs, cfg.batch, (unsigned long long)cfg.seed, jp, dir);
        ok = system(cmd) == 0;
    }
    FILE *f = ok ? fopen(jp, "r") : NULL;
    if (f) {
        char buf[4096];
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        buf[len] = 0;
        const char *p = strstr(buf, "\"train_loss\": ");
        if (p)
            reported = strtod(p + strlen("\"train_loss\": "), NULL);
        const char *key[2] = {"\"train_error\": ", "\"test_error\": "};
        for (int e = 0; e < 2; e++)
            if ((p = strstr(buf, key[e])))
                rep_err[e] = strtod(p + strlen(key[e]), NULL);
        fclose(f);
    }
    ok = ok && isfinite(reported) && aek_softmax_init(&s, d, k) == AEK_OK &&
         aek_softmax_train(&s, X, d, y, m, &cfg, NULL, NULL) == AEK_OK;
    if (!ok) {
        chk_verdict(name, NAN, 0, 0, "the command failed or wrote no train_loss (%s): %s", cmd,
                    aek_last_error());
    } else {
        const double u = 0x1p-24, ud = 0x1p-53, gd = gamma_n((double)d + 1, u) +
                                                      gamma_n((double)d + 1, ud);
        double sum = 0, err = 0, first = 0;
        size_t wrong = 0, close = 0;
        for (size_t i = 0; i < m; i++) {
            double z[3], mx = -INFINITY, S = 0;
            for (size_t c = 0; c < k; c++) {
                double a = s.b[c], sa = fabs((double)s.b[c]);
                for (size_t j = 0; j < d; j++) {
                    a += (double)s.W[c * d + j] * X[i * d + j];
                    sa += fabs((double)s.W[c * d + j] * X[i * d + j]);
                }
                z[c] = a;
                mx = fmax(mx, a);
                S = fmax(S, sa);
            }
            double se = 0;
            for (size_t c = 0; c < k; c++)
                se += exp(z[c] - mx);
            /* cppcheck-suppress invalidFunctionArg ; se >= 1: the largest logit adds exp(0) */
            /* the class predicted in double (first on ties), and whether
             * the float logits could rank it otherwise: a runner-up within
             * twice the logit error bound */
            size_t best = 0;
            for (size_t c = 1; c < k; c++)
                if (z[c] > z[best])
                    best = c;
            wrong += best != y[i];
            for (size_t c = 0; c < k; c++)
                close += c != best && z[best] - z[c] <= 2 * gd * S;
            const double li = mx + log(se) - z[y[i]];
            sum += li;
            if (i + 1 == 4096)
                first = sum / 4096;
            err += 2 * gd * S + 8 * ud * (fabs(mx) + fabs(log(se)) + fabs(z[y[i]]));
        }
        const double L = sum / (double)m;
        const double bound = err / (double)m + ((double)m + 16) * ud * L + 5e-9 * L;
        chk_le(name, fabs(reported - L), bound, "reported %.9g, double %.9g (first 4096 rows "
               "%.4g, last 904 %.4g); %d epochs, batch %zu", reported, L, first,
               (sum - first * 4096) / 904, cfg.epochs, cfg.batch);
        /* the errors (prediction in blocks of 1024 rows, softmax.c; the test
         * split is the same file here): rows counted wrong by the command vs
         * the double argmax, which may differ only on the `close` rows */
        for (int e = 0; e < 2; e++) {
            char nm[160];
            snprintf(nm, sizeof nm, "aekit classify: reported %s error (5000 rows, prediction "
                     "blocks of 1024) vs double argmax of the same model", e ? "test" : "train");
            chk_le(nm, fabs(rep_err[e] * (double)m - (double)wrong), (double)close + 1e-8 * (double)m,
                   "figure = |reported x rows - rows wrong in double| (%.9g x %zu vs %zu); bound = "
                   "rows whose runner-up logit is within twice the logit error bound (+ 1e-8 x rows: "
                   "the 9 printed digits of a rate <= 1)", rep_err[e], m, wrong);
        }
    }
    aek_softmax_free(&s);
    free(X);
    free(y);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "test_softmax: could not remove %s\n", dir);
}

int main(void)
{
    if (aek_init() != AEK_OK) {
        fprintf(stderr, "test_softmax: %s\n", aek_last_error());
        return 2;
    }
    test_gradient();
    test_separable();
    test_errors();
    test_adam_replay(0.002, "softmax train: Adam steps replayed in double, cosine lr 0.05 -> 0.002");
    test_adam_replay(0, "softmax train: Adam steps replayed in double, constant lr (lr_final 0)");
    test_large_logits();
    test_adam_batches();
    test_epoch_loss_mean();
    test_cli_train_loss();
    return chk_finish();
}
