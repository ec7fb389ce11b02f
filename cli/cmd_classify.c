/*
 * cmd_classify.c — `aekit classify`: a softmax classifier (src/softmax.h)
 * trained on one set of features and tested on another — raw pixels, their
 * top-K PCA codes (--pca K, fitted on the training rows), or the codes an
 * autoencoder wrote with `aekit encode`.  Prints the training and test
 * error; --json writes them with the confusion matrix, --history the
 * per-epoch loss.
 *
 * Pipeline: load → scale (auto: /255 for uint8 data, fitted on the training
 * rows) → [PCA projection] → standardize every column with the training
 * rows' mean and std (unless --no-standardize) → train → test.
 */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"
#include "data_opts.h"
#include "files.h"
#include "flags.h"
#include "../src/data.h"
#include "../src/fileio.h"
#include "../src/pca.h"
#include "../src/preproc.h"
#include "../src/softmax.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *const SCALES[] = {"auto", "none", "unit", "minmax", NULL};

typedef struct {
    const char *data, *labels;
    size_t skip, limit;
} split_opts;

static int load_split(const char *which, const split_opts *o, aek_dataset *d)
{
    if (!o->data || !o->labels) {
        fprintf(stderr, "aekit classify: --%s and --%s-labels are required\n", which, which);
        return 2;
    }
    aek_status s = aek_load_data(data_opts_path(o->data), d);
    if (s == AEK_OK)
        s = aek_data_attach_labels(d, data_opts_path(o->labels));
    if (s == AEK_OK && o->skip) {
        if (o->skip >= d->rows) {
            fprintf(stderr, "aekit classify: --%s-skip %zu leaves no rows (%s has %zu)\n", which,
                    o->skip, o->data, d->rows);
            aek_dataset_free(d);
            return 1;
        }
        s = aek_data_select_rows(d, o->skip, d->rows - o->skip);
    }
    if (s == AEK_OK && o->limit)
        s = aek_data_take_first(d, o->limit);
    if (s != AEK_OK) {
        fprintf(stderr, "aekit classify: %s\n", aek_last_error());
        aek_dataset_free(d);
        return 1;
    }
    return 0;
}

/* Replaces d's rows by their PCA codes (rows × k), keeping the labels. */
static int to_codes(const aek_pca *p, aek_dataset *d)
{
    aek_dataset c = {0};
    if (aek_dataset_alloc(&c, d->rows, p->k) != AEK_OK ||
        aek_pca_project(p, d->x, d->rows, d->cols, c.x, p->k) != AEK_OK) {
        fprintf(stderr, "aekit classify: %s\n", aek_last_error());
        aek_dataset_free(&c);
        return 1;
    }
    c.labels = d->labels;
    d->labels = NULL;
    aek_dataset_free(d);
    *d = c;
    return 0;
}

typedef struct {
    FILE *f;
    int quiet, tty;
} hist_ctx;

static void on_epoch(void *ctx, const aek_softmax_epoch *e)
{
    hist_ctx *h = ctx;
    if (h->f)
        fprintf(h->f, "%d,%.9g,%.6f\n", e->epoch, e->loss, e->seconds);
    if (!h->quiet)
        fprintf(stderr, "%saekit classify: epoch %d/%d  loss %.6f  %.2f s%s", h->tty ? "\r" : "",
                e->epoch, e->epochs, e->loss, e->seconds,
                !h->tty || e->epoch == e->epochs ? "\n" : "");
}

typedef struct {
    const aek_dataset *tr, *te;
    const char *feat_desc;
    size_t classes;
    double train_err, test_err, train_loss, seconds;
    const size_t *confusion; /* classes × classes: [true][predicted] */
    const aek_softmax_train_config *cfg;
} json_ctx;

static aek_status emit_json(FILE *f, const char *path, void *vctx)
{
    (void)path;
    const json_ctx *c = vctx;
    fprintf(f, "{\n  \"features\": %zu,\n  \"feature_kind\": \"%s\",\n  \"classes\": %zu,\n",
            c->tr->cols, c->feat_desc, c->classes);
    fprintf(f, "  \"train_rows\": %zu,\n  \"test_rows\": %zu,\n", c->tr->rows, c->te->rows);
    fprintf(f, "  \"epochs\": %d,\n  \"batch\": %zu,\n  \"lr\": %.17g,\n  \"lr_final\": %.17g,\n"
            "  \"l2\": %.17g,\n  \"seed\": %llu,\n", c->cfg->epochs, c->cfg->batch, c->cfg->lr,
            c->cfg->lr_final, c->cfg->l2, (unsigned long long)c->cfg->seed);
    fprintf(f, "  \"train_loss\": %.9g,\n  \"train_error\": %.9g,\n  \"test_error\": %.9g,\n"
            "  \"seconds\": %.3f,\n  \"confusion\": [", c->train_loss, c->train_err, c->test_err,
            c->seconds);
    for (size_t i = 0; i < c->classes; i++) {
        fprintf(f, "%s\n    [", i ? "," : "");
        for (size_t j = 0; j < c->classes; j++)
            fprintf(f, "%s%zu", j ? ", " : "", c->confusion[i * c->classes + j]);
        fprintf(f, "]");
    }
    fprintf(f, "\n  ]\n}\n");
    return AEK_OK;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int cmd_classify(int argc, char **argv)
{
    split_opts tr = {0}, te = {0};
    const char *json = NULL, *hist_path = NULL;
    int scale = 0, no_stdz = 0, threads = 0, quiet = 0;
    size_t pca_k = 0;
    aek_softmax_train_config cfg = aek_softmax_train_default();
    flag f[] = {
        {"train", FLAG_STRING, &tr.data, "training features: IDX, .npy or .csv (e.g. codes from aekit encode); - is standard input", 0, 0, NULL, 0},
        {"train-labels", FLAG_STRING, &tr.labels, "training labels (IDX or 1-D .npy)", 0, 0, NULL, 0},
        {"train-skip", FLAG_SIZE, &tr.skip, "drop the first N training rows", 0, 0, NULL, 0},
        {"train-limit", FLAG_SIZE, &tr.limit, "use at most N training rows (0: all)", 0, 0, NULL, 0},
        {"test", FLAG_STRING, &te.data, "test features (same columns)", 0, 0, NULL, 0},
        {"test-labels", FLAG_STRING, &te.labels, "test labels", 0, 0, NULL, 0},
        {"test-skip", FLAG_SIZE, &te.skip, "drop the first N test rows", 0, 0, NULL, 0},
        {"test-limit", FLAG_SIZE, &te.limit, "use at most N test rows (0: all)", 0, 0, NULL, 0},
        {"scale", FLAG_CHOICE, &scale, "feature scaling (fitted on the training rows): auto = /255 for uint8 data; unit = /255 for uint8, min-max for float data; minmax = into [0, 1] by the overall min and max", 0, 0, SCALES, 0},
        {"pca", FLAG_SIZE, &pca_k, "classify the top-K PCA codes of the features (PCA of the training rows; 0: off)", 0, 1 << 24, NULL, 0},
        {"no-standardize", FLAG_BOOL, &no_stdz, "keep the features as they are (default: z-score with the training rows' mean and std)", 0, 0, NULL, 0},
        {"epochs", FLAG_INT, &cfg.epochs, "training epochs", 1, 1e6, NULL, 0},
        {"batch", FLAG_SIZE, &cfg.batch, "mini-batch size", 1, 1 << 20, NULL, 0},
        {"lr", FLAG_DOUBLE, &cfg.lr, "Adam learning rate", 1e-12, 1e3, NULL, 0},
        {"lr-final", FLAG_DOUBLE, &cfg.lr_final, "cosine-decay the learning rate to this (0: constant)", 0, 1e3, NULL, 0},
        {"l2", FLAG_DOUBLE, &cfg.l2, "L2 penalty lambda on W", 0, 1e6, NULL, 0},
        {"seed", FLAG_U64, &cfg.seed, "seed of the shuffle", 0, 0, NULL, 0},
        {"threads", FLAG_INT, &threads, "worker threads (default: AEKIT_NUM_THREADS or all CPUs)", 1, 256, NULL, 0},
        {"json", FLAG_STRING, &json, "write the errors, settings and confusion matrix as JSON", 0, 0, NULL, 0},
        {"history", FLAG_STRING, &hist_path, "write the per-epoch loss as CSV (epoch,loss,seconds)", 0, 0, NULL, 0},
        {"quiet", FLAG_BOOL, &quiet, "no progress output", 0, 0, NULL, 0},
    };
    int r = flags_parse("classify", "Train a softmax classifier on features (pixels, --pca codes, or "
                        "codes from aekit encode) and report its test error.", f, NFLAGS(f), argc, argv);
    if (r)
        return r == 1 ? 0 : 2;
    if (!tr.data || !tr.labels || !te.data || !te.labels) {
        fprintf(stderr, "aekit classify: --train, --train-labels, --test and --test-labels are "
                "required (aekit classify --help)\n");
        return 2;
    }
    cli_file inputs[] = {{"train", tr.data}, {"train-labels", tr.labels}, {"test", te.data},
                     {"test-labels", te.labels}};
    cli_file outputs[] = {{"json", json}, {"history", hist_path}};
    if (cli_check_output("classify", "json", json) ||
        cli_check_output("classify", "history", hist_path))
        return 1;
    if (cli_check_same_files("classify", inputs, NFILES(inputs), outputs, NFILES(outputs)))
        return 2;
    if (cli_init_kernels("classify", threads))
        return 2;

    aek_dataset dtr = {0}, dte = {0};
    aek_preproc prep = {0};
    aek_pca *pca = NULL;
    aek_softmax sm = {0};
    uint8_t *pred = NULL;
    size_t *conf = NULL;
    hist_ctx h = {NULL, quiet, isatty(fileno(stderr))};
    cli_staged hist = {.f = NULL};
    int rc = load_split("train", &tr, &dtr);
    if (!rc)
        rc = load_split("test", &te, &dte);
    if (rc)
        goto done;
    rc = 1;
    if (dtr.cols != dte.cols) {
        fprintf(stderr, "aekit classify: the training features have %zu columns, the test features "
                "%zu\n", dtr.cols, dte.cols);
        rc = 2;
        goto done;
    }
    if (aek_preproc_fit(&dtr, (aek_scale_ask)scale, 0, 0, &prep) != AEK_OK ||
        aek_preproc_apply(&prep, &dte) != AEK_OK) {
        fprintf(stderr, "aekit classify: %s\n", aek_last_error());
        goto done;
    }
    char feat_desc[64];
    snprintf(feat_desc, sizeof feat_desc, "%zu input columns", dtr.cols);
    if (pca_k) {
        if (pca_k > dtr.cols) {
            fprintf(stderr, "aekit classify: --pca %zu exceeds the %zu feature columns\n", pca_k,
                    dtr.cols);
            rc = 2;
            goto done;
        }
        if (aek_pca_fit(dtr.x, dtr.rows, dtr.cols, dtr.cols, pca_k, NULL, &pca) != AEK_OK) {
            fprintf(stderr, "aekit classify: %s\n", aek_last_error());
            goto done;
        }
        if (to_codes(pca, &dtr) || to_codes(pca, &dte))
            goto done;
        snprintf(feat_desc, sizeof feat_desc, "pca %zu of %zu columns", pca_k, pca->n);
    }
    if (!no_stdz && (aek_data_standardize(&dtr) != AEK_OK ||
                     aek_data_standardize_with(&dte, dtr.mean, dtr.std) != AEK_OK)) {
        fprintf(stderr, "aekit classify: %s\n", aek_last_error());
        goto done;
    }
    /* test features far outside the training rows' range overflow float32
     * when scaled, projected or standardized with the training statistics
     * (they were classified as Inf, every row one class) */
    if (aek_data_check_finite("the training features overflow float32 when scaled or "
                              "standardized", dtr.x, dtr.rows, dtr.cols) != AEK_OK ||
        aek_data_check_finite("the test features overflow float32 when scaled or standardized "
                              "with the training rows' statistics", dte.x, dte.rows,
                              dte.cols) != AEK_OK) {
        fprintf(stderr, "aekit classify: %s\n", aek_last_error());
        goto done;
    }
    size_t classes = 0;
    for (size_t i = 0; i < dtr.rows; i++)
        if ((size_t)dtr.labels[i] + 1 > classes)
            classes = (size_t)dtr.labels[i] + 1;
    for (size_t i = 0; i < dte.rows; i++)
        if ((size_t)dte.labels[i] >= classes) {
            fprintf(stderr, "aekit classify: test label %u (row %zu) is not among the %zu classes of "
                    "the training labels\n", dte.labels[i], i, classes);
            rc = 2;
            goto done;
        }
    if (classes < 2)
        classes = 2;
    if (aek_softmax_init(&sm, dtr.cols, classes) != AEK_OK) {
        fprintf(stderr, "aekit classify: %s\n", aek_last_error());
        goto done;
    }
    if (hist_path) {
        if (cli_staged_open("classify", "history", hist_path, 0, &hist))
            goto done;
        h.f = hist.f;
        fprintf(h.f, "epoch,loss,seconds\n");
    }
    if (!quiet)
        fprintf(stderr, "aekit classify: %zu features (%s%s), %zu classes, train %zu rows, test %zu "
                "rows; adam lr %g -> %g, l2 %g, batch %zu, %d epochs, seed %llu\n", dtr.cols,
                feat_desc, no_stdz ? "" : ", standardized", classes, dtr.rows, dte.rows, cfg.lr,
                cfg.lr_final, cfg.l2, cfg.batch, cfg.epochs, (unsigned long long)cfg.seed);
    double t0 = now_s();
    if (aek_softmax_train(&sm, dtr.x, dtr.cols, dtr.labels, dtr.rows, &cfg, on_epoch, &h) != AEK_OK) {
        fprintf(stderr, "aekit classify: %s\n", aek_last_error());
        goto done;
    }
    double secs = now_s() - t0;
    double tr_err = 0, te_err = 0;
    float *work = aek_alloc_floats(dtr.rows < 4096 ? dtr.rows * classes : 4096 * classes);
    double tr_loss = 0;
    if (!work) { /* before: reported as a training loss of 0 */
        fprintf(stderr, "aekit classify: out of memory for the logits of the training loss\n");
        goto done;
    }
    /* training loss at the final parameters, in blocks of 4096 rows, each
     * block's mean weighed by its rows (test_softmax checks it) */
    for (size_t r0 = 0; r0 < dtr.rows; r0 += 4096) {
        size_t mb = dtr.rows - r0 < 4096 ? dtr.rows - r0 : 4096;
        tr_loss += aek_softmax_loss(&sm, dtr.x + r0 * dtr.cols, dtr.cols, dtr.labels + r0, mb, 0,
                                    NULL, work) * (double)mb;
    }
    tr_loss /= (double)dtr.rows;
    free(work);
    pred = malloc(dte.rows);
    conf = calloc(classes * classes, sizeof *conf);
    if (!pred || !conf ||
        aek_softmax_error(&sm, dtr.x, dtr.cols, dtr.labels, dtr.rows, &tr_err) != AEK_OK ||
        aek_softmax_predict(&sm, dte.x, dte.cols, dte.rows, pred) != AEK_OK) {
        fprintf(stderr, "aekit classify: %s\n", pred && conf ? aek_last_error() : "out of memory");
        goto done;
    }
    size_t wrong = 0;
    for (size_t i = 0; i < dte.rows; i++) {
        conf[dte.labels[i] * classes + pred[i]]++;
        wrong += pred[i] != dte.labels[i];
    }
    te_err = (double)wrong / (double)dte.rows;
    printf("features %zu (%s)\nclasses %zu\ntrain rows %zu\ntest rows %zu\ntrain loss %.6f\n"
           "train error %.6f\ntest error %.6f\nseconds %.3f\n", dtr.cols, feat_desc, classes,
           dtr.rows, dte.rows, tr_loss, tr_err, te_err, secs);
    if (json) {
        json_ctx jc = {&dtr, &dte, feat_desc, classes, tr_err, te_err, tr_loss, secs, conf, &cfg};
        if (aek_file_write_atomic(json, emit_json, &jc) != AEK_OK) {
            fprintf(stderr, "aekit classify: %s\n", aek_last_error());
            goto done;
        }
    }
    if (cli_staged_commit("classify", &hist))
        goto done;
    rc = 0;
done:
    cli_staged_discard(&hist); /* a failed run leaves the old history as it was */
    free(pred);
    free(conf);
    aek_softmax_free(&sm);
    aek_pca_free(pca);
    aek_preproc_free(&prep);
    aek_dataset_free(&dtr);
    aek_dataset_free(&dte);
    return rc;
}
