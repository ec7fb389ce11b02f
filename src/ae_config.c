/* ae_config.c — defaults, validation and description of a configuration. */
#include "ae_config.h"
#include "../simd/error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

aek_config aek_config_default(size_t n_in, size_t n_hidden)
{
    aek_config c;
    memset(&c, 0, sizeof c);
    c.n_layers = 1;
    c.sizes[0] = n_in;
    c.sizes[1] = n_hidden;
    c.act[0] = AEK_ACT_SIGMOID;
    c.out_act = AEK_ACT_SIGMOID;
    c.loss = AEK_LOSS_MSE;
    c.sparse_rho = 0.05;
    c.ksparse_alpha = 1.0;
    c.cae_h_sigma = 0.1;
    c.cae_h_copies = 1;
    return c;
}

static int act_ok(aek_act a) { return a >= AEK_ACT_IDENTITY && a <= AEK_ACT_RELU; }
static int nonneg(double v) { return isfinite(v) && v >= 0; }

aek_status aek_config_check(const aek_config *c)
{
    if (c->n_layers < 1 || c->n_layers > AEK_MAX_LAYERS)
        return aek_error(AEK_ERR_ARG, "the encoder must have 1..%d layers (got %d)", AEK_MAX_LAYERS,
                         c->n_layers);
    int L = c->n_layers;
    for (int l = 0; l <= L; l++)
        if (c->sizes[l] < 1 || c->sizes[l] > (1u << 24))
            return aek_error(AEK_ERR_ARG, "layer size %zu (position %d) is not in 1..%u",
                             c->sizes[l], l, 1u << 24);
    for (int l = 0; l < L; l++)
        if (!act_ok(c->act[l]))
            return aek_error(AEK_ERR_ARG, "activation of layer %d is invalid", l + 1);
    if (c->out_act == AEK_ACT_RELU || !act_ok(c->out_act))
        return aek_error(AEK_ERR_ARG, "the output activation must be sigmoid, linear or tanh");
    if (c->loss != AEK_LOSS_MSE && c->loss != AEK_LOSS_BCE)
        return aek_error(AEK_ERR_ARG, "unknown loss %d", (int)c->loss);
    if (c->loss == AEK_LOSS_BCE && c->out_act != AEK_ACT_SIGMOID)
        return aek_error(AEK_ERR_ARG,
                         "cross-entropy loss needs a sigmoid output (got %s): it is computed from "
                         "the logits as softplus(z) - x*z",
                         aek_act_name(c->out_act));
    if (!nonneg(c->l2))
        return aek_error(AEK_ERR_ARG, "l2 weight decay must be a finite value >= 0");
    if (c->noise == AEK_NOISE_MASK && !(c->noise_level >= 0 && c->noise_level < 1))
        return aek_error(AEK_ERR_ARG, "masking noise probability must be in [0, 1) (got %g)",
                         c->noise_level);
    if (c->noise == AEK_NOISE_GAUSS && !nonneg(c->noise_level))
        return aek_error(AEK_ERR_ARG, "Gaussian noise sigma must be finite and >= 0 (got %g)",
                         c->noise_level);
    if (c->noise < AEK_NOISE_NONE || c->noise > AEK_NOISE_GAUSS)
        return aek_error(AEK_ERR_ARG, "unknown noise type %d", (int)c->noise);
    size_t code = c->sizes[L];
    aek_act gcode = c->act[L - 1];
    if (!nonneg(c->sparse_beta))
        return aek_error(AEK_ERR_ARG, "sparsity weight beta must be finite and >= 0");
    if (c->sparse_beta > 0) {
        if (!(c->sparse_rho > 0 && c->sparse_rho < 1))
            return aek_error(AEK_ERR_ARG, "sparsity target rho must be in (0, 1) (got %g)",
                             c->sparse_rho);
        if (gcode != AEK_ACT_SIGMOID)
            return aek_error(AEK_ERR_ARG,
                             "the KL sparsity penalty needs a sigmoid code layer (mean activations "
                             "in (0,1)); the code layer is %s",
                             aek_act_name(gcode));
    }
    if (c->ksparse_k > 0) {
        if (c->ksparse_k > code)
            return aek_error(AEK_ERR_ARG, "k-sparse k = %zu exceeds the code size %zu", c->ksparse_k,
                             code);
        if (!(c->ksparse_alpha >= 1) || !isfinite(c->ksparse_alpha))
            return aek_error(AEK_ERR_ARG, "k-sparse alpha must be >= 1 (got %g)", c->ksparse_alpha);
    }
    if (!nonneg(c->contractive))
        return aek_error(AEK_ERR_ARG, "contractive weight must be finite and >= 0");
    if (!nonneg(c->cae_h_gamma))
        return aek_error(AEK_ERR_ARG, "CAE+H weight gamma must be finite and >= 0");
    if ((c->contractive > 0 || c->cae_h_gamma > 0) && c->ksparse_k > 0)
        return aek_error(AEK_ERR_ARG,
                         "the contractive penalties cannot be combined with k-sparse codes: the "
                         "selection makes the encoder's Jacobian piecewise (dropped units have "
                         "J_j = 0), which the closed form sum_j s_j^2 ||W_j||^2 does not model");
    if ((c->contractive > 0 || c->cae_h_gamma > 0) && L != 1)
        return aek_error(AEK_ERR_ARG,
                         "the contractive penalties use the closed-form Jacobian of one encoder "
                         "layer; with %d layers, apply them in layer-wise pretraining", L);
    if (c->cae_h_gamma > 0) {
        if (!(c->cae_h_sigma > 0) || !isfinite(c->cae_h_sigma))
            return aek_error(AEK_ERR_ARG, "CAE+H sigma must be > 0 (got %g)", c->cae_h_sigma);
        if (c->cae_h_copies < 1 || c->cae_h_copies > 64)
            return aek_error(AEK_ERR_ARG, "CAE+H copies must be in 1..64 (got %d)", c->cae_h_copies);
    }
    return AEK_OK;
}

void aek_config_describe(const aek_config *c, char *buf, size_t len)
{
    size_t used = 0;
#define PUT(...)                                                                   \
    do {                                                                           \
        int w_ = snprintf(buf + used, used < len ? len - used : 0, __VA_ARGS__);   \
        if (w_ > 0) used += (size_t)w_;                                            \
    } while (0)
    PUT("%zu", c->sizes[0]);
    for (int l = 1; l <= c->n_layers; l++)
        PUT("-%zu(%s)", c->sizes[l], aek_act_name(c->act[l - 1]));
    PUT("-%zu(%s) %s", c->sizes[0], aek_act_name(c->out_act), c->loss == AEK_LOSS_BCE ? "bce" : "mse");
    if (c->tied) PUT(" tied");
    if (c->l2 > 0) PUT(" l2=%g", c->l2);
    if (c->noise == AEK_NOISE_MASK) PUT(" mask=%g", c->noise_level);
    if (c->noise == AEK_NOISE_GAUSS) PUT(" gauss=%g", c->noise_level);
    if (c->sparse_beta > 0) PUT(" sparse(rho=%g,beta=%g)", c->sparse_rho, c->sparse_beta);
    if (c->ksparse_k > 0) PUT(" ksparse(k=%zu,alpha=%g)", c->ksparse_k, c->ksparse_alpha);
    if (c->contractive > 0) PUT(" contractive=%g", c->contractive);
    if (c->cae_h_gamma > 0)
        PUT(" cae_h(gamma=%g,sigma=%g,copies=%d)", c->cae_h_gamma, c->cae_h_sigma, c->cae_h_copies);
#undef PUT
    if (len && used >= len)
        buf[len - 1] = '\0';
}
