/*
 * cmd_train.c — `aekit train`: every variant from flags, on a file or the
 * synthetic data; writes the model atomically, checkpoints every epoch, saves
 * and stops cleanly on SIGINT/SIGTERM, resumes with the same bits.
 */
#define _GNU_SOURCE
#include "cli.h"
#include "data_opts.h"
#include "files.h"
#include "flags.h"
#include "../src/checkpoint.h"
#include "../src/preproc.h"
#include "../src/train.h"
#include "../simd/kernels.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t g_stop;
static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static const char *const ACTS[] = {"linear", "sigmoid", "tanh", "relu", NULL};
/* indices are the aek_act values; relu is not an output activation */
static const char *const OUT_ACTS[] = {"linear", "sigmoid", "tanh", NULL};
static const char *const LOSSES[] = {"mse", "bce", NULL};
static const char *const NOISES[] = {"none", "mask", "gauss", NULL};
static const char *const OPTS[] = {"sgd", "momentum", "adam", NULL};
static const char *const SCALES[] = {"auto", "none", "unit", "minmax", NULL};

/* --history: one row per epoch; with --val-data two more columns (nan in
 * pretraining rows, which have no validation loss). */
typedef struct {
    cli_staged h;
    int val;
} history;

static const char HIST_HEADER[] = "phase,epoch,loss,recon,seconds,rows";
static const char HIST_VAL[] = ",val_loss,val_recon";

static void on_epoch(void *ctx, const aek_epoch_stats *s)
{
    history *hi = ctx;
    if (!hi->h.f)
        return;
    fprintf(hi->h.f, "%d,%d,%.9g,%.9g,%.6f,%zu", s->phase, s->epoch, s->loss, s->recon,
            s->seconds, s->rows);
    if (hi->val)
        fprintf(hi->h.f, ",%.9g,%.9g", s->val_loss, s->val_recon);
    fputc('\n', hi->h.f);
}

/* A resumed run appends to the history it continues: its columns must be the
 * ones this run writes (with or without --val-data). */
static int check_history_columns(const char *path, int val)
{
    char want[128], got[256] = "";
    snprintf(want, sizeof want, "%s%s", HIST_HEADER, val ? HIST_VAL : "");
    FILE *fp = fopen(path, "r");
    if (!fp) {
        fprintf(stderr, "aekit train: --history %s: %s\n", path, strerror(errno));
        return 1;
    }
    int ok = fgets(got, sizeof got, fp) != NULL;
    fclose(fp);
    got[strcspn(got, "\r\n")] = '\0';
    if (ok && !strcmp(got, want))
        return 0;
    fprintf(stderr, "aekit train: --history %s starts with '%s', not this run's columns '%s' (a "
            "resumed run appends to the history it continues: give --val-data exactly when that "
            "run did, or a new --history)\n", path, got, want);
    return 2;
}

static int parse_acts(const char *s, aek_act *out, int n)
{
    /* one name for every layer, or one per layer; an empty entry is an error
     * as it is in --hidden (strtok skipped it, so "sigmoid,,tanh" passed) */
    int count = 0;
    for (const char *p = s;; p++) {
        size_t len = strcspn(p, ",");
        int found = -1;
        for (int a = 0; ACTS[a]; a++)
            if (strlen(ACTS[a]) == len && !strncmp(p, ACTS[a], len))
                found = a;
        if (len == 0) {
            fprintf(stderr, "aekit train: --act: '%s' has an empty entry (names separated by single "
                    "commas)\n", s);
            return -1;
        }
        if (found < 0) {
            fprintf(stderr, "aekit train: --act: '%.*s' is not linear, sigmoid, tanh or relu\n",
                    (int)len, p);
            return -1;
        }
        if (count == AEK_MAX_LAYERS) {
            fprintf(stderr, "aekit train: --act: more than %d activations\n", AEK_MAX_LAYERS);
            return -1;
        }
        out[count++] = (aek_act)found;
        p += len;
        if (!*p)
            break;
    }
    if (count == 1)
        for (int l = 1; l < n; l++)
            out[l] = out[0];
    else if (count != n) {
        fprintf(stderr, "aekit train: --act lists %d activations for %d encoder layers\n", count, n);
        return -1;
    }
    return 0;
}

/* A flag that tunes a feature which is off changes nothing; before, it was
 * accepted and silently ignored (--pretrain-epochs with one layer,
 * --ksparse-alpha without --ksparse, --sparse-rho without --sparse-beta,
 * --noise-level without --noise, the CAE+H settings without its gamma,
 * --momentum without the momentum optimizer, Adam's settings without Adam).
 * Message naming the flag it needs, non-zero. */
static int check_no_effect(const flag *f, size_t nf, int L, size_t ksparse, double beta,
                           aek_noise noise, double gamma, int optk)
{
    const struct {
        const char *name;
        int off;
        const char *needs;
    } rules[] = {
        {"pretrain-epochs", L == 1, "a stacked model: --hidden with two or more layers (e.g. 256,64)"},
        {"ksparse-alpha", ksparse == 0, "--ksparse K"},
        {"sparse-rho", beta == 0, "--sparse-beta > 0 (the KL sparsity penalty)"},
        {"noise-level", noise == AEK_NOISE_NONE, "--noise mask or --noise gauss"},
        {"cae-h-sigma", gamma == 0, "--cae-h-gamma > 0 (the CAE+H penalty)"},
        {"cae-h-copies", gamma == 0, "--cae-h-gamma > 0 (the CAE+H penalty)"},
        /* src/train.c reads mu only for momentum, beta1/beta2/eps only for Adam */
        {"momentum", optk != AEK_OPT_MOMENTUM, "--optimizer momentum"},
        {"beta1", optk != AEK_OPT_ADAM, "--optimizer adam"},
        {"beta2", optk != AEK_OPT_ADAM, "--optimizer adam"},
        {"eps", optk != AEK_OPT_ADAM, "--optimizer adam"},
    };
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        if (rules[i].off && flags_find(f, nf, rules[i].name)->seen) {
            fprintf(stderr, "aekit train: --%s has no effect without %s\n", rules[i].name,
                    rules[i].needs);
            return 1;
        }
    return 0;
}

int cmd_train(int argc, char **argv)
{
    data_opts d = data_opts_default();
    const char *hidden = "256", *acts = "sigmoid", *out = "model.aek", *ckpt = NULL,
               *resume = NULL, *hist_path = NULL, *val_path = NULL;
    int out_act = 1, loss = 0, tied = 0, noise = 0, optk = 2, scale = 0, center = 0, stdz = 0;
    int quiet = 0, no_ckpt = 0, stop_after = 0, no_shuffle = 0, epochs = 10, pre_epochs = 0, threads = 0, copies = 1;
    double l2 = 0, noise_level = 0.25, rho = 0.05, beta = 0, kalpha = 1, contr = 0, gamma = 0,
           hsigma = 0.1;
    double lr = 1e-3, lr_final = 0, mom = 0.9, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    size_t ksparse = 0, kstart = 0, batch = 128;
    int kanneal = 0;
    uint64_t seed = 1;
    flag f[] = {
        DATA_FLAGS(d),
        {"val-data", FLAG_STRING, &val_path, "held-out data (a file, as --data): the loss on clean inputs after every epoch, scaled as the training data (progress line, --history); not timed, no effect on the model", 0, 0, NULL, 0},
        {"scale", FLAG_CHOICE, &scale, "input scaling: auto = /255 for uint8 data; unit = /255 for uint8, min-max for float data; minmax = into [0, 1] by the overall min and max", 0, 0, SCALES, 0},
        {"center", FLAG_BOOL, &center, "subtract column means", 0, 0, NULL, 0},
        {"standardize", FLAG_BOOL, &stdz, "center and divide by column std", 0, 0, NULL, 0},
        {"hidden", FLAG_STRING, &hidden, "encoder layer sizes, input to code: e.g. 256 or 1000,500,250,30", 0, 0, NULL, 0},
        {"act", FLAG_STRING, &acts, "encoder activation(s): one, or one per layer", 0, 0, NULL, 0},
        {"out-act", FLAG_CHOICE, &out_act, "decoder output activation", 0, 0, OUT_ACTS, 0},
        {"loss", FLAG_CHOICE, &loss, "reconstruction loss", 0, 0, LOSSES, 0},
        {"tied", FLAG_BOOL, &tied, "tie decoder weights to the encoder (W* = W^T)", 0, 0, NULL, 0},
        {"l2", FLAG_DOUBLE, &l2, "L2 weight decay lambda (on every weight matrix)", 0, 1e6, NULL, 0},
        {"noise", FLAG_CHOICE, &noise, "input corruption (denoising AE)", 0, 0, NOISES, 0},
        {"noise-level", FLAG_DOUBLE, &noise_level, "masking probability q, or Gaussian sigma", 0, 1e6, NULL, 0},
        {"sparse-rho", FLAG_DOUBLE, &rho, "KL sparsity target rho", 0, 1, NULL, 0},
        {"sparse-beta", FLAG_DOUBLE, &beta, "KL sparsity weight beta (0: off)", 0, 1e6, NULL, 0},
        {"ksparse", FLAG_SIZE, &ksparse, "k-sparse: keep the k largest code units (0: off)", 0, 1e7, NULL, 0},
        {"ksparse-alpha", FLAG_DOUBLE, &kalpha, "k-sparse: encode with alpha*k units", 1, 1e6, NULL, 0},
        {"ksparse-start", FLAG_SIZE, &kstart, "k-sparse: start training with this k (>= --ksparse; 0: --ksparse) ...", 0, 1e7, NULL, 0},
        {"ksparse-anneal-epochs", FLAG_INT, &kanneal, "... and lower it linearly to --ksparse over these epochs", 0, 1e6, NULL, 0},
        {"contractive", FLAG_DOUBLE, &contr, "contractive penalty lambda (0: off)", 0, 1e6, NULL, 0},
        {"cae-h-gamma", FLAG_DOUBLE, &gamma, "CAE+H Jacobian-difference weight gamma (0: off)", 0, 1e6, NULL, 0},
        {"cae-h-sigma", FLAG_DOUBLE, &hsigma, "CAE+H corruption sigma", 1e-12, 1e6, NULL, 0},
        {"cae-h-copies", FLAG_INT, &copies, "CAE+H corrupted copies per sample", 1, 64, NULL, 0},
        {"pretrain-epochs", FLAG_INT, &pre_epochs, "greedy layer-wise pretraining epochs per layer", 0, 1e6, NULL, 0},
        {"optimizer", FLAG_CHOICE, &optk, "optimizer", 0, 0, OPTS, 0},
        {"lr", FLAG_DOUBLE, &lr, "learning rate", 1e-12, 1e6, NULL, 0},
        {"lr-final", FLAG_DOUBLE, &lr_final, "cosine-decay the learning rate to this over the run (0: constant)", 0, 1e6, NULL, 0},
        {"momentum", FLAG_DOUBLE, &mom, "momentum mu", 0, 0.999999, NULL, 0},
        {"beta1", FLAG_DOUBLE, &b1, "Adam beta1", 0, 0.999999, NULL, 0},
        {"beta2", FLAG_DOUBLE, &b2, "Adam beta2", 0, 0.999999999, NULL, 0},
        {"eps", FLAG_DOUBLE, &eps, "Adam epsilon", 1e-30, 1, NULL, 0},
        {"epochs", FLAG_INT, &epochs, "training (fine-tuning) epochs", 0, 1e6, NULL, 0},
        {"batch", FLAG_SIZE, &batch, "mini-batch size", 1, 1 << 20, NULL, 0},
        {"seed", FLAG_U64, &seed, "seed of initialisation, shuffling and noise", 0, 0, NULL, 0},
        {"no-shuffle", FLAG_BOOL, &no_shuffle, "keep the data order every epoch", 0, 0, NULL, 0},
        {"threads", FLAG_INT, &threads, "worker threads (default: AEKIT_NUM_THREADS or all CPUs)", 1, 256, NULL, 0},
        {"out", FLAG_STRING, &out, "where to write the trained model", 0, 0, NULL, 0},
        {"checkpoint", FLAG_STRING, &ckpt, "checkpoint written every epoch and on a stop (default OUT.ckpt)", 0, 0, NULL, 0},
        {"no-checkpoint", FLAG_BOOL, &no_ckpt, "write no checkpoints (a stop then saves nothing)", 0, 0, NULL, 0},
        {"resume", FLAG_STRING, &resume, "continue training from a checkpoint (same data)", 0, 0, NULL, 0},
        {"history", FLAG_STRING, &hist_path, "write per-epoch losses as CSV", 0, 0, NULL, 0},
        {"quiet", FLAG_BOOL, &quiet, "no progress output", 0, 0, NULL, 0},
        {"stop-after-batches", FLAG_INT, &stop_after, "testing: stop as if interrupted after N batches (default: never)", 1, 1e9, NULL, 0},
    };
    int r = flags_parse("train", "Train an autoencoder (any variant) and write the model.", f,
                        NFLAGS(f), argc, argv);
    if (r)
        return r == 1 ? 0 : 2;
    if (cli_init_kernels("train", threads))
        return 2;
    if (resume) {
        static const char *const arch[] = {"hidden", "act", "out-act", "loss", "tied", "l2", "noise",
            "noise-level", "sparse-rho", "sparse-beta", "ksparse", "ksparse-alpha", "ksparse-start", "ksparse-anneal-epochs", "contractive",
            "cae-h-gamma", "cae-h-sigma", "cae-h-copies", "pretrain-epochs", "optimizer", "lr",
            "lr-final", "momentum", "beta1", "beta2", "eps", "batch", "seed", "no-shuffle", "scale", "center",
            "standardize"};
        for (size_t i = 0; i < sizeof arch / sizeof arch[0]; i++)
            if (flags_find(f, NFLAGS(f), arch[i])->seen) {
                fprintf(stderr, "aekit train: --%s cannot be combined with --resume: the checkpoint "
                        "holds the configuration\n", arch[i]);
                return 2;
            }
    }

    /* the model's shape, and flags that would have no effect: usage
     * errors, reported before the data are loaded */
    size_t sizes[AEK_MAX_LAYERS];
    aek_act act[AEK_MAX_LAYERS];
    int L = 0;
    if (!resume) {
        L = flags_size_list("train", "hidden", hidden, sizes, AEK_MAX_LAYERS, 1, 1u << 24);
        if (L < 0 || parse_acts(acts, act, L) ||
            check_no_effect(f, NFLAGS(f), L, ksparse, beta, (aek_noise)noise, gamma, optk))
            return 2;
        /* a level of 0 corrupts nothing (src/model.c skips the noise pass):
         * the model would be a plain AE labelled denoising */
        if (noise != AEK_NOISE_NONE && noise_level == 0) {
            fprintf(stderr, "aekit train: --noise %s with --noise-level 0 corrupts nothing; give a "
                    "level > 0 (masking probability or Gaussian sigma) or leave out --noise\n",
                    NOISES[noise]);
            return 2;
        }
    }

    char ckpt_buf[4096];
    if (no_ckpt && ckpt) {
        fprintf(stderr, "aekit train: --checkpoint and --no-checkpoint contradict each other\n");
        return 2;
    }
    if (!ckpt && !no_ckpt) {
        snprintf(ckpt_buf, sizeof ckpt_buf, "%s.ckpt", out);
        ckpt = ckpt_buf;
    }
    if (cli_check_output("train", "out", out) || cli_check_output("train", "checkpoint", ckpt) ||
        cli_check_output("train", "history", hist_path))
        return 1;
    /* --resume X.ckpt writes its checkpoint back to X.ckpt (the default with
     * --out X), so only the other outputs are checked against it: they would
     * replace the training state with a model or a CSV. */
    cli_file inputs[] = {{"data", d.data}, {"val-data", val_path}};
    cli_file outputs[] = {{"out", out}, {"checkpoint", ckpt}, {"history", hist_path}};
    cli_file res[] = {{"resume", resume}};
    cli_file not_ckpt[] = {{"out", out}, {"history", hist_path}};
    if (cli_check_same_files("train", inputs, NFILES(inputs), outputs, NFILES(outputs)) ||
        cli_check_same_files("train", res, NFILES(res), not_ckpt, NFILES(not_ckpt)))
        return 2;

    if (val_path && d.data && !strcmp(val_path, "-") && !strcmp(d.data, "-")) {
        fprintf(stderr, "aekit train: --data - and --val-data - would both read standard input\n");
        return 2;
    }
    aek_dataset data = {0}, val = {0};
    if ((r = data_opts_load("train", &d, &data)))
        return r;
    if (val_path) {
        data_opts vd = data_opts_default();
        vd.data = val_path;
        if ((r = data_opts_load("train", &vd, &val))) {
            aek_dataset_free(&data);
            return r;
        }
    }

    aek_model *M = NULL;
    aek_preproc prep = {0};
    aek_train_state st = {0};
    aek_config cfg;
    aek_status s;
    int rc = 1;
    aek_train_config tc = aek_train_default();
    history hist = {.h = {.f = NULL}, .val = val_path != NULL};
    cli_staged *const h = &hist.h;
    char desc[512];

    if (resume) {
        int has_state = 0;
        s = aek_model_load(resume, 0, &M, &prep, &st, &has_state);
        if (s != AEK_OK) {
            fprintf(stderr, "aekit train: %s\n", aek_last_error());
            goto done;
        }
        if (!has_state) {
            fprintf(stderr, "aekit train: %s is a model without training state; --resume needs a "
                    "checkpoint\n", resume);
            goto done;
        }
        if ((s = aek_preproc_apply(&prep, &data)) != AEK_OK) {
            fprintf(stderr, "aekit train: %s\n", aek_last_error());
            goto done;
        }
        if (flags_find(f, NFLAGS(f), "epochs")->seen) {
            if (epochs < st.epoch) {
                fprintf(stderr, "aekit train: --epochs %d is fewer than the %d the checkpoint has "
                        "done\n", epochs, st.epoch);
                goto done;
            }
            /* the cosine schedule spans the whole run, so another length
             * moves the rate of the steps still to come: said, not refused
             * (extending a decayed run is a thing people do on purpose) */
            const uint64_t nb = (data.rows + st.batch - 1) / st.batch;
            if (st.opt.lr_final > 0 && epochs != st.epochs && st.step > 0)
                fprintf(stderr, "aekit train: note: the cosine learning-rate schedule spans the "
                        "run, now %d epochs instead of %d: the next step's rate is %.3g (the last "
                        "step's was %.3g)\n", epochs, st.epochs,
                        aek_lr_at(&st.opt, st.step, (uint64_t)epochs * nb),
                        aek_lr_at(&st.opt, st.step - 1, (uint64_t)st.epochs * nb));
            st.epochs = epochs;
        }
        tc.epochs = st.epochs;
        tc.batch = st.batch;
    } else {
        cfg = aek_config_default(data.cols, sizes[0]);
        cfg.n_layers = L;
        for (int l = 0; l < L; l++) {
            cfg.sizes[l + 1] = sizes[l];
            cfg.act[l] = act[l];
        }
        cfg.out_act = (aek_act)out_act;
        cfg.loss = (aek_loss)loss;
        cfg.tied = tied;
        cfg.l2 = l2;
        cfg.noise = (aek_noise)noise;
        cfg.noise_level = noise_level;
        cfg.sparse_rho = rho;
        cfg.sparse_beta = beta;
        cfg.ksparse_k = ksparse;
        cfg.ksparse_alpha = kalpha;
        cfg.contractive = contr;
        cfg.cae_h_gamma = gamma;
        cfg.cae_h_sigma = hsigma;
        cfg.cae_h_copies = copies;
        if (L > 1 && (contr > 0 || gamma > 0)) {
            if (pre_epochs == 0) {
                fprintf(stderr, "aekit train: the contractive penalties apply to one encoder layer; "
                        "with %d layers use --pretrain-epochs (each layer is pretrained with them, "
                        "fine-tuning runs without)\n", L);
                rc = 2;
                goto done;
            }
        }
        /* stacked: the contractive terms live in pretraining only */
        aek_config fine = cfg;
        if (L > 1)
            fine.contractive = fine.cae_h_gamma = 0;
        if ((s = aek_model_create(&fine, batch, seed, &M)) != AEK_OK) {
            fprintf(stderr, "aekit train: %s\n", aek_last_error());
            rc = 2;
            goto done;
        }
        M->cfg = fine;
        tc.pretrain_cfg = &cfg;
        if ((s = aek_preproc_fit(&data, (aek_scale_ask)scale, center, stdz, &prep)) != AEK_OK) {
            fprintf(stderr, "aekit train: %s\n", aek_last_error());
            goto done;
        }
        /* aek_train refuses such targets too; here the cause can be named */
        if ((center || stdz) && aek_check_targets(M, data.x, data.rows) != AEK_OK) {
            fprintf(stderr, "aekit train: %s; here --%s moved the data off [0, 1]\n",
                    aek_last_error(), stdz ? "standardize" : "center");
            goto done;
        }
        tc.opt.kind = (aek_opt_kind)optk;
        tc.opt.lr = lr;
        tc.opt.lr_final = lr_final;
        tc.opt.momentum = mom;
        tc.opt.beta1 = b1;
        tc.opt.beta2 = b2;
        tc.opt.eps = eps;
        tc.epochs = epochs;
        tc.batch = batch;
        tc.seed = seed;
        tc.shuffle = !no_shuffle;
        tc.pretrain_epochs = L > 1 ? pre_epochs : 0;
        tc.ksparse_start = kstart;
        tc.ksparse_anneal_epochs = kanneal;
        if ((kstart || kanneal) && !(kstart && kanneal)) {
            fprintf(stderr, "aekit train: --ksparse-start and --ksparse-anneal-epochs go together\n");
            rc = 2;
            goto done;
        }
    }
    if (batch > data.rows && !resume)
        tc.batch = data.rows; /* a batch cannot exceed the data */
    if (val_path) {
        if (val.cols != data.cols) {
            fprintf(stderr, "aekit train: --val-data %s has %zu columns, the training data %zu\n",
                    val_path, val.cols, data.cols);
            goto done;
        }
        /* the training data's scaling (fitted on them, or the checkpoint's) */
        if ((s = aek_preproc_apply(&prep, &val)) != AEK_OK ||
            (s = aek_check_targets(M, val.x, val.rows)) != AEK_OK) {
            fprintf(stderr, "aekit train: --val-data %s: %s\n", val_path, aek_last_error());
            goto done;
        }
        tc.val_x = val.x;
        tc.val_rows = val.rows;
    }
    tc.checkpoint = ckpt;
    tc.prep = &prep;
    tc.progress = quiet ? NULL : stderr;
    tc.stop = &g_stop;
    tc.stop_after_batches = stop_after;
    tc.on_epoch = on_epoch;
    tc.on_epoch_ctx = &hist;
    /* a resumed run appends to the history of the run it continues; a
     * history that does not exist yet (or is empty) starts with the header,
     * resumed or not (before, a resumed run into a new file wrote none) */
    struct stat hs;
    int hist_has_rows = hist_path && resume && stat(hist_path, &hs) == 0 && hs.st_size > 0;
    if (hist_has_rows && (rc = check_history_columns(hist_path, hist.val)))
        goto done;
    rc = 1;
    if (hist_path && cli_staged_open("train", "history", hist_path, resume != NULL, h))
        goto done;
    if (h->f && !hist_has_rows)
        fprintf(h->f, "%s%s\n", HIST_HEADER, hist.val ? HIST_VAL : "");

    aek_config_describe(&M->cfg, desc, sizeof desc);
    if (!quiet) {
        char pd[128];
        aek_preproc_describe(&prep, pd, sizeof pd);
        fprintf(stderr, "aekit train: %s\n  data %zu x %zu (%s), %s %s lr %g, batch %zu, %d epochs, "
                "seed %llu, kernels %s, %d threads\n",
                desc, data.rows, data.cols, pd, resume ? "resumed" : "optimizer",
                aek_opt_name(resume ? st.opt.kind : tc.opt.kind), resume ? st.opt.lr : tc.opt.lr,
                tc.batch, tc.epochs, (unsigned long long)(resume ? st.seed : tc.seed),
                aek_kernels()->name, aek_num_threads());
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART; /* a signal must not fail a checkpoint write with EINTR */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    time_t started = time(NULL);
    s = aek_train(M, data.x, data.rows, &tc, resume ? &st : NULL);
    if (s == AEK_ERR_INTERRUPTED) {
        struct stat sb;
        fprintf(stderr, "aekit train: %s\n", aek_last_error());
        /* the hint only when this run wrote the checkpoint */
        if (ckpt && stat(ckpt, &sb) == 0 && sb.st_mtime >= started) {
            fprintf(stderr, "resume with: aekit train --resume %s%s%s%s%s (and the same data "
                    "flags)\n", ckpt, d.data ? " --data " : "", d.data ? d.data : "",
                    val_path ? " --val-data " : "", val_path ? val_path : "");
            /* the resumed run appends to this history: keep it with the
             * checkpoint it goes with */
            cli_staged_commit("train", h);
        }
        rc = 130;
        goto done;
    }
    if (s != AEK_OK) {
        fprintf(stderr, "aekit train: %s\n", aek_last_error());
        goto done;
    }
    /* The model is written only if its loss on the training data is finite:
     * training checks each batch it trains on, this checks them all (before,
     * a failed evaluation was ignored and the model written regardless). */
    double recon, total;
    if ((s = aek_eval_dataset(M, data.x, data.rows, 0, &recon, &total)) != AEK_OK) {
        fprintf(stderr, "aekit train: %s; the model is not written (the last checkpoint is %s)\n",
                aek_last_error(), ckpt ? ckpt : "(none: --no-checkpoint)");
        goto done;
    }
    if ((s = aek_model_save(out, M, &prep, NULL)) != AEK_OK) {
        fprintf(stderr, "aekit train: cannot write the model: %s\n", aek_last_error());
        goto done;
    }
    if (cli_staged_commit("train", h))
        goto done;
    if (!quiet)
        fprintf(stderr, "aekit train: wrote %s; loss on the training data (clean inputs): recon "
                "%.6g, total %.6g\n", out, recon, total);
    rc = 0;
done:
    cli_staged_discard(h); /* a failed run leaves the old history as it was */
    aek_model_free(M);
    aek_preproc_free(&prep);
    aek_train_state_free(&st);
    aek_dataset_free(&data);
    aek_dataset_free(&val);
    return rc;
}
