/*
 * model.h — a symmetric autoencoder of any depth and every classic variant.
 *
 *   encoder  H₀ = X̃ (the corrupted input),  H_{l+1} = g_l(H_l W_lᵀ + b_l),  l < L
 *   decoder  Y_L = H_L,  Y_l = f_l(Y_{l+1} W*_lᵀ + c_l),  f_0 = output act,
 *            f_l = g_{l−1} (mirror);  tied: W*_l = W_lᵀ
 *   loss     (1/m)Σ_i ‖Y_0,i − x_i‖²  or  (1/m)Σ_i Σ_j softplus(z_ij) − x_ij z_ij
 *            + λ Σ_l (‖W_l‖² + ‖W*_l‖²)   (tied: ‖W_l‖² once)   L2
 *            + β Σ_j KL(ρ ‖ ρ̂_j),  ρ̂ = colmean(H_L)            sparse
 *            + (λ_c/m) Σ_i ‖J(x_i)‖²_F                       contractive (L = 1)
 *            + (γ/(m·C)) Σ_i Σ_c ‖J(x_i) − J(x_i + ε_ic)‖²_F  CAE+H (L = 1)
 *   k-sparse keeps the k largest entries of each code row (αk at encode time).
 *
 * Parameters live in one aligned block (each tensor 64-byte aligned), so the
 * optimizer, checkpoints and gradient checks treat them as one vector.  Every
 * temporary is sized once for a maximum batch at creation: the training loop
 * allocates nothing.
 *
 * Built twice (real.h): float for the library, double for verify/.
 */
#ifndef AEKIT_MODEL_H
#define AEKIT_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "aekit.h"
#include "ae_config.h"
#include "real.h"

#define aek_model AEK_R(aek_model)
#define aek_model_create AEK_R(aek_model_create)
#define aek_model_free AEK_R(aek_model_free)
#define aek_model_init_params AEK_R(aek_model_init_params)
#define aek_model_eval AEK_R(aek_model_eval)
#define aek_model_sgd_step AEK_R(aek_model_sgd_step)
#define aek_model_encode AEK_R(aek_model_encode)
#define aek_model_reconstruct AEK_R(aek_model_reconstruct)
#define aek_model_corrupt AEK_R(aek_model_corrupt)

#define aek_model_cae_h_copy AEK_R(aek_model_cae_h_copy)

/* Which noise the batch sees: a pure function of (seed, epoch, global row
 * index, copy), so it is the same whatever the batch composition or thread
 * count, and frozen for a gradient check by keeping the key. */
typedef struct aek_noise_key_s {
    uint64_t seed;
    uint64_t epoch;
    const size_t *rows; /* global index of each batch row; NULL: 0..m−1 */
} aek_noise_key;

/* One parameter tensor inside the block. */
typedef struct {
    char name[16];      /* "W0", "b0", "Wd0", "c0", ...  (Wd = decoder W*) */
    size_t rows, cols;  /* vectors: rows = 1 */
    size_t offset;      /* in reals from the start of the block */
} aek_tensor;

enum { AEK_FUSE_ENCODER = 1u, AEK_FUSE_DECODER = 2u };

typedef struct aek_model {
    aek_config cfg;
    int L;

    /* parameters, gradients: one block each, same layout */
    size_t nparams;
    real *params, *grads;
    size_t ntensors;
    aek_tensor tensors[4 * AEK_MAX_LAYERS];
    real *W[AEK_MAX_LAYERS], *b[AEK_MAX_LAYERS], *Wd[AEK_MAX_LAYERS], *c[AEK_MAX_LAYERS];
    real *gW[AEK_MAX_LAYERS], *gb[AEK_MAX_LAYERS], *gWd[AEK_MAX_LAYERS], *gc[AEK_MAX_LAYERS];

    /* workspace for up to max_batch rows */
    size_t max_batch;
    real *H[AEK_MAX_LAYERS + 1]; /* H[0]: corrupted input; H[l]: layer l units */
    const real *in;              /* the encoder's input of the current batch:
                                    H[0], or the caller's X when there is no
                                    noise (saves a copy per batch)           */
    real *Y[AEK_MAX_LAYERS];     /* decoder outputs; Y[0] = x̂ (MSE) or logits
                                    (BCE) — after an evaluation with the
                                    gradient, dZ_0 = ∂L/∂(output logits)   */
    real *dA, *dB;               /* two m × max-width gradient buffers    */
    real *dpart;                 /* m × max-width: a partial data gradient */
    unsigned char *kmask;        /* k-sparse: kept code units (m × code)  */
    real *xc, *hc, *dac;         /* CAE+H: one corrupted copy at a time   */
    real *colv[5];               /* code-width vectors: ρ̂/KL term, ‖W_j‖², Σs², Σd²,
                                    the fused contractive step's row terms */
    real *tmpn;                  /* max-width vector (bias gradients of copies) */
    size_t *kidx;                /* k-sparse selection scratch            */

    /* fused SGD step (aek_model_sgd_step): the weight-gradient GEMMs of the
     * layers fuse_step names (AEK_FUSE_ENCODER | AEK_FUSE_DECODER) write
     * W −= step_lr·Dᵀ·In instead of the gradient; fused_bits marks the
     * tensors the last step updated that way (bit l: W[l], bit
     * AEK_MAX_LAYERS + l: Wd[l]) */
    unsigned fuse_step;
    real step_lr;
    unsigned fused_bits;

    /* the parts of the last evaluated loss (batch means) */
    double loss_recon, loss_l2, loss_sparse, loss_contractive, loss_cae_h, loss_total;
} aek_model;

/* Validates cfg (message names the offending option), allocates parameters
 * and workspace for batches of up to max_batch rows, initialises weights
 * (Glorot uniform from seed, biases 0). */
aek_status aek_model_create(const aek_config *cfg, size_t max_batch, uint64_t seed,
                            aek_model **out);
void aek_model_free(aek_model *M);

/* Re-initialise the parameters from a seed. */
void aek_model_init_params(aek_model *M, uint64_t seed);

/* Writes the corrupted input of the batch into M->H[0] (a copy of X when the
 * model has no input noise). */
void aek_model_corrupt(aek_model *M, const real *X, size_t m, const aek_noise_key *key);

/* The loss of a batch (X: m×n₀ rows, m ≤ max_batch) at the current
 * parameters, with the noise given by key (NULL: as if seed = epoch = 0).
 * want_grad: also M->grads = ∂loss/∂params.  Returns the total loss; the
 * parts are in M->loss_*. */
double aek_model_eval(aek_model *M, const real *X, size_t m, const aek_noise_key *key,
                      int want_grad);

/* One plain SGD step on a batch: params −= lr·∂loss/∂params, the same bits
 * as aek_model_eval(want_grad) followed by be_axpy(−lr, grads, params).
 * Where a weight's gradient is one GEMM summed in one k-block (no tied
 * weights, L2, contractive or CAE+H term; float build), the step is applied
 * in that GEMM's epilogue (W = fma(−lr, Dᵀ·In, W): the rounding of the
 * separate update), so the gradient and its update never make a pass over
 * memory of their own; M->grads of those tensors is then not written.
 * Returns the loss; a non-finite loss returns before any parameter changes. */
double aek_model_sgd_step(aek_model *M, const real *X, size_t m, const aek_noise_key *key,
                          real lr);

/* CAE+H: writes corrupted copy c of the batch's encoder input H[0] into
 * M->xc (x̃_c = X̃ + σ_h·ε, ε from stream (seed, epoch, row, 1 + c)) and its
 * code into M->hc.  H[0] must hold the batch (aek_model_corrupt). */
void aek_model_cae_h_copy(aek_model *M, size_t m, const aek_noise_key *key, int c);

/* Codes of clean inputs (m×code), with αk units for k-sparse models. */
void aek_model_encode(aek_model *M, const real *X, size_t m, real *codes);

/* Reconstructions of clean inputs (m×n₀, after the output activation). */
void aek_model_reconstruct(aek_model *M, const real *X, size_t m, real *out);

#endif
