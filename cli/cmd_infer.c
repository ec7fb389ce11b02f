/*
 * cmd_infer.c — `aekit encode`, `aekit reconstruct`, `aekit eval`: a trained
 * model applied to data (with the model's own preprocessing).
 */
#include "cli.h"
#include "files.h"
#include "model_io.h"
#include "../src/image_grid.h"
#include "../src/train.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --noisy applies the model's input noise: refused (exit 2) when there is
 * none, a flag with no effect.  A noise level of 0 corrupts nothing either:
 * train refuses it, but a model built through the library can have it. */
static int noisy_has_effect(const char *cmd, const aek_model *M)
{
    if (M->cfg.noise == AEK_NOISE_NONE) {
        fprintf(stderr, "aekit %s: --noisy: the model was trained without input noise\n", cmd);
        return 2;
    }
    if (M->cfg.noise_level == 0) {
        fprintf(stderr, "aekit %s: --noisy: the model's %s noise level is 0: it corrupts nothing\n",
                cmd, M->cfg.noise == AEK_NOISE_MASK ? "masking" : "Gaussian");
        return 2;
    }
    return 0;
}

int cmd_encode(int argc, char **argv)
{
    data_opts d = data_opts_default();
    const char *model = NULL, *out = "codes.npy";
    int raw = 0, threads = 0;
    flag f[] = {
        {"model", FLAG_STRING, &model, "model file (required)", 0, 0, NULL, 0},
        DATA_FLAGS(d),
        {"raw", FLAG_BOOL, &raw, "data are already preprocessed (skip the model's scaling)", 0, 0, NULL, 0},
        {"out", FLAG_STRING, &out, "codes as float32 .npy (rows x code)", 0, 0, NULL, 0},
        {"threads", FLAG_INT, &threads, "worker threads (default: AEKIT_NUM_THREADS or all CPUs)", 1, 256, NULL, 0},
    };
    int r = flags_parse("encode", "Write the codes of the data (k-sparse models keep alpha*k units).",
                        f, NFLAGS(f), argc, argv);
    if (r)
        return r == 1 ? 0 : 2;
    cli_file inputs[] = {{"model", model}, {"data", d.data}};
    cli_file outputs[] = {{"out", out}};
    if (cli_check_output("encode", "out", out))
        return 1;
    if (cli_check_same_files("encode", inputs, NFILES(inputs), outputs, NFILES(outputs)))
        return 2;
    if (cli_init_kernels("encode", threads))
        return 2;
    aek_model *M = NULL;
    aek_preproc prep = {0};
    aek_dataset data = {0};
    int rc = cli_load_model_data("encode", model, 256, &d, raw, &M, &prep, &data);
    if (!rc) {
        size_t code = M->cfg.sizes[M->L];
        float *codes = aek_alloc_floats(data.rows * code);
        if (!codes) {
            fprintf(stderr, "aekit encode: out of memory for %zu x %zu codes\n", data.rows, code);
            rc = 1;
        } else {
            aek_model_encode(M, data.x, data.rows, codes);
            rc = cli_check_finite("encode", "codes", codes, data.rows, code);
            if (!rc && aek_npy_write_f32(out, codes, data.rows, code) != AEK_OK) {
                fprintf(stderr, "aekit encode: %s\n", aek_last_error());
                rc = 1;
            } else if (!rc) {
                fprintf(stderr, "aekit encode: wrote %s (%zu x %zu)\n", out, data.rows, code);
            }
            free(codes);
        }
    }
    aek_model_free(M);
    aek_preproc_free(&prep);
    aek_dataset_free(&data);
    return rc;
}

/* The PNG of originals and reconstructions: for every `per_row` samples one
 * grid row of inputs (and of corrupted inputs, for the denoising demo), then
 * one of their reconstructions. */
static int write_pairs_png(const char *path, const float *a, const float *noisy, const float *b,
                           size_t count, size_t n, size_t h, size_t w)
{
    size_t per_row = count < 16 ? count : 16, rows = noisy ? 3 : 2;
    size_t blocks = (count + per_row - 1) / per_row;
    float *img = aek_alloc_floats(blocks * rows * per_row * n);
    if (!img) {
        fprintf(stderr, "aekit reconstruct: out of memory for the image\n");
        return 1;
    }
    for (size_t blk = 0; blk < blocks; blk++)
        for (size_t r = 0; r < rows; r++)
            for (size_t c = 0; c < per_row; c++) {
                size_t i = blk * per_row + c;
                float *dst = img + ((blk * rows + r) * per_row + c) * n;
                const float *src = r == 0 ? a : (r == 1 && noisy) ? noisy : b;
                if (i < count)
                    memcpy(dst, src + i * n, n * sizeof(float));
                else
                    memset(dst, 0, n * sizeof(float));
            }
    aek_status s = aek_image_grid_write(path, img, blocks * rows * per_row, h, w, per_row,
                                        AEK_GRID_TILE_MINMAX);
    free(img);
    if (s != AEK_OK) {
        fprintf(stderr, "aekit reconstruct: %s\n", aek_last_error());
        return 1;
    }
    return 0;
}

int cmd_reconstruct(int argc, char **argv)
{
    data_opts d = data_opts_default();
    const char *model = NULL, *out = NULL, *png = NULL, *image = NULL;
    int raw = 0, threads = 0, noisy = 0;
    size_t count = 16;
    uint64_t seed = 1;
    flag f[] = {
        {"model", FLAG_STRING, &model, "model file (required)", 0, 0, NULL, 0},
        DATA_FLAGS(d),
        {"raw", FLAG_BOOL, &raw, "data are already preprocessed", 0, 0, NULL, 0},
        {"out", FLAG_STRING, &out, "reconstructions as float32 .npy", 0, 0, NULL, 0},
        {"png", FLAG_STRING, &png, "PNG grid: inputs above their reconstructions", 0, 0, NULL, 0},
        {"png-count", FLAG_SIZE, &count, "samples in the PNG", 1, 1024, NULL, 0},
        {"image", FLAG_STRING, &image, "image shape HxW (default: the data's, or square)", 0, 0, NULL, 0},
        {"noisy", FLAG_BOOL, &noisy, "corrupt the inputs with the model's noise first (denoising demo)", 0, 0, NULL, 0},
        {"seed", FLAG_U64, &seed, "seed of the corruption (--noisy)", 0, 0, NULL, 0},
        {"threads", FLAG_INT, &threads, "worker threads (default: AEKIT_NUM_THREADS or all CPUs)", 1, 256, NULL, 0},
    };
    int r = flags_parse("reconstruct", "Reconstruct data through a model; .npy and/or a PNG grid.",
                        f, NFLAGS(f), argc, argv);
    if (r)
        return r == 1 ? 0 : 2;
    if (!out && !png) {
        fprintf(stderr, "aekit reconstruct: nothing to write: give --out and/or --png\n");
        return 2;
    }
    cli_file inputs[] = {{"model", model}, {"data", d.data}};
    cli_file outputs[] = {{"out", out}, {"png", png}};
    if (cli_check_output("reconstruct", "out", out) || cli_check_output("reconstruct", "png", png))
        return 1;
    if (cli_check_same_files("reconstruct", inputs, NFILES(inputs), outputs, NFILES(outputs)))
        return 2;
    if (cli_init_kernels("reconstruct", threads))
        return 2;
    aek_model *M = NULL;
    aek_preproc prep = {0};
    aek_dataset data = {0};
    float *rec = NULL, *cor = NULL;
    int rc = cli_load_model_data("reconstruct", model, 256, &d, raw, &M, &prep, &data);
    size_t n = M ? M->cfg.sizes[0] : 0, h = 0, w = 0;
    if (!rc && png && cli_image_shape("reconstruct", image, &data, n, &h, &w))
        rc = 2;
    if (!rc && noisy)
        rc = noisy_has_effect("reconstruct", M);
    /* flags that would do nothing: the user meant something else */
    if (!rc && !noisy && flags_find(f, NFLAGS(f), "seed")->seen) {
        fprintf(stderr, "aekit reconstruct: --seed is the seed of --noisy's corruption; without "
                        "--noisy it has no effect\n");
        rc = 2;
    }
    if (!rc && !png && (flags_find(f, NFLAGS(f), "png-count")->seen || image)) {
        fprintf(stderr, "aekit reconstruct: --%s shapes the PNG grid; without --png it has no "
                        "effect\n", image ? "image" : "png-count");
        rc = 2;
    }
    if (!rc && !(rec = aek_alloc_floats(data.rows * n))) {
        fprintf(stderr, "aekit reconstruct: out of memory\n");
        rc = 1;
    }
    const float *in = rc ? NULL : data.x;
    if (!rc && noisy) {
        if (!(cor = aek_alloc_floats(data.rows * n))) {
            fprintf(stderr, "aekit reconstruct: out of memory\n");
            rc = 1;
        } else {
            for (size_t r0 = 0; r0 < data.rows; r0 += M->max_batch) {
                size_t mb = data.rows - r0 < M->max_batch ? data.rows - r0 : M->max_batch;
                size_t *rows = malloc(mb * sizeof(size_t));
                for (size_t i = 0; i < mb && rows; i++)
                    rows[i] = r0 + i;
                aek_noise_key key = {seed, 0, rows};
                aek_model_corrupt(M, data.x + r0 * n, mb, &key);
                memcpy(cor + r0 * n, M->H[0], mb * n * sizeof(float));
                free(rows);
            }
            in = cor;
        }
    }
    if (!rc) {
        /* --out and --png are one set: a --png that fails takes a new --out with it */
        cli_outset set = {NULL, 0, 0, NULL, NULL, 0, 0};
        aek_model_reconstruct(M, in, data.rows, rec);
        rc = cli_check_finite("reconstruct", "reconstructions", rec, data.rows, n);
        if (!rc && out && (rc = cli_outset_add("reconstruct", &set, out)) == 0 &&
            aek_npy_write_f32(out, rec, data.rows, n) != AEK_OK) {
            fprintf(stderr, "aekit reconstruct: %s\n", aek_last_error());
            rc = 1;
        }
        if (!rc && png)
            rc = write_pairs_png(png, data.x, cor, rec, count < data.rows ? count : data.rows, n, h, w);
        cli_outset_end(&set, rc != 0);
        if (!rc)
            fprintf(stderr, "aekit reconstruct: %zu rows%s%s%s%s\n", data.rows, out ? ", wrote " : "",
                    out ? out : "", png ? ", wrote " : "", png ? png : "");
    }
    free(rec);
    free(cor);
    aek_model_free(M);
    aek_preproc_free(&prep);
    aek_dataset_free(&data);
    return rc;
}

int cmd_eval(int argc, char **argv)
{
    data_opts d = data_opts_default();
    const char *model = NULL;
    int raw = 0, threads = 0, noisy = 0;
    flag f[] = {
        {"model", FLAG_STRING, &model, "model file (required)", 0, 0, NULL, 0},
        DATA_FLAGS(d),
        {"raw", FLAG_BOOL, &raw, "data are already preprocessed", 0, 0, NULL, 0},
        {"noisy", FLAG_BOOL, &noisy, "evaluate with the model's input noise", 0, 0, NULL, 0},
        {"threads", FLAG_INT, &threads, "worker threads (default: AEKIT_NUM_THREADS or all CPUs)", 1, 256, NULL, 0},
    };
    int r = flags_parse("eval", "Print the loss of a model on data (batch means).", f, NFLAGS(f),
                        argc, argv);
    if (r)
        return r == 1 ? 0 : 2;
    if (cli_init_kernels("eval", threads))
        return 2;
    aek_model *M = NULL;
    aek_preproc prep = {0};
    aek_dataset data = {0};
    int rc = cli_load_model_data("eval", model, 256, &d, raw, &M, &prep, &data);
    if (!rc && noisy)
        rc = noisy_has_effect("eval", M);
    if (!rc) {
        double recon, total;
        if (aek_eval_dataset(M, data.x, data.rows, noisy, &recon, &total) != AEK_OK) {
            fprintf(stderr, "aekit eval: %s\n", aek_last_error());
            rc = 1;
        } else {
            printf("rows %zu\nrecon %.9g\ntotal %.9g\n", data.rows, recon, total);
        }
    }
    aek_model_free(M);
    aek_preproc_free(&prep);
    aek_dataset_free(&data);
    return rc;
}
