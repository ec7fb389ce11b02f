/* model_io.c — shared by the inference subcommands (model_io.h). */
#include "model_io.h"
#include "../simd/error.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

int cli_load_model_data(const char *cmd, const char *model_path, size_t batch, const data_opts *d,
                        int raw, aek_model **M, aek_preproc *prep, aek_dataset *data)
{
    if (!model_path) {
        fprintf(stderr, "aekit %s: --model is required\n", cmd);
        return 2;
    }
    if (aek_model_load(model_path, batch, M, prep, NULL, NULL) != AEK_OK) {
        fprintf(stderr, "aekit %s: %s\n", cmd, aek_last_error());
        return 1;
    }
    if (!data)
        return 0;
    int r = data_opts_load(cmd, d, data);
    if (r)
        return r;
    aek_status s = AEK_OK;
    if (data->cols != (*M)->cfg.sizes[0])
        s = aek_error(AEK_ERR_SHAPE, "the data have %zu columns, the model %s expects %zu inputs",
                      data->cols, model_path, (*M)->cfg.sizes[0]);
    else if (!raw)
        s = aek_preproc_apply(prep, data);
    if (s != AEK_OK) {
        fprintf(stderr, "aekit %s: %s\n", cmd, aek_last_error());
        return 1;
    }
    return 0;
}

int cli_check_finite(const char *cmd, const char *what, const float *x, size_t rows, size_t cols)
{
    /* The library's scan and wording (row, column, NaN/+Inf/-Inf), with the
     * likely cause for a command's own outputs added. */
    char name[64];
    snprintf(name, sizeof name, "the %s are not finite", what);
    if (aek_data_check_finite(name, x, rows, cols) == AEK_OK)
        return 0;
    fprintf(stderr, "aekit %s: %s; the data are far outside what the model was trained on (or "
            "not scaled as it expects)\n", cmd, aek_last_error());
    return 1;
}

int cli_ensure_dir(const char *cmd, const char *dir)
{
    struct stat sb;
    if (stat(dir, &sb) == 0) {
        if (S_ISDIR(sb.st_mode))
            return 0;
        fprintf(stderr, "aekit %s: %s exists and is not a directory\n", cmd, dir);
        return 1;
    }
    if (mkdir(dir, 0777) != 0) {
        fprintf(stderr, "aekit %s: cannot create directory %s: %s\n", cmd, dir, strerror(errno));
        return 1;
    }
    return 0;
}

int cli_path(const char *cmd, char *buf, size_t len, const char *dir, const char *name)
{
    int w = snprintf(buf, len, "%s/%s", dir, name);
    if (w < 0 || (size_t)w >= len) {
        fprintf(stderr, "aekit %s: path %s/%s is too long\n", cmd, dir, name);
        return 1;
    }
    return 0;
}

/* A decimal number of at least one digit at *p (no sign, no overflow). */
static int parse_dim(const char **p, size_t *out)
{
    size_t v = 0;
    const char *s = *p;
    if (*s < '0' || *s > '9')
        return 0;
    for (; *s >= '0' && *s <= '9'; s++)
        if (__builtin_mul_overflow(v, (size_t)10, &v) || __builtin_add_overflow(v, (size_t)(*s - '0'), &v))
            return 0;
    *p = s;
    *out = v;
    return 1;
}

int cli_image_shape(const char *cmd, const char *spec, const aek_dataset *data, size_t cols,
                    size_t *h, size_t *w)
{
    if (spec) {
        /* Digits, 'x', digits and nothing else, H*W without wrap-around:
         * sscanf's %lu took "-16x-49" as (2^64-16) x (2^64-49), whose product
         * wraps to 784 (found by fuzz/fuzz_cli.c, verify/regress/cli/). */
        size_t a, b, prod;
        const char *p = spec;
        if (parse_dim(&p, &a) && (*p == 'x' || *p == 'X') && (++p, parse_dim(&p, &b)) && !*p &&
            !__builtin_mul_overflow(a, b, &prod) && prod == cols) {
            *h = a;
            *w = b;
            return 0;
        }
        fprintf(stderr, "aekit %s: --image '%s' must be HxW with H*W = %zu\n", cmd, spec, cols);
        return 1;
    }
    if (data && data->h && data->w && data->h * data->w == cols) {
        *h = data->h;
        *w = data->w;
        return 0;
    }
    size_t r = (size_t)llround(sqrt((double)cols));
    if (r * r == cols) {
        *h = *w = r;
        return 0;
    }
    fprintf(stderr, "aekit %s: %zu inputs are not a square image; give --image HxW\n", cmd, cols);
    return 1;
}
