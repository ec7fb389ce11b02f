/*
 * softmax.h — multinomial logistic regression (a softmax classifier), the
 * probe that measures how linearly separable a representation is: raw
 * pixels, PCA codes, or the codes of an autoencoder (`aekit classify`).
 *
 * Model, for a feature row x (d) and K classes:
 *   z = W x + b   (W K×d, b K),   p = softmax(z),   ŷ = argmax z
 * Loss over a batch of m rows with labels yᵢ (batch mean, DESIGN.md §3):
 *   L = (1/m) Σᵢ (logsumexp(zᵢ) − zᵢ,yᵢ) + λ‖W‖²_F      (b not decayed)
 *   ∂L/∂Z = (P − Y)/m,   ∂L/∂W = (∂L/∂Z)ᵀ X + 2λW,   ∂L/∂b = colsum ∂L/∂Z
 * Z and ∂L/∂W go through aek_sgemm; logsumexp is taken after subtracting
 * the row maximum, in double.  The loss is convex: training starts from
 * W = 0, b = 0 and needs no seed except for the shuffle.
 *
 * Training: mini-batch Adam (β = 0.9, 0.999, ε = 1e-8), the rows reshuffled
 * every epoch from (seed, epoch), the learning rate cosine-decayed from lr
 * to lr_final over the run (lr_final = 0 with decay off: constant).  Same
 * seed, same kernel set → same bits, for every thread count.
 */
#ifndef AEKIT_SOFTMAX_H
#define AEKIT_SOFTMAX_H

#include <stddef.h>
#include <stdint.h>

#include "aekit.h"

typedef struct {
    size_t d, k;     /* features, classes                                 */
    float *params;   /* one block: W (k×d, row-major) then b (k)           */
    float *W, *b;    /* views into params                                 */
} aek_softmax;

/* W = 0, b = 0 for d features and k ≥ 2 classes (AEK_ERR_ARG, AEK_ERR_NOMEM). */
aek_status aek_softmax_init(aek_softmax *s, size_t d, size_t k);
void aek_softmax_free(aek_softmax *s);

/* Number of parameters: k·d + k. */
size_t aek_softmax_nparams(const aek_softmax *s);

/* The loss L above of m ≥ 1 rows X (row stride ldx ≥ d) with labels y
 * (each < k).  grad (nparams floats, same layout as params) receives ∂L/∂θ
 * when not NULL.  work: m·k floats (the logits, then ∂L/∂Z). */
double aek_softmax_loss(const aek_softmax *s, const float *X, size_t ldx, const uint8_t *y,
                        size_t m, double l2, float *grad, float *work);

/* Predicted classes of m rows (argmax of the logits; the first on ties). */
aek_status aek_softmax_predict(const aek_softmax *s, const float *X, size_t ldx, size_t m,
                               uint8_t *pred);

/* Fraction of the m rows whose prediction differs from y. */
aek_status aek_softmax_error(const aek_softmax *s, const float *X, size_t ldx, const uint8_t *y,
                             size_t m, double *err);

typedef struct {
    int epochs;          /* ≥ 1                                   */
    size_t batch;        /* ≥ 1 (clipped to m)                    */
    double lr, lr_final; /* Adam step size, cosine-decayed to lr_final (0: constant lr) */
    double l2;           /* λ                                     */
    uint64_t seed;       /* shuffle                               */
} aek_softmax_train_config;

/* epochs 30, batch 256, lr 1e-2 → 1e-4, λ 1e-4, seed 1. */
aek_softmax_train_config aek_softmax_train_default(void);

typedef struct {
    int epoch, epochs;   /* 1-based                                */
    double loss;         /* mean batch loss over the epoch         */
    double seconds;      /* wall time of the epoch                 */
} aek_softmax_epoch;

typedef void (*aek_softmax_epoch_fn)(void *ctx, const aek_softmax_epoch *e);

/* Trains s on m rows X (stride ldx) with labels y (each < s->k).
 * AEK_ERR_NUMERIC if the loss becomes NaN/Inf (names the epoch). */
aek_status aek_softmax_train(aek_softmax *s, const float *X, size_t ldx, const uint8_t *y,
                             size_t m, const aek_softmax_train_config *cfg,
                             aek_softmax_epoch_fn on_epoch, void *ctx);

#endif
