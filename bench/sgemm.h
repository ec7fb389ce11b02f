/* sgemm.h — the sgemm/<TT>/<m>x<n>x<k>/t<threads>/<side> benchmarks: one per
 * aekit kernel set and per peer, on the same operands. */
#ifndef AEKIT_BENCH_SGEMM_H
#define AEKIT_BENCH_SGEMM_H

#include "gbench_shim.h"
#include "peers.h"

typedef struct {
    int m, n, k;
} aeb_shape;

/* Allocate and fill operands big enough for every shape (call once, before
 * aeb_run). */
void aeb_sgemm_prepare(const aeb_shape *shapes, int nshapes);

/* The shared operand buffers (after aeb_sgemm_prepare), for other benchmarks
 * on the same shapes. */
const float *aeb_sgemm_a(void);
const float *aeb_sgemm_b(void);
float *aeb_sgemm_c(void);

/* side: a kernel set (ks != NULL) or a peer (p != NULL). */
void aeb_register_sgemm(const aek_kernel_set *ks, const aeb_peer *p, aeb_shape s, aek_trans ta,
                        aek_trans tb, int threads, const aeb_opts *o);

#endif
