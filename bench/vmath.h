/*
 * vmath.h — element-wise throughput, one thread:
 *
 *   vm/<fn>/<side>/n<elements>   y = f(x) for f in exp, sigmoid, tanh,
 *                                softplus: each kernel set's vector math
 *                                (ks->vexp ...), and libm's expf/tanhf/log1pf
 *                                in a plain loop as the reference ("libm")
 *   ew/adam/<set>/n<params>      ks->adam, one step over n parameters
 *   ew/hidden_bwd/<set>/<m>x<k>  ks->hidden_bwd (sigmoid, KL column term and
 *                                contractive c, Σs²): the fused backward
 *                                pass of the code layer
 *
 * Each reports elements/s ("items") and, for the roofline, bytes/s
 * ("bytes": each operand array read or written once) and a nominal FLOP
 * rate ("flops", from the FLOPs per element of vmath_flops()).
 * Small n keeps the arrays in L1/L2 (the arithmetic speed); large n streams
 * them from memory (the roofline's bandwidth-bound side).
 */
#ifndef AEKIT_BENCH_VMATH_H
#define AEKIT_BENCH_VMATH_H

#include <stddef.h>

#include "gbench_shim.h"
#include "../simd/kernels.h"

typedef enum { VM_EXP, VM_SIGMOID, VM_TANH, VM_SOFTPLUS, VM_COUNT } vm_fn;

/* ks == NULL: the libm reference. */
void aeb_register_vmath(const aek_kernel_set *ks, vm_fn f, size_t n, const aeb_opts *o);
void aeb_register_adam(const aek_kernel_set *ks, size_t n, const aeb_opts *o);
void aeb_register_hidden_bwd(const aek_kernel_set *ks, size_t m, size_t k, const aeb_opts *o);

#endif
