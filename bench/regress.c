/*
 * regress.c — aekit_regress: the core kernels once each on fixed inputs, one
 * thread, for instruction counting under `valgrind --tool=callgrind`
 * (bench/regress.py runs it and compares with bench/callgrind_baseline.json).
 *
 * Instruction counts do not depend on the load of the machine, so they make
 * a regression test that a shared CI machine cannot disturb.  Each kernel
 * runs once untimed (lazy initialisation, buffers), then its counters are
 * zeroed, it runs again, and the counts are dumped under its name
 * (CALLGRIND_ZERO_STATS / CALLGRIND_DUMP_STATS_AT).
 *
 * Sets: every set the CPU *as valgrind presents it* executes.  Valgrind 3.19
 * does not decode AVX-512, and its virtual CPU reports no AVX-512, so
 * aekit's own dispatch leaves that set out (it is never executed, so never
 * mis-decoded); scalar and avx2 are counted.  Valgrind's virtual CPU also
 * reports fixed caches, so the GEMM blocking, and with it the counts, do
 * not depend on the host.
 */
#define _GNU_SOURCE
#include "util.h"
#include "../simd/kernels.h"
#include "../src/backend.h"
#include "../src/model.h"
#include "../src/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/callgrind.h>

typedef struct {
    float *A, *B, *C, *bias, *x, *y, *h, *dh, *da, *cj, *s2, *w, *g, *m1, *m2, *X;
} inputs;

/* name/set, run twice, counted the second time */
#define MEASURE(name, set, ...)                                    \
    do {                                                           \
        char tag_[96];                                             \
        snprintf(tag_, sizeof tag_, "%s/%s", name, set);           \
        __VA_ARGS__;                                               \
        CALLGRIND_ZERO_STATS;                                      \
        __VA_ARGS__;                                               \
        CALLGRIND_DUMP_STATS_AT(tag_);                             \
        printf("%s\n", tag_);                                      \
    } while (0)

static void kernels(const aek_kernel_set *ks, inputs *in)
{
    const char *s = ks->name;
    const aek_epilogue ep = {in->bias, AEK_ACT_SIGMOID};
    /* the forward product X·Wᵀ, the weight gradient dAᵀ·X, the decoder with
     * its fused bias + sigmoid (batch 128, hidden 256, 784 inputs) */
    MEASURE("sgemm_NT_128x256x784", s,
            aek_sgemm_with(ks, AEK_N, AEK_T, 128, 256, 784, 1, in->A, 784, in->B, 784, 0, in->C,
                           256, NULL));
    MEASURE("sgemm_TN_256x784x128", s,
            aek_sgemm_with(ks, AEK_T, AEK_N, 256, 784, 128, 1, in->A, 256, in->B, 784, 0, in->C,
                           784, NULL));
    MEASURE("sgemm_ex_NT_128x784x256_sigmoid", s,
            aek_sgemm_with(ks, AEK_N, AEK_T, 128, 784, 256, 1, in->A, 256, in->B, 256, 0, in->C,
                           784, &ep));
    const size_t n = 16384;
    MEASURE("vexp_16384", s, ks->vexp(n, in->x, in->y));
    MEASURE("vsigmoid_16384", s, ks->vsigmoid(n, in->x, in->y));
    MEASURE("vtanh_16384", s, ks->vtanh(n, in->x, in->y));
    MEASURE("vsoftplus_16384", s, ks->vsoftplus(n, in->x, in->y));
    aek_hidden_bwd_args hb = {128, 256, AEK_ACT_SIGMOID, in->h, in->dh, in->cj, in->cj, 2e-3f,
                              in->da, in->s2};
    MEASURE("hidden_bwd_128x256_kl_contractive", s, ks->hidden_bwd(&hb));
    const aek_adam_step as = {1e-3f, 0.9f, 0.999f, 1e-8f};
    MEASURE("adam_65536", s, ks->adam(65536, in->w, in->g, in->m1, in->m2, &as));
}

/* One training step of a model (forward, backward, Adam) with the current
 * set: what the kernels add up to. */
static void train_step(const char *name, const aek_config *cfg, inputs *in)
{
    aek_model *M = NULL;
    if (aek_model_create(cfg, 128, 1, &M) != AEK_OK) {
        fprintf(stderr, "aekit_regress: %s\n", aek_last_error());
        return;
    }
    float *m1 = aeb_alloc(M->nparams), *m2 = aeb_alloc(M->nparams);
    memset(m1, 0, M->nparams * sizeof *m1);
    memset(m2, 0, M->nparams * sizeof *m2);
    aek_noise_key key = {1, 0, NULL};
    MEASURE(name, aek_kernels()->name, {
        aek_model_eval(M, in->X, 128, &key, 1);
        be_adam(M->nparams, M->params, M->grads, m1, m2, 1e-3f, 0.9f, 0.999f, 1e-8f);
    });
    free(m1);
    free(m2);
    aek_model_free(M);
}

int main(void)
{
    if (aek_init() != AEK_OK) {
        fprintf(stderr, "aekit_regress: %s\n", aek_last_error());
        return 2;
    }
    aek_set_num_threads(1);
    inputs in;
    float **bufs[] = {&in.A, &in.B, &in.C, &in.x, &in.y, &in.h, &in.dh, &in.da, &in.w, &in.g,
                      &in.m1, &in.m2, &in.X};
    for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) {
        *bufs[i] = aeb_alloc(784 * 256);
        aeb_fill(*bufs[i], 784 * 256, 100 + i);
    }
    in.bias = aeb_alloc(784);
    in.cj = aeb_alloc(256);
    in.s2 = aeb_alloc(256);
    aeb_fill(in.bias, 784, 1);
    for (size_t i = 0; i < 256; i++)
        in.cj[i] = 1.0f + 0.01f * (float)i;
    for (size_t i = 0; i < 784 * 256; i++) {
        in.x[i] *= 8;                     /* pre-activations */
        in.h[i] = 0.5f + 0.45f * in.h[i]; /* sigmoid outputs */
        in.m2[i] = fabsf(in.m2[i]);       /* second moments are ≥ 0 */
        in.X[i] = 0.5f + 0.5f * in.X[i];  /* data in [0, 1] */
    }
    for (int i = 0; i < AEK_ISA_COUNT; i++) {
        const aek_kernel_set *ks = aek_kernels_for((aek_isa)i);
        if (ks)
            kernels(ks, &in);
    }
    /* Whole training steps with the set aekit dispatches here, on a model
     * a quarter of the benchmarks' size: valgrind runs FMA code ~200x slower
     * than the CPU (each FMA lane goes through a helper), and the kernels at
     * full size are counted above; the scalar set's steps would add nothing
     * its kernels do not show. */
    aek_config plain = aek_config_default(784, 64);
    train_step("train_step_plain_784x64_b128", &plain, &in);
    aek_config cae = plain;
    cae.contractive = 0.1;
    train_step("train_step_contractive_784x64_b128", &cae, &in);
    return 0;
}
