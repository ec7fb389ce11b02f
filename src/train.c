/*
 * train.c — the training loop (train.h): batches, optimizer steps, epochs,
 * stacked pretraining, checkpoints, progress.
 *
 * Everything a resumed run needs to continue bit for bit is in
 * aek_train_state: the epoch, how many batches of it are done, the
 * optimizer moments and step count, and the running loss sums (so the epoch
 * mean printed after a resume is the uninterrupted one).  The shuffle of an
 * epoch is recomputed from (seed, epoch), never stored.
 */
#define _GNU_SOURCE
#include "train.h"
#include "backend.h"
#include "checkpoint.h"
#include "data.h"
#include "fileio.h"
#include "rng.h"
#include "../simd/error.h"
#include "../simd/kernels.h"
#include "../simd/threadpool.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

aek_opt_config aek_opt_default(void)
{
    aek_opt_config o = {AEK_OPT_ADAM, 1e-3, 0, 0.9, 0.9, 0.999, 1e-8};
    return o;
}

const char *aek_opt_name(aek_opt_kind k)
{
    switch (k) {
    case AEK_OPT_SGD: return "sgd";
    case AEK_OPT_MOMENTUM: return "momentum";
    case AEK_OPT_ADAM: return "adam";
    }
    return "unknown";
}

aek_train_config aek_train_default(void)
{
    aek_train_config t;
    memset(&t, 0, sizeof t);
    t.opt = aek_opt_default();
    t.epochs = 10;
    t.batch = 128;
    t.seed = 1;
    t.shuffle = 1;
    return t;
}

void aek_train_state_free(aek_train_state *s)
{
    if (!s)
        return;
    free(s->m1);
    free(s->m2);
    s->m1 = s->m2 = NULL;
}

/* Four independent multiply–mix lanes over 64-bit words (a few GB/s, where
 * a byte-wise CRC of 188 MB of Fashion-MNIST took half a second), folded and
 * finalised with splitmix64's mixer.  It only has to tell data sets apart. */
uint64_t aek_data_fingerprint(const float *X, size_t rows, size_t cols)
{
    const size_t bytes = rows * cols * sizeof(float);
    const unsigned char *p = (const unsigned char *)X;
    uint64_t h[4] = {0x9E3779B97F4A7C15ull, 0xC2B2AE3D27D4EB4Full, 0x165667B19E3779F9ull,
                     0x27D4EB2F165667C5ull};
    size_t i = 0;
    for (; i + 32 <= bytes; i += 32)
        for (int l = 0; l < 4; l++) {
            uint64_t w;
            memcpy(&w, p + i + 8 * (size_t)l, 8);
            h[l] = (h[l] ^ w) * 0xBF58476D1CE4E5B9ull;
            h[l] ^= h[l] >> 29;
        }
    uint64_t f = bytes;
    for (; i < bytes; i++)
        f = (f ^ p[i]) * 0x100000001B3ull;
    for (int l = 0; l < 4; l++)
        f = (f ^ h[l]) * 0x94D049BB133111EBull + (uint64_t)l;
    f ^= f >> 31;
    f *= 0xBF58476D1CE4E5B9ull;
    return f ^ (f >> 27);
}

/* ---- the batch: rows gathered from the shuffled data ----------------------- */

typedef struct {
    float *dst;
    const float *src;
    const size_t *rows;
    size_t m, n;
} gather_job;

/* Rows fetched ahead of the copy: a row is a few KiB at a random place in
 * memory; copied one after the other, only one row's lines are in flight. */
#define GATHER_AHEAD 4

static void gather_task(void *arg, int t, int T)
{
    const gather_job *g = arg;
    const size_t i0 = aek_part_begin(g->m, t, T), i1 = aek_part_begin(g->m, t + 1, T);
    const size_t bytes = g->n * sizeof(float);
    for (size_t i = i0; i < i1; i++) {
        if (i + GATHER_AHEAD < i1) {
            const char *ahead = (const char *)(g->src + g->rows[i + GATHER_AHEAD] * g->n);
            for (size_t b = 0; b < bytes; b += 64)
                __builtin_prefetch(ahead + b, 0, 3);
        }
        memcpy(g->dst + i * g->n, g->src + g->rows[i] * g->n, bytes);
    }
}

/* dst[i] = src[rows[i]] for i < m (rows of n floats).  The rows are random
 * lines of a data set far larger than the caches, so the copy waits on
 * memory; split over the threads it has that many misses in flight (it was
 * 3-4% of a 2-thread epoch, all on one thread while the other waited). */
static void gather_rows(float *dst, const float *src, const size_t *rows, size_t m, size_t n)
{
    gather_job g = {dst, src, rows, m, n};
    int T = aek_num_threads();
    aek_parallel_run(m < 16 ? 1 : T, gather_task, &g);
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static aek_status check_opt(const aek_opt_config *o)
{
    if (!(o->lr > 0) || !isfinite(o->lr))
        return aek_error(AEK_ERR_ARG, "learning rate must be a finite value > 0 (got %g)", o->lr);
    if (!(o->lr_final >= 0) || !isfinite(o->lr_final))
        return aek_error(AEK_ERR_ARG, "final learning rate must be finite and >= 0 (got %g)",
                         o->lr_final);
    if (o->kind == AEK_OPT_MOMENTUM && !(o->momentum >= 0 && o->momentum < 1))
        return aek_error(AEK_ERR_ARG, "momentum must be in [0, 1) (got %g)", o->momentum);
    if (o->kind == AEK_OPT_ADAM &&
        !(o->beta1 >= 0 && o->beta1 < 1 && o->beta2 >= 0 && o->beta2 < 1 && o->eps > 0))
        return aek_error(AEK_ERR_ARG, "Adam needs beta1, beta2 in [0, 1) and eps > 0");
    if (o->kind < AEK_OPT_SGD || o->kind > AEK_OPT_ADAM)
        return aek_error(AEK_ERR_ARG, "unknown optimizer %d", (int)o->kind);
    return AEK_OK;
}

/* A resumed state is checked like a fresh configuration: a checkpoint with
 * a valid checksum could hold lr = -1 (training uphill), eps = 0 or a batch
 * position past the epoch's end.  Only the last batch of an epoch can be
 * short, and a stop comes before it, so the rows done are whole batches. */
static aek_status check_resumed(const aek_train_state *st, size_t rows)
{
    const char *bad = "the checkpoint's training state is inconsistent";
    aek_status s = check_opt(&st->opt);
    if (s != AEK_OK)
        return aek_error_prefix(AEK_ERR_FORMAT, bad);
    size_t nb = (rows + st->batch - 1) / st->batch;
    if (st->next_batch >= nb)
        return aek_error(AEK_ERR_FORMAT, "%s: batch position %zu, but an epoch of %zu rows has "
                         "%zu batches of %zu", bad, st->next_batch, rows, nb, st->batch);
    if (st->rows_done != st->next_batch * st->batch)
        return aek_error(AEK_ERR_FORMAT, "%s: %zu rows done, but %zu batches of %zu are %zu rows",
                         bad, st->rows_done, st->next_batch, st->batch,
                         st->next_batch * st->batch);
    if (!isfinite(st->loss_sum) || !isfinite(st->recon_sum))
        return aek_error(AEK_ERR_FORMAT, "%s: the running loss sums (%g, %g) are not finite", bad,
                         st->loss_sum, st->recon_sum);
    return AEK_OK;
}

/* ---- one phase: epochs of mini-batch training of one model --------------- */

typedef struct {
    aek_model *M;
    const float *X;
    size_t rows;
    const aek_train_config *tc;
    aek_train_state *st;
    int phase;          /* −1 main model, l ≥ 0 pretraining layer l */
    int checkpointing;  /* this phase writes tc->checkpoint          */
    int resumed;        /* the state came from a checkpoint          */
    int saved_epoch;    /* epochs done in the last checkpoint this run wrote (−1: none) */
    float *xb;          /* batch × n gather buffer                   */
    size_t *perm, *brows;
    int batches_this_run;
} phase_run;

static aek_status state_alloc_moments(aek_train_state *st, size_t nparams)
{
    if (st->opt.kind == AEK_OPT_SGD || st->m1)
        return AEK_OK;
    st->m1 = calloc(nparams, sizeof(float));
    st->m2 = st->opt.kind == AEK_OPT_ADAM ? calloc(nparams, sizeof(float)) : NULL;
    if (!st->m1 || (st->opt.kind == AEK_OPT_ADAM && !st->m2))
        return aek_error(AEK_ERR_NOMEM, "out of memory for the optimizer state");
    return AEK_OK;
}

/* The learning rate of step t (0-based) of T: constant, or cosine decay
 *   lr_t = lr_final + ½(lr − lr_final)(1 + cos(π·t/T)). */
double aek_lr_at(const aek_opt_config *o, uint64_t t, uint64_t T)
{
    if (!(o->lr_final > 0) || T == 0)
        return o->lr;
    double x = (double)t / (double)T;
    return o->lr_final + 0.5 * (o->lr - o->lr_final) * (1 + cos(3.14159265358979323846 * x));
}

/* The momentum or Adam step number st->step (1-based), tensor by tensor
 * (the padding between tensors stays zero).  Not one call over the whole
 * block: split by tensor, each thread updates the rows of each tensor that
 * its part of the gradient GEMM wrote, instead of lines last written by the
 * other core (aek_model_sgd_step); element-wise, so the same bits. */
static void opt_step(aek_model *M, const aek_train_state *st, double lr)
{
    const aek_opt_config *o = &st->opt;
    double t = (double)st->step;
    /* the bias corrections of the betas the kernels use: 0.999 is
     * 0.99900001 as a float, its 1 − β2 0.0013% off, which made Adam's
     * first step lr·(1 + 6.4e-6) instead of at most lr (test_train_rules) */
    const double b1 = (real)o->beta1, b2 = (real)o->beta2;
    double c2 = sqrt(1 - pow(b2, t)), c1 = 1 - pow(b1, t);
    for (size_t i = 0; i < M->ntensors; i++) {
        const aek_tensor *T = &M->tensors[i];
        const size_t off = T->offset, n = T->rows * T->cols;
        if (o->kind == AEK_OPT_MOMENTUM)
            be_sgd(n, M->params + off, M->grads + off, st->m1 + off, (real)lr, (real)o->momentum);
        else if (o->kind == AEK_OPT_ADAM)
            be_adam(n, M->params + off, M->grads + off, st->m1 + off, st->m2 + off,
                    (real)(lr * c2 / c1), (real)o->beta1, (real)o->beta2, (real)(o->eps * c2));
    }
}

/* The loss of a batch and, when it is finite, the optimizer's step.  Plain
 * SGD is the step of aek_model_sgd_step (fused into the gradient GEMMs); the
 * others follow the gradient. */
static double train_step(aek_model *M, aek_train_state *st, const float *xb, size_t mb,
                         const aek_noise_key *key, uint64_t total_steps)
{
    const double lr = aek_lr_at(&st->opt, st->step, total_steps);
    const int sgd = st->opt.kind == AEK_OPT_SGD;
    double loss = sgd ? aek_model_sgd_step(M, xb, mb, key, (real)lr)
                      : aek_model_eval(M, xb, mb, key, 1);
    if (!isfinite(loss))
        return loss;
    st->step++;
    if (!sgd)
        opt_step(M, st, lr);
    return loss;
}

/* perm = identity, or the Fisher–Yates shuffle of (seed, epoch). */
void aek_epoch_order(size_t *perm, size_t n, uint64_t seed, int epoch, int shuffle)
{
    if (shuffle) {
        aek_rng_permutation(perm, n, seed ^ 0x5368756666ull, (uint64_t)epoch);
        return;
    }
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
}

static void fmt_hms(double s, char *buf, size_t len)
{
    if (!(s >= 0) || s > 1e7)
        s = 0;
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

static void progress_line(const phase_run *R, int epoch, size_t b, size_t nb, double loss,
                          double t_epoch0, size_t rows_epoch)
{
    FILE *f = R->tc->progress;
    double el = now_s() - t_epoch0;
    double rate = el > 0 ? (double)rows_epoch / el : 0;
    double left = rate > 0 ? (double)(R->rows - rows_epoch) / rate +
                                 (double)(R->st->epochs - epoch - 1) * (double)R->rows / rate
                           : 0;
    char eta[32];
    fmt_hms(left, eta, sizeof eta);
    char ph[32] = "";
    if (R->phase >= 0)
        snprintf(ph, sizeof ph, "pretrain layer %d ", R->phase + 1);
    fprintf(f, "\r%sepoch %d/%d  batch %zu/%zu  loss %.5g  %.0f samples/s  ETA %s   ", ph, epoch + 1,
            R->st->epochs, b, nb, loss, rate, eta);
    fflush(f);
}

/* k of the epoch under the k-sparse schedule:
 *   k_e = round(k₀ + (k − k₀)·e/E) for e < E, then k. */
static size_t ksparse_of_epoch(const aek_train_state *st, int e)
{
    if (st->ksparse_anneal <= 0 || e >= st->ksparse_anneal)
        return st->ksparse_target;
    double k0 = (double)st->ksparse_start, k = (double)st->ksparse_target;
    return (size_t)llround(k0 + (k - k0) * (double)e / (double)st->ksparse_anneal);
}

static aek_status save_checkpoint(phase_run *R)
{
    /* the file keeps the model's own k; the schedule is in the state */
    size_t k_now = R->M->cfg.ksparse_k;
    if (R->st->ksparse_target)
        R->M->cfg.ksparse_k = R->st->ksparse_target;
    aek_status s = aek_model_save(R->tc->checkpoint, R->M, R->tc->prep, R->st);
    R->M->cfg.ksparse_k = k_now;
    if (s == AEK_OK)
        R->saved_epoch = R->st->epoch;
    return s == AEK_OK ? s : aek_error_prefix(s, "cannot write the checkpoint");
}

/* What is on disk when training stops on a fault (for the message). */
static void saved_note(const phase_run *R, char *buf, size_t len)
{
    if (!R->checkpointing || !R->tc->checkpoint)
        snprintf(buf, len, "%s", R->phase >= 0 ? " (pretraining writes no checkpoint)" : "");
    else if (R->saved_epoch >= 0)
        snprintf(buf, len, ", the last good checkpoint is %s (written after epoch %d)",
                 R->tc->checkpoint, R->saved_epoch);
    else if (R->resumed)
        snprintf(buf, len, "; no checkpoint written in this run: the one it resumed from is "
                 "unchanged");
    else
        snprintf(buf, len, "; no checkpoint had been written yet");
}

/* A state is written to a checkpoint (or handed back) only if it is good:
 * every parameter and optimizer moment finite, and the loss of the batch
 * just trained (still in xb), re-evaluated at the new parameters, finite.
 * A step taken from a finite loss can still overflow the weights, or make
 * them NaN where a ReLU hides it from the loss; such a state must never
 * replace the last good checkpoint (before this check it did: the
 * checkpoint then failed to load, or its loss was Inf; see
 * verify/steps/train_faults.sh).  The extra forward pass changes no
 * parameter, moment or gradient, so training gives the same bits with it. */
static aek_status check_state(phase_run *R, size_t mb, size_t b, size_t nb)
{
    aek_model *M = R->M;
    const aek_train_state *st = R->st;
    const float *block[3] = {M->params, st->m1, st->m2};
    static const char *const what[3] = {"a parameter", "an optimizer moment",
                                        "an optimizer second moment"};
    const char *bad = NULL, *tensor = "";
    for (int k = 0; k < 3 && !bad; k++)
        for (size_t i = 0; block[k] && i < M->nparams; i++)
            if (!isfinite(block[k][i])) {
                bad = what[k];
                for (size_t t = 0; t < M->ntensors; t++)
                    if (i >= M->tensors[t].offset)
                        tensor = M->tensors[t].name;
                break;
            }
    double loss = 0;
    if (!bad && mb > 0) {
        aek_noise_key key = {st->seed, (uint64_t)st->epoch, R->brows};
        loss = aek_model_eval(M, R->xb, mb, &key, 0);
    }
    if (!bad && isfinite(loss))
        return AEK_OK;
    char note[512];
    saved_note(R, note, sizeof note);
    if (bad)
        return aek_error(AEK_ERR_NUMERIC,
                         "%s of %s became NaN/Inf in the step of %sepoch %d, batch %zu of %zu; "
                         "training stopped%s (try a smaller learning rate)",
                         bad, tensor, R->phase >= 0 ? "pretraining, " : "", st->epoch + 1, b, nb,
                         note);
    return aek_error(AEK_ERR_NUMERIC,
                     "the loss became %s after the step of %sepoch %d, batch %zu of %zu (that "
                     "batch again at the new parameters); training stopped%s (try a smaller "
                     "learning rate)",
                     isnan(loss) ? "NaN" : "infinite", R->phase >= 0 ? "pretraining, " : "",
                     st->epoch + 1, b, nb, note);
}

static aek_status run_phase(phase_run *R)
{
    aek_model *M = R->M;
    aek_train_state *st = R->st;
    const aek_train_config *tc = R->tc;
    const size_t n = M->cfg.sizes[0], B = st->batch;
    const size_t nb = (R->rows + B - 1) / B;
    int live = tc->progress && isatty(fileno(tc->progress));

    for (; st->epoch < st->epochs; st->epoch++) {
        aek_epoch_order(R->perm, R->rows, st->seed, st->epoch, st->shuffle);
        if (st->ksparse_target)
            M->cfg.ksparse_k = ksparse_of_epoch(st, st->epoch);
        double t0 = now_s(), t_last = 0;
        size_t rows_run = 0, last_mb = 0; /* rows of the batch in xb (0: none yet) */
        for (size_t b = st->next_batch; b < nb; b++) {
            if ((tc->stop && *tc->stop) ||
                (tc->stop_after_batches && R->batches_this_run >= tc->stop_after_batches)) {
                if (live)
                    fputc('\n', tc->progress);
                if (R->checkpointing && tc->checkpoint) {
                    aek_status s = check_state(R, last_mb, b, nb);
                    if (s == AEK_OK)
                        s = save_checkpoint(R);
                    if (s != AEK_OK)
                        return s;
                    return aek_error(AEK_ERR_INTERRUPTED,
                                     "stopped in epoch %d after %zu of %zu batches; checkpoint "
                                     "saved to %s",
                                     st->epoch + 1, b, nb, tc->checkpoint);
                }
                if (R->phase >= 0)
                    return aek_error(AEK_ERR_INTERRUPTED,
                                     "stopped during layer-wise pretraining (layer %d, epoch %d); "
                                     "checkpoints start with fine-tuning, so nothing was saved",
                                     R->phase + 1, st->epoch + 1);
                return aek_error(AEK_ERR_INTERRUPTED, "stopped in epoch %d after %zu of %zu batches "
                                 "(no checkpoint path: nothing saved)", st->epoch + 1, b, nb);
            }
            size_t r0 = b * B, mb = R->rows - r0 < B ? R->rows - r0 : B;
            for (size_t i = 0; i < mb; i++)
                R->brows[i] = R->perm[r0 + i];
            gather_rows(R->xb, R->X, R->brows, mb, n);
            aek_noise_key key = {st->seed, (uint64_t)st->epoch, R->brows};
            double loss = train_step(M, st, R->xb, mb, &key, (uint64_t)st->epochs * nb);
            if (!isfinite(loss)) {
                char note[512];
                saved_note(R, note, sizeof note);
                return aek_error(AEK_ERR_NUMERIC,
                                 "the loss became %s in %sepoch %d, batch %zu of %zu; training "
                                 "stopped%s (try a smaller learning rate)",
                                 isnan(loss) ? "NaN" : "infinite",
                                 R->phase >= 0 ? "pretraining, " : "", st->epoch + 1, b + 1, nb,
                                 note);
            }
            last_mb = mb;
            st->loss_sum += loss * (double)mb;
            st->recon_sum += M->loss_recon * (double)mb;
            st->rows_done += mb;
            st->next_batch = b + 1;
            rows_run += mb;
            R->batches_this_run++;
            if (live && now_s() - t_last > 0.25) {
                t_last = now_s();
                progress_line(R, st->epoch, b + 1, nb, st->loss_sum / (double)st->rows_done, t0,
                              rows_run);
            }
        }
        /* every phase, checkpointing or not: a bad state stops here, in the
         * epoch that made it, before it is saved or fed to the next phase */
        aek_status cs = check_state(R, last_mb, nb, nb);
        if (cs != AEK_OK)
            return cs;
        aek_epoch_stats es = {R->phase, st->epoch + 1, st->epochs,
                              st->loss_sum / (double)st->rows_done,
                              st->recon_sum / (double)st->rows_done, now_s() - t0, rows_run,
                              NAN, NAN};
        /* a non-finite validation loss is reported, not an error: the
         * training data, which the steps use, are still fine */
        if (R->phase < 0 && tc->val_x)
            (void)aek_eval_dataset(M, tc->val_x, tc->val_rows, 0, &es.val_recon, &es.val_loss);
        st->next_batch = 0;
        st->loss_sum = st->recon_sum = 0;
        st->rows_done = 0;
        if (tc->progress) {
            char ph[32] = "";
            if (R->phase >= 0)
                snprintf(ph, sizeof ph, "pretrain layer %d ", R->phase + 1);
            char val[64] = "";
            if (R->phase < 0 && tc->val_x)
                snprintf(val, sizeof val, "  val %.6g", es.val_loss);
            fprintf(tc->progress,
                    "%s%sepoch %d/%d  loss %.6g  recon %.6g%s  %.2f s  %.0f samples/s\n",
                    live ? "\r" : "", ph, es.epoch, es.epochs, es.loss, es.recon, val,
                    es.seconds, es.seconds > 0 ? (double)es.rows / es.seconds : 0);
            fflush(tc->progress);
        }
        if (tc->on_epoch)
            tc->on_epoch(tc->on_epoch_ctx, &es);
        if (R->checkpointing && tc->checkpoint) {
            st->epoch++; /* the checkpoint records this epoch as done */
            aek_status s = save_checkpoint(R);
            st->epoch--;
            if (s != AEK_OK)
                return s;
        }
    }
    return AEK_OK;
}

static aek_status phase_alloc(phase_run *R, size_t n)
{
    R->xb = aligned_alloc(64, ((R->st->batch * n * sizeof(float)) + 63) / 64 * 64);
    R->perm = malloc(R->rows * sizeof(size_t));
    R->brows = malloc(R->st->batch * sizeof(size_t));
    if (!R->xb || !R->perm || !R->brows)
        return aek_error(AEK_ERR_NOMEM, "out of memory for the training buffers");
    return AEK_OK;
}

static void phase_free(phase_run *R)
{
    free(R->xb);
    free(R->perm);
    free(R->brows);
}

/* ---- stacked pretraining ---------------------------------------------------- */

/* The one-layer AE that pretrains layer l of cfg. */
static aek_config layer_config(const aek_config *cfg, int l)
{
    aek_config c = *cfg;
    c.n_layers = 1;
    c.sizes[0] = cfg->sizes[l];
    c.sizes[1] = cfg->sizes[l + 1];
    c.act[0] = cfg->act[l];
    if (l > 0) {
        /* reconstruct the codes of the layer below in their own range */
        aek_act below = cfg->act[l - 1];
        c.out_act = below == AEK_ACT_RELU ? AEK_ACT_IDENTITY : below;
        c.loss = below == AEK_ACT_SIGMOID && cfg->loss == AEK_LOSS_BCE ? AEK_LOSS_BCE : AEK_LOSS_MSE;
    }
    if (l < cfg->n_layers - 1) { /* code-layer choices belong to the top layer */
        c.sparse_beta = 0;
        c.ksparse_k = 0;
    }
    if (c.sparse_beta > 0 && c.act[0] != AEK_ACT_SIGMOID)
        c.sparse_beta = 0;
    return c;
}

static aek_status pretrain(aek_model *M, const float *X, size_t rows, const aek_train_config *tc,
                           const aek_config *full)
{
    const aek_config *cfg = full;
    float *in = (float *)X, *next = NULL;
    aek_status s = AEK_OK;
    for (int l = 0; l < cfg->n_layers && s == AEK_OK; l++) {
        aek_config lc = layer_config(cfg, l);
        aek_model *A = NULL;
        s = aek_model_create(&lc, tc->batch, tc->seed + 1000u * (uint64_t)(l + 1), &A);
        if (s != AEK_OK)
            break;
        aek_train_state st;
        memset(&st, 0, sizeof st);
        st.opt = tc->opt;
        st.seed = tc->seed + 7919u * (uint64_t)(l + 1);
        st.batch = tc->batch;
        st.epochs = tc->pretrain_epochs;
        st.shuffle = tc->shuffle;
        phase_run R = {.M = A, .X = in, .rows = rows, .tc = tc, .st = &st, .phase = l,
                       .saved_epoch = -1};
        s = state_alloc_moments(&st, A->nparams);
        if (s == AEK_OK)
            s = phase_alloc(&R, lc.sizes[0]);
        if (s == AEK_OK)
            s = run_phase(&R);
        phase_free(&R);
        aek_train_state_free(&st);
        if (s == AEK_OK) {
            size_t a = lc.sizes[0], k = lc.sizes[1];
            memcpy(M->W[l], A->W[0], k * a * sizeof(float));
            memcpy(M->b[l], A->b[0], k * sizeof(float));
            if (!cfg->tied)
                memcpy(M->Wd[l], A->Wd[0], a * k * sizeof(float));
            memcpy(M->c[l], A->c[0], a * sizeof(float));
            if (l + 1 < cfg->n_layers) { /* clean codes feed the next layer */
                next = aligned_alloc(64, (rows * k * sizeof(float) + 63) / 64 * 64);
                if (!next)
                    s = aek_error(AEK_ERR_NOMEM, "out of memory for the codes of layer %d", l + 1);
                else
                    aek_model_encode(A, in, rows, next);
                if (in != X)
                    free(in);
                in = next;
            }
        }
        aek_model_free(A);
    }
    if (in != X)
        free(in);
    return s;
}

/* ---- entry points ------------------------------------------------------------ */

aek_status aek_train(aek_model *M, const float *X, size_t rows, const aek_train_config *tc,
                     aek_train_state *resume)
{
    const size_t n = M->cfg.sizes[0];
    if (rows == 0)
        return aek_error(AEK_ERR_ARG, "no training data (0 rows)");
    size_t batch = resume ? resume->batch : tc->batch;
    if (batch < 1 || batch > M->max_batch)
        return aek_error(AEK_ERR_ARG, "batch size %zu is not in 1..%zu (the model's maximum)",
                         batch, M->max_batch);
    if (tc->epochs < 0 || tc->pretrain_epochs < 0)
        return aek_error(AEK_ERR_ARG, "epochs must be >= 0");
    /* a resumed run uses the checkpoint's optimizer, checked below */
    aek_status s = resume ? AEK_OK : check_opt(&tc->opt);
    if (s != AEK_OK)
        return s;
    if ((s = aek_check_targets(M, X, rows)) != AEK_OK)
        return s;
    if (tc->val_x && tc->val_rows == 0)
        return aek_error(AEK_ERR_ARG, "no validation data (0 rows)");
    if (tc->val_x && (s = aek_check_targets(M, tc->val_x, tc->val_rows)) != AEK_OK) {
        char why[512]; /* a copy: aek_error must not read the buffer it writes */
        snprintf(why, sizeof why, "%s", aek_last_error());
        return aek_error(s, "validation data: %s", why);
    }

    aek_train_state own;
    aek_train_state *st = resume;
    /* the fingerprint only goes into checkpoints (one pass over the data:
     * ~50 ms for Fashion-MNIST, as long as a tenth of an epoch) */
    uint64_t crc = resume || tc->checkpoint ? aek_data_fingerprint(X, rows, n) : 0;
    if (resume) {
        if (resume->data_rows != rows || resume->data_cols != n || resume->data_crc != crc)
            return aek_error(AEK_ERR_SHAPE,
                             "the checkpoint was trained on other data (%zu x %zu, fingerprint "
                             "%016llx); this data is %zu x %zu, fingerprint %016llx",
                             resume->data_rows, resume->data_cols,
                             (unsigned long long)resume->data_crc, rows, n, (unsigned long long)crc);
        if ((s = check_resumed(resume, rows)) != AEK_OK)
            return s;
        if (strcmp(resume->isa, aek_kernels()->name) != 0 && tc->progress)
            fprintf(tc->progress,
                    "aekit: warning: the checkpoint was written by the %s kernel set, this run "
                    "uses %s: training continues, but not with the same bits\n",
                    resume->isa, aek_kernels()->name);
    } else {
        memset(&own, 0, sizeof own);
        st = &own;
        st->opt = tc->opt;
        st->seed = tc->seed;
        st->batch = tc->batch;
        st->epochs = tc->epochs;
        st->shuffle = tc->shuffle;
        st->ksparse_target = M->cfg.ksparse_k;
        st->ksparse_start = tc->ksparse_start ? tc->ksparse_start : M->cfg.ksparse_k;
        st->ksparse_anneal = tc->ksparse_anneal_epochs;
        if (tc->ksparse_anneal_epochs > 0 &&
            (!M->cfg.ksparse_k || st->ksparse_start < M->cfg.ksparse_k ||
             st->ksparse_start > M->cfg.sizes[M->L]))
            return aek_error(AEK_ERR_ARG,
                             "the k-sparse schedule needs a k-sparse model and a start k in "
                             "%zu..%zu (got %zu)",
                             M->cfg.ksparse_k, M->cfg.sizes[M->L], st->ksparse_start);
        st->data_rows = rows;
        st->data_cols = n;
        st->data_crc = crc;
        if (tc->pretrain_epochs > 0 && M->cfg.n_layers > 0) {
            s = pretrain(M, X, rows, tc, tc->pretrain_cfg ? tc->pretrain_cfg : &M->cfg);
            if (s != AEK_OK)
                return s;
        }
    }
    snprintf(st->isa, sizeof st->isa, "%s", aek_kernels()->name);
    s = state_alloc_moments(st, M->nparams);
    phase_run R = {.M = M, .X = X, .rows = rows, .tc = tc, .st = st, .phase = -1,
                   .checkpointing = 1, .resumed = resume != NULL, .saved_epoch = -1};
    if (s == AEK_OK)
        s = phase_alloc(&R, n);
    if (s == AEK_OK)
        s = run_phase(&R);
    /* the model leaves with its own k, as a checkpoint stores it: a run that
     * ends inside the k-sparse schedule (epochs < its anneal epochs) had left
     * the last epoch's k in it, and `aekit train` saved that model */
    if (st->ksparse_target)
        M->cfg.ksparse_k = st->ksparse_target;
    phase_free(&R);
    if (st == &own)
        aek_train_state_free(&own);
    return s;
}

aek_status aek_check_targets(const aek_model *M, const float *X, size_t rows)
{
    const size_t n = M->cfg.sizes[0];
    if (M->cfg.loss == AEK_LOSS_BCE) {
        const size_t i = aek_first_outside(X, rows * n, 0.0f, 1.0f);
        if (i < rows * n)
            return aek_error(AEK_ERR_ARG,
                             "cross-entropy needs targets in [0, 1]; row %zu, column %zu is %g "
                             "(scale the data, or use MSE)",
                             i / n, i % n, (double)X[i]);
    }
    return AEK_OK;
}

aek_status aek_eval_dataset(aek_model *M, const float *X, size_t rows, int noisy, double *recon,
                            double *total)
{
    if (rows == 0)
        return aek_error(AEK_ERR_ARG, "no data to evaluate (0 rows)");
    /* a cross-entropy of targets outside [0, 1] is no loss (it can be
     * negative): refused as training refuses it */
    aek_status s = aek_check_targets(M, X, rows);
    if (s != AEK_OK)
        return s;
    aek_noise keep_noise = M->cfg.noise;
    if (!noisy)
        M->cfg.noise = AEK_NOISE_NONE;
    double r = 0, t = 0;
    for (size_t r0 = 0; r0 < rows; r0 += M->max_batch) {
        size_t mb = rows - r0 < M->max_batch ? rows - r0 : M->max_batch;
        double l = aek_model_eval(M, X + r0 * M->cfg.sizes[0], mb, NULL, 0);
        t += l * (double)mb;
        r += M->loss_recon * (double)mb;
    }
    M->cfg.noise = keep_noise;
    *recon = r / (double)rows;
    *total = t / (double)rows;
    if (!isfinite(*total))
        return aek_error(AEK_ERR_NUMERIC, "the loss on this data is not finite");
    return AEK_OK;
}
