/*
 * ae_config.h — what an autoencoder is: its shape and its variant choices.
 * Precision-independent (shared by the float and double builds, and stored
 * in model files).
 */
#ifndef AEKIT_AE_CONFIG_H
#define AEKIT_AE_CONFIG_H

#include <stddef.h>
#include "aekit.h"

#define AEK_MAX_LAYERS 8

typedef enum { AEK_LOSS_MSE = 0, AEK_LOSS_BCE = 1 } aek_loss;
typedef enum { AEK_NOISE_NONE = 0, AEK_NOISE_MASK = 1, AEK_NOISE_GAUSS = 2 } aek_noise;

typedef struct {
    int n_layers;                      /* encoder layers L, 1..AEK_MAX_LAYERS      */
    size_t sizes[AEK_MAX_LAYERS + 1];  /* sizes[0] input, sizes[L] code            */
    aek_act act[AEK_MAX_LAYERS];       /* g_l: activation of encoder layer l       */
    aek_act out_act;                   /* f_0: decoder output (sigmoid/linear/tanh) */
    aek_loss loss;                     /* BCE needs a sigmoid output               */
    int tied;                          /* W*_l = W_lᵀ                              */
    double l2;                         /* λ on every weight matrix                 */
    aek_noise noise;                   /* input corruption (denoising)             */
    double noise_level;                /* mask probability q, or Gaussian σ        */
    double sparse_rho, sparse_beta;    /* KL sparsity of the code (β = 0: off)     */
    size_t ksparse_k;                  /* k-sparse code (0: off)                   */
    double ksparse_alpha;              /* encode with ⌊α·k⌋ units (α ≥ 1)          */
    double contractive;                /* λ_c of ‖J‖²_F (0: off; needs L = 1)      */
    double cae_h_gamma;                /* γ of the Jacobian difference (0: off)    */
    double cae_h_sigma;                /* σ of the corrupted copies x + ε          */
    int cae_h_copies;                  /* copies per sample                        */
} aek_config;

/* A plain one-hidden-layer sigmoid AE with MSE loss: the defaults. */
aek_config aek_config_default(size_t n_in, size_t n_hidden);

/* Checks a configuration; AEK_ERR_ARG with a message naming the problem. */
aek_status aek_config_check(const aek_config *cfg);

/* A one-line description, e.g. "784-256(sigmoid)-784(sigmoid) mse tied l2=1e-4". */
void aek_config_describe(const aek_config *cfg, char *buf, size_t len);

#endif
