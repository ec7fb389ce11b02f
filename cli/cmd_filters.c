/*
 * cmd_filters.c — `aekit filters`: the input that maximally activates each
 * first-layer hidden unit under ‖x‖ ≤ 1, x*_j = W_j / ‖W_j‖ (the notes'
 * argument: h_j = g(W_j·x + b_j) is largest for x parallel to W_j), drawn as
 * a PNG grid.
 */
#include "cli.h"
#include "files.h"
#include "model_io.h"
#include "../src/image_grid.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

int cmd_filters(int argc, char **argv)
{
    const char *model = NULL, *out = "filters.png", *image = NULL, *npy = NULL;
    size_t count = 100, first = 0, columns = 0;
    flag f[] = {
        {"model", FLAG_STRING, &model, "model file (required)", 0, 0, NULL, 0},
        {"out", FLAG_STRING, &out, "PNG grid of the filters", 0, 0, NULL, 0},
        {"npy", FLAG_STRING, &npy, "also write the normalised filters as .npy", 0, 0, NULL, 0},
        {"count", FLAG_SIZE, &count, "number of hidden units to draw", 1, 100000, NULL, 0},
        {"first", FLAG_SIZE, &first, "first hidden unit", 0, 1e8, NULL, 0},
        {"columns", FLAG_SIZE, &columns, "tiles per grid row (0: square)", 0, 10000, NULL, 0},
        {"image", FLAG_STRING, &image, "image shape HxW (default: square)", 0, 0, NULL, 0},
    };
    int r = flags_parse("filters", "Draw W_j/||W_j|| of first-layer hidden units (maximally "
                        "activating inputs).", f, NFLAGS(f), argc, argv);
    if (r)
        return r == 1 ? 0 : 2;
    cli_file inputs[] = {{"model", model}};
    cli_file outputs[] = {{"out", out}, {"npy", npy}};
    if (cli_check_output("filters", "out", out) || cli_check_output("filters", "npy", npy))
        return 1;
    if (cli_check_same_files("filters", inputs, NFILES(inputs), outputs, NFILES(outputs)))
        return 2;
    if (cli_init_kernels("filters", 0))
        return 2;
    aek_model *M = NULL;
    aek_preproc prep = {0};
    int rc = cli_load_model_data("filters", model, 1, NULL, 0, &M, &prep, NULL);
    size_t n = rc ? 0 : M->cfg.sizes[0], k = rc ? 0 : M->cfg.sizes[1], h = 0, w = 0;
    if (!rc && cli_image_shape("filters", image, NULL, n, &h, &w))
        rc = 2;
    if (!rc && first >= k) {
        fprintf(stderr, "aekit filters: --first %zu but the layer has %zu units\n", first, k);
        rc = 2;
    }
    float *img = NULL;
    if (!rc) {
        if (count > k - first)
            count = k - first;
        if (!(img = aek_alloc_floats(count * n))) {
            fprintf(stderr, "aekit filters: out of memory\n");
            rc = 1;
        }
    }
    if (!rc) {
        for (size_t j = 0; j < count; j++) {
            const float *wj = M->W[0] + (first + j) * n;
            double norm = 0;
            for (size_t i = 0; i < n; i++)
                norm += (double)wj[i] * wj[i];
            norm = norm > 0 ? sqrt(norm) : 1;
            for (size_t i = 0; i < n; i++)
                img[j * n + i] = (float)(wj[i] / norm);
        }
        /* --out and --npy are one set: an --npy that fails takes a new --out with it */
        cli_outset set = {NULL, 0, 0, NULL, NULL, 0, 0};
        if (cli_outset_add("filters", &set, out)) {
            rc = 1;
        } else if (aek_image_grid_write(out, img, count, h, w, columns, AEK_GRID_TILE_MINMAX) !=
                       AEK_OK ||
                   (npy && aek_npy_write_f32(npy, img, count, n) != AEK_OK)) {
            fprintf(stderr, "aekit filters: %s\n", aek_last_error());
            rc = 1;
        } else {
            fprintf(stderr, "aekit filters: wrote %zu filters (%zux%zu) to %s\n", count, h, w, out);
        }
        cli_outset_end(&set, rc != 0);
    }
    free(img);
    aek_model_free(M);
    aek_preproc_free(&prep);
    return rc;
}
