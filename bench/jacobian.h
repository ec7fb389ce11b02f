/*
 * jacobian.h — the contractive penalty two ways, one thread, on the code
 * layer of a batch (m samples, k sigmoid units, n inputs):
 *
 *   fused     c_j = ‖W_j‖² (one pass over W), then ks->hidden_bwd with c:
 *             penalty Σ_ij c_j·s_ij² and its gradient w.r.t. the
 *             pre-activations in one read of H — what aekit does, O(k·n + m·k)
 *   explicit  for every sample, J_i = diag(s_i)·W formed in memory (k×n),
 *             then reduced: ‖J_i‖²_F for the penalty and Σ_p J_i[j,p]·W[j,p]
 *             for the gradient — what differentiating ‖J‖² through an explicit
 *             Jacobian costs, O(m·k·n).  Plain C (baseline target).
 *
 * Both produce the same penalty and the same da (checked once per run; the
 * relative difference of the penalties is the counter "rel_diff").
 * jac/<m>x<k>x<n>/<set|explicit>.
 */
#ifndef AEKIT_BENCH_JACOBIAN_H
#define AEKIT_BENCH_JACOBIAN_H

#include <stddef.h>

#include "gbench_shim.h"
#include "../simd/kernels.h"

/* ks == NULL: the explicit approach. */
void aeb_register_jacobian(const aek_kernel_set *ks, size_t m, size_t k, size_t n,
                           const aeb_opts *o);

#endif
