/* preproc.c — fitting and re-applying the input transformation (preproc.h). */
#include "preproc.h"
#include "../simd/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void aek_preproc_free(aek_preproc *p)
{
    free(p->mean);
    free(p->std);
    memset(p, 0, sizeof *p);
}

static float *dup_floats(const float *x, size_t n)
{
    if (!x)
        return NULL;
    float *y = malloc(n * sizeof(float));
    if (y)
        memcpy(y, x, n * sizeof(float));
    return y;
}

aek_status aek_preproc_copy(aek_preproc *dst, const aek_preproc *src)
{
    *dst = *src;
    dst->mean = dup_floats(src->mean, src->cols);
    dst->std = dup_floats(src->std, src->cols);
    if ((src->mean && !dst->mean) || (src->std && !dst->std)) {
        aek_preproc_free(dst);
        return aek_error(AEK_ERR_NOMEM, "out of memory");
    }
    return AEK_OK;
}

/* Finite data can still overflow float32 when centered or scaled (values
 * near ±3.4e38): refuse, naming row and column, rather than train on or
 * encode Inf/NaN (found by fuzz/fuzz_csv.c, verify/regress/csv/). */
static aek_status check_result(const aek_dataset *d)
{
    return aek_data_check_finite("preprocessing overflows float32 (values too large to center or "
                                 "scale)", d->x, d->rows, d->cols);
}

aek_status aek_preproc_fit(aek_dataset *d, aek_scale_ask scale, int center, int standardize,
                           aek_preproc *out)
{
    memset(out, 0, sizeof *out);
    out->cols = d->cols;
    out->origin = d->origin; /* before scaling turns uint8 values into floats */
    aek_status s = AEK_OK;
    if (scale == AEK_SCALE_ASK_AUTO)
        scale = d->origin == AEK_ORIGIN_U8 ? AEK_SCALE_ASK_UNIT : AEK_SCALE_ASK_NONE;
    if (scale == AEK_SCALE_ASK_UNIT && d->origin != AEK_ORIGIN_U8)
        scale = AEK_SCALE_ASK_MINMAX; /* "unit" of float data: min–max into [0, 1] */
    if (scale == AEK_SCALE_ASK_UNIT) {
        s = aek_data_scale_u8(d);
        out->scale = AEK_SCALE_U8;
    } else if (scale == AEK_SCALE_ASK_MINMAX) {
        s = aek_data_scale_minmax(d, &out->lo, &out->hi);
        out->scale = AEK_SCALE_MINMAX;
    }
    if (s == AEK_OK && standardize)
        s = aek_data_standardize(d);
    else if (s == AEK_OK && center)
        s = aek_data_center(d);
    if (s == AEK_OK && d->mean && !(out->mean = dup_floats(d->mean, d->cols)))
        s = aek_error(AEK_ERR_NOMEM, "out of memory");
    if (s == AEK_OK && d->std && !(out->std = dup_floats(d->std, d->cols)))
        s = aek_error(AEK_ERR_NOMEM, "out of memory");
    if (s == AEK_OK && (scale != AEK_SCALE_ASK_NONE || center || standardize))
        s = check_result(d);
    if (s != AEK_OK)
        aek_preproc_free(out);
    return s;
}

aek_status aek_preproc_apply(const aek_preproc *p, aek_dataset *d)
{
    if (d->cols != p->cols)
        return aek_error(AEK_ERR_SHAPE, "the data have %zu columns, the model was trained on %zu",
                         d->cols, p->cols);
    aek_status s = AEK_OK;
    /* Raw 0..255 into a model trained on floats (typically in [0, 1]) is a
     * silent 255x error: an eval loss of 356308 instead of 1.4. */
    if (p->origin != AEK_ORIGIN_U8 && d->origin == AEK_ORIGIN_U8)
        return aek_error(AEK_ERR_ARG, "the model was trained on floating-point data; these data "
                         "are uint8 (0..255) and would reach it unscaled: convert them to floats "
                         "like the training data (e.g. x / 255 saved as a float32 .npy), or pass "
                         "--raw (encode, reconstruct, eval) to feed them as they are");
    /* The reverse, for every model of uint8 data: floats in [0, 1] into a
     * model trained on 0..255 unscaled (or min-max scaled over 0..255) were
     * taken as they came, the same silent error the other way round. */
    if (p->origin == AEK_ORIGIN_U8 && d->origin != AEK_ORIGIN_U8)
        return aek_error(AEK_ERR_ARG, "the model expects uint8 data (it was trained on uint8 "
                         "values 0..255, %s); these data are floating point: give it uint8 data "
                         "like its training data (IDX ubyte or a uint8 .npy), or pass --raw "
                         "(encode, reconstruct, eval) to feed them as they are",
                         p->scale == AEK_SCALE_U8 ? "scaled by 1/255" :
                         p->scale == AEK_SCALE_MINMAX ? "min-max scaled" : "unscaled");
    if (p->scale == AEK_SCALE_U8) {
        s = aek_data_scale_u8(d);
    } else if (p->scale == AEK_SCALE_MINMAX) {
        /* Exactly the arithmetic of aek_data_scale_minmax (range and quotient
         * in double): a model must see its training data bit for bit as
         * training did, and a range above FLT_MAX must not become Inf (the
         * float version differed on ordinary data; found by fuzz/fuzz_csv.c,
         * verify/regress/csv/). */
        double range = (double)p->hi - (double)p->lo;
        for (size_t i = 0; i < d->rows * d->cols; i++)
            d->x[i] = range > 0 ? (float)(((double)d->x[i] - p->lo) / range) : 0.0f;
    }
    if (s == AEK_OK && p->std)
        s = aek_data_standardize_with(d, p->mean, p->std);
    else if (s == AEK_OK && p->mean)
        s = aek_data_center_with(d, p->mean);
    if (s == AEK_OK && (p->scale != AEK_SCALE_NONE || p->mean || p->std))
        s = check_result(d);
    return s;
}

void aek_preproc_describe(const aek_preproc *p, char *buf, size_t len)
{
    snprintf(buf, len, "%s%s%s",
             p->scale == AEK_SCALE_U8 ? "scaled /255" :
             p->scale == AEK_SCALE_MINMAX ? "min-max scaled" : "unscaled",
             p->std ? ", standardized" : p->mean ? ", centered" : "", "");
}
