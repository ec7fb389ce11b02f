/*
 * train.h — mini-batch training of an autoencoder: SGD, momentum or Adam,
 * shuffling per epoch, greedy layer-wise pretraining of stacked models,
 * checkpoints that resume with the same bits, progress output.
 *
 * Determinism: the shuffle of epoch e and the noise of every sample are pure
 * functions of (seed, e, sample index); the kernels give the same bits for
 * every thread count.  So the same seed and kernel set give the same model,
 * and a run resumed from a checkpoint continues exactly as if it had never
 * stopped (verify/ checks both).
 */
#ifndef AEKIT_TRAIN_H
#define AEKIT_TRAIN_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"

typedef enum { AEK_OPT_SGD = 0, AEK_OPT_MOMENTUM = 1, AEK_OPT_ADAM = 2 } aek_opt_kind;

typedef struct {
    aek_opt_kind kind;
    double lr;
    double lr_final;            /* > 0: cosine decay from lr to lr_final over the
                                   run, per step: step t = 0 … T−1 of T = epochs
                                   × batches uses lr_final + ½(lr − lr_final)
                                   (1 + cos(πt/T)) (lr first, just above
                                   lr_final last); 0: constant lr  */
    double momentum;            /* μ (momentum)                 */
    double beta1, beta2, eps;   /* Adam                         */
} aek_opt_config;

/* The learning rate of step t (0-based) of a run of T steps (epochs ×
 * batches per epoch): lr, or the cosine decay above when lr_final > 0. */
double aek_lr_at(const aek_opt_config *o, uint64_t t, uint64_t T);

/* Defaults: Adam, lr 1e-3 constant, β = (0.9, 0.999), eps 1e-8; momentum μ = 0.9. */
aek_opt_config aek_opt_default(void);
const char *aek_opt_name(aek_opt_kind k);

/* Per-epoch report to the caller. */
typedef struct {
    int phase;          /* −1 fine-tuning / single model; l ≥ 0 pretraining layer l */
    int epoch, epochs;  /* 1-based epoch of the phase, and its total     */
    double loss;        /* mean total loss over the epoch's batches      */
    double recon;       /* mean reconstruction part                      */
    double seconds;     /* wall time of the epoch                        */
    size_t rows;        /* samples seen                                  */
    double val_loss;    /* total and reconstruction loss of the model at the */
    double val_recon;   /* epoch's end on tc->val_x, clean inputs (as
                           aek_eval_dataset); NAN without validation data and
                           in pretraining phases; ±Inf/NaN as computed if
                           the model overflows on them (not an error)    */
} aek_epoch_stats;

typedef void (*aek_epoch_fn)(void *ctx, const aek_epoch_stats *s);

typedef struct {
    aek_opt_config opt;
    int epochs;                     /* fine-tuning (or single model) epochs       */
    size_t batch;
    uint64_t seed;
    int shuffle;                    /* 1: reshuffle every epoch                   */
    int pretrain_epochs;            /* per layer, stacked models (0: none)        */
    const aek_config *pretrain_cfg; /* pretraining settings (NULL: the model's);
                                       may hold contractive terms a stacked
                                       model cannot take in fine-tuning          */
    const char *checkpoint;         /* written after every epoch and on a stop    */
    const struct aek_preproc_s *prep; /* stored in checkpoints (NULL: none)       */
    FILE *progress;                 /* NULL: silent; a terminal gets a live line  */
    volatile sig_atomic_t *stop;    /* set asynchronously: save and stop          */
    aek_epoch_fn on_epoch;
    void *on_epoch_ctx;
    size_t ksparse_start;           /* k-sparse: start with this k (≥ the model's) */
    int ksparse_anneal_epochs;      /* ... and lower it linearly to the model's k
                                       over these epochs (0: no schedule;
                                       Makhzani & Frey 2013: fewer dead units)   */
    const float *val_x;             /* held-out data, val_rows × inputs, scaled as
                                       X: evaluated after every fine-tuning epoch
                                       (not timed; no effect on the training
                                       bits); NULL: none                          */
    size_t val_rows;
    int stop_after_batches;         /* test hook: act as if stopped after this
                                       many batches of this run (0: never)         */
} aek_train_config;

aek_train_config aek_train_default(void);

/* What a checkpoint carries besides the parameters. */
typedef struct {
    aek_opt_config opt;
    float *m1, *m2;         /* optimizer moments, nparams each (NULL for SGD) */
    uint64_t step;          /* optimizer steps taken                        */
    int epoch;              /* epochs completed                             */
    size_t next_batch;      /* batches of the current epoch already done    */
    uint64_t seed;
    size_t batch;
    int epochs;
    int shuffle;
    size_t ksparse_target;  /* the model's k (its configuration keeps it)    */
    size_t ksparse_start;   /* schedule: k of epoch 0 ...                    */
    int ksparse_anneal;     /* ... reaching the target after these epochs   */
    double loss_sum, recon_sum; /* running sums of the current epoch       */
    size_t rows_done;
    size_t data_rows, data_cols;
    uint64_t data_crc;      /* fingerprint of the training data             */
    char isa[16];           /* kernel set that produced the state           */
} aek_train_state;

void aek_train_state_free(aek_train_state *s);

/* Trains M on X (rows × cols = sizes[0]).  Stacked models with
 * pretrain_epochs > 0 are first pretrained layer by layer (each layer an AE
 * on the clean codes of the layer below, with the model's noise, L2 and
 * contractive settings — the code-layer settings on the top layer; layer l's
 * AE initialised from seed + 1000(l + 1), shuffled and corrupted from
 * seed + 7919(l + 1)), its W, b, W* and c copied into M, then M is
 * fine-tuned end to end (epochs = 0: M as pretraining left it).  When
 * `resume` is not NULL, training continues from that state (no
 * pretraining).  Returns AEK_ERR_NUMERIC (message names the
 * epoch and batch) when the loss becomes NaN/Inf — the last checkpoint is
 * kept — and AEK_ERR_INTERRUPTED after saving a checkpoint on a stop. */
aek_status aek_train(aek_model *M, const float *X, size_t rows, const aek_train_config *tc,
                     aek_train_state *resume);

/* AEK_ERR_ARG (naming the first offender) unless X (rows × inputs) are
 * targets M's loss is defined for: cross-entropy needs [0, 1]. */
aek_status aek_check_targets(const aek_model *M, const float *X, size_t rows);

/* Mean reconstruction and total loss over a dataset (batches of M's max
 * batch), with the model's noise (noisy = 1) or on clean inputs; targets
 * checked by aek_check_targets; AEK_ERR_NUMERIC if the loss is not finite. */
aek_status aek_eval_dataset(aek_model *M, const float *X, size_t rows, int noisy, double *recon,
                            double *total);

/* The order of epoch `epoch`'s samples: perm[0..n) = the identity, or with
 * shuffle a uniform permutation (Fisher–Yates) drawn from (seed, epoch). */
void aek_epoch_order(size_t *perm, size_t n, uint64_t seed, int epoch, int shuffle);

/* A 64-bit hash of the data, the fingerprint stored in checkpoints. */
uint64_t aek_data_fingerprint(const float *X, size_t rows, size_t cols);

#endif
