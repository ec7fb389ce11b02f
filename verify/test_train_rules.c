/*
 * test_train_rules.c — the rules around the gradient, each against its own
 * definition (a mutation audit found these unchecked: a wrong rule gave a
 * different model and every other test passed):
 *  - the optimizers: two steps of aek_train (SGD, momentum, Adam; plain
 *    and with L2) against the update rules evaluated in double on the
 *    model's own gradients;
 *  - the cosine learning-rate schedule: every step of a short SGD run takes
 *    the closed formula's rate for its step index;
 *  - the per-epoch order: a permutation, different each epoch, the identity
 *    without shuffling, and uniform (every permutation of 5 samples, χ²);
 *  - inference over more rows than the model's batch: the same bits as
 *    batch-sized calls (encode, reconstruct);
 *  - k-sparse codes keep ⌊αk⌋ units at encode time, also after a save and
 *    load, and a saved configuration loads field for field;
 *  - input noise is a function of (seed, epoch, data row), not of a row's
 *    place in its batch;
 *  - the epoch loss is the mean over the epoch's samples (a short last batch
 *    weighs by its rows);
 *  - stored preprocessing (min-max, centring, standardising), saved with a
 *    model and loaded, maps the training data to the bits the fit gave, and
 *    other data with the stored statistics, not their own.
 * Every kernel set the CPU executes runs the optimizer and inference checks.
 */
#define _GNU_SOURCE
#include "check.h"
#include "../simd/kernels.h"
#include "../src/checkpoint.h"
#include "../src/data.h"
#include "../src/preproc.h"
#include "../src/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static aek_dataset g_data; /* 256 rows of 32 columns, in [0, 1] */

/* ---- the optimizers ---------------------------------------------------------
 * The rules (PyTorch's conventions; Kingma & Ba for Adam), g the batch-mean
 * gradient (L2's 2λW included), t = 1, 2, ...:
 *   sgd       w −= lr·g
 *   momentum  v = μ·v + g;  w −= lr·v
 *   adam      m = β1·m + (1−β1)·g;  s = β2·s + (1−β2)·g²;
 *             w −= lr·m̂/(√ŝ + ε),  m̂ = m/(1−β1^t), ŝ = s/(1−β2^t)
 * aek_train runs t = 1 and t = 2 steps on fresh copies of one model (no
 * shuffling, constant lr), giving w_1 and w_2.  The reference takes step t
 * from aek_train's own w_{t−1}, with aek_model_eval's gradient there and the
 * optimizer state accumulated in double from the earlier steps' gradients
 * (also at aek_train's weights): both sides then share every gradient and
 * differ only in the rounding of the update — a few float operations, each
 * within u = 2^-24 of its result, on magnitudes up to |w| + lr·|step|.
 * β1 and β2 are the floats the kernels use (0.999 is 0.99900001 as a float:
 * with the double 0.999 in the bias correction, the first step was
 * lr·(1 + 6.4e-6), 14 times this bound).
 * Bound per weight: 8u·(|w_{t−1}| + lr·|step_t|) + 3t·u·lr·|step|_abs.  The
 * first term covers the last few roundings (lr_t, √, +ε, /, −); the second
 * the state's: v (momentum) or m (Adam) can cancel (g_2 ≈ −g_1), and each
 * step adds ≤ 3 roundings of size ≤ the same recursion on |g| (va = μ·va +
 * |g| or β1·va + (1−β1)|g|) while the earlier error decays, so |Δv| ≤
 * 3t·u·va; |step|_abs is step with va for v (sgd: 0, no state).  Without it,
 * data where m_2 cancels (synthetic seed 3) gave 1.6× the first term; with
 * it the worst of 200 data seeds × every set and rule is 0.36.
 * (Taking the gradient at
 * the reference's own weights instead lets Adam's step 2, g-normalised,
 * amplify one rounding of w into 1e-5 of lr.)  A wrong rule (no bias
 * correction, dampened momentum, L2 dropped) moves a weight by a fraction
 * of lr·|step|, thousands of times the bound. */
static aek_model *trained(const aek_config *cfg, const aek_train_config *tc, size_t steps)
{
    aek_model *M = NULL;
    if (aek_model_create(cfg, tc->batch, 5, &M) != AEK_OK)
        return NULL;
    if (aek_train(M, g_data.x, tc->batch * steps, tc, NULL) != AEK_OK) {
        aek_model_free(M);
        return NULL;
    }
    return M;
}

static void check_optimizer(const aek_kernel_set *ks, aek_opt_kind kind, double l2)
{
    const size_t n = g_data.cols, batch = 64, steps = 2;
    aek_config cfg = aek_config_default(n, 16);
    cfg.l2 = l2;
    char name[160];
    snprintf(name, sizeof name, "optimizer[%s] %s%s: 2 steps of aek_train == the update rule "
             "(double)", ks->name, aek_opt_name(kind), l2 > 0 ? " + l2" : "");
    aek_train_config tc = aek_train_default();
    tc.opt.kind = kind;
    tc.opt.lr = kind == AEK_OPT_ADAM ? 0.01 : 0.5;
    tc.opt.lr_final = 0; /* constant */
    tc.epochs = 1;
    tc.batch = batch;
    tc.shuffle = 0;
    const aek_opt_config o = tc.opt;
    const double beta1 = (float)o.beta1, beta2 = (float)o.beta2;
    aek_model *W[3] = {NULL, NULL, NULL}, *R = NULL;
    double *v = NULL, *s = NULL, *va = NULL;
    int ok = aek_model_create(&cfg, batch, 5, &W[0]) == AEK_OK &&
             aek_model_create(&cfg, batch, 5, &R) == AEK_OK;
    for (size_t t = 1; ok && t <= steps; t++)
        ok = (W[t] = trained(&cfg, &tc, t)) != NULL;
    const size_t np = ok ? R->nparams : 0;
    if (ok)
        ok = (v = calloc(np, sizeof *v)) && (s = calloc(np, sizeof *s)) &&
             (va = calloc(np, sizeof *va));
    if (!ok) {
        chk_verdict(name, NAN, 0, 0, "%s", aek_last_error());
        goto done;
    }
    double worst = 0, moved_most = 0, got = 0, want = 0;
    size_t at = 0;
    const double u = ldexp(1.0, -24);
    for (size_t t = 1; t <= steps; t++) {
        memcpy(R->params, W[t - 1]->params, np * sizeof(float));
        aek_model_eval(R, g_data.x + (t - 1) * batch * n, batch, NULL, 1);
        const double c1 = 1 - pow(beta1, (double)t), c2 = 1 - pow(beta2, (double)t);
        for (size_t i = 0; i < np; i++) {
            const double g = R->grads[i], w = W[t - 1]->params[i];
            double step = g, state = 0; /* state: the |step| the state's error scales with */
            if (kind == AEK_OPT_MOMENTUM) {
                v[i] = o.momentum * v[i] + g;
                va[i] = o.momentum * va[i] + fabs(g);
                step = v[i];
                state = va[i];
            } else if (kind == AEK_OPT_ADAM) {
                v[i] = beta1 * v[i] + (1 - beta1) * g;
                va[i] = beta1 * va[i] + (1 - beta1) * fabs(g);
                s[i] = beta2 * s[i] + (1 - beta2) * g * g;
                step = (v[i] / c1) / (sqrt(s[i] / c2) + o.eps);
                state = (va[i] / c1) / (sqrt(s[i] / c2) + o.eps);
            }
            const double ref = w - o.lr * step,
                         bound = 8 * u * (fabs(w) + o.lr * fabs(step)) +
                                 3 * (double)t * u * o.lr * state;
            const double d = fabs((double)W[t]->params[i] - ref);
            const double r = bound > 0 ? d / bound : (d > 0) * INFINITY;
            if (!(r <= worst))
                worst = r, at = i, got = W[t]->params[i], want = ref;
            if (o.lr * fabs(step) > moved_most)
                moved_most = o.lr * fabs(step);
        }
    }
    /* a test of an update that never moved anything could not fail */
    if (!(moved_most > 1e-4))
        chk_verdict(name, moved_most, 1e-4, 0, "the weights hardly moved: nothing tested");
    else
        chk_le(name, worst, 1, "figure = worst |w - w_ref| / (8u(|w| + lr|step|) + 3t u lr |step|_abs), at parameter "
               "%zu: %.9g vs %.9g; steps of %zu rows, lr %g", at, got, want, batch, o.lr);
done:
    free(v), free(s), free(va);
    for (int t = 0; t < 3; t++)
        aek_model_free(W[t]);
    aek_model_free(R);
}

/* ---- the cosine learning-rate schedule --------------------------------------
 * With lr_final > 0 step t (0-based) of a run of T = epochs × batches per
 * epoch steps uses (train.h, src/train.c lr_at)
 *   lr_t = lr_final + ½(lr − lr_final)(1 + cos(π·t/T)),  t = 0 … T−1:
 * lr at the first step, lr_final + ½(lr − lr_final)(1 + cos(π(T−1)/T)) at
 * the last (lr_final itself would be step T, never taken).  Plain SGD shows
 * each step's rate: w_{t+1} = w_t − lr_t·g(w_t).  A run of 3 epochs of 3
 * batches (64, 64 and 32 rows, no shuffling: T = 9) stopped after t steps
 * (stop_after_batches, which leaves the schedule spanning all 9) gives w_t
 * for t = 0 … 9; every step is checked against the rule with the formula's
 * lr_t on the model's own gradient at w_t, within check_optimizer's bound
 * 8u(|w_t| + lr_t|g|) per weight.  Neighbouring steps' rates differ by at
 * least ½(lr − lr_final)(1 − cos(π/9)) = 2.7% of lr here (an off-by-one in
 * t, or T − 1 for T, moves a bias that starts at 0 by ≥ 0.7% of its step:
 * over 10⁴ times the bound). */
static void check_cosine(const aek_kernel_set *ks)
{
    const size_t n = g_data.cols, batch = 64, rows = 160, nb = 3;
    const int epochs = 3;
    const size_t T = (size_t)epochs * nb;
    aek_config cfg = aek_config_default(n, 16);
    char name[160];
    snprintf(name, sizeof name, "lr schedule[%s] cosine, lr_final > 0: each of %zu SGD steps uses "
             "lr_final + (lr - lr_final)(1 + cos(pi t/T))/2", ks->name, T);
    aek_train_config tc = aek_train_default();
    tc.opt.kind = AEK_OPT_SGD;
    tc.opt.lr = 0.5;
    tc.opt.lr_final = 0.05;
    tc.epochs = epochs;
    tc.batch = batch;
    tc.shuffle = 0;
    aek_model *W[10] = {NULL}, *R = NULL;
    int ok = aek_model_create(&cfg, batch, 5, &W[0]) == AEK_OK &&
             aek_model_create(&cfg, batch, 5, &R) == AEK_OK;
    for (size_t t = 1; ok && t <= T; t++) {
        ok = aek_model_create(&cfg, batch, 5, &W[t]) == AEK_OK;
        if (!ok)
            break;
        tc.stop_after_batches = t < T ? (int)t : 0;
        aek_status s = aek_train(W[t], g_data.x, rows, &tc, NULL);
        ok = s == (t < T ? AEK_ERR_INTERRUPTED : AEK_OK);
    }
    if (!ok) {
        chk_verdict(name, NAN, 1, 0, "%s", aek_last_error());
        goto done;
    }
    const size_t np = R->nparams;
    const double u = ldexp(1.0, -24), pi = 3.14159265358979323846;
    double worst = 0, got = 0, want = 0, lr_seen[10], lr_want[10];
    size_t at = 0, at_step = 0;
    for (size_t t = 0; t < T; t++) {
        const size_t b = t % nb, r0 = b * batch, mb = rows - r0 < batch ? rows - r0 : batch;
        const double lr = tc.opt.lr_final + 0.5 * (tc.opt.lr - tc.opt.lr_final) *
                                                (1 + cos(pi * (double)t / (double)T));
        memcpy(R->params, W[t]->params, np * sizeof(float));
        aek_model_eval(R, g_data.x + r0 * n, mb, NULL, 1);
        double dot = 0, gg = 0;
        for (size_t i = 0; i < np; i++) {
            const double g = R->grads[i], w = W[t]->params[i], w1 = W[t + 1]->params[i];
            const double ref = w - lr * g, bound = 8 * u * (fabs(w) + lr * fabs(g));
            const double d = fabs(w1 - ref), r = bound > 0 ? d / bound : (d > 0) * INFINITY;
            if (!(r <= worst))
                worst = r, at = i, at_step = t, got = w1, want = ref;
            dot += (w - w1) * g, gg += g * g;
        }
        /* the rate the step took, by least squares over the weights: the
         * figure the note quotes (the verdict is the per-weight bound) */
        lr_seen[t] = gg > 0 ? dot / gg : NAN;
        lr_want[t] = lr;
    }
    chk_le(name, worst, 1, "figure = worst |w - (w_t - lr_t g)| / (8u(|w_t| + lr_t|g|)), step %zu "
           "parameter %zu: %.9g vs %.9g; lr 0.5 -> 0.05 over %d epochs x %zu batches; step rates "
           "t=0 %.7g (formula %.7g), t=%zu %.7g (%.7g), t=%zu %.7g (%.7g)", at_step, at, got, want,
           epochs, nb, lr_seen[0], lr_want[0], T / 2, lr_seen[T / 2], lr_want[T / 2], T - 1,
           lr_seen[T - 1], lr_want[T - 1]);
done:
    for (size_t t = 0; t <= T; t++)
        aek_model_free(W[t]);
    aek_model_free(R);
}

/* ---- the order of an epoch's samples ---------------------------------------- */

static int is_permutation(const size_t *p, size_t n)
{
    char *seen = calloc(n, 1);
    int ok = seen != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        ok = p[i] < n && !seen[p[i]];
        if (ok)
            seen[p[i]] = 1;
    }
    free(seen);
    return ok;
}

static void check_epoch_order(void)
{
    enum { N = 1000 };
    static size_t a[N], b[N];
    aek_epoch_order(a, N, 11, 0, 1);
    aek_epoch_order(b, N, 11, 1, 1);
    size_t same = 0, fixed = 0;
    for (size_t i = 0; i < N; i++)
        same += a[i] == b[i], fixed += a[i] == i;
    int ok = is_permutation(a, N) && is_permutation(b, N);
    /* two independent uniform permutations agree in ~1 place, and each has
     * ~1 fixed point: 20 or more is a probability below 1e-18 */
    chk_le("epoch order: epochs 0 and 1 are permutations and differ", ok ? (double)same : NAN, 20,
           "1000 samples, seed 11; figure = places where the two orders agree (%zu fixed points "
           "in epoch 0)", fixed);
    aek_epoch_order(a, N, 11, 3, 0);
    size_t moved = 0;
    for (size_t i = 0; i < N; i++)
        moved += a[i] != i;
    chk_le("epoch order without shuffling is the identity", (double)moved, 0,
           "figure = samples out of place");
    /* Uniform: all 120 orders of 5 samples over 24000 epochs, 200 expected
     * each.  χ² with 119 degrees of freedom has mean 119 and sd 15.4; 250
     * is 8.5 sd above (p < 1e-12).  A biased shuffle (Sattolo's, which
     * yields only the 24 cyclic orders) lands near 96000. */
    enum { E = 24000, K = 120 };
    static unsigned count[K];
    for (int e = 0; e < E; e++) {
        size_t p[5];
        aek_epoch_order(p, 5, 3, e, 1);
        if (!is_permutation(p, 5)) {
            chk_verdict("epoch order: uniform over the 120 orders of 5 samples", NAN, 250, 0,
                        "epoch %d is not a permutation", e);
            return;
        }
        /* the order's rank (Lehmer code) */
        size_t rank = 0;
        for (int i = 0; i < 5; i++) {
            size_t smaller = 0;
            for (int j = i + 1; j < 5; j++)
                smaller += p[j] < p[i];
            rank = rank * (size_t)(5 - i) + smaller;
        }
        count[rank]++;
    }
    double chi2 = 0;
    for (int k = 0; k < K; k++)
        chi2 += (count[k] - 200.0) * (count[k] - 200.0) / 200.0;
    chk_le("epoch order: uniform over the 120 orders of 5 samples (chi^2)", chi2, 250,
           "24000 epochs, 119 degrees of freedom (mean 119, sd 15.4)");
}

/* ---- inference over many rows, k-sparse codes, the configuration on file ---- */

static void check_inference(const aek_kernel_set *ks)
{
    const size_t n = g_data.cols, rows = 200, mb = 64; /* 3 full batches and 8 rows */
    aek_config cfg = aek_config_default(n, 24);
    cfg.act[0] = AEK_ACT_IDENTITY;
    cfg.ksparse_k = 4;
    cfg.ksparse_alpha = 3; /* encode keeps 12 of 24 */
    cfg.noise = AEK_NOISE_MASK;
    cfg.noise_level = 0.25;
    aek_model *M = NULL, *L = NULL;
    float *whole = malloc(rows * n * sizeof(float)), *part = malloc(rows * n * sizeof(float));
    char name[160], path[] = "/tmp/aekit_rules_XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0)
        close(fd);
    if (!whole || !part || fd < 0 || aek_model_create(&cfg, mb, 3, &M) != AEK_OK) {
        chk_verdict("inference: setup", NAN, 0, 0, "%s", aek_last_error());
        goto done;
    }
    const size_t code = cfg.sizes[1];
    for (int what = 0; what < 2; what++) {
        const size_t w = what ? n : code;
        if (what)
            aek_model_reconstruct(M, g_data.x, rows, whole);
        else
            aek_model_encode(M, g_data.x, rows, whole);
        for (size_t r0 = 0; r0 < rows; r0 += mb) {
            const size_t m = rows - r0 < mb ? rows - r0 : mb;
            if (what)
                aek_model_reconstruct(M, g_data.x + r0 * n, m, part + r0 * w);
            else
                aek_model_encode(M, g_data.x + r0 * n, m, part + r0 * w);
        }
        size_t differ = 0;
        for (size_t i = 0; i < rows * w; i++)
            differ += memcmp(&whole[i], &part[i], sizeof(float)) != 0;
        snprintf(name, sizeof name, "inference[%s] %s of %zu rows == batches of %zu (bits)",
                 ks->name, what ? "reconstruct" : "encode", rows, mb);
        chk_le(name, (double)differ, 0, "figure = values that differ");
    }
    /* ⌊αk⌋ = 12 nonzero units per code row (a linear code is nonzero almost
     * surely), before and after a save and load */
    for (int loaded = 0; loaded < 2; loaded++) {
        if (loaded && (aek_model_save(path, M, NULL, NULL) != AEK_OK ||
                       aek_model_load(path, mb, &L, NULL, NULL, NULL) != AEK_OK)) {
            chk_verdict("inference: save and load", NAN, 0, 0, "%s", aek_last_error());
            goto done;
        }
        aek_model_encode(loaded ? L : M, g_data.x, rows, whole);
        size_t off = 0;
        for (size_t r = 0; r < rows; r++) {
            size_t nz = 0;
            for (size_t j = 0; j < code; j++)
                nz += whole[r * code + j] != 0;
            off += nz != 12;
        }
        snprintf(name, sizeof name, "inference[%s] k-sparse encode keeps floor(alpha k) = 12 of 24 "
                 "units%s", ks->name, loaded ? " (model saved and loaded)" : "");
        chk_le(name, (double)off, 0, "k 4, alpha 3, %zu rows; figure = rows with another count",
               rows);
    }
    const aek_config *a = &M->cfg, *b = &L->cfg;
    int same = a->n_layers == b->n_layers && a->out_act == b->out_act && a->loss == b->loss &&
               a->tied == b->tied && a->l2 == b->l2 && a->noise == b->noise &&
               a->noise_level == b->noise_level && a->sparse_rho == b->sparse_rho &&
               a->sparse_beta == b->sparse_beta && a->ksparse_k == b->ksparse_k &&
               a->ksparse_alpha == b->ksparse_alpha && a->contractive == b->contractive &&
               a->cae_h_gamma == b->cae_h_gamma && a->cae_h_sigma == b->cae_h_sigma &&
               a->cae_h_copies == b->cae_h_copies;
    for (int l = 0; l <= a->n_layers; l++)
        same &= a->sizes[l] == b->sizes[l] && (l == a->n_layers || a->act[l] == b->act[l]);
    snprintf(name, sizeof name, "model[%s] configuration saved and loaded, field for field",
             ks->name);
    chk_verdict(name, same, 1, same, "k-sparse + masking noise model");
done:
    unlink(path);
    free(whole);
    free(part);
    aek_model_free(M);
    aek_model_free(L);
}

/* The noise of a sample is keyed by its data row (aek_noise_key.rows): the
 * same row corrupted in another batch, at another place, gets the same
 * bits; another epoch gets other noise. */
static void check_noise_key(void)
{
    const size_t n = g_data.cols;
    for (int kind = 0; kind < 2; kind++) {
        aek_config cfg = aek_config_default(n, 8);
        cfg.noise = kind ? AEK_NOISE_GAUSS : AEK_NOISE_MASK;
        cfg.noise_level = kind ? 0.2 : 0.3;
        aek_model *M = NULL;
        char name[128];
        snprintf(name, sizeof name, "noise (%s) of a sample depends on its data row, not its place "
                 "in the batch", kind ? "gauss" : "mask");
        float *a = malloc(3 * n * sizeof(float)), *b = malloc(2 * n * sizeof(float));
        float *xb = malloc(2 * n * sizeof(float));
        if (!a || !b || !xb || aek_model_create(&cfg, 8, 1, &M) != AEK_OK) {
            chk_verdict(name, NAN, 0, 0, "setup: %s", aek_last_error());
            free(a), free(b), free(xb);
            continue;
        }
        /* batch 1: data rows 10, 20, 30 at places 0, 1, 2; batch 2: rows
         * 30 and 10 at places 0 and 1 */
        size_t rows1[3] = {10, 20, 30}, rows2[2] = {30, 10};
        float *x1 = malloc(3 * n * sizeof(float));
        for (int i = 0; x1 && i < 3; i++)
            memcpy(x1 + i * n, g_data.x + rows1[i] * n, n * sizeof(float));
        memcpy(xb, g_data.x + 30 * n, n * sizeof(float));
        memcpy(xb + n, g_data.x + 10 * n, n * sizeof(float));
        aek_noise_key k1 = {4, 2, rows1}, k2 = {4, 2, rows2}, k3 = {4, 3, rows2};
        size_t differ = 0, same_other_epoch = 0;
        if (x1) {
            aek_model_corrupt(M, x1, 3, &k1);
            memcpy(a, M->H[0], 3 * n * sizeof(float));
            aek_model_corrupt(M, xb, 2, &k2);
            memcpy(b, M->H[0], 2 * n * sizeof(float));
            differ = (size_t)(memcmp(a + 2 * n, b, n * sizeof(float)) != 0) +
                     (size_t)(memcmp(a, b + n, n * sizeof(float)) != 0);
            aek_model_corrupt(M, xb, 2, &k3);
            same_other_epoch = memcmp(M->H[0], b, 2 * n * sizeof(float)) == 0;
        }
        chk_le(name, x1 ? (double)(differ + same_other_epoch) : NAN, 0,
               "rows 30 and 10 in batches (10, 20, 30) and (30, 10); figure = rows whose noise "
               "differs + 1 if epoch 3 repeats epoch 2's noise");
        free(x1), free(a), free(b), free(xb);
        aek_model_free(M);
    }
}

/* The epoch loss on_epoch reports is the mean over samples: with lr so
 * small that no weight moves (|lr·g| < ulp(w)/2; biases start at 0 and move
 * by ~1e-30, invisible in an O(1) pre-activation), 100 rows in batches of
 * 64 and 36 must give the loss aek_eval_dataset computes over the same
 * batches: Σ L_b·m_b / rows in double, the same operations (bound: the
 * relative rounding of a 2-term sum and a quotient, 4·2^-53).  Weighing the
 * 36-row batch as 64 moves it by (L2 − L1)·28/128. */
static void epoch_mean_log(void *ctx, const aek_epoch_stats *s)
{
    if (s->phase < 0)
        *(double *)ctx = s->loss;
}

static void check_epoch_mean(void)
{
    const size_t n = g_data.cols, rows = 100;
    aek_config cfg = aek_config_default(n, 8);
    aek_model *M = NULL;
    const char *name = "epoch loss = mean over samples (100 rows: batches of 64 and 36)";
    if (aek_model_create(&cfg, 64, 2, &M) != AEK_OK) {
        chk_verdict(name, NAN, 0, 0, "%s", aek_last_error());
        return;
    }
    aek_train_config tc = aek_train_default();
    tc.opt.kind = AEK_OPT_SGD;
    tc.opt.lr = 1e-30;
    tc.opt.lr_final = 0;
    tc.epochs = 1;
    tc.batch = 64;
    tc.shuffle = 0;
    double epoch = NAN, recon = NAN, total = NAN;
    tc.on_epoch = epoch_mean_log;
    tc.on_epoch_ctx = &epoch;
    if (aek_train(M, g_data.x, rows, &tc, NULL) != AEK_OK ||
        aek_eval_dataset(M, g_data.x, rows, 0, &recon, &total) != AEK_OK) {
        chk_verdict(name, NAN, 0, 0, "%s", aek_last_error());
    } else {
        chk_le(name, fabs(epoch - total) / total, 4 * ldexp(1.0, -53),
               "figure = |epoch loss - eval loss| / eval loss; %.17g vs %.17g", epoch, total);
    }
    aek_model_free(M);
}

/* A copy of the 256 × 32 training data, shifted by `shift` and scaled by
 * `scale` (then not in [0, 1]: min-max has a range to map). */
static int data_copy(aek_dataset *d, float scale, float shift)
{
    memset(d, 0, sizeof *d);
    if (aek_dataset_alloc(d, g_data.rows, g_data.cols) != AEK_OK)
        return 0;
    for (size_t i = 0; i < g_data.rows * g_data.cols; i++)
        d->x[i] = g_data.x[i] * scale + shift;
    return 1;
}

static void check_preproc_stored(void)
{
    const size_t n = g_data.cols;
    aek_config cfg = aek_config_default(n, 8);
    aek_model *M = NULL, *L = NULL;
    aek_preproc fit = {0}, got = {0};
    aek_dataset a = {0}, b = {0};
    char path[] = "/tmp/aekit_prep_XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0)
        close(fd);
    const char *name = "preprocessing (min-max, centred, standardised) saved and loaded: training "
                       "data to the fit's bits, other data with the stored statistics";
    /* fit on a = 3x + 1, keep the fitted bits in a */
    if (fd < 0 || !data_copy(&a, 3, 1) || !data_copy(&b, 3, 6) ||
        aek_preproc_fit(&a, AEK_SCALE_ASK_MINMAX, 1, 1, &fit) != AEK_OK ||
        aek_model_create(&cfg, 16, 1, &M) != AEK_OK ||
        aek_model_save(path, M, &fit, NULL) != AEK_OK ||
        aek_model_load(path, 16, &L, &got, NULL, NULL) != AEK_OK) {
        chk_verdict(name, NAN, 0, 0, "setup: %s", aek_last_error());
        goto done;
    }
    /* the training data again through the loaded transformation */
    aek_dataset a2 = {0};
    size_t differ = 0;
    if (data_copy(&a2, 3, 1) && aek_preproc_apply(&got, &a2) == AEK_OK) {
        for (size_t i = 0; i < a.rows * n; i++)
            differ += memcmp(&a.x[i], &a2.x[i], sizeof(float)) != 0;
    } else {
        differ = a.rows * n;
    }
    aek_dataset_free(&a2);
    /* b = a + 5 (before scaling): with the stored statistics its values are
     * a's plus 5/(hi - lo)/std_j per column, in double within float rounding
     * (a few operations on values of |v| ≤ ~10: bound 16u·(1 + |v|)); with
     * b's own statistics they would equal a's */
    double worst = 0;
    if (aek_preproc_apply(&got, &b) == AEK_OK) {
        const double range = (double)got.hi - (double)got.lo;
        for (size_t i = 0; i < b.rows * n; i++) {
            const size_t j = i % n;
            const double want = (double)a.x[i] + 5.0 / range / (double)got.std[j];
            const double r = fabs((double)b.x[i] - want) /
                             (16 * ldexp(1.0, -24) * (1 + fabs(want)));
            worst = r > worst ? r : worst;
        }
    } else {
        worst = INFINITY;
    }
    chk_le(name, (double)differ + worst, 1, "figure = training values that differ from the fit's "
           "bits (%zu) + worst |b - (a + 5/range/std)| / (16u(1 + |.|)) (%.3g)", differ, worst);
done:
    unlink(path);
    aek_dataset_free(&a);
    aek_dataset_free(&b);
    aek_preproc_free(&fit);
    aek_preproc_free(&got);
    aek_model_free(M);
    aek_model_free(L);
}

int main(void)
{
    if (aek_init() != AEK_OK)
        return 2;
    aek_synth_manifold_config sc = {256, 32, 4, 0, 0.1f, 7};
    if (aek_synth_manifold(&sc, &g_data) != AEK_OK) {
        fprintf(stderr, "test_train_rules: %s\n", aek_last_error());
        return 2;
    }
    for (int isa = 0; isa < AEK_ISA_COUNT; isa++) {
        const aek_kernel_set *ks = chk_kernel_set(isa);
        if (!ks)
            continue;
        aek_set_isa((aek_isa)isa);
        check_optimizer(ks, AEK_OPT_SGD, 0);
        check_optimizer(ks, AEK_OPT_SGD, 1e-3);
        check_optimizer(ks, AEK_OPT_MOMENTUM, 0);
        check_optimizer(ks, AEK_OPT_ADAM, 0);
        check_optimizer(ks, AEK_OPT_ADAM, 1e-3);
        check_cosine(ks);
        check_inference(ks);
    }
    check_epoch_order();
    check_noise_key();
    check_preproc_stored();
    check_epoch_mean();
    aek_dataset_free(&g_data);
    return chk_finish();
}
