/*
 * pca_race.h — the linear autoencoder against `aekit pca` (aek_pca_fit):
 * the time each takes to the same subspace.
 *
 * Data: rows × 784 with a planted spectrum (aek_synth_linear, exactly
 * centred): k leading eigenvalues well above the rest.  PCA: aek_pca_fit
 * with k components (its automatic solver).  Linear AE: 784-k-784 identity
 * activations, MSE, Adam, trained epoch by epoch until the largest
 * principal angle between its subspaces (encoder rows and decoder columns,
 * the larger of the two) and the PCA subspace is ≤ 1°; the angle checks are
 * not timed.  One repetition runs both, in alternating order.
 * pca/<rows>x784/k<k>: manual time = the AE's; counters pca_s, ae_s,
 * epochs, angle_deg, ae_over_pca = ae_s / pca_s.
 */
#ifndef AEKIT_BENCH_PCA_RACE_H
#define AEKIT_BENCH_PCA_RACE_H

#include <stddef.h>

#include "gbench_shim.h"

void aeb_register_pca_race(size_t rows, size_t k, int threads, const aeb_opts *o);

#endif
