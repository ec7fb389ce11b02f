/*
 * epoch.h — the engine issue's epoch benchmark: one epoch over 60000×784
 * data, batch 128, aekit against PyTorch, for the six models
 *
 *   (a) plain        784-256 sigmoid, sigmoid output, MSE
 *   (b) bce          the same with cross-entropy (from the logits)
 *   (c) dae_mask     (a) with masking noise q = 0.25
 *   (d) sparse_kl    (a) with KL sparsity ρ = 0.05, β = 0.1
 *   (e) contractive  (a) with the contractive penalty λ = 0.1
 *   (f) deep         784-1000-500-250-30, sigmoid×3 then a linear code,
 *                    sigmoid output, MSE (end to end, no pretraining)
 *
 *   epoch/<model>/<sgd|adam>/t<threads>
 *                    one repetition = one aekit epoch (aek_train, 1 epoch,
 *                    plain SGD lr AEB_EPOCH_SGD_LR momentum 0, or Adam with
 *                    aekit's defaults) and one PyTorch epoch (torch_ae.py
 *                    "run", steps 0, same optimizer and lr) back to back,
 *                    alternating which goes first; parameters re-initialised
 *                    before every repetition (untimed).
 *   jacobian_route/t1
 *                    model (e) through PyTorch's generic per-sample Jacobian
 *                    (torch.autograd.functional.jacobian per sample,
 *                    create_graph, backward, SGD step: torch_ae.py
 *                    "jacobian_route") against PyTorch's analytic penalty
 *                    and aekit's fused contractive step on the same batch.
 *
 * Data: Fashion-MNIST's training images scaled to [0, 1] when
 * data/fashion-mnist/train-images-idx3-ubyte.gz exists, otherwise synthetic
 * manifold data (aek_synth_manifold, as bench/train.c); the context key
 * bench_epoch_data says which.  Written to scratch/epoch.npy and loaded by
 * the PyTorch child as the data set "epoch".
 *
 * Counters: aekit_epoch_s, torch_epoch_s, ratio (t_torch / t_aekit of the
 * pair), aekit_loss, torch_loss, rows, and gemm_flops: the GEMM FLOPs one
 * epoch needs at the least, rows × (6·Σ_l 2·n_l·n_{l+1} − 2·n_0·n_1) — every
 * encoder and decoder layer's forward product, weight gradient and input
 * gradient, except the first encoder layer's input gradient (the same for
 * every variant of one architecture: the penalties add no GEMM).
 */
#ifndef AEKIT_BENCH_EPOCH_H
#define AEKIT_BENCH_EPOCH_H

#include <stddef.h>

#include "gbench_shim.h"
#include "train.h"

#define AEB_EPOCH_SGD_LR 0.01
#define AEB_EPOCH_BATCH 128
#define AEB_EPOCH_FMNIST "data/fashion-mnist/train-images-idx3-ubyte.gz"

/* The six models; returns their count (≤ max). */
int aeb_epoch_models(aeb_variant *v, int max);

/* Load (or make) rows × 784 of data, write it to scratch/epoch.npy and have
 * the PyTorch child (bench/train.c's) load it as "epoch".  Adds the context
 * key bench_epoch_data.  Returns 0 if no data could be had. */
int aeb_epoch_setup(size_t rows, const char *scratch);

/* GEMM FLOPs of one sample (the definition above). */
double aeb_epoch_gemm_flops(const aeb_variant *v);

void aeb_register_epoch(const aeb_variant *v, int adam, int threads, const aeb_opts *o);

/* v: the contractive model; batches of AEB_EPOCH_BATCH, at most about max_s
 * seconds of PyTorch's Jacobian route. */
void aeb_register_jacobian_route(const aeb_variant *v, int threads, int batches, double max_s,
                                 const aeb_opts *o);

/* Free the data (after aeb_run). */
void aeb_epoch_finish(void);

#endif
