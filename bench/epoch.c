/* epoch.c — see epoch.h. */
#define _GNU_SOURCE
#include "epoch.h"
#include "crosscore.h"
#include "util.h"
#include "../src/backend.h"
#include "../src/data.h"
#include "../src/model.h"
#include "../src/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static aek_dataset g_data;

int aeb_epoch_models(aeb_variant *v, int max)
{
    aeb_variant all[8];
    int n = 0;
    const aek_config a = aek_config_default(784, 256);
    all[n++] = (aeb_variant){"plain", "(a) 784-256-784 sigmoid/sigmoid, MSE", a, AEB_EPOCH_BATCH};
    all[n] = (aeb_variant){"bce", "(b) 784-256-784 sigmoid, cross-entropy from the logits", a,
                           AEB_EPOCH_BATCH};
    all[n++].cfg.loss = AEK_LOSS_BCE;
    all[n] = (aeb_variant){"dae_mask", "(c) 784-256-784 sigmoid/sigmoid, MSE, denoising: "
                           "masking q = 0.25", a, AEB_EPOCH_BATCH};
    all[n].cfg.noise = AEK_NOISE_MASK;
    all[n++].cfg.noise_level = 0.25;
    all[n] = (aeb_variant){"sparse_kl", "(d) 784-256-784 sigmoid/sigmoid, MSE + KL sparsity "
                           "ρ = 0.05, β = 0.1", a, AEB_EPOCH_BATCH};
    all[n].cfg.sparse_rho = 0.05;
    all[n++].cfg.sparse_beta = 0.1;
    all[n] = (aeb_variant){"contractive", "(e) 784-256-784 sigmoid/sigmoid, MSE + contractive "
                           "λ = 0.1", a, AEB_EPOCH_BATCH};
    all[n++].cfg.contractive = 0.1;
    aek_config f = aek_config_default(784, 1000);
    f.n_layers = 4;
    f.sizes[2] = 500;
    f.sizes[3] = 250;
    f.sizes[4] = 30;
    f.act[0] = f.act[1] = f.act[2] = AEK_ACT_SIGMOID;
    f.act[3] = AEK_ACT_IDENTITY;
    all[n++] = (aeb_variant){"deep", "(f) 784-1000-500-250-30 (sigmoid×3, linear code), sigmoid "
                             "output, MSE, end to end", f, AEB_EPOCH_BATCH};
    if (n > max)
        n = max;
    memcpy(v, all, (size_t)n * sizeof *v);
    return n;
}

double aeb_epoch_gemm_flops(const aeb_variant *v)
{
    const aek_config *c = &v->cfg;
    double s = 0;
    for (int l = 0; l < c->n_layers; l++)
        s += 2.0 * (double)c->sizes[l] * (double)c->sizes[l + 1];
    return 6 * s - 2.0 * (double)c->sizes[0] * (double)c->sizes[1];
}

int aeb_epoch_setup(size_t rows, const char *scratch)
{
    char what[512];
    aek_dataset_free(&g_data);
    if (access(AEB_EPOCH_FMNIST, R_OK) == 0 && aek_load_idx_images(AEB_EPOCH_FMNIST, &g_data) == AEK_OK &&
        g_data.cols == 784 && g_data.rows >= rows && aek_data_scale_u8(&g_data) == AEK_OK &&
        aek_data_take_first(&g_data, rows) == AEK_OK) {
        snprintf(what, sizeof what, "%zu rows x 784: Fashion-MNIST training images (%s), scaled "
                 "to [0,1]", rows, AEB_EPOCH_FMNIST);
    } else {
        if (access(AEB_EPOCH_FMNIST, R_OK) == 0)
            fprintf(stderr, "bench: %s not usable (%s): synthetic data for the epoch group\n",
                    AEB_EPOCH_FMNIST, aek_last_error());
        aek_dataset_free(&g_data);
        aek_synth_manifold_config sc = {rows, 784, 10, 0, 0.3f, 12345};
        if (aek_synth_manifold(&sc, &g_data) != AEK_OK) {
            fprintf(stderr, "bench: epoch data: %s\n", aek_last_error());
            return 0;
        }
        snprintf(what, sizeof what, "%zu rows x 784: synthetic manifold data in (0,1), seed 12345 "
                 "(%s not found)", rows, AEB_EPOCH_FMNIST);
    }
    aeb_add_context("bench_epoch_data", what);
    fprintf(stderr, "bench: epoch data: %s\n", what);

    aeb_torch *t = aeb_train_torch();
    if (!t->present)
        return 1;
    char path[4200], req[4400];
    snprintf(path, sizeof path, "%s/epoch.npy", scratch);
    if (aek_npy_write_f32(path, g_data.x, g_data.rows, g_data.cols) != AEK_OK) {
        fprintf(stderr, "bench: %s\n", aek_last_error());
        return 1; /* the torch side of the epoch group then reports its error */
    }
    snprintf(req, sizeof req, "{\"op\": \"load\", \"path\": \"%s\", \"name\": \"epoch\"}", path);
    aeb_reply r;
    if (aeb_torch_call(t, req, &r) > 0)
        fprintf(stderr, "bench: PyTorch could not load the epoch data: %s\n",
                aeb_reply_get(&r, "error"));
    unlink(path); /* the child holds it in memory now */
    return 1;
}

void aeb_epoch_finish(void) { aek_dataset_free(&g_data); }

/* ---- one pair ------------------------------------------------------------- */

typedef struct {
    const aeb_variant *v;
    int adam, threads;
    aek_model *M;
    char json[3000];
    int reps, warm;
    char error[256];
} epoch_case;

/* aek_train over the first `rows` rows for one epoch (SGD or Adam);
 * seconds, the mean loss in *loss. */
static double aekit_epoch(epoch_case *c, size_t rows, double *loss)
{
    aek_opt_config o = aek_opt_default();
    if (!c->adam) {
        o.kind = AEK_OPT_SGD;
        o.lr = AEB_EPOCH_SGD_LR;
    }
    return aeb_aekit_epoch(c->M, g_data.x, rows, c->v->batch, &o, loss, c->error, sizeof c->error);
}

/* The PyTorch side: steps on the first batch (0: none), then an epoch or
 * not; 0 on success. */
static int torch_epoch(epoch_case *c, int steps, int epoch, double *epoch_s, double *loss)
{
    aeb_torch *t = aeb_train_torch();
    char req[4096];
    snprintf(req, sizeof req,
             "{\"op\": \"run\", \"variant\": %s, \"threads\": %d, \"batch\": %zu, \"steps\": %d, "
             "\"seed\": 1, \"epoch\": %d, \"foreach\": %s, \"data\": \"epoch\", \"opt\": \"%s\", "
             "\"sgd_lr\": %.17g}", c->json, c->threads, c->v->batch, steps, epoch, t->foreach,
             c->adam ? "adam" : "sgd", AEB_EPOCH_SGD_LR);
    aeb_reply r;
    int rc = aeb_torch_call(t, req, &r);
    if (rc > 0)
        snprintf(c->error, sizeof c->error, "torch: %s", aeb_reply_get(&r, "error"));
    if (rc != 0)
        return -1;
    const char *e = aeb_reply_get(&r, "epoch_s"), *l = aeb_reply_get(&r, "loss");
    *epoch_s = e ? atof(e) : NAN;
    *loss = l ? atof(l) : NAN;
    return 0;
}

static void bm_epoch(aeb_state *st, void *arg)
{
    epoch_case *c = arg;
    aeb_torch *t = aeb_train_torch();
    if (!g_data.x) {
        aeb_skip_with_error(st, "no epoch data");
        return;
    }
    if (!c->M && aek_model_create(&c->v->cfg, c->v->batch, 1, &c->M) != AEK_OK) {
        aeb_skip_with_error(st, aek_last_error());
        return;
    }
    aek_set_num_threads(c->threads);
    double te = NAN, tl = NAN;
    if (!c->warm) {
        /* first touches, the pool's threads, torch's allocator and graph:
         * a few batches each, untimed */
        double l;
        aek_model_init_params(c->M, 1);
        aekit_epoch(c, 4 * c->v->batch, &l);
        if (t->present)
            torch_epoch(c, 2, 0, &te, &tl);
        c->warm = 1;
        c->error[0] = '\0';
    }
    /* The load is sampled around aekit's epochs only: the PyTorch peer is
     * another process, and its own epochs would otherwise count as load on
     * aekit's (it did: 0.6 CPUs at 1 thread, 1.2 at 2, flagged as disturbed). */
    aeb_cpu_sample before, after;
    int sampled = 1;
    double other_s = 0, wall_s = 0;
    double a_epoch = 0, a_loss = NAN, xcore = NAN;
    int torch_ok = 0;
    while (aeb_keep_running(st)) {
        aek_model_init_params(c->M, 1); /* untimed; PyTorch's side starts fresh too */
        const int torch_first = c->reps++ & 1;
        for (int side = 0; side < 2; side++) {
            if ((side == 0) == !torch_first) {
                sampled = aeb_cpu_sample_now(&before) && sampled;
                a_epoch = aekit_epoch(c, g_data.rows, &a_loss);
                sampled = aeb_cpu_sample_now(&after) && sampled;
                if (sampled) {
                    other_s += aeb_other_cpus(&before, &after) * (after.wall - before.wall);
                    wall_s += after.wall - before.wall;
                }
                /* the placement this epoch ran under (bench/crosscore.h),
                 * once the pool's idle worker on CPU 1 has gone to sleep
                 * (it spins well under a millisecond first) */
                if (c->threads > 1) {
                    usleep(5000);
                    xcore = aeb_xcore_probe(16);
                }
            } else if (t->present) {
                torch_ok = torch_epoch(c, 0, 1, &te, &tl) == 0;
            }
        }
        aeb_set_iteration_time(st, a_epoch);
    }
    if (c->error[0] && !strncmp(c->error, "aek_train", 9)) {
        aeb_skip_with_error(st, c->error);
        return;
    }
    if (sampled && wall_s > 0)
        aeb_set_counter(st, "other_cpus", other_s / wall_s);
    const double rows = (double)g_data.rows;
    aeb_set_counter(st, "aekit_epoch_s", a_epoch);
    if (isfinite(a_loss))
        aeb_set_counter(st, "aekit_loss", a_loss);
    aeb_set_counter(st, "rows", rows);
    aeb_set_counter(st, "gemm_flops", rows * aeb_epoch_gemm_flops(c->v));
    aeb_set_counter(st, "threads", c->threads);
    if (isfinite(xcore))
        aeb_set_counter(st, "xcore_s", xcore);
    if (torch_ok && !(te > 0)) {
        torch_ok = 0;
        snprintf(c->error, sizeof c->error, "torch: no epoch_s in the reply");
    }
    if (torch_ok) {
        aeb_set_counter(st, "torch_epoch_s", te);
        if (isfinite(tl))
            aeb_set_counter(st, "torch_loss", tl);
        aeb_set_counter(st, "ratio", te / a_epoch);
    }
    char label[1024];
    snprintf(label, sizeof label, "%s; batch %zu; %s%s%s", c->v->desc, c->v->batch,
             c->adam ? "Adam lr 1e-3" : "SGD lr 0.01 (momentum 0)", torch_ok ? "" : "; PyTorch ",
             torch_ok ? "" : (c->error[0] ? c->error : t->status));
    aeb_set_label(st, label);
}

void aeb_register_epoch(const aeb_variant *v, int adam, int threads, const aeb_opts *o)
{
    epoch_case *c = calloc(1, sizeof *c);
    if (!c)
        return;
    c->v = v;
    c->adam = adam;
    c->threads = threads;
    aeb_variant_json(v, c->json, sizeof c->json);
    char name[96];
    snprintf(name, sizeof name, "epoch/%s/%s/t%d", v->key, adam ? "adam" : "sgd", threads);
    aeb_register(name, bm_epoch, c, o);
}

/* ---- PyTorch's per-sample Jacobian route ------------------------------------ */

typedef struct {
    const aeb_variant *v;
    int threads, batches;
    double max_s;
    char json[3000];
} route_case;

/* aekit's contractive SGD step (aek_model_eval with the gradient + the
 * update aek_train makes) on the first batch: seconds per step, over 20
 * steps after one untimed. */
static double aekit_route_step(aek_model *M, size_t B)
{
    aek_noise_key key = {1, 0, NULL};
    const int steps = 20;
    double t0 = 0;
    for (int s = 0; s <= steps; s++) {
        if (s == 1)
            t0 = aeb_now();
        aek_model_eval(M, g_data.x, B, &key, 1);
        be_axpy(M->nparams, (real)-AEB_EPOCH_SGD_LR, M->grads, M->params);
    }
    return (aeb_now() - t0) / steps;
}

/* A per-sample time of the reply ("0.021"), or why that way failed. */
static void sample_time(char *buf, size_t len, const char *v)
{
    if (v && atof(v) > 0)
        snprintf(buf, len, "%.1f ms", 1e3 * atof(v));
    else
        snprintf(buf, len, "%s", v ? v : "?");
}

static void bm_route(aeb_state *st, void *arg)
{
    route_case *c = arg;
    aeb_torch *t = aeb_train_torch();
    const size_t B = c->v->batch;
    if (!g_data.x || g_data.rows < B * (size_t)c->batches) {
        aeb_skip_with_error(st, "no epoch data");
        return;
    }
    if (!t->present) {
        aeb_skip_with_error(st, t->status);
        return;
    }
    aek_model *M = NULL;
    if (aek_model_create(&c->v->cfg, B, 1, &M) != AEK_OK) {
        aeb_skip_with_error(st, aek_last_error());
        return;
    }
    aek_set_num_threads(c->threads);
    char req[4096];
    snprintf(req, sizeof req,
             "{\"op\": \"jacobian_route\", \"variant\": %s, \"threads\": %d, \"batch\": %zu, "
             "\"seed\": 1, \"data\": \"epoch\", \"sgd_lr\": %.17g, \"batches\": %d, "
             "\"max_s\": %.17g}", c->json, c->threads, B, AEB_EPOCH_SGD_LR, c->batches, c->max_s);
    double a_step = 0, jac = NAN, ana = NAN;
    aeb_reply r;
    int rc = -1;
    while (aeb_keep_running(st)) {
        aek_model_init_params(M, 1);
        a_step = aekit_route_step(M, B);
        rc = aeb_torch_call(t, req, &r);
        if (rc == 0) {
            const char *j = aeb_reply_get(&r, "jac_batch_s"), *a = aeb_reply_get(&r, "analytic_batch_s");
            jac = j ? atof(j) : NAN;
            ana = a ? atof(a) : NAN;
        }
        aeb_set_iteration_time(st, rc == 0 ? jac : a_step);
    }
    aek_model_free(M);
    if (rc != 0) {
        char msg[1200];
        snprintf(msg, sizeof msg, "PyTorch: %s", rc > 0 ? aeb_reply_get(&r, "error") : t->status);
        aeb_skip_with_error(st, msg);
        return;
    }
    const char *n = aeb_reply_get(&r, "samples_timed"), *x = aeb_reply_get(&r, "extrapolated"),
               *pd = aeb_reply_get(&r, "penalty_rel_diff"), *vec = aeb_reply_get(&r, "vectorize"),
               *s0 = aeb_reply_get(&r, "sample_s_vectorize_False"),
               *s1 = aeb_reply_get(&r, "sample_s_vectorize_True"),
               *me = aeb_reply_get(&r, "jac_measured_s");
    if (!(jac > 0 && ana > 0)) {
        aeb_skip_with_error(st, "PyTorch: no jac_batch_s / analytic_batch_s in the reply");
        return;
    }
    aeb_set_counter(st, "aekit_step_s", a_step);
    aeb_set_counter(st, "torch_jac_batch_s", jac);
    aeb_set_counter(st, "torch_analytic_batch_s", ana);
    aeb_set_counter(st, "jac_over_aekit", jac / a_step);
    aeb_set_counter(st, "jac_over_analytic", jac / ana);
    aeb_set_counter(st, "analytic_over_aekit", ana / a_step);
    aeb_set_counter(st, "batch", (double)B);
    const char *nb = aeb_reply_get(&r, "batches");
    /* only what the reply has (a NaN counter would not be valid JSON) */
    if (nb)
        aeb_set_counter(st, "batches", atof(nb));
    if (n)
        aeb_set_counter(st, "samples_timed", atof(n));
    if (x)
        aeb_set_counter(st, "extrapolated", atof(x));
    if (pd)
        aeb_set_counter(st, "penalty_rel_diff", atof(pd));
    aeb_set_counter(st, "vectorize", vec && !strcmp(vec, "True"));
    if (me)
        aeb_set_counter(st, "torch_jac_measured_s", atof(me));
    char label[1024], f0[200], f1[200];
    sample_time(f0, sizeof f0, s0);
    sample_time(f1, sizeof f1, s1);
    snprintf(label, sizeof label,
             "%s; batch %zu, SGD lr 0.01; torch.autograd.functional.jacobian(encoder, x_i, "
             "create_graph=True) per sample, vectorize=%s (one sample's step: vectorize=False "
             "%s, vectorize=True %s); %s of %zu samples per batch timed over %d batch(es)%s",
             c->v->desc, B, vec ? vec : "?", f0, f1, n ? n : "?", B, c->batches,
             x && atoi(x) ? ", the full batch extrapolated" : "");
    aeb_set_label(st, label);
}

void aeb_register_jacobian_route(const aeb_variant *v, int threads, int batches, double max_s,
                                 const aeb_opts *o)
{
    route_case *c = calloc(1, sizeof *c);
    if (!c)
        return;
    c->v = v;
    c->threads = threads;
    c->batches = batches;
    c->max_s = max_s;
    aeb_variant_json(v, c->json, sizeof c->json);
    char name[96];
    snprintf(name, sizeof name, "jacobian_route/t%d", threads);
    aeb_register(name, bm_route, c, o);
}
