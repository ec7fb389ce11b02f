/*
 * data_prep.c — in-place preprocessing of a dataset (data.h): scaling to
 * [0, 1], centering, standardizing, row selection.  Column statistics are
 * accumulated in double so a 60000-row column mean is exact to float
 * precision whatever the row order.
 */
#include "data.h"
#include "../simd/error.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static aek_status need_data(const aek_dataset *d, const char *op)
{
    if (!d || !d->x || d->rows == 0 || d->cols == 0)
        return aek_error(AEK_ERR_ARG, "%s: the dataset is empty", op);
    return AEK_OK;
}

aek_status aek_data_scale_u8(aek_dataset *d)
{
    aek_status s = need_data(d, "scale by 1/255");
    if (s != AEK_OK)
        return s;
    if (d->origin != AEK_ORIGIN_U8)
        return aek_error(AEK_ERR_ARG, "scale by 1/255: the data are not raw uint8 values "
                                      "(already scaled, or float data: use min-max scaling)");
    size_t n = d->rows * d->cols;
    for (size_t i = 0; i < n; i++)
        d->x[i] /= 255.0f;
    d->origin = AEK_ORIGIN_FLOAT;
    return AEK_OK;
}

aek_status aek_data_scale_minmax(aek_dataset *d, float *lo, float *hi)
{
    aek_status s = need_data(d, "min-max scaling");
    if (s != AEK_OK)
        return s;
    size_t n = d->rows * d->cols;
    float mn = d->x[0], mx = d->x[0];
    for (size_t i = 1; i < n; i++) {
        mn = d->x[i] < mn ? d->x[i] : mn;
        mx = d->x[i] > mx ? d->x[i] : mx;
    }
    if (!isfinite(mn) || !isfinite(mx))
        return aek_error(AEK_ERR_NUMERIC, "min-max scaling: the data hold NaN or Inf");
    /* The range in double: max − min of two floats can overflow float. */
    double range = (double)mx - (double)mn;
    for (size_t i = 0; i < n; i++)
        d->x[i] = range > 0 ? (float)(((double)d->x[i] - mn) / range) : 0.0f;
    if (lo)
        *lo = mn;
    if (hi)
        *hi = mx;
    d->origin = AEK_ORIGIN_FLOAT;
    return AEK_OK;
}

aek_status aek_data_scale_unit(aek_dataset *d)
{
    if (d && d->origin == AEK_ORIGIN_U8)
        return aek_data_scale_u8(d);
    return aek_data_scale_minmax(d, NULL, NULL);
}

aek_status aek_data_center_with(aek_dataset *d, const float *mean)
{
    aek_status s = need_data(d, "centering");
    if (s != AEK_OK)
        return s;
    if (!mean)
        return aek_error(AEK_ERR_ARG, "centering: no column means given");
    if (d->mean)
        return aek_error(AEK_ERR_ARG, "centering: the data are already centered");
    float *keep = malloc(d->cols * sizeof(float));
    if (!keep)
        return aek_error(AEK_ERR_NOMEM, "centering: out of memory");
    memcpy(keep, mean, d->cols * sizeof(float));
    for (size_t i = 0; i < d->rows; i++) {
        float *row = d->x + i * d->cols;
        for (size_t j = 0; j < d->cols; j++)
            row[j] -= keep[j];
    }
    d->mean = keep;
    return AEK_OK;
}

aek_status aek_data_center(aek_dataset *d)
{
    aek_status s = need_data(d, "centering");
    if (s != AEK_OK)
        return s;
    if (d->mean)
        return aek_error(AEK_ERR_ARG, "centering: the data are already centered");
    double *sum = calloc(d->cols, sizeof(double));
    float *mean = malloc(d->cols * sizeof(float));
    if (!sum || !mean) {
        free(sum);
        free(mean);
        return aek_error(AEK_ERR_NOMEM, "centering: out of memory");
    }
    for (size_t i = 0; i < d->rows; i++) {
        const float *row = d->x + i * d->cols;
        for (size_t j = 0; j < d->cols; j++)
            sum[j] += row[j];
    }
    for (size_t j = 0; j < d->cols; j++)
        mean[j] = (float)(sum[j] / (double)d->rows);
    free(sum);
    s = aek_data_center_with(d, mean);
    free(mean);
    return s;
}

static aek_status divide_columns(aek_dataset *d, const float *std)
{
    float *keep = malloc(d->cols * sizeof(float));
    if (!keep)
        return aek_error(AEK_ERR_NOMEM, "standardizing: out of memory");
    memcpy(keep, std, d->cols * sizeof(float));
    for (size_t i = 0; i < d->rows; i++) {
        float *row = d->x + i * d->cols;
        for (size_t j = 0; j < d->cols; j++)
            row[j] /= keep[j];
    }
    free(d->std);
    d->std = keep;
    return AEK_OK;
}

aek_status aek_data_standardize(aek_dataset *d)
{
    aek_status s = need_data(d, "standardizing");
    if (s != AEK_OK)
        return s;
    if (d->std)
        return aek_error(AEK_ERR_ARG, "standardizing: the data are already standardized");
    if (!d->mean && (s = aek_data_center(d)) != AEK_OK)
        return s;
    double *ss = calloc(d->cols, sizeof(double));
    float *std = malloc(d->cols * sizeof(float));
    if (!ss || !std) {
        free(ss);
        free(std);
        return aek_error(AEK_ERR_NOMEM, "standardizing: out of memory");
    }
    /* The data are centered now: the variance is the mean square.  The
     * residual mean from float centering is below float rounding, far under
     * the zero-variance guard. */
    for (size_t i = 0; i < d->rows; i++) {
        const float *row = d->x + i * d->cols;
        for (size_t j = 0; j < d->cols; j++)
            ss[j] += (double)row[j] * row[j];
    }
    double largest = 0;
    for (size_t j = 0; j < d->cols; j++) {
        ss[j] = sqrt(ss[j] / (double)d->rows);
        largest = ss[j] > largest ? ss[j] : largest;
    }
    /* Constant columns (e.g. MNIST's border pixels) are divided by 1, not by
     * a rounding-noise std that would blow them up. */
    for (size_t j = 0; j < d->cols; j++)
        std[j] = ss[j] > 1e-6 * largest && ss[j] > 0 ? (float)ss[j] : 1.0f;
    free(ss);
    s = divide_columns(d, std);
    free(std);
    return s;
}

aek_status aek_data_standardize_with(aek_dataset *d, const float *mean, const float *std)
{
    aek_status s = need_data(d, "standardizing");
    if (s != AEK_OK)
        return s;
    if (!std)
        return aek_error(AEK_ERR_ARG, "standardizing: no column std given");
    if (d->std)
        return aek_error(AEK_ERR_ARG, "standardizing: the data are already standardized");
    for (size_t j = 0; j < d->cols; j++)
        if (!(std[j] > 0) || !isfinite(std[j]))
            return aek_error(AEK_ERR_ARG, "standardizing: std of column %zu is %g (must be > 0)",
                             j, (double)std[j]);
    if (!d->mean && (s = aek_data_center_with(d, mean)) != AEK_OK)
        return s;
    return divide_columns(d, std);
}

aek_status aek_data_select_rows(aek_dataset *d, size_t first, size_t count)
{
    aek_status s = need_data(d, "row selection");
    if (s != AEK_OK)
        return s;
    if (count == 0 || first >= d->rows || count > d->rows - first)
        return aek_error(AEK_ERR_ARG, "row selection [%zu, %zu + %zu) is outside the %zu rows",
                         first, first, count, d->rows);
    float *x = aek_alloc_floats(count * d->cols);
    if (!x)
        return aek_error(AEK_ERR_NOMEM, "row selection: out of memory");
    memcpy(x, d->x + first * d->cols, count * d->cols * sizeof(float));
    if (d->labels) /* the kept labels move to the front; the block stays valid */
        memmove(d->labels, d->labels + first, count);
    free(d->x);
    d->x = x;
    d->rows = count;
    return AEK_OK;
}

aek_status aek_data_take_first(aek_dataset *d, size_t n)
{
    aek_status s = need_data(d, "taking the first rows");
    if (s != AEK_OK)
        return s;
    if (n == 0)
        return aek_error(AEK_ERR_ARG, "taking the first rows: n must be >= 1");
    return aek_data_select_rows(d, 0, n < d->rows ? n : d->rows);
}
