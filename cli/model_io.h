/*
 * model_io.h — what the inference subcommands share: load a model and the
 * data it should see (with the model's own preprocessing), output
 * directories, image shapes.
 */
#ifndef AEKIT_CLI_MODEL_IO_H
#define AEKIT_CLI_MODEL_IO_H

#include "data_opts.h"
#include "../src/checkpoint.h"
#include "../src/preproc.h"

/* Loads the model (batches of `batch` rows) and, when d != NULL, the data,
 * transformed with the model's preprocessing unless raw.  Prints
 * "aekit <cmd>: <problem>" and returns non-zero on failure. */
int cli_load_model_data(const char *cmd, const char *model_path, size_t batch, const data_opts *d,
                        int raw, aek_model **M, aek_preproc *prep, aek_dataset *data);

/* Non-zero, with "aekit <cmd>: the <what> are not finite: row r, column c
 * is <v>", unless every one of the rows × cols values is finite: results
 * of data far outside the model's training range (float overflow) are
 * refused rather than written. */
int cli_check_finite(const char *cmd, const char *what, const float *x, size_t rows, size_t cols);

/* mkdir -p of one directory (its parent must exist); message on failure. */
int cli_ensure_dir(const char *cmd, const char *dir);

/* dir/name into buf; non-zero (message) if it does not fit. */
int cli_path(const char *cmd, char *buf, size_t len, const char *dir, const char *name);

/* Image shape for cols pixels: "HxW" if given, else the data's, else the
 * square root when cols is a perfect square.  Non-zero (message) if none. */
int cli_image_shape(const char *cmd, const char *spec, const aek_dataset *data, size_t cols,
                    size_t *h, size_t *w);

#endif
