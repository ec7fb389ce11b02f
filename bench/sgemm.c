/* sgemm.c — see sgemm.h.  C = A·B in row-major with alpha = 1, beta = 0 on
 * every side.  All benchmarks share one set of operand buffers (prefixes of
 * them), filled once, so no side pays for allocation or page faults and all
 * multiply the same numbers. */
#include "sgemm.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct {
    const aek_kernel_set *ks;
    const aeb_peer *peer;
    aeb_shape s;
    aek_trans ta, tb;
    int threads;
} sgemm_case;

static float *g_A, *g_B, *g_C;

void aeb_sgemm_prepare(const aeb_shape *shapes, int nshapes)
{
    size_t a = 1, b = 1, c = 1;
    for (int i = 0; i < nshapes; i++) {
        size_t m = (size_t)shapes[i].m, n = (size_t)shapes[i].n, k = (size_t)shapes[i].k;
        a = m * k > a ? m * k : a;
        b = k * n > b ? k * n : b;
        c = m * n > c ? m * n : c;
    }
    g_A = aeb_alloc(a);
    g_B = aeb_alloc(b);
    g_C = aeb_alloc(c);
    aeb_fill(g_A, a, 1);
    aeb_fill(g_B, b, 2);
    aeb_fill(g_C, c, 3);
}

const float *aeb_sgemm_a(void) { return g_A; }
const float *aeb_sgemm_b(void) { return g_B; }
float *aeb_sgemm_c(void) { return g_C; }

static void bm_sgemm(aeb_state *st, void *arg)
{
    const sgemm_case *c = arg;
    const size_t m = (size_t)c->s.m, n = (size_t)c->s.n, k = (size_t)c->s.k;
    const size_t lda = c->ta == AEK_N ? k : m, ldb = c->tb == AEK_N ? n : k;
    char label[128];
    aeb_cpu_sample before, after;
    int sampled = aeb_cpu_sample_now(&before);
    if (c->peer) {
        if (!c->peer->present) {
            aeb_skip_with_error(st, c->peer->status);
            return;
        }
        c->peer->set_threads(c->threads);
        while (aeb_keep_running(st))
            c->peer->sgemm(c->ta, c->tb, c->s.m, c->s.n, c->s.k, 1.0f, g_A, (int)lda, g_B,
                           (int)ldb, 0.0f, g_C, c->s.n);
        snprintf(label, sizeof label, "%s %s", c->peer->name, c->peer->kernel);
    } else {
        aek_set_num_threads(c->threads);
        while (aeb_keep_running(st))
            aek_sgemm_with(c->ks, c->ta, c->tb, m, n, k, 1.0f, g_A, lda, g_B, ldb, 0.0f, g_C, n,
                           NULL);
        snprintf(label, sizeof label, "aekit %s %zux%zu", c->ks->name, c->ks->mr, c->ks->nr);
    }
    if (sampled && aeb_cpu_sample_now(&after))
        aeb_set_counter(st, "other_cpus", aeb_other_cpus(&before, &after));
    /* a peer's workers spin on after the last call (bench/util.h), beside
     * whatever runs next; untimed */
    if (c->threads > 1)
        aeb_settle(0, 1.0);
    aeb_set_flops(st, 2.0 * (double)m * (double)n * (double)k);
    aeb_set_label(st, label);
}

void aeb_register_sgemm(const aek_kernel_set *ks, const aeb_peer *p, aeb_shape s, aek_trans ta,
                        aek_trans tb, int threads, const aeb_opts *o)
{
    sgemm_case *c = malloc(sizeof *c);
    if (!c)
        return;
    *c = (sgemm_case){.ks = ks, .peer = p, .s = s, .ta = ta, .tb = tb, .threads = threads};
    char name[96];
    snprintf(name, sizeof name, "sgemm/%c%c/%dx%dx%d/t%d/%s", ta == AEK_N ? 'N' : 'T',
             tb == AEK_N ? 'N' : 'T', s.m, s.n, s.k, threads, p ? p->key : ks->name);
    aeb_register(name, bm_sgemm, c, o);
}
