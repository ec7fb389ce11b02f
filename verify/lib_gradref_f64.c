/*
 * lib_gradref_f64.c — the double-precision build of the model as a
 * reference for float tests (this file is compiled with -DAEK_F64: every
 * model symbol here is the _f64 one).  Parameters cross the boundary in the
 * compact tensor order (tensors back to back, no alignment padding), which
 * is the same in both builds.
 */
#include "lib_gradref.h"
#include "../src/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static void load_compact(aek_model *M, const double *compact)
{
    memset(M->params, 0, M->nparams * sizeof(double));
    for (size_t t = 0, at = 0; t < M->ntensors; t++) {
        size_t cnt = M->tensors[t].rows * M->tensors[t].cols;
        memcpy(M->params + M->tensors[t].offset, compact + at, cnt * sizeof(double));
        at += cnt;
    }
}

int gradref_f64(const aek_config *cfg, size_t m, const double *params, const double *X,
                const struct aek_noise_key_s *key, double *grad, double parts[6])
{
    aek_model *M = NULL;
    if (aek_model_create(cfg, m, 0, &M) != AEK_OK)
        return 1;
    load_compact(M, params);
    aek_model_eval(M, X, m, key, 1);
    for (size_t t = 0, at = 0; t < M->ntensors; t++) {
        size_t cnt = M->tensors[t].rows * M->tensors[t].cols;
        memcpy(grad + at, M->grads + M->tensors[t].offset, cnt * sizeof(double));
        at += cnt;
    }
    parts[0] = M->loss_total;
    parts[1] = M->loss_recon;
    parts[2] = M->loss_l2;
    parts[3] = M->loss_sparse;
    parts[4] = M->loss_contractive;
    parts[5] = M->loss_cae_h;
    aek_model_free(M);
    return 0;
}

/* Distance of the nearest ReLU pre-activation from 0 and half the gap at
 * every k-sparse selection boundary, for the corrupted input of the batch. */
double gradref_kink_margin_f64(const aek_config *cfg, size_t m, const double *params,
                               const double *X, const struct aek_noise_key_s *key)
{
    aek_model *M = NULL;
    if (aek_model_create(cfg, m, 0, &M) != AEK_OK)
        return 0;
    load_compact(M, params);
    aek_model_corrupt(M, X, m, key);
    double margin = INFINITY;
    size_t w = cfg->sizes[0];
    double *in = malloc(m * w * sizeof(double));
    memcpy(in, M->H[0], m * w * sizeof(double));
    for (int l = 0; l < cfg->n_layers; l++) {
        size_t k = cfg->sizes[l + 1];
        double *out = malloc(m * k * sizeof(double));
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < k; j++) {
                double a = M->b[l][j];
                for (size_t p = 0; p < w; p++)
                    a += in[i * w + p] * M->W[l][j * w + p];
                aek_act g = cfg->act[l];
                if (g == AEK_ACT_RELU)
                    margin = fmin(margin, fabs(a));
                out[i * k + j] = g == AEK_ACT_SIGMOID ? 1 / (1 + exp(-a))
                               : g == AEK_ACT_TANH    ? tanh(a)
                               : g == AEK_ACT_RELU    ? (a > 0 ? a : 0)
                                                      : a;
            }
        free(in);
        in = out;
        w = k;
    }
    if (cfg->ksparse_k && cfg->ksparse_k < w)
        for (size_t i = 0; i < m; i++) {
            double *s = malloc(w * sizeof(double));
            memcpy(s, in + i * w, w * sizeof(double));
            for (size_t a = 0; a < w; a++)
                for (size_t b = a + 1; b < w; b++)
                    if (s[b] > s[a]) { double t = s[a]; s[a] = s[b]; s[b] = t; }
            margin = fmin(margin, (s[cfg->ksparse_k - 1] - s[cfg->ksparse_k]) / 2);
            free(s);
        }
    /* decoder hidden layers (mirrored activations) */
    for (int l = cfg->n_layers - 1; l >= 1; l--) {
        size_t a = cfg->sizes[l + 1], b = cfg->sizes[l];
        double *z = malloc(m * b * sizeof(double));
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < b; j++) {
                double v = M->c[l][j];
                for (size_t p = 0; p < a; p++)
                    v += in[i * a + p] * (cfg->tied ? M->W[l][p * b + j] : M->Wd[l][j * a + p]);
                if (cfg->act[l - 1] == AEK_ACT_RELU)
                    margin = fmin(margin, fabs(v));
                z[i * b + j] = cfg->act[l - 1] == AEK_ACT_RELU ? (v > 0 ? v : 0)
                             : cfg->act[l - 1] == AEK_ACT_SIGMOID ? 1 / (1 + exp(-v))
                             : cfg->act[l - 1] == AEK_ACT_TANH ? tanh(v) : v;
            }
        free(in);
        in = z;
    }
    free(in);
    aek_model_free(M);
    return margin;
}
