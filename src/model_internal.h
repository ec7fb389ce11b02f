/* model_internal.h — functions shared by model.c and model_eval.c. */
#ifndef AEKIT_MODEL_INTERNAL_H
#define AEKIT_MODEL_INTERNAL_H

#include "model.h"

#define aek_ksparse AEK_R(aek_ksparse)
#define aek_model_forward_clean AEK_R(aek_model_forward_clean)
#define aek_model_noise AEK_R(aek_model_noise)

/* dst = src corrupted row by row: row i draws from the counter stream
 * (key seed, key epoch, key row i, stream) — masking with probability
 * `level` or additive Gaussian noise of σ = level.  Threads split the rows;
 * the bits do not depend on the split. */
void aek_model_noise(const real *src, real *dst, size_t m, size_t n, const aek_noise_key *key,
                     uint64_t stream, aek_noise kind, double level);

/* Keep the `keep` largest entries of each row of H (m×width; ties: the lower
 * index wins), zero the rest; mask (if not NULL) records the kept ones.
 * idx: width entries of scratch. */
void aek_ksparse(real *H, size_t m, size_t width, size_t keep, size_t *idx, unsigned char *mask);

/* Clean rows through the encoder (k-sparse keeping `keep` units) into codes
 * (if not NULL) and through the decoder into out (if not NULL, after the
 * output activation), max_batch rows at a time. */
void aek_model_forward_clean(aek_model *M, const real *X, size_t m, size_t keep, real *codes,
                             real *out);

#endif
