/*
 * preproc.h — the input transformation a model was trained with, stored in
 * the model file so encode/reconstruct/eval apply exactly the same one:
 *   x → scale(x) → (x − mean) → / std
 * scale: none, /255 (uint8 data), or min–max with the training set's lo, hi.
 */
#ifndef AEKIT_PREPROC_H
#define AEKIT_PREPROC_H

#include "data.h"

typedef enum {
    AEK_SCALE_NONE = 0,
    AEK_SCALE_U8 = 1,     /* x / 255                         */
    AEK_SCALE_MINMAX = 2  /* (x − lo) / (hi − lo)            */
} aek_scale_kind;

typedef struct aek_preproc_s {
    aek_scale_kind scale;
    aek_data_origin origin; /* the training data's: uint8 values or floats */
    float lo, hi;          /* min–max of the training data   */
    size_t cols;           /* length of mean/std             */
    float *mean;           /* NULL: not centered             */
    float *std;            /* NULL: not standardized         */
} aek_preproc;

/* How the caller asked for scaling: auto = /255 for uint8 data, none for
 * float data. */
typedef enum { AEK_SCALE_ASK_AUTO = 0, AEK_SCALE_ASK_NONE, AEK_SCALE_ASK_UNIT, AEK_SCALE_ASK_MINMAX } aek_scale_ask;

/* Fits the transformation on d (training data) and applies it in place. */
aek_status aek_preproc_fit(aek_dataset *d, aek_scale_ask scale, int center, int standardize,
                           aek_preproc *out);

/* Applies a fitted transformation to other data (same cols).  Data of the
 * wrong origin are refused (AEK_ERR_ARG): uint8 values 0..255 for a model
 * trained on floats, floats for a model trained on uint8 data (whatever
 * its scaling). */
aek_status aek_preproc_apply(const aek_preproc *p, aek_dataset *d);

/* Deep copy (dst freed by aek_preproc_free). */
aek_status aek_preproc_copy(aek_preproc *dst, const aek_preproc *src);

void aek_preproc_free(aek_preproc *p);

/* One line, e.g. "scale /255, centered". */
void aek_preproc_describe(const aek_preproc *p, char *buf, size_t len);

#endif
