/* vmath.c — see vmath.h.
 *
 * Nominal FLOPs per element (arithmetic operations, an FMA counted as 2,
 * compares/min/max/blends not counted), counted in the avx512 set's source
 * (simd/avx512/vmath_avx512.h, optim_avx512.c, regularizer_avx512.c); the
 * other sets evaluate the same formulas.  They only place the kernels on the
 * roofline; the measured figure is elements/s.
 *   exp 20 (range reduction 7, degree-6 polynomial 12, scale 1)
 *   sigmoid 22 (exp + add + divide), tanh 36 (both branches are evaluated:
 *   polynomial 13 + exp 20 + 3), softplus 34 (exp + 14)
 *   adam 12 per parameter (two moment updates 7, sqrt/add/divide/mul/sub 5)
 *   hidden_bwd 12 per element (slope 2, (dh + kl)·s 2, contractive term 5,
 *   Σs² 2, penalty 1)
 */
#define _GNU_SOURCE
#include "vmath.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const fn_name[VM_COUNT] = {"exp", "sigmoid", "tanh", "softplus"};
static const double fn_flops[VM_COUNT] = {20, 22, 36, 34};

/* ---- libm reference: what a plain C loop gets ---------------------------- */

static void libm_exp(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = expf(x[i]);
}
static void libm_sigmoid(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = 1.0f / (1.0f + expf(-x[i]));
}
static void libm_tanh(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = tanhf(x[i]);
}
static void libm_softplus(size_t n, const float *x, float *y)
{
    for (size_t i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] + log1pf(expf(-x[i])) : log1pf(expf(x[i]));
}

static aek_vmap_fn fn_of(const aek_kernel_set *ks, vm_fn f)
{
    static const aek_vmap_fn libm[VM_COUNT] = {libm_exp, libm_sigmoid, libm_tanh, libm_softplus};
    if (!ks)
        return libm[f];
    const aek_vmap_fn set[VM_COUNT] = {ks->vexp, ks->vsigmoid, ks->vtanh, ks->vsoftplus};
    return set[f];
}

/* Inputs in [-8, 8): where an autoencoder's pre-activations live; both
 * branches of every function are taken. */
static float *inputs(size_t n, uint64_t seed)
{
    float *x = aeb_alloc(n);
    aeb_fill(x, n, seed);
    for (size_t i = 0; i < n; i++)
        x[i] *= 8.0f;
    return x;
}

typedef struct {
    const aek_kernel_set *ks;
    vm_fn f;
    size_t n;
} vm_case;

static void bm_vmath(aeb_state *st, void *arg)
{
    const vm_case *c = arg;
    aek_vmap_fn fn = fn_of(c->ks, c->f);
    float *x = inputs(c->n, 21), *y = aeb_alloc(c->n);
    fn(c->n, x, y); /* first touch of y, warm caches */
    while (aeb_keep_running(st))
        fn(c->n, x, y);
    aeb_set_rate(st, "items", (double)c->n);
    aeb_set_rate(st, "bytes", 8.0 * (double)c->n);
    aeb_set_rate(st, "flops", fn_flops[c->f] * (double)c->n);
    char label[64];
    snprintf(label, sizeof label, "%s %s", c->ks ? c->ks->name : "libm (plain loop)",
             fn_name[c->f]);
    aeb_set_label(st, label);
    free(x);
    free(y);
}

void aeb_register_vmath(const aek_kernel_set *ks, vm_fn f, size_t n, const aeb_opts *o)
{
    vm_case *c = malloc(sizeof *c);
    if (!c)
        return;
    *c = (vm_case){ks, f, n};
    char name[80];
    snprintf(name, sizeof name, "vm/%s/%s/n%zu", fn_name[f], ks ? ks->name : "libm", n);
    aeb_register(name, bm_vmath, c, o);
}

/* ---- Adam ------------------------------------------------------------------ */

typedef struct {
    const aek_kernel_set *ks;
    size_t m, n; /* adam: m = 0, n parameters; hidden_bwd: m × n */
} ew_case;

static void bm_adam(aeb_state *st, void *arg)
{
    const ew_case *c = arg;
    float *w = aeb_alloc(c->n), *g = aeb_alloc(c->n), *m1 = aeb_alloc(c->n), *m2 = aeb_alloc(c->n);
    aeb_fill(w, c->n, 31);
    aeb_fill(g, c->n, 32);
    for (size_t i = 0; i < c->n; i++)
        m1[i] = 0, m2[i] = 0;
    /* the step PyTorch and aekit take at t = 10 with the default settings */
    const double b1 = 0.9, b2 = 0.999, t = 10;
    const double c2 = sqrt(1 - pow(b2, t)), c1 = 1 - pow(b1, t);
    const aek_adam_step s = {(float)(1e-3 * c2 / c1), (float)b1, (float)b2, (float)(1e-8 * c2)};
    c->ks->adam(c->n, w, g, m1, m2, &s);
    while (aeb_keep_running(st))
        c->ks->adam(c->n, w, g, m1, m2, &s);
    aeb_set_rate(st, "items", (double)c->n);
    aeb_set_rate(st, "bytes", 28.0 * (double)c->n); /* read w g m v, write w m v */
    aeb_set_rate(st, "flops", 12.0 * (double)c->n);
    char label[64];
    snprintf(label, sizeof label, "%s adam", c->ks->name);
    aeb_set_label(st, label);
    free(w), free(g), free(m1), free(m2);
}

void aeb_register_adam(const aek_kernel_set *ks, size_t n, const aeb_opts *o)
{
    ew_case *c = malloc(sizeof *c);
    if (!c)
        return;
    *c = (ew_case){ks, 0, n};
    char name[80];
    snprintf(name, sizeof name, "ew/adam/%s/n%zu", ks->name, n);
    aeb_register(name, bm_adam, c, o);
}

/* ---- hidden_bwd ------------------------------------------------------------ */

static void bm_hidden_bwd(aeb_state *st, void *arg)
{
    const ew_case *c = arg;
    const size_t mn = c->m * c->n;
    float *h = aeb_alloc(mn), *dh = aeb_alloc(mn), *da = aeb_alloc(mn);
    float *kl = aeb_alloc(c->n), *cj = aeb_alloc(c->n), *s2 = aeb_alloc(c->n);
    aeb_fill(h, mn, 41);
    aeb_fill(dh, mn, 42);
    aeb_fill(kl, c->n, 43);
    for (size_t i = 0; i < mn; i++)
        h[i] = 0.5f + 0.45f * h[i]; /* sigmoid outputs */
    for (size_t j = 0; j < c->n; j++)
        cj[j] = 50.0f + (float)j; /* ‖W_j‖² */
    aek_hidden_bwd_args a = {c->m, c->n, AEK_ACT_SIGMOID, h, dh, kl, cj, 2e-3f, da, s2};
    volatile double sink = c->ks->hidden_bwd(&a);
    while (aeb_keep_running(st))
        sink = c->ks->hidden_bwd(&a);
    (void)sink;
    aeb_set_rate(st, "items", (double)mn);
    aeb_set_rate(st, "bytes", 12.0 * (double)mn); /* read h dh, write da */
    aeb_set_rate(st, "flops", 12.0 * (double)mn);
    char label[80];
    snprintf(label, sizeof label, "%s hidden_bwd sigmoid + KL + contractive", c->ks->name);
    aeb_set_label(st, label);
    free(h), free(dh), free(da), free(kl), free(cj), free(s2);
}

void aeb_register_hidden_bwd(const aek_kernel_set *ks, size_t m, size_t k, const aeb_opts *o)
{
    ew_case *c = malloc(sizeof *c);
    if (!c)
        return;
    *c = (ew_case){ks, m, k};
    char name[80];
    snprintf(name, sizeof name, "ew/hidden_bwd/%s/%zux%zu", ks->name, m, k);
    aeb_register(name, bm_hidden_bwd, c, o);
}
