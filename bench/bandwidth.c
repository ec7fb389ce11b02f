/* bandwidth.c — see bandwidth.h.  The loops are written with 128-bit
 * vector extensions, a cache line (four vectors) per iteration: that is the
 * widest the baseline target has (SSE2 on x86-64), and it streams at the
 * memory's speed (a plain loop compiles to one scalar element per
 * iteration at -O2 and measured ~25% below it).  No ISA flags, so the
 * figure does not depend on a kernel set. */
#include "bandwidth.h"
#include "pin.h"
#include "util.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

typedef float v4f __attribute__((vector_size(16)));

/* A store that bypasses the caches where the baseline target has one (x86-64:
 * movntps), so that the destination is not first read into the cache (the
 * "write-allocate" read STREAM's byte count leaves out): the bytes counted
 * are then the bytes moved, and the figure is the memory's streaming rate. */
static inline void store(v4f *p, v4f v)
{
#if defined(__SSE2__)
    _mm_stream_ps((float *)p, (__m128)v);
#else
    *p = v;
#endif
}

typedef enum { BW_COPY = 0, BW_TRIAD = 1 } bw_kind;

typedef struct {
    bw_kind kind;
    int threads;
    size_t n;
} bw_case;

typedef struct {
    bw_kind kind;
    float *a, *b, *c;
    size_t lo, hi; /* multiples of 16 floats (64 bytes), except the last hi */
    int touch;     /* first call: write the slice (first touch), do not time */
} bw_part;

static float *g_a, *g_b, *g_c;
static size_t g_n;

static void *bw_run(void *arg)
{
    bw_part *p = arg;
    float *restrict a = p->a, *restrict b = p->b, *restrict c = p->c;
    if (p->touch) {
        for (size_t i = p->lo; i < p->hi; i++)
            a[i] = 1.0f, b[i] = 2.0f, c[i] = 0.5f;
        return NULL;
    }
    const size_t end = p->lo + (p->hi - p->lo) / 16 * 16;
    const v4f s = {3.0f, 3.0f, 3.0f, 3.0f};
    v4f *va = (v4f *)(a + p->lo), *vb = (v4f *)(b + p->lo), *vc = (v4f *)(c + p->lo);
    const size_t nv = (end - p->lo) / 4;
    if (p->kind == BW_COPY) {
        for (size_t i = 0; i < nv; i += 4) {
            store(&vc[i], va[i]);
            store(&vc[i + 1], va[i + 1]);
            store(&vc[i + 2], va[i + 2]);
            store(&vc[i + 3], va[i + 3]);
        }
        for (size_t i = end; i < p->hi; i++)
            c[i] = a[i];
    } else {
        for (size_t i = 0; i < nv; i += 4) {
            store(&va[i], vb[i] + s * vc[i]);
            store(&va[i + 1], vb[i + 1] + s * vc[i + 1]);
            store(&va[i + 2], vb[i + 2] + s * vc[i + 2]);
            store(&va[i + 3], vb[i + 3] + s * vc[i + 3]);
        }
        for (size_t i = end; i < p->hi; i++)
            a[i] = b[i] + 3.0f * c[i];
    }
    return NULL;
}

/* One pass over the arrays on `t` threads (the caller is thread 0). */
static int bw_pass(bw_kind kind, int t, size_t n, int touch)
{
    pthread_t tid[64];
    bw_part part[64];
    if (t > 64)
        t = 64;
    for (int i = 0; i < t; i++) {
        /* slices aligned to 16 floats (a cache line) */
        size_t lo = n * (size_t)i / (size_t)t / 16 * 16, hi = n * (size_t)(i + 1) / (size_t)t / 16 * 16;
        if (i == t - 1)
            hi = n;
        part[i] = (bw_part){kind, g_a, g_b, g_c, lo, hi, touch};
    }
    for (int i = 1; i < t; i++)
        if (aeb_thread_create_on(&tid[i], i, bw_run, &part[i]) != 0)
            return 0;
    bw_run(&part[0]);
    for (int i = 1; i < t; i++)
        pthread_join(tid[i], NULL);
#if defined(__SSE2__)
    _mm_sfence(); /* streaming stores are weakly ordered: done before timing stops */
#endif
    return 1;
}

static void bm_bw(aeb_state *st, void *arg)
{
    const bw_case *c = arg;
    if (!g_a) {
        g_a = aeb_alloc(c->n);
        g_b = aeb_alloc(c->n);
        g_c = aeb_alloc(c->n);
        g_n = c->n;
    }
    /* first touch by the threads of this case (pages stay where they are
     * after the first case; on one NUMA node that is all that matters) */
    static int touched;
    if (!touched)
        touched = bw_pass(BW_TRIAD, c->threads, g_n, 1);
    aeb_cpu_sample before, after;
    int sampled = aeb_cpu_sample_now(&before);
    while (aeb_keep_running(st))
        if (!bw_pass(c->kind, c->threads, g_n, 0)) {
            aeb_skip_with_error(st, "pthread_create failed");
            return;
        }
    if (sampled && aeb_cpu_sample_now(&after))
        aeb_set_counter(st, "other_cpus", aeb_other_cpus(&before, &after));
    aeb_set_rate(st, "bytes", (c->kind == BW_COPY ? 8.0 : 12.0) * (double)g_n);
    char label[64];
    snprintf(label, sizeof label, "%s %.0f MiB x %d arrays", c->kind == BW_COPY ? "copy" : "triad",
             (double)g_n * 4 / 1048576, c->kind == BW_COPY ? 2 : 3);
    aeb_set_label(st, label);
}

void aeb_register_bandwidth(size_t elements, int threads, const aeb_opts *o)
{
    for (int k = 0; k < 2; k++) {
        bw_case *c = malloc(sizeof *c);
        if (!c)
            return;
        *c = (bw_case){(bw_kind)k, threads, elements};
        char name[64];
        snprintf(name, sizeof name, "bw/%s/t%d", k ? "triad" : "copy", threads);
        aeb_register(name, bm_bw, c, o);
    }
}
