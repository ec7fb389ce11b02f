/* peak.c — the peak/<set>/t<threads> benchmarks (peak.h): every thread runs
 * the set's register-only multiply-add loop at once; the rate is the sum of
 * their FLOPs over the wall-clock time of the slowest. */
#define _GNU_SOURCE
#include "peak.h"
#include "pin.h"
#include "util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

typedef double (*peak_fn)(uint64_t steps, float *sink);

typedef struct {
    const aek_kernel_set *ks;
    peak_fn fn;
    int threads;
} peak_case;

typedef struct {
    peak_fn fn;
    uint64_t steps;
    float sink[4];
    double flops;
} worker;

/* ~2–5 ms per call on current cores: long enough that starting the helper
 * threads (tens of µs) is noise, short enough for many iterations. */
#define STEPS (1u << 21)

static void *run_worker(void *arg)
{
    worker *w = arg;
    w->flops = w->fn(w->steps, w->sink);
    return NULL;
}

static peak_fn fn_for(aek_isa isa)
{
    switch (isa) {
    case AEK_ISA_SCALAR: return aeb_peak_scalar;
#if defined(__x86_64__)
    case AEK_ISA_AVX2: return aeb_peak_avx2;
    case AEK_ISA_AVX512: return aeb_peak_avx512;
#endif
#if defined(__aarch64__)
    case AEK_ISA_NEON: return aeb_peak_neon;
#endif
    default: return NULL;
    }
}

static void bm_peak(aeb_state *st, void *arg)
{
    const peak_case *c = arg;
    worker w[64];
    pthread_t tid[64];
    int t = c->threads < 64 ? c->threads : 64;
    for (int i = 0; i < t; i++)
        w[i] = (worker){.fn = c->fn, .steps = STEPS, .sink = {1e-4f, 1e-4f, 1.0f, 0}};
    double flops = 0;
    aeb_cpu_sample before, after;
    int sampled = aeb_cpu_sample_now(&before);
    while (aeb_keep_running(st)) {
        for (int i = 1; i < t; i++)
            if (aeb_thread_create_on(&tid[i], i, run_worker, &w[i]) != 0) {
                aeb_skip_with_error(st, "pthread_create failed");
                return;
            }
        run_worker(&w[0]);
        for (int i = 1; i < t; i++)
            pthread_join(tid[i], NULL);
        flops = 0;
        for (int i = 0; i < t; i++)
            flops += w[i].flops;
    }
    if (sampled && aeb_cpu_sample_now(&after))
        aeb_set_counter(st, "other_cpus", aeb_other_cpus(&before, &after));
    aeb_set_flops(st, flops);
    char label[96];
    snprintf(label, sizeof label, "peak %s, %d thread%s", c->ks->name, t, t > 1 ? "s" : "");
    aeb_set_label(st, label);
}

void aeb_register_peak(const aek_kernel_set *ks, int threads, const aeb_opts *o)
{
    peak_fn fn = fn_for(ks->isa);
    if (!fn)
        return;
    peak_case *c = malloc(sizeof *c);
    if (!c)
        return;
    *c = (peak_case){.ks = ks, .fn = fn, .threads = threads};
    char name[64];
    snprintf(name, sizeof name, "peak/%s/t%d", ks->name, threads);
    aeb_register(name, bm_peak, c, o);
}
