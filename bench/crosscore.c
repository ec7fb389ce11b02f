/* crosscore.c — see crosscore.h.  CPU 0 is the bench's main thread (pinned
 * by aeb_pin_threads); the reader is a thread of its own on CPU 1 for one
 * repetition, in lock step with the writer through one atomic counter.
 * Baseline code (128-bit vectors, as bandwidth.c): the figure is the
 * memory system's, not a kernel set's. */
#define _GNU_SOURCE
#include "crosscore.h"
#include "pin.h"
#include "util.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define relax() _mm_pause()
#else
#define relax() ((void)0)
#endif

typedef float v4f __attribute__((vector_size(16)));

#define XC_FLOATS (400u * 1024u / 4u)

typedef struct {
    int shared; /* 1: the reader reads the buffer after every write */
} xc_case;

typedef struct {
    v4f *buf;
    pthread_t tid;
    int shared;
    atomic_int turn;  /* odd: the reader's turn; -1: stop */
    double read_s;    /* the reader's time, summed */
    long reads;
    volatile float sink;
} xc_ctx;

static void *xc_reader(void *arg)
{
    xc_ctx *x = arg;
    int seen = 0;
    for (;;) {
        int t;
        while ((t = atomic_load(&x->turn)) == seen)
            relax();
        if (t < 0)
            return NULL;
        if (x->shared) {
            double t0 = aeb_now();
            v4f s = {0, 0, 0, 0};
            for (size_t i = 0; i < XC_FLOATS / 4; i += 4) /* one vector per line */
                s += x->buf[i];
            x->sink = s[0] + s[1] + s[2] + s[3];
            x->read_s += aeb_now() - t0;
            x->reads++;
        }
        seen = t + 1;
        atomic_store(&x->turn, seen);
    }
}

/* The buffer and CPU 1's reader, for one repetition or one probe. */
static xc_ctx *xc_start(int shared)
{
    xc_ctx *x = calloc(1, sizeof *x);
    float *mem = aeb_alloc(XC_FLOATS);
    if (!x || !mem) {
        free(x);
        free(mem);
        return NULL;
    }
    x->buf = (v4f *)mem;
    x->shared = shared;
    for (size_t i = 0; i < XC_FLOATS / 4; i++)
        x->buf[i] = (v4f){0, 0, 0, 0};
    if (aeb_thread_create_on(&x->tid, 1, xc_reader, x) != 0) {
        free(x);
        free(mem);
        return NULL;
    }
    return x;
}

/* One rewrite of the buffer with the value v (timed, in seconds), then
 * CPU 1's turn (it reads the buffer in shared mode). */
static double xc_rewrite(xc_ctx *x, float v)
{
    const v4f vv = {v, v, v, v};
    double t0 = aeb_now();
    for (size_t i = 0; i < XC_FLOATS / 4; i++)
        x->buf[i] = vv;
    double dt = aeb_now() - t0;
    int t = atomic_load(&x->turn) + 1;
    atomic_store(&x->turn, t);
    while (atomic_load(&x->turn) == t)
        relax();
    return dt;
}

static void xc_stop(xc_ctx *x)
{
    atomic_store(&x->turn, -1);
    pthread_join(x->tid, NULL);
    free(x->buf);
    free(x);
}

static void bm_xcore(aeb_state *st, void *arg)
{
    const xc_case *c = arg;
    xc_ctx *x = xc_start(c->shared);
    if (!x) {
        aeb_skip_with_error(st, "out of memory or pthread_create failed");
        return;
    }
    float v = 1;
    while (aeb_keep_running(st))
        aeb_set_iteration_time(st, xc_rewrite(x, v++));
    if (x->reads)
        aeb_set_counter(st, "read_s", x->read_s / (double)x->reads);
    aeb_set_label(st, c->shared ? "rewrite 400 KiB the other CPU read" : "rewrite 400 KiB only this CPU touched");
    xc_stop(x);
}

double aeb_xcore_probe(int rewrites)
{
    if (rewrites < 1 || rewrites > 64 || sysconf(_SC_NPROCESSORS_ONLN) < 2)
        return NAN;
    xc_ctx *x = xc_start(1);
    if (!x)
        return NAN;
    double t[64];
    xc_rewrite(x, 0); /* the first rewrite finds the buffer only in this CPU's cache */
    for (int i = 0; i < rewrites; i++)
        t[i] = xc_rewrite(x, (float)(i + 1));
    xc_stop(x);
    return aeb_median(t, rewrites);
}

void aeb_register_crosscore(const aeb_opts *o)
{
    if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
        return;
    static const xc_case cases[2] = {{1}, {0}};
    aeb_opts m = *o;
    m.manual_time = 1;
    aeb_register("xcore/shared", bm_xcore, (void *)&cases[0], &m);
    aeb_register("xcore/local", bm_xcore, (void *)&cases[1], &m);
}
