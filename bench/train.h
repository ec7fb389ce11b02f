/*
 * train.h — whole-model training, aekit against PyTorch, every variant:
 *
 *   train/<variant>/t<threads>   one repetition = one aekit run and one
 *                                PyTorch run, back to back, in alternating
 *                                order (A B, then B A, ...), each being
 *                                `steps` training steps on the first batch
 *                                and one shuffled epoch over the data set
 *
 * Same model (src/model.h, written in torch ops by bench/torch_ae.py), same
 * data (this process writes it to a .npy the child loads), same batch, Adam
 * with the same lr/betas/eps, same thread count.  aekit's step is
 * aek_model_eval(want_grad) + the Adam kernel, as aek_train takes it; its
 * epoch is aek_train over the data set (shuffle, batch copies, the end-of-
 * epoch state check included — PyTorch's epoch has randperm and
 * index_select).  Parameters are re-initialised before every repetition
 * (untimed).  The reported time is aekit's epoch; counters carry both sides
 * and the speed ratio aekit/torch of that pair (t_torch / t_aekit).
 */
#ifndef AEKIT_BENCH_TRAIN_H
#define AEKIT_BENCH_TRAIN_H

#include <stddef.h>

#include "gbench_shim.h"
#include "torch_peer.h"
#include "../src/ae_config.h"
#include "../src/model.h"
#include "../src/train.h"

typedef struct {
    const char *key;     /* benchmark name part                        */
    const char *desc;    /* for the report                             */
    aek_config cfg;
    size_t batch;
} aeb_variant;

/* The variants (with 784 inputs); returns their count (≤ max). */
int aeb_train_variants(aeb_variant *v, int max);

/* The variant as torch_ae.py's JSON object (with the Adam settings). */
void aeb_variant_json(const aeb_variant *v, char *buf, size_t len);

/* Create the training data (rows × 784, synthetic, fixed seed), write it to
 * scratch/data.npy, and start the PyTorch peer (probing its configuration
 * unless quick; python NULL: no peer).  Returns 0 if the data could not be
 * made. */
int aeb_train_setup(size_t rows, int quick, const char *python, const char *script,
                    const char *scratch);

/* The peer (for the report's context) and the data. */
aeb_torch *aeb_train_torch(void);
const float *aeb_train_data(size_t *rows, size_t *cols);

/* One epoch of aek_train over x (rows × 784) from M's current parameters,
 * seed 1, with `opt` (NULL: aek_train's default, Adam): seconds, the mean
 * loss in *loss; on failure the message goes to error. */
double aeb_aekit_epoch(aek_model *M, const float *x, size_t rows, size_t batch,
                       const aek_opt_config *opt, double *loss, char *error, size_t error_len);

void aeb_register_train(const aeb_variant *v, int threads, int steps, const aeb_opts *o);

/* Stop the PyTorch child (after aeb_run). */
void aeb_train_finish(void);

#endif
