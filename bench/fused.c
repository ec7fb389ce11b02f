/* fused.c — see fused.h.  Operands: the shared buffers of sgemm.c (the
 * same numbers every side multiplies). */
#include "fused.h"
#include "util.h"
#include "../simd/threadpool.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct {
    const aek_kernel_set *ks;
    aeb_shape s;
    int threads, fused;
} fused_case;

static float *g_bias;

typedef struct {
    const aek_kernel_set *ks;
    float *C;
    size_t m, n;
} epi_job;

/* Rows [m·t/T, m·(t+1)/T) of C: bias, then the sigmoid. */
static void epi_rows(void *arg, int t, int T)
{
    const epi_job *j = arg;
    for (size_t i = j->m * (size_t)t / (size_t)T; i < j->m * (size_t)(t + 1) / (size_t)T; i++) {
        float *row = j->C + i * j->n;
        j->ks->axpy(j->n, 1.0f, g_bias, row);
        j->ks->vsigmoid(j->n, row, row);
    }
}

static void bm_fused(aeb_state *st, void *arg)
{
    const fused_case *c = arg;
    const size_t m = (size_t)c->s.m, n = (size_t)c->s.n, k = (size_t)c->s.k;
    const float *A = aeb_sgemm_a(), *B = aeb_sgemm_b();
    float *C = aeb_sgemm_c();
    if (!g_bias) {
        g_bias = aeb_alloc(4096);
        aeb_fill(g_bias, 4096, 7);
    }
    aek_set_num_threads(c->threads);
    const aek_epilogue ep = {g_bias, AEK_ACT_SIGMOID};
    epi_job job = {c->ks, C, m, n};
    aeb_cpu_sample before, after;
    int sampled = aeb_cpu_sample_now(&before);
    while (aeb_keep_running(st)) {
        if (c->fused) {
            aek_sgemm_with(c->ks, AEK_N, AEK_T, m, n, k, 1.0f, A, k, B, k, 0.0f, C, n, &ep);
        } else {
            aek_sgemm_with(c->ks, AEK_N, AEK_T, m, n, k, 1.0f, A, k, B, k, 0.0f, C, n, NULL);
            aek_parallel_run(c->threads, epi_rows, &job);
        }
    }
    if (sampled && aeb_cpu_sample_now(&after))
        aeb_set_counter(st, "other_cpus", aeb_other_cpus(&before, &after));
    aeb_set_flops(st, 2.0 * (double)m * (double)n * (double)k);
    char label[96];
    snprintf(label, sizeof label, "aekit %s, %s", c->ks->name,
             c->fused ? "bias+sigmoid fused" : "GEMM, then axpy(bias)+vsigmoid per row");
    aeb_set_label(st, label);
}

void aeb_register_fused(const aek_kernel_set *ks, aeb_shape s, int threads, const aeb_opts *o)
{
    for (int f = 1; f >= 0; f--) {
        fused_case *c = malloc(sizeof *c);
        if (!c)
            return;
        *c = (fused_case){ks, s, threads, f};
        char name[96];
        snprintf(name, sizeof name, "epi/%dx%dx%d/t%d/%s/%s", s.m, s.n, s.k, threads, ks->name,
                 f ? "fused" : "separate");
        aeb_register(name, bm_fused, c, o);
    }
}
