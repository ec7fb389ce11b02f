/*
 * lib_gradref.h — the double-precision model as a reference for the float
 * kernel sets (lib_gradref_f64.c).  Parameters and gradients in the compact
 * tensor order: the model's tensors back to back without padding.
 */
#ifndef AEKIT_VERIFY_LIB_GRADREF_H
#define AEKIT_VERIFY_LIB_GRADREF_H

#include <stddef.h>
#include "../src/ae_config.h"

struct aek_noise_key_s;
struct aek_model_f64;

/* Loss parts {total, recon, l2, sparse, contractive, cae_h} and the
 * gradient; 0 on success. */
int gradref_f64(const aek_config *cfg, size_t m, const double *params, const double *X,
                const struct aek_noise_key_s *key, double *grad, double parts[6]);

/* Smallest distance from a kink (ReLU at 0, k-sparse ties) at this point. */
double gradref_kink_margin_f64(const aek_config *cfg, size_t m, const double *params,
                               const double *X, const struct aek_noise_key_s *key);

/* For double-precision tests: the model's forward pass written out again
 * (encoder, k-sparse selection, decoder hidden layers) at input `in`
 * (m rows); returns the smallest distance from a kink, leaves the code
 * layer's activations in *code (malloc'd; NULL: not kept) and max(1, |in|)
 * in *maxin (may be NULL). */
double gradref_own_forward_f64(const struct aek_model_f64 *M, const double *in, size_t m,
                               double **code, double *maxin);

#endif
