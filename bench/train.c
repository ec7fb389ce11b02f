/* train.c — see train.h. */
#define _GNU_SOURCE
#include "train.h"
#include "util.h"
#include "../src/backend.h"
#include "../src/data.h"
#include "../src/model.h"
#include "../src/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static aek_dataset g_data;
static aeb_torch g_torch;

static aek_config base(size_t hidden)
{
    return aek_config_default(784, hidden);
}

int aeb_train_variants(aeb_variant *v, int max)
{
    aeb_variant all[16];
    int n = 0;
    all[n] = (aeb_variant){"plain", "784-256 sigmoid, MSE", base(256), 128};
    n++;
    all[n] = (aeb_variant){"wide", "784-1000 sigmoid, MSE (over-complete)", base(1000), 256};
    n++;
    all[n] = (aeb_variant){"bce", "784-256 sigmoid, cross-entropy from logits", base(256), 128};
    all[n].cfg.loss = AEK_LOSS_BCE;
    n++;
    all[n] = (aeb_variant){"tied_l2", "784-256, tied weights, L2 1e-5", base(256), 128};
    all[n].cfg.tied = 1;
    all[n].cfg.l2 = 1e-5;
    n++;
    all[n] = (aeb_variant){"dae_mask", "784-256, denoising: masking q = 0.25", base(256), 128};
    all[n].cfg.noise = AEK_NOISE_MASK;
    all[n].cfg.noise_level = 0.25;
    n++;
    all[n] = (aeb_variant){"dae_gauss", "784-256, denoising: Gaussian σ = 0.2", base(256), 128};
    all[n].cfg.noise = AEK_NOISE_GAUSS;
    all[n].cfg.noise_level = 0.2;
    n++;
    all[n] = (aeb_variant){"sparse_kl", "784-256, KL sparsity ρ = 0.05, β = 0.1", base(256), 128};
    all[n].cfg.sparse_rho = 0.05;
    all[n].cfg.sparse_beta = 0.1;
    n++;
    all[n] = (aeb_variant){"ksparse", "784-1000 linear code, k-sparse k = 40 (topk)", base(1000), 128};
    all[n].cfg.act[0] = AEK_ACT_IDENTITY;
    all[n].cfg.ksparse_k = 40;
    all[n].cfg.ksparse_alpha = 2;
    n++;
    all[n] = (aeb_variant){"contractive", "784-256, contractive λ = 0.1", base(256), 128};
    all[n].cfg.contractive = 0.1;
    n++;
    all[n] = (aeb_variant){"cae_h", "784-256, CAE+H λ = 0.1, γ = 0.1, σ = 0.1, 1 copy", base(256), 128};
    all[n].cfg.contractive = 0.1;
    all[n].cfg.cae_h_gamma = 0.1;
    all[n].cfg.cae_h_sigma = 0.1;
    all[n].cfg.cae_h_copies = 1;
    n++;
    aek_config st = base(500);
    st.n_layers = 3;
    st.sizes[2] = 250;
    st.sizes[3] = 30;
    st.act[0] = st.act[1] = AEK_ACT_SIGMOID;
    st.act[2] = AEK_ACT_IDENTITY;
    all[n] = (aeb_variant){"stacked", "784-500-250-30 (sigmoid, sigmoid, linear): an end-to-end "
                           "fine-tuning epoch", st, 128};
    n++;
    if (n > max)
        n = max;
    memcpy(v, all, (size_t)n * sizeof *v);
    return n;
}

void aeb_variant_json(const aeb_variant *v, char *buf, size_t len)
{
    const aek_config *c = &v->cfg;
    const aek_opt_config o = aek_opt_default();
    static const char *const noise[] = {"none", "mask", "gauss"};
    buf[0] = '\0';
    aeb_append(buf, len, "{\"sizes\": [");
    for (int l = 0; l <= c->n_layers; l++)
        aeb_append(buf, len, "%s%zu", l ? ", " : "", c->sizes[l]);
    aeb_append(buf, len, "], \"act\": [");
    for (int l = 0; l < c->n_layers; l++)
        aeb_append(buf, len, "%s\"%s\"", l ? ", " : "", aek_act_name(c->act[l]));
    aeb_append(buf, len,
               "], \"out_act\": \"%s\", \"loss\": \"%s\", \"tied\": %d, \"l2\": %.17g, "
               "\"noise\": \"%s\", \"noise_level\": %.17g, \"sparse_rho\": %.17g, "
               "\"sparse_beta\": %.17g, \"ksparse_k\": %zu, \"contractive\": %.17g, "
               "\"cae_h_gamma\": %.17g, \"cae_h_sigma\": %.17g, \"cae_h_copies\": %d, "
               "\"adam\": {\"lr\": %.17g, \"beta1\": %.17g, \"beta2\": %.17g, \"eps\": %.17g}}",
               aek_act_name(c->out_act), c->loss == AEK_LOSS_BCE ? "bce" : "mse", c->tied, c->l2,
               noise[c->noise], c->noise_level, c->sparse_rho, c->sparse_beta, c->ksparse_k,
               c->contractive, c->cae_h_gamma, c->cae_h_sigma, c->cae_h_copies, o.lr, o.beta1,
               o.beta2, o.eps);
}

int aeb_train_setup(size_t rows, int quick, const char *python, const char *script,
                    const char *scratch)
{
    /* images-like data in (0, 1) near a 10-dimensional manifold */
    aek_synth_manifold_config sc = {rows, 784, 10, 0, 0.3f, 12345};
    if (aek_synth_manifold(&sc, &g_data) != AEK_OK) {
        fprintf(stderr, "bench: training data: %s\n", aek_last_error());
        return 0;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/data.npy", scratch);
    if (aek_npy_write_f32(path, g_data.x, g_data.rows, g_data.cols) != AEK_OK) {
        fprintf(stderr, "bench: %s\n", aek_last_error());
        snprintf(g_torch.status, sizeof g_torch.status, "absent: could not write %.300s", path);
        return 1;
    }
    aeb_variant v[1];
    aeb_train_variants(v, 1);
    char probe[4096], vj[3000];
    aeb_variant_json(&v[0], vj, sizeof vj);
    snprintf(probe, sizeof probe,
             "{\"op\": \"run\", \"variant\": %s, \"threads\": 1, \"batch\": %zu, \"steps\": 10, "
             "\"seed\": 1, \"epoch\": 0, \"foreach\": %%s}", vj, v[0].batch);
    if (!python) {
        snprintf(g_torch.status, sizeof g_torch.status, "absent: skipped (AEKIT_BENCH_NO_PEERS=1)");
        return 1;
    }
    aeb_torch_setup(&g_torch, python, script, scratch, path, quick ? NULL : probe);
    if (!g_torch.present)
        fprintf(stderr, "bench:   PyTorch: %s\n", g_torch.status);
    return 1;
}

aeb_torch *aeb_train_torch(void) { return &g_torch; }

const float *aeb_train_data(size_t *rows, size_t *cols)
{
    *rows = g_data.rows;
    *cols = g_data.cols;
    return g_data.x;
}

void aeb_train_finish(void)
{
    aeb_torch_stop(&g_torch);
}

/* ---- one pair ------------------------------------------------------------- */

typedef struct {
    const aeb_variant *v;
    int threads, steps;
    aek_model *M;
    float *m1, *m2;
    char json[3000];
    int reps, warm;
    char error[256];
} train_case;

/* `steps` steps of aek_model_eval + Adam on the first batch, after one
 * untimed step (PyTorch's side does the same: its first step allocates the
 * optimizer state); seconds per step. */
static double aekit_steps(train_case *c, int steps)
{
    aek_model *M = c->M;
    const size_t B = c->v->batch;
    const aek_opt_config o = aek_opt_default();
    memset(c->m1, 0, M->nparams * sizeof(float));
    memset(c->m2, 0, M->nparams * sizeof(float));
    aek_noise_key key = {1, 0, NULL};
    double t0 = 0;
    for (int s = 0; s <= steps; s++) {
        if (s == 1)
            t0 = aeb_now();
        aek_model_eval(M, g_data.x, B, &key, 1);
        /* train.c's Adam step: bias corrections folded into lr and eps */
        double c2 = sqrt(1 - pow(o.beta2, s + 1)), c1 = 1 - pow(o.beta1, s + 1);
        be_adam(M->nparams, M->params, M->grads, c->m1, c->m2, (real)(o.lr * c2 / c1),
                (real)o.beta1, (real)o.beta2, (real)(o.eps * c2));
    }
    return steps > 0 ? (aeb_now() - t0) / steps : 0;
}

static void epoch_cb(void *ctx, const aek_epoch_stats *s) { *(double *)ctx = s->loss; }

double aeb_aekit_epoch(aek_model *M, const float *x, size_t rows, size_t batch,
                       const aek_opt_config *opt, double *loss, char *error, size_t error_len)
{
    aek_train_config tc = aek_train_default();
    if (opt)
        tc.opt = *opt;
    tc.epochs = 1;
    tc.batch = batch;
    tc.seed = 1;
    tc.on_epoch = epoch_cb;
    tc.on_epoch_ctx = loss;
    double t0 = aeb_now();
    aek_status s = aek_train(M, x, rows, &tc, NULL);
    double t = aeb_now() - t0;
    if (s != AEK_OK)
        snprintf(error, error_len, "aek_train: %s", aek_last_error());
    return t;
}

/* The PyTorch side; 0 on success. */
static int torch_run(train_case *c, int steps, int epoch, double *step_s, double *epoch_s,
                     double *loss)
{
    char req[4096];
    snprintf(req, sizeof req,
             "{\"op\": \"run\", \"variant\": %s, \"threads\": %d, \"batch\": %zu, \"steps\": %d, "
             "\"seed\": 1, \"epoch\": %d, \"foreach\": %s}", c->json, c->threads, c->v->batch,
             steps, epoch, g_torch.foreach);
    aeb_reply r;
    int rc = aeb_torch_call(&g_torch, req, &r);
    if (rc > 0)
        snprintf(c->error, sizeof c->error, "torch: %s", aeb_reply_get(&r, "error"));
    if (rc != 0)
        return -1;
    const char *a = aeb_reply_get(&r, "step_s"), *b = aeb_reply_get(&r, "epoch_s"),
               *l = aeb_reply_get(&r, "loss");
    *step_s = a ? atof(a) : NAN;
    *epoch_s = b ? atof(b) : NAN;
    *loss = l ? atof(l) : NAN;
    return 0;
}

static void bm_train(aeb_state *st, void *arg)
{
    train_case *c = arg;
    if (!c->M) {
        if (aek_model_create(&c->v->cfg, c->v->batch, 1, &c->M) != AEK_OK) {
            aeb_skip_with_error(st, aek_last_error());
            return;
        }
        c->m1 = aeb_alloc(c->M->nparams);
        c->m2 = aeb_alloc(c->M->nparams);
    }
    aek_set_num_threads(c->threads);
    double ts = NAN, te = NAN, tl = NAN;
    if (!c->warm) {
        /* first touches, the pool's threads, torch's allocator and graph */
        aekit_steps(c, 2);
        if (g_torch.present)
            torch_run(c, 2, 0, &ts, &te, &tl);
        c->warm = 1;
    }
    aeb_cpu_sample before, after;
    int sampled = aeb_cpu_sample_now(&before);
    double a_step = 0, a_epoch = 0, a_loss = NAN;
    int torch_ok = 0;
    while (aeb_keep_running(st)) {
        aek_model_init_params(c->M, 1);
        const int torch_first = c->reps++ & 1;
        for (int side = 0; side < 2; side++) {
            if ((side == 0) == !torch_first) {
                a_step = aekit_steps(c, c->steps);
                aek_model_init_params(c->M, 1); /* the epoch starts from the same point */
                a_epoch = aeb_aekit_epoch(c->M, g_data.x, g_data.rows, c->v->batch, NULL, &a_loss,
                                          c->error, sizeof c->error);
            } else if (g_torch.present) {
                torch_ok = torch_run(c, c->steps, 1, &ts, &te, &tl) == 0;
            }
        }
        aeb_set_iteration_time(st, a_epoch);
    }
    if (c->error[0] && !strncmp(c->error, "aek_train", 9)) {
        aeb_skip_with_error(st, c->error);
        return;
    }
    if (sampled && aeb_cpu_sample_now(&after))
        aeb_set_counter(st, "other_cpus", aeb_other_cpus(&before, &after));
    aeb_set_counter(st, "aekit_step_s", a_step);
    aeb_set_counter(st, "aekit_epoch_s", a_epoch);
    aeb_set_counter(st, "aekit_loss", a_loss);
    aeb_set_counter(st, "rows", (double)g_data.rows);
    if (torch_ok) {
        aeb_set_counter(st, "torch_step_s", ts);
        aeb_set_counter(st, "torch_epoch_s", te);
        aeb_set_counter(st, "torch_loss", tl);
        aeb_set_counter(st, "ratio", te / a_epoch);
        aeb_set_counter(st, "step_ratio", ts / a_step);
    }
    char label[1024];
    snprintf(label, sizeof label, "%s; batch %zu%s%s", c->v->desc, c->v->batch,
             torch_ok ? "" : "; PyTorch ", torch_ok ? "" : (c->error[0] ? c->error : g_torch.status));
    aeb_set_label(st, label);
}

void aeb_register_train(const aeb_variant *v, int threads, int steps, const aeb_opts *o)
{
    train_case *c = calloc(1, sizeof *c);
    if (!c)
        return;
    c->v = v;
    c->threads = threads;
    c->steps = steps;
    aeb_variant_json(v, c->json, sizeof c->json);
    char name[96];
    snprintf(name, sizeof name, "train/%s/t%d", v->key, threads);
    aeb_register(name, bm_train, c, o);
}
