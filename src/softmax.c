/*
 * softmax.c — multinomial logistic regression (softmax.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "softmax.h"

#include "rng.h"
#include "../simd/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { PREDICT_ROWS = 1024 }; /* rows per logits block in predict */

static float *alloc_f(size_t n)
{
    if (n == 0)
        n = 1;
    if (n > ((size_t)-1 - 63) / sizeof(float))
        return NULL;
    return aligned_alloc(64, (n * sizeof(float) + 63) / 64 * 64);
}

aek_status aek_softmax_init(aek_softmax *s, size_t d, size_t k)
{
    memset(s, 0, sizeof *s);
    if (d == 0 || k < 2 || k > 256)
        return aek_error(AEK_ERR_ARG, "softmax: need d >= 1 features and 2..256 classes (got d = %zu, "
                         "k = %zu)", d, k);
    if (d > ((size_t)-1) / 4 / k - 1)
        return aek_error(AEK_ERR_NOMEM, "softmax: %zu x %zu weights overflow", k, d);
    size_t n = k * d + k;
    s->params = alloc_f(n);
    if (!s->params)
        return aek_error(AEK_ERR_NOMEM, "softmax: cannot allocate %zu parameters", n);
    memset(s->params, 0, n * sizeof(float));
    s->d = d;
    s->k = k;
    s->W = s->params;
    s->b = s->params + k * d;
    return AEK_OK;
}

void aek_softmax_free(aek_softmax *s)
{
    if (!s)
        return;
    free(s->params);
    memset(s, 0, sizeof *s);
}

size_t aek_softmax_nparams(const aek_softmax *s) { return s->k * s->d + s->k; }

/* Z (m×k) = X Wᵀ + b. */
static void logits(const aek_softmax *s, const float *X, size_t ldx, size_t m, float *Z)
{
    aek_epilogue ep = {s->b, AEK_ACT_IDENTITY};
    aek_sgemm_ex(AEK_N, AEK_T, m, s->k, s->d, 1.0f, X, ldx, s->W, s->d, 0.0f, Z, s->k, &ep);
}

double aek_softmax_loss(const aek_softmax *s, const float *X, size_t ldx, const uint8_t *y,
                        size_t m, double l2, float *grad, float *work)
{
    const size_t k = s->k, d = s->d;
    logits(s, X, ldx, m, work);
    double sum = 0;
    for (size_t i = 0; i < m; i++) {
        float *z = work + i * k;
        double mx = z[0];
        for (size_t c = 1; c < k; c++)
            if (z[c] > mx)
                mx = z[c];
        double se = 0;
        for (size_t c = 0; c < k; c++)
            se += exp((double)z[c] - mx);
        /* cppcheck-suppress invalidFunctionArg ; se >= 1: the largest logit adds exp(0) */
        double lse = mx + log(se);
        sum += lse - (double)z[y[i]];
        if (grad) {
            /* ∂L/∂z = (p − onehot(y)) / m, overwriting the logits */
            for (size_t c = 0; c < k; c++) {
                double p = exp((double)z[c] - lse);
                z[c] = (float)((p - (c == y[i] ? 1.0 : 0.0)) / (double)m);
            }
        }
    }
    double reg = 0;
    if (l2 > 0) {
        for (size_t j = 0; j < k * d; j++)
            reg += (double)s->W[j] * s->W[j];
        reg *= l2;
    }
    if (grad) {
        float *gW = grad, *gb = grad + k * d;
        /* gW = dZᵀ X (k×d) */
        aek_sgemm(AEK_T, AEK_N, k, d, m, 1.0f, work, k, X, ldx, 0.0f, gW, d);
        if (l2 > 0) {
            float t = (float)(2 * l2);
            for (size_t j = 0; j < k * d; j++)
                gW[j] += t * s->W[j];
        }
        for (size_t c = 0; c < k; c++) {
            double acc = 0;
            for (size_t i = 0; i < m; i++)
                acc += work[i * k + c];
            gb[c] = (float)acc;
        }
    }
    return sum / (double)m + reg;
}

aek_status aek_softmax_predict(const aek_softmax *s, const float *X, size_t ldx, size_t m,
                               uint8_t *pred)
{
    const size_t k = s->k;
    size_t blk = m < PREDICT_ROWS ? m : PREDICT_ROWS;
    float *Z = alloc_f(blk * k);
    if (!Z)
        return aek_error(AEK_ERR_NOMEM, "softmax: cannot allocate %zu logits", blk * k);
    for (size_t r0 = 0; r0 < m; r0 += blk) {
        size_t mb = m - r0 < blk ? m - r0 : blk;
        logits(s, X + r0 * ldx, ldx, mb, Z);
        for (size_t i = 0; i < mb; i++) {
            const float *z = Z + i * k;
            size_t best = 0;
            for (size_t c = 1; c < k; c++)
                if (z[c] > z[best])
                    best = c;
            pred[r0 + i] = (uint8_t)best;
        }
    }
    free(Z);
    return AEK_OK;
}

aek_status aek_softmax_error(const aek_softmax *s, const float *X, size_t ldx, const uint8_t *y,
                             size_t m, double *err)
{
    uint8_t *pred = malloc(m ? m : 1);
    if (!pred)
        return aek_error(AEK_ERR_NOMEM, "softmax: cannot allocate %zu predictions", m);
    aek_status st = aek_softmax_predict(s, X, ldx, m, pred);
    if (st == AEK_OK) {
        size_t wrong = 0;
        for (size_t i = 0; i < m; i++)
            wrong += pred[i] != y[i];
        *err = m ? (double)wrong / (double)m : 0;
    }
    free(pred);
    return st;
}

aek_softmax_train_config aek_softmax_train_default(void)
{
    aek_softmax_train_config c = {30, 256, 1e-2, 1e-4, 1e-4, 1};
    return c;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

aek_status aek_softmax_train(aek_softmax *s, const float *X, size_t ldx, const uint8_t *y,
                             size_t m, const aek_softmax_train_config *cfg,
                             aek_softmax_epoch_fn on_epoch, void *ctx)
{
    if (m == 0 || cfg->epochs < 1 || cfg->batch == 0 || !(cfg->lr > 0) || cfg->lr_final < 0 ||
        cfg->l2 < 0 || ldx < s->d)
        return aek_error(AEK_ERR_ARG, "softmax: bad training arguments (rows %zu, epochs %d, batch "
                         "%zu, lr %g, lr_final %g, l2 %g)", m, cfg->epochs, cfg->batch, cfg->lr,
                         cfg->lr_final, cfg->l2);
    for (size_t i = 0; i < m; i++)
        if (y[i] >= s->k)
            return aek_error(AEK_ERR_ARG, "softmax: label %u of row %zu is not below the %zu classes",
                             y[i], i, s->k);
    const size_t d = s->d, k = s->k, np = aek_softmax_nparams(s);
    const size_t B = cfg->batch < m ? cfg->batch : m;
    const size_t nb = (m + B - 1) / B;
    float *g = alloc_f(np), *m1 = alloc_f(np), *m2 = alloc_f(np), *Xb = alloc_f(B * d),
          *work = alloc_f(B * k);
    uint8_t *yb = malloc(B);
    size_t *perm = malloc(m * sizeof *perm);
    aek_status st = AEK_OK;
    if (!g || !m1 || !m2 || !Xb || !work || !yb || !perm) {
        st = aek_error(AEK_ERR_NOMEM, "softmax: cannot allocate the training workspace");
        goto out;
    }
    memset(m1, 0, np * sizeof(float));
    memset(m2, 0, np * sizeof(float));
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const double total_steps = (double)cfg->epochs * (double)nb;
    uint64_t step = 0;
    for (int e = 0; e < cfg->epochs; e++) {
        double t0 = now_s(), lsum = 0;
        aek_rng_permutation(perm, m, cfg->seed, (uint64_t)e);
        for (size_t bi = 0; bi < nb; bi++) {
            size_t r0 = bi * B, mb = m - r0 < B ? m - r0 : B;
            for (size_t i = 0; i < mb; i++) {
                memcpy(Xb + i * d, X + perm[r0 + i] * ldx, d * sizeof(float));
                yb[i] = y[perm[r0 + i]];
            }
            double L = aek_softmax_loss(s, Xb, d, yb, mb, cfg->l2, g, work);
            if (!isfinite(L)) {
                st = aek_error(AEK_ERR_NUMERIC, "softmax: loss is %g in epoch %d, batch %zu (lower "
                               "--lr?)", L, e + 1, bi);
                goto out;
            }
            lsum += L;
            double lr = cfg->lr;
            if (cfg->lr_final > 0) {
                double x = (double)step / total_steps;
                lr = cfg->lr_final + 0.5 * (cfg->lr - cfg->lr_final) *
                                         (1 + cos(3.14159265358979323846 * x));
            }
            step++;
            double c1 = 1 - pow(b1, (double)step), c2 = 1 - pow(b2, (double)step);
            double a = lr * sqrt(c2) / c1;
            for (size_t j = 0; j < np; j++) {
                float gj = g[j];
                m1[j] = (float)(b1 * m1[j] + (1 - b1) * gj);
                m2[j] = (float)(b2 * m2[j] + (1 - b2) * (double)gj * gj);
                s->params[j] -= (float)(a * m1[j] / (sqrt((double)m2[j]) + eps * sqrt(c2)));
            }
        }
        if (on_epoch) {
            aek_softmax_epoch ep = {e + 1, cfg->epochs, lsum / (double)nb, now_s() - t0};
            on_epoch(ctx, &ep);
        }
    }
out:
    free(g);
    free(m1);
    free(m2);
    free(Xb);
    free(work);
    free(yb);
    free(perm);
    return st;
}
