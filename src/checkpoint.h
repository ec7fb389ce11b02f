/*
 * checkpoint.h — model files: versioned, checksummed, written atomically.
 *
 * Layout (all little-endian):
 *   "AEKITMDL"  magic (8 bytes)
 *   u32 version (1), u32 flags (bit 0: training state follows; any other
 *       bit is refused)
 *   u64 payload bytes
 *   payload: configuration, kernel set name, u64 parameter count, the
 *            parameters tensor by tensor (float32, no padding), the input
 *            preprocessing (scale kind, lo, hi, optional mean/std); then, with
 *            the flag, the training state (optimizer, step, epoch, batch
 *            position, seed, running sums, data fingerprint, moments)
 *   u32 CRC-32 of everything before it
 *
 * Loading checks the magic, version, length, checksum, flags, every field's
 * range and that all parameters are finite, and names the problem (the
 * field) otherwise.  The fields whose range depends on the data or on the
 * optimizer's rules (batch position, rows done, learning rate, betas, eps,
 * the running sums) are checked by aek_train when it resumes from the state.
 */
#ifndef AEKIT_CHECKPOINT_H
#define AEKIT_CHECKPOINT_H

#include "model.h"
#include "preproc.h"
#include "train.h"

#define AEK_MODEL_VERSION 1u

/* Writes M, its input preprocessing (NULL: none) and st (NULL: none) to
 * path atomically. */
aek_status aek_model_save(const char *path, const aek_model *M, const aek_preproc *prep,
                          const aek_train_state *st);

/* Reads a model file, creates *M for batches up to max_batch (0: the
 * checkpoint's training batch, or 1 without training state); fills *prep
 * (when not NULL; free with aek_preproc_free) and *st (when not NULL) with
 * the training state if the file has one (*has_state tells). */
aek_status aek_model_load(const char *path, size_t max_batch, aek_model **M, aek_preproc *prep,
                          aek_train_state *st, int *has_state);

#endif
