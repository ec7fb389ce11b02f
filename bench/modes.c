/* modes.c — see modes.h. */
#include "modes.h"
#include "gbench_shim.h"
#include "util.h"

#include <stdio.h>

/* Squares 64…4096 for comparison with the literature, then the
 * autoencoder's own products: batch × hidden × input for the forward pass
 * (X·Wᵀ), the backward dH = dZ·W*, and the weight gradient dW = dAᵀ·X, at
 * (batch 128, hidden 256) and (batch 256, hidden 1000) on 784 inputs. */
static const aeb_shape full_shapes[] = {
    {64, 64, 64},       {128, 128, 128},  {256, 256, 256},    {512, 512, 512},
    {1024, 1024, 1024}, {2048, 2048, 2048}, {4096, 4096, 4096},
    {128, 256, 784},    {128, 784, 256},  {256, 784, 128},
    {256, 1000, 784},   {256, 784, 1000}, {1000, 784, 256},
};
static const aeb_shape quick_shapes[] = {{512, 512, 512}, {128, 784, 256}};

/* encoder (batch × hidden × 784) and decoder (batch × 784 × hidden) */
static const aeb_shape full_epi[] = {{128, 256, 784}, {128, 784, 256}, {256, 1000, 784},
                                     {256, 784, 1000}};
static const aeb_shape quick_epi[] = {{128, 256, 784}};

/* 16K floats (64 KiB per array: in L2), 16M floats (64 MiB: streams from
 * memory on any current CPU) */
static const size_t full_vm[] = {1u << 14, 1u << 24};
static const size_t quick_vm[] = {1u << 14};

static const char *const quick_train[] = {"plain", "contractive"};
static const char *const quick_epoch[] = {"plain", "contractive"};

const aeb_mode aeb_full_mode = {
    .name = "full", .shapes = full_shapes, .nshapes = sizeof full_shapes / sizeof *full_shapes,
    .reps_ratio = 9, .reps_big = 5, .reps_other = 3, .reps_peak = 15, .reps_race = 9,
    .min_time = 0.05,
    .epi_shapes = full_epi, .n_epi = sizeof full_epi / sizeof *full_epi,
    .vm_sizes = full_vm, .n_vm = 2,
    /* 3 arrays of 128 MiB: well beyond any last-level cache of a CPU this
     * runs on (STREAM's rule: 4x the cache) */
    .bw_elements = 1u << 25,
    .train_rows = 4096, .train_steps = 5, .train_keys = NULL, .n_train_keys = 0,
    .race_rows = 10000, .race_k = 16,
    .epoch_rows = 60000, .epoch_reps_sgd = 9, .epoch_reps_adam = 3,
    .epoch_keys = NULL, .n_epoch_keys = 0,
    .route_batches = 2, .route_max_s = 20,
};

const aeb_mode aeb_quick_mode = {
    .name = "quick", .shapes = quick_shapes, .nshapes = sizeof quick_shapes / sizeof *quick_shapes,
    .reps_ratio = 3, .reps_big = 1, .reps_other = 2, .reps_peak = 5, .reps_race = 1,
    .min_time = 0.02,
    .epi_shapes = quick_epi, .n_epi = 1,
    .vm_sizes = quick_vm, .n_vm = 1,
    .bw_elements = 1u << 22,
    .train_rows = 1024, .train_steps = 3, .train_keys = quick_train, .n_train_keys = 2,
    .race_rows = 4000, .race_k = 8,
    .epoch_rows = 6000, .epoch_reps_sgd = 2, .epoch_reps_adam = 0,
    .epoch_keys = quick_epoch, .n_epoch_keys = 2,
    .route_batches = 1, .route_max_s = 2,
};

void aeb_describe_mode(const aeb_mode *md, const char *dispatched)
{
    char v[1024] = "";
    aeb_add_context("bench_mode", md->name);
    snprintf(v, sizeof v, "%d for the dispatched set (%s), the peers, the avx2 set's SGEMM at "
             "1 thread and every claimed comparison (%d above %.0f GFLOP per call); %d for the "
             "other sets and element-wise throughput; %d for the peaks; %d for linear AE vs PCA",
             md->reps_ratio, dispatched, md->reps_big, AEB_BIG_FLOPS / 1e9, md->reps_other,
             md->reps_peak, md->reps_race);
    aeb_add_context("bench_repetitions", v);
    v[0] = '\0';
    for (int i = 0; i < md->nshapes; i++)
        aeb_append(v, sizeof v, "%s%dx%dx%d", i ? " " : "", md->shapes[i].m, md->shapes[i].n,
                   md->shapes[i].k);
    aeb_add_context("bench_shapes", v);
    snprintf(v, sizeof v, "%g", md->min_time);
    aeb_add_context("bench_min_time_s", v);
    snprintf(v, sizeof v, "the scalar set is not run above %.0f GFLOP per call, no set but the "
             "dispatched one above %.0f", AEB_SCALAR_MAX_FLOPS / 1e9, AEB_BIG_FLOPS / 1e9);
    aeb_add_context("bench_scalar_limit", v);
    snprintf(v, sizeof v, "%zu floats per array (%.0f MiB)", md->bw_elements,
             (double)md->bw_elements * 4 / 1048576);
    aeb_add_context("bench_bw_arrays", v);
    snprintf(v, sizeof v, "%zu rows x 784 (synthetic manifold data in (0,1), seed 12345); %d steps "
             "on the first batch, then one shuffled epoch, per side and repetition",
             md->train_rows, md->train_steps);
    aeb_add_context("bench_train_data", v);
    snprintf(v, sizeof v, "batch 128; %d repetitions with plain SGD (lr 0.01, momentum 0: the "
             "claimed comparison), %d with Adam (lr 1e-3: reported, not claimed); one epoch per "
             "side and repetition; PyTorch's per-sample Jacobian route: %d batch(es), at most "
             "~%g s", md->epoch_reps_sgd, md->epoch_reps_adam, md->route_batches, md->route_max_s);
    aeb_add_context("bench_epoch", v);
    aeb_add_context("bench_interleaving", "all repetitions of all benchmarks in random order "
                    "(--benchmark_enable_random_interleaving); aekit and PyTorch back to back "
                    "within each training repetition, alternating which goes first; after every "
                    "PyTorch call and every multi-threaded SGEMM repetition the bench waits (up "
                    "to 1 s) until the side's threads have stopped running, so the next side is "
                    "not timed beside them (OpenBLAS's workers spin ~0.13 s after a call)");
    aeb_add_context("bench_time", "wall clock (UseRealTime): the libraries run their own worker "
                    "threads; training: each side times its own work");
}
