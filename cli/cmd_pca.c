/*
 * cmd_pca.c — `aekit pca`: the top-k principal components and explained
 * variance of a data set, computed by the toolkit's own code (covariance
 * through the project GEMM, symmetric eigen-solver in double; src/pca.h).
 */
#include "cli.h"
#include "data_opts.h"
#include "files.h"
#include "model_io.h"
#include "../src/fileio.h"
#include "../src/pca.h"
#include "../src/preproc.h"

#include <stdio.h>
#include <stdlib.h>

static const char *const SCALES[] = {"auto", "none", "unit", "minmax", NULL};
static const char *const SOLVERS[] = {"auto", "full", "topk", NULL};

int cmd_pca(int argc, char **argv)
{
    data_opts d = data_opts_default();
    const char *dir = NULL;
    size_t k = 10, show = 10;
    int scale = 0, stdz = 0, solver = 0, threads = 0;
    flag f[] = {
        DATA_FLAGS(d),
        {"scale", FLAG_CHOICE, &scale, "input scaling before PCA: auto = /255 for uint8 data; unit = /255 for uint8, min-max for float data; minmax = into [0, 1] by the overall min and max", 0, 0, SCALES, 0},
        {"standardize", FLAG_BOOL, &stdz, "divide columns by their std (correlation PCA)", 0, 0, NULL, 0},
        {"k", FLAG_SIZE, &k, "number of components", 1, 1 << 24, NULL, 0},
        {"solver", FLAG_CHOICE, &solver, "eigen-solver", 0, 0, SOLVERS, 0},
        {"out-dir", FLAG_STRING, &dir, "write components.npy (k x n), eigenvalues.npy, explained.npy, "
         "mean.npy (and std.npy with --standardize): codes = ((x scaled - mean) / std) components^T", 0, 0, NULL, 0},
        {"show", FLAG_SIZE, &show, "components listed on stdout", 0, 1 << 24, NULL, 0},
        {"threads", FLAG_INT, &threads, "worker threads (default: AEKIT_NUM_THREADS or all CPUs)", 1, 256, NULL, 0},
    };
    int r = flags_parse("pca", "Principal components of a data set (mean-centred; covariance "
                        "X_c^T X_c / m).", f, NFLAGS(f), argc, argv);
    if (r)
        return r == 1 ? 0 : 2;
    static const char *const names[] = {"components.npy", "eigenvalues.npy", "explained.npy",
                                        "mean.npy", "std.npy"};
    size_t nnames = stdz ? 5 : 4;
    cli_file inputs[] = {{"data", d.data}};
    if (dir && (r = cli_check_dir_files("pca", inputs, NFILES(inputs), "out-dir", dir, names,
                                        nnames)))
        return r;
    if (cli_init_kernels("pca", threads))
        return 2;
    /* n×n matrices too large for memory are refused before the data are
     * read: the header's shape (or --synthetic-dim) gives n */
    size_t cols = d.data ? aek_data_declared_columns(data_opts_path(d.data)) : d.synth_dim;
    if (cols && aek_pca_check_size(cols, k, (aek_pca_solver)solver) != AEK_OK) {
        fprintf(stderr, "aekit pca: %s: %s\n", d.data ? d.data : "synthetic data", aek_last_error());
        return 1;
    }
    aek_dataset data = {0};
    if ((r = data_opts_load("pca", &d, &data)))
        return r;
    int rc = 0;
    aek_preproc prep = {0};
    aek_pca *p = NULL;
    if (k > data.cols) {
        fprintf(stderr, "aekit pca: --k %zu exceeds the %zu columns of the data\n", k, data.cols);
        rc = 2;
    } else if (aek_preproc_fit(&data, (aek_scale_ask)scale, 0, stdz, &prep) != AEK_OK) {
        fprintf(stderr, "aekit pca: %s\n", aek_last_error());
        rc = 1;
    } else {
        aek_pca_opts o = {0, (aek_pca_solver)solver, 0};
        if (aek_pca_fit(data.x, data.rows, data.cols, data.cols, k, &o, &p) != AEK_OK) {
            fprintf(stderr, "aekit pca: %s\n", aek_last_error());
            rc = 1;
        }
    }
    if (!rc) {
        printf("rows %zu, columns %zu, total variance %.9g, solver %s\n", data.rows, data.cols,
               p->total_variance, p->solver == AEK_PCA_FULL ? "full" : "topk");
        /* what "x scaled" means for projecting new data */
        char how[96];
        aek_preproc_describe(&prep, how, sizeof how);
        if (prep.scale == AEK_SCALE_MINMAX)
            printf("input %s: (x - lo) / (hi - lo), lo %.9g, hi %.9g\n", how, prep.lo, prep.hi);
        else
            printf("input %s\n", how);
        printf("%5s %16s %10s %10s\n", "comp", "eigenvalue", "explained", "cumulative");
        double cum = 0;
        for (size_t j = 0; j < k; j++) {
            cum += p->explained[j];
            if (j < show)
                printf("%5zu %16.9g %10.6f %10.6f\n", j + 1, p->eigenvalues[j], p->explained[j], cum);
        }
        printf("discarded variance (sum of the other eigenvalues) %.9g\n", p->discarded);
    }
    if (!rc && dir) {
        /* each step prints its own message, once; a failure removes what
         * this run created (files, and the directory) */
        char path[4096];
        cli_outset set = {NULL, 0, 0, NULL, NULL, 0, 0};
        float *tmp = malloc((k > data.cols ? k : data.cols) * sizeof(float));
        if (!tmp) {
            fprintf(stderr, "aekit pca: out of memory\n");
            rc = 1;
        }
        if (!rc)
            rc = cli_outset_mkdir("pca", &set, dir);
        aek_status s = AEK_OK;
        if (!rc && !(rc = cli_outset_path("pca", &set, path, sizeof path, dir, names[0])))
            s = aek_npy_write_f32(path, p->components_f, k, data.cols);
        struct { const char *name; const double *v; size_t n; } vec[] = {
            {names[1], p->eigenvalues, k}, {names[2], p->explained, k},
            {names[3], p->mean, data.cols}};
        for (size_t i = 0; !rc && s == AEK_OK && i < 3; i++) {
            for (size_t j = 0; j < vec[i].n; j++)
                tmp[j] = (float)vec[i].v[j];
            /* --standardize: PCA saw (x − mean)/std, whose own mean is 0 up
             * to rounding; new data need the mean and std of the scaled
             * data, so those are written (the same rule with and without) */
            const float *v = i == 2 && prep.std ? prep.mean : tmp;
            if (!(rc = cli_outset_path("pca", &set, path, sizeof path, dir, vec[i].name)))
                s = aek_npy_write_f32_1d(path, v, vec[i].n);
        }
        if (!rc && s == AEK_OK && prep.std &&
            !(rc = cli_outset_path("pca", &set, path, sizeof path, dir, names[4])))
            s = aek_npy_write_f32_1d(path, prep.std, data.cols);
        if (s != AEK_OK) {
            fprintf(stderr, "aekit pca: %s\n", aek_last_error());
            rc = 1;
        }
        cli_outset_end(&set, rc != 0);
        free(tmp);
    }
    aek_pca_free(p);
    aek_preproc_free(&prep);
    aek_dataset_free(&data);
    return rc;
}
