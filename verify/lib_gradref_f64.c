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

static double act_d(double a, aek_act g)
{
    switch (g) {
    case AEK_ACT_SIGMOID: return 1 / (1 + exp(-a));
    case AEK_ACT_TANH: return tanh(a);
    case AEK_ACT_RELU: return a > 0 ? a : 0;
    default: return a;
    }
}

double gradref_own_forward_f64(const struct aek_model_f64 *M, const double *in0, size_t m,
                               double **code, double *maxin)
{
    const aek_config *c = &M->cfg;
    double margin = INFINITY, mx = 1;
    size_t w = c->sizes[0];
    double *in = malloc(m * w * sizeof(double));
    memcpy(in, in0, m * w * sizeof(double));
    for (int l = 0; l < c->n_layers; l++) {
        size_t k = c->sizes[l + 1];
        double *out = malloc(m * k * sizeof(double));
        for (size_t i = 0; i < m * w; i++)
            mx = fmax(mx, fabs(in[i]));
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < k; j++) {
                double a = M->b[l][j];
                for (size_t p = 0; p < w; p++)
                    a += in[i * w + p] * M->W[l][j * w + p];
                if (c->act[l] == AEK_ACT_RELU)
                    margin = fmin(margin, fabs(a));
                out[i * k + j] = act_d(a, c->act[l]);
            }
        free(in);
        in = out;
        w = k;
    }
    if (c->ksparse_k && c->ksparse_k < w)
        for (size_t i = 0; i < m; i++) {
            /* half the gap between the k-th and (k+1)-th largest of the row */
            double *s = malloc(w * sizeof(double));
            memcpy(s, in + i * w, w * sizeof(double));
            for (size_t a = 0; a < w; a++)
                for (size_t b = a + 1; b < w; b++)
                    if (s[b] > s[a]) { double t = s[a]; s[a] = s[b]; s[b] = t; }
            margin = fmin(margin, (s[c->ksparse_k - 1] - s[c->ksparse_k]) / 2);
            free(s);
        }
    /* decoder hidden layers mirror the encoder's activations: their ReLU
     * pre-activations need the margin too */
    double *y = malloc(m * w * sizeof(double));
    memcpy(y, in, m * w * sizeof(double));
    for (int l = c->n_layers - 1; l >= 1; l--) {
        size_t a = c->sizes[l + 1], b = c->sizes[l];
        double *z = malloc(m * b * sizeof(double));
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < b; j++) {
                double v = M->c[l][j];
                for (size_t p = 0; p < a; p++)
                    v += y[i * a + p] * (c->tied ? M->W[l][p * b + j] : M->Wd[l][j * a + p]);
                if (c->act[l - 1] == AEK_ACT_RELU)
                    margin = fmin(margin, fabs(v));
                z[i * b + j] = act_d(v, c->act[l - 1]);
            }
        free(y);
        y = z;
    }
    free(y);
    if (code)
        *code = in;
    else
        free(in);
    if (maxin)
        *maxin = mx;
    return margin;
}

double gradref_kink_margin_f64(const aek_config *cfg, size_t m, const double *params,
                               const double *X, const struct aek_noise_key_s *key)
{
    aek_model *M = NULL;
    if (aek_model_create(cfg, m, 0, &M) != AEK_OK)
        return 0;
    load_compact(M, params);
    aek_model_corrupt(M, X, m, key);
    double margin = gradref_own_forward_f64(M, M->H[0], m, NULL, NULL);
    aek_model_free(M);
    return margin;
}
