/*
 * modes.h — what `make bench` (full) and `make bench-quick` measure, and how
 * often.  Full: every comparison the report claims gets ≥ 9 repetitions
 * (reps_ratio), except the largest square (reps_big: one call takes most of
 * a second; 9 would cost minutes of a ~15-minute budget on 2 cores).  Quick:
 * a seconds-long smoke run of every group, ratios indicative only.
 */
#ifndef AEKIT_BENCH_MODES_H
#define AEKIT_BENCH_MODES_H

#include <stddef.h>

#include "sgemm.h"

/* Products above this many FLOPs (4096³) get reps_big repetitions and only
 * the dispatched set and the peers; the scalar set stops at
 * AEB_SCALAR_MAX_FLOPS (it takes seconds per call and shows nothing a
 * smaller product does not). */
#define AEB_BIG_FLOPS 2e10
#define AEB_SCALAR_MAX_FLOPS 4e9

typedef struct {
    const char *name;
    const aeb_shape *shapes;   /* SGEMM: squares, then the autoencoder's */
    int nshapes;
    int reps_ratio;  /* the dispatched set and the peers, and every claim    */
    int reps_big;    /* the same above AEB_BIG_FLOPS                         */
    int reps_other;  /* the other kernel sets, element-wise throughput       */
    int reps_peak;   /* the peak is the fastest repetition: cheap, so many   */
    int reps_race;   /* linear AE vs PCA                                     */
    double min_time; /* seconds of timed calls per repetition                */
    const aeb_shape *epi_shapes; /* fused epilogue: the forward products     */
    int n_epi;
    const size_t *vm_sizes;      /* element-wise: in cache, and streaming    */
    int n_vm;
    size_t bw_elements;          /* floats per array of the bandwidth test   */
    size_t train_rows;           /* rows of the training data set            */
    int train_steps;             /* steps on one batch per repetition        */
    const char *const *train_keys; /* variants (n_train_keys 0: all)         */
    int n_train_keys;
    size_t race_rows, race_k;
    /* the epoch group (bench/epoch.h) */
    size_t epoch_rows;             /* 60000 (the data set)           */
    int epoch_reps_sgd;            /* repetitions with SGD (the claim)       */
    int epoch_reps_adam;           /* ... with Adam (reported; 0: not run)   */
    const char *const *epoch_keys; /* models (n_epoch_keys 0: all)           */
    int n_epoch_keys;
    int route_batches;             /* PyTorch's Jacobian route: batches ...  */
    double route_max_s;            /* ... and the seconds it may take        */
} aeb_mode;

extern const aeb_mode aeb_full_mode, aeb_quick_mode;

/* The mode's parameters as context keys of the JSON. */
void aeb_describe_mode(const aeb_mode *md, const char *dispatched);

#endif
