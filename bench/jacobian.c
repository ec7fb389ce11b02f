/* jacobian.c — see jacobian.h. */
#include "jacobian.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    const aek_kernel_set *ks;
    size_t m, k, n;
} jac_case;

typedef struct {
    size_t m, k, n;
    float *W, *h, *dh, *da, *cj, *s2, *J;
    float coef;
} jac_data;

/* The fused path: row norms, then one call of the set's hidden_bwd. */
static double fused(const aek_kernel_set *ks, jac_data *d)
{
    for (size_t j = 0; j < d->k; j++) {
        const float *w = d->W + j * d->n;
        double s = 0;
        for (size_t p = 0; p < d->n; p++)
            s += (double)w[p] * w[p];
        d->cj[j] = (float)s;
    }
    aek_hidden_bwd_args a = {d->m, d->k, AEK_ACT_SIGMOID, d->h, d->dh, NULL, d->cj, d->coef,
                             d->da, d->s2};
    return ks->hidden_bwd(&a);
}

/* The explicit path: J_i = diag(s_i)·W, reduced.  With s' = s(1 − 2h),
 *   penalty_i = ‖J_i‖²_F,
 *   da_ij = dh_ij·s_ij + coef·(Σ_p J_i[j,p]·W[j,p])·s'_ij
 * which is hidden_bwd's da (c_j·s_ij = Σ_p J_i[j,p]·W[j,p]). */
static double explicit_jacobian(jac_data *d)
{
    const size_t k = d->k, n = d->n;
    double pen = 0;
    for (size_t i = 0; i < d->m; i++) {
        const float *h = d->h + i * k;
        for (size_t j = 0; j < k; j++) {
            const float s = h[j] * (1 - h[j]);
            const float *w = d->W + j * n;
            float *J = d->J + j * n;
            for (size_t p = 0; p < n; p++)
                J[p] = s * w[p];
        }
        for (size_t j = 0; j < k; j++) {
            const float *J = d->J + j * n, *w = d->W + j * n;
            float nn = 0, jw = 0;
            for (size_t p = 0; p < n; p++) {
                nn += J[p] * J[p];
                jw += J[p] * w[p];
            }
            pen += nn;
            const float hh = h[j], s = hh * (1 - hh), sp = s * (1 - 2 * hh);
            d->da[i * k + j] = d->dh[i * k + j] * s + d->coef * jw * sp;
        }
    }
    return pen;
}

static void bm_jac(aeb_state *st, void *arg)
{
    const jac_case *c = arg;
    jac_data d = {c->m, c->k, c->n, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 2e-3f};
    d.W = aeb_alloc(c->k * c->n);
    d.h = aeb_alloc(c->m * c->k);
    d.dh = aeb_alloc(c->m * c->k);
    d.da = aeb_alloc(c->m * c->k);
    d.cj = aeb_alloc(c->k);
    d.s2 = aeb_alloc(c->k);
    d.J = c->ks ? NULL : aeb_alloc(c->k * c->n);
    aeb_fill(d.W, c->k * c->n, 51);
    for (size_t i = 0; i < c->k * c->n; i++)
        d.W[i] *= 0.08f; /* Glorot scale of a 784-256 layer */
    aeb_fill(d.h, c->m * c->k, 52);
    for (size_t i = 0; i < c->m * c->k; i++)
        d.h[i] = 0.5f + 0.45f * d.h[i];
    aeb_fill(d.dh, c->m * c->k, 53);

    /* agreement of the two penalties (the explicit one is the reference) */
    if (c->ks) {
        const aek_kernel_set *ks = c->ks;
        double pf = fused(ks, &d);
        jac_data e = d;
        e.J = aeb_alloc(c->k * c->n);
        e.da = aeb_alloc(c->m * c->k);
        double pe = explicit_jacobian(&e);
        double dmax = 0;
        for (size_t i = 0; i < c->m * c->k; i++)
            dmax = fmax(dmax, fabs((double)d.da[i] - e.da[i]) / (fabs((double)e.da[i]) + 1e-6));
        aeb_set_counter(st, "rel_diff", fabs(pf - pe) / pe);
        aeb_set_counter(st, "da_rel_diff", dmax);
        free(e.J);
        free(e.da);
    }
    volatile double sink = 0;
    while (aeb_keep_running(st))
        sink = c->ks ? fused(c->ks, &d) : explicit_jacobian(&d);
    (void)sink;
    aeb_set_rate(st, "items", (double)c->m); /* samples/s */
    char label[80];
    snprintf(label, sizeof label, c->ks ? "aekit %s: row norms + fused hidden_bwd"
                                        : "explicit J_i = diag(s_i) W, formed and reduced%s",
             c->ks ? c->ks->name : "");
    aeb_set_label(st, label);
    free(d.W), free(d.h), free(d.dh), free(d.da), free(d.cj), free(d.s2), free(d.J);
}

void aeb_register_jacobian(const aek_kernel_set *ks, size_t m, size_t k, size_t n,
                           const aeb_opts *o)
{
    jac_case *c = malloc(sizeof *c);
    if (!c)
        return;
    *c = (jac_case){ks, m, k, n};
    char name[80];
    snprintf(name, sizeof name, "jac/%zux%zux%zu/%s", m, k, n, ks ? ks->name : "explicit");
    aeb_register(name, bm_jac, c, o);
}
