/*
 * data_opts.h — the data flags shared by the subcommands: a file (IDX, NPY,
 * CSV, gzip'd or not) or the built-in synthetic manifold data, and a row
 * range.  (No labels: only `classify` uses labels, with its own flags.)
 */
#ifndef AEKIT_CLI_DATA_OPTS_H
#define AEKIT_CLI_DATA_OPTS_H

#include "flags.h"
#include "../src/data.h"

typedef struct {
    const char *data;
    size_t limit, skip;
    size_t synth_rows, synth_dim, synth_latent;
    double synth_noise;
    uint64_t synth_seed;
} data_opts;

data_opts data_opts_default(void);

#define DATA_FLAGS(o)                                                                          \
    {"data", FLAG_STRING, &(o).data, "data file: IDX, .npy or .csv, optionally .gz; - is "      \
     "standard input (default: synthetic manifold data)", 0, 0, NULL, 0},                      \
    {"skip", FLAG_SIZE, &(o).skip, "drop the first N rows", 0, 0, NULL, 0},                    \
    {"limit", FLAG_SIZE, &(o).limit, "use at most N rows (0: all)", 0, 0, NULL, 0},            \
    {"synthetic-rows", FLAG_SIZE, &(o).synth_rows, "rows of synthetic data (--synthetic-*: without --data)", \
     1, 1e8, NULL, 0},                                                                         \
    {"synthetic-dim", FLAG_SIZE, &(o).synth_dim, "columns of synthetic data", 1, 1e6, NULL, 0}, \
    {"synthetic-latent", FLAG_SIZE, &(o).synth_latent, "latent dimension of synthetic data",   \
     1, 1e4, NULL, 0},                                                                         \
    {"synthetic-noise", FLAG_DOUBLE, &(o).synth_noise, "noise of synthetic data", 0, 100, NULL, 0}, \
    {"synthetic-seed", FLAG_U64, &(o).synth_seed, "seed of synthetic data", 0, 0, NULL, 0}

/* "-" (standard input) as /dev/stdin; any other path as it is. */
const char *data_opts_path(const char *path);

/* Loads (or generates) the data; on error prints "aekit <cmd>: <message>"
 * and returns 1. */
int data_opts_load(const char *cmd, const data_opts *o, aek_dataset *d);

#endif
