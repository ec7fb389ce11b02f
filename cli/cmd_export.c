/*
 * cmd_export.c — `aekit export` (every tensor as .npy + the configuration as
 * JSON) and `aekit grad` (loss and gradient of one batch, for checking the
 * math with another framework).
 */
#include "cli.h"
#include "files.h"
#include "model_io.h"
#include "../src/fileio.h"
#include "../src/train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- JSON ------------------------------------------------------------------ */

typedef struct {
    const aek_model *M;
    const aek_preproc *prep;
} config_json_ctx;

static aek_status emit_config(FILE *f, const char *path, void *vctx)
{
    (void)path;
    const config_json_ctx *c = vctx;
    const aek_config *g = &c->M->cfg;
    static const char *const noise[] = {"none", "mask", "gauss"};
    static const char *const scale[] = {"none", "u8", "minmax"};
    fprintf(f, "{\n  \"format\": \"aekit model\",\n  \"layers\": %d,\n  \"sizes\": [", g->n_layers);
    for (int l = 0; l <= g->n_layers; l++)
        fprintf(f, "%s%zu", l ? ", " : "", g->sizes[l]);
    fprintf(f, "],\n  \"activations\": [");
    for (int l = 0; l < g->n_layers; l++)
        fprintf(f, "%s\"%s\"", l ? ", " : "", aek_act_name(g->act[l]));
    fprintf(f, "],\n  \"output_activation\": \"%s\",\n  \"loss\": \"%s\",\n  \"tied\": %s,\n",
            aek_act_name(g->out_act), g->loss == AEK_LOSS_BCE ? "bce" : "mse",
            g->tied ? "true" : "false");
    fprintf(f, "  \"l2\": %.17g,\n  \"noise\": \"%s\",\n  \"noise_level\": %.17g,\n", g->l2,
            noise[g->noise], g->noise_level);
    fprintf(f, "  \"sparse_rho\": %.17g,\n  \"sparse_beta\": %.17g,\n", g->sparse_rho, g->sparse_beta);
    fprintf(f, "  \"ksparse_k\": %zu,\n  \"ksparse_alpha\": %.17g,\n", g->ksparse_k, g->ksparse_alpha);
    fprintf(f, "  \"contractive\": %.17g,\n", g->contractive);
    fprintf(f, "  \"cae_h_gamma\": %.17g,\n  \"cae_h_sigma\": %.17g,\n  \"cae_h_copies\": %d,\n",
            g->cae_h_gamma, g->cae_h_sigma, g->cae_h_copies);
    /* origin: the values the model takes, uint8 pixels 0..255 or floats;
     * scale "none" alone cannot tell a float model from one trained on
     * unscaled uint8 values, and feeding it the other kind is wrong */
    if (c->prep)
        fprintf(f, "  \"preprocessing\": {\"scale\": \"%s\", \"origin\": \"%s\", \"lo\": %.9g, "
                "\"hi\": %.9g, \"centered\": %s, \"standardized\": %s},\n",
                scale[c->prep->scale], c->prep->origin == AEK_ORIGIN_U8 ? "uint8" : "float",
                (double)c->prep->lo, (double)c->prep->hi, c->prep->mean ? "true" : "false",
                c->prep->std ? "true" : "false");
    fprintf(f, "  \"tensors\": [");
    for (size_t t = 0; t < c->M->ntensors; t++) {
        const aek_tensor *T = &c->M->tensors[t];
        fprintf(f, "%s\n    {\"name\": \"%s\", \"shape\": [", t ? "," : "", T->name);
        if (T->name[0] == 'b' || T->name[0] == 'c')
            fprintf(f, "%zu]}", T->cols);
        else
            fprintf(f, "%zu, %zu]}", T->rows, T->cols);
    }
    fprintf(f, "\n  ]\n}\n");
    return AEK_OK;
}

/* The names of the files one command writes into --out-dir, listed before
 * any is written so they can be checked against the inputs: every tensor
 * (4 per layer), and at most 3 + 64 others (grad: loss.json,
 * input_corrupted.npy, one cae_h_copy<c>.npy per CAE+H copy). */
enum { MAX_DIR_FILES = 4 * AEK_MAX_LAYERS + 3 + 64 };
typedef struct {
    char buf[MAX_DIR_FILES][32];
    const char *name[MAX_DIR_FILES];
    size_t n;
} dir_files;

static void add_file(dir_files *df, const char *prefix, const char *name, const char *suffix)
{
    /* every name fits (tensor names are < 16 bytes); the checks keep it so */
    int w = df->n < MAX_DIR_FILES ? snprintf(df->buf[df->n], sizeof df->buf[0], "%s%s%s", prefix,
                                             name, suffix) : -1;
    if (w < 0 || (size_t)w >= sizeof df->buf[0])
        return;
    df->name[df->n] = df->buf[df->n];
    df->n++;
}

static void add_tensor_files(dir_files *df, const aek_model *M, const char *prefix)
{
    for (size_t t = 0; t < M->ntensors; t++)
        add_file(df, prefix, M->tensors[t].name, ".npy");
}

/* The one message of a failed write; 1 on failure, else 0. */
static int report(const char *cmd, aek_status s)
{
    if (s == AEK_OK)
        return 0;
    fprintf(stderr, "aekit %s: %s\n", cmd, aek_last_error());
    return 1;
}

/* Every tensor of `block` (params or grads) as prefix<name>.npy in dir. */
static int write_tensors(const char *cmd, cli_outset *set, const aek_model *M, const float *block,
                         const char *dir, const char *prefix)
{
    for (size_t t = 0; t < M->ntensors; t++) {
        const aek_tensor *T = &M->tensors[t];
        char name[64], path[4096];
        snprintf(name, sizeof name, "%s%s.npy", prefix, T->name);
        if (cli_outset_path(cmd, set, path, sizeof path, dir, name))
            return 1;
        /* weight matrices stay 2-D even with one unit; biases are 1-D */
        int vec = T->name[0] == 'b' || T->name[0] == 'c';
        if (report(cmd, vec ? aek_npy_write_f32_1d(path, block + T->offset, T->cols)
                            : aek_npy_write_f32(path, block + T->offset, T->rows, T->cols)))
            return 1;
    }
    return 0;
}

int cmd_export(int argc, char **argv)
{
    const char *model = NULL, *dir = NULL;
    flag f[] = {
        {"model", FLAG_STRING, &model, "model file (required)", 0, 0, NULL, 0},
        {"out-dir", FLAG_STRING, &dir, "directory for <tensor>.npy and config.json (required)", 0, 0, NULL, 0},
    };
    int r = flags_parse("export", "Write every weight and bias as .npy and the configuration as JSON.\n"
                        "Tensors: W<l> (encoder, units x inputs), b<l>, Wd<l> (decoder W*, absent when "
                        "tied), c<l>.", f, NFLAGS(f), argc, argv);
    if (r)
        return r == 1 ? 0 : 2;
    if (!dir) {
        fprintf(stderr, "aekit export: --out-dir is required\n");
        return 2;
    }
    if (cli_init_kernels("export", 0))
        return 2;
    aek_model *M = NULL;
    aek_preproc prep = {0};
    int rc = cli_load_model_data("export", model, 1, NULL, 0, &M, &prep, NULL);
    char path[4096];
    if (!rc) {
        dir_files df = {.n = 0};
        add_tensor_files(&df, M, "");
        if (prep.mean)
            add_file(&df, "", "input_mean", ".npy");
        if (prep.std)
            add_file(&df, "", "input_std", ".npy");
        add_file(&df, "", "config", ".json");
        cli_file inputs[] = {{"model", model}};
        rc = cli_check_dir_files("export", inputs, NFILES(inputs), "out-dir", dir, df.name,
                                 df.n);
    }
    /* each step prints its own message, once; a failure removes what this
     * run created (files, and the directory) */
    cli_outset set = {NULL, 0, 0, NULL, NULL, 0, 0};
    if (!rc)
        rc = cli_outset_mkdir("export", &set, dir);
    if (!rc)
        rc = write_tensors("export", &set, M, M->params, dir, "");
    if (!rc && prep.mean &&
        !(rc = cli_outset_path("export", &set, path, sizeof path, dir, "input_mean.npy")))
        rc = report("export", aek_npy_write_f32_1d(path, prep.mean, prep.cols));
    if (!rc && prep.std &&
        !(rc = cli_outset_path("export", &set, path, sizeof path, dir, "input_std.npy")))
        rc = report("export", aek_npy_write_f32_1d(path, prep.std, prep.cols));
    config_json_ctx ctx = {M, &prep};
    if (!rc && !(rc = cli_outset_path("export", &set, path, sizeof path, dir, "config.json")))
        rc = report("export", aek_file_write_atomic(path, emit_config, &ctx));
    cli_outset_end(&set, rc != 0);
    if (!rc)
        fprintf(stderr, "aekit export: wrote %zu tensors and config.json to %s\n", M->ntensors, dir);
    aek_model_free(M);
    aek_preproc_free(&prep);
    return rc;
}

/* ---- grad ----------------------------------------------------------------- */

typedef struct {
    const aek_model *M;
    size_t rows;
    uint64_t seed, epoch;
} loss_json_ctx;

static aek_status emit_loss(FILE *f, const char *path, void *vctx)
{
    (void)path;
    const loss_json_ctx *c = vctx;
    const aek_model *M = c->M;
    fprintf(f, "{\n  \"rows\": %zu,\n  \"seed\": %llu,\n  \"epoch\": %llu,\n", c->rows,
            (unsigned long long)c->seed, (unsigned long long)c->epoch);
    fprintf(f, "  \"total\": %.17g,\n  \"recon\": %.17g,\n  \"l2\": %.17g,\n  \"sparse\": %.17g,\n"
            "  \"contractive\": %.17g,\n  \"cae_h\": %.17g\n}\n",
            M->loss_total, M->loss_recon, M->loss_l2, M->loss_sparse, M->loss_contractive,
            M->loss_cae_h);
    return AEK_OK;
}

int cmd_grad(int argc, char **argv)
{
    data_opts d = data_opts_default();
    const char *model = NULL, *dir = NULL;
    int preprocess = 0, threads = 0;
    uint64_t seed = 0, epoch = 0;
    flag f[] = {
        {"model", FLAG_STRING, &model, "model file (required)", 0, 0, NULL, 0},
        DATA_FLAGS(d),
        {"preprocess", FLAG_BOOL, &preprocess, "apply the model's preprocessing (default: the batch is the network input as is)", 0, 0, NULL, 0},
        {"seed", FLAG_U64, &seed, "noise key: seed", 0, 0, NULL, 0},
        {"epoch", FLAG_U64, &epoch, "noise key: epoch (row i of the batch is sample i)", 0, 0, NULL, 0},
        {"out-dir", FLAG_STRING, &dir, "directory for loss.json, grad_<tensor>.npy, inputs (required)", 0, 0, NULL, 0},
        {"threads", FLAG_INT, &threads, "worker threads (default: AEKIT_NUM_THREADS or all CPUs)", 1, 256, NULL, 0},
    };
    int r = flags_parse("grad", "The total loss of one batch and the gradient of every parameter "
                        "tensor, as files:\n  loss.json (total and parts), grad_<tensor>.npy, "
                        "input_corrupted.npy (with input noise),\n  cae_h_copy<c>.npy (CAE+H "
                        "corrupted copies of the encoder input).", f, NFLAGS(f), argc, argv);
    if (r)
        return r == 1 ? 0 : 2;
    if (!dir) {
        fprintf(stderr, "aekit grad: --out-dir is required\n");
        return 2;
    }
    if (cli_init_kernels("grad", threads))
        return 2;
    aek_model *M = NULL;
    aek_preproc prep = {0};
    aek_dataset data = {0};
    /* one batch: the model's workspace is sized for all rows */
    int rc = cli_load_model_data("grad", model, 1, NULL, 0, &M, &prep, NULL);
    if (!rc) {
        dir_files df = {.n = 0};
        add_file(&df, "", "loss", ".json");
        add_tensor_files(&df, M, "grad_");
        if (M->cfg.noise != AEK_NOISE_NONE && M->cfg.noise_level > 0)
            add_file(&df, "", "input_corrupted", ".npy");
        for (int c = 0; M->cfg.cae_h_gamma > 0 && c < M->cfg.cae_h_copies; c++) {
            char name[32];
            snprintf(name, sizeof name, "cae_h_copy%d", c);
            add_file(&df, "", name, ".npy");
        }
        cli_file inputs[] = {{"model", model}, {"data", d.data}};
        rc = cli_check_dir_files("grad", inputs, NFILES(inputs), "out-dir", dir, df.name,
                                 df.n);
    }
    if (!rc)
        rc = data_opts_load("grad", &d, &data);
    if (!rc) {
        aek_config cfg = M->cfg;
        aek_model *B = NULL;
        if (data.cols != cfg.sizes[0] || data.rows > (1u << 20)) {
            fprintf(stderr, "aekit grad: the batch is %zu x %zu; the model needs %zu columns and "
                    "at most %u rows\n", data.rows, data.cols, cfg.sizes[0], 1u << 20);
            rc = 1;
        } else if (aek_model_create(&cfg, data.rows, 0, &B) != AEK_OK) {
            fprintf(stderr, "aekit grad: %s\n", aek_last_error());
            rc = 1;
        } else {
            memcpy(B->params, M->params, M->nparams * sizeof(float));
            aek_model_free(M);
            M = B;
        }
    }
    /* uint8 pixels (0..255) as they are into a model that scales its
     * inputs: a loss of 7.8e6, or a negative cross-entropy */
    if (!rc && !preprocess && data.origin == AEK_ORIGIN_U8 && prep.scale != AEK_SCALE_NONE) {
        fprintf(stderr, "aekit grad: the batch is uint8 (0..255) and the model scales its inputs "
                        "(%s): pass --preprocess to apply the model's preprocessing, or give the "
                        "batch as the float32 network input\n",
                prep.scale == AEK_SCALE_U8 ? "/255" : "min-max");
        rc = 2;
    }
    if (!rc && preprocess && aek_preproc_apply(&prep, &data) != AEK_OK) {
        fprintf(stderr, "aekit grad: %s\n", aek_last_error());
        rc = 1;
    }
    if (!rc && aek_check_targets(M, data.x, data.rows) != AEK_OK) {
        fprintf(stderr, "aekit grad: %s\n", aek_last_error());
        rc = 1;
    }
    /* each step prints its own message, once; a failure removes what this
     * run created (files, and the directory) */
    cli_outset set = {NULL, 0, 0, NULL, NULL, 0, 0};
    if (!rc)
        rc = cli_outset_mkdir("grad", &set, dir);
    if (!rc) {
        aek_noise_key key = {seed, epoch, NULL};
        aek_model_eval(M, data.x, data.rows, &key, 1);
        if (!isfinite(M->loss_total)) {
            fprintf(stderr, "aekit grad: the loss of this batch is not finite (%g); the data are "
                            "far outside what the model was trained on (or not scaled as it "
                            "expects)\n", M->loss_total);
            rc = 1;
        } else {
            rc = cli_check_finite("grad", "gradients", M->grads, 1, M->nparams);
        }
        char path[4096];
        loss_json_ctx ctx = {M, data.rows, seed, epoch};
        if (!rc && !(rc = cli_outset_path("grad", &set, path, sizeof path, dir, "loss.json")))
            rc = report("grad", aek_file_write_atomic(path, emit_loss, &ctx));
        if (!rc)
            rc = write_tensors("grad", &set, M, M->grads, dir, "grad_");
        if (!rc && M->cfg.noise != AEK_NOISE_NONE && M->cfg.noise_level > 0 &&
            !(rc = cli_outset_path("grad", &set, path, sizeof path, dir, "input_corrupted.npy")))
            rc = report("grad", aek_npy_write_f32(path, M->H[0], data.rows, data.cols));
        for (int c = 0; !rc && M->cfg.cae_h_gamma > 0 && c < M->cfg.cae_h_copies; c++) {
            char name[64];
            snprintf(name, sizeof name, "cae_h_copy%d.npy", c);
            aek_model_cae_h_copy(M, data.rows, &key, c);
            if (!(rc = cli_outset_path("grad", &set, path, sizeof path, dir, name)))
                rc = report("grad", aek_npy_write_f32(path, M->xc, data.rows, data.cols));
        }
        if (!rc)
            printf("%.9g\n", M->loss_total);
    }
    cli_outset_end(&set, rc != 0);
    aek_model_free(M);
    aek_preproc_free(&prep);
    aek_dataset_free(&data);
    return rc;
}
