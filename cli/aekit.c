/*
 * aekit.c — the command line: `aekit <subcommand> [flags]`.
 */
#include "cli.h"
#include "../src/data.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *getenv_nonempty(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

int cli_init_kernels(const char *cmd, int threads)
{
    /* the library falls back to its default cap on an AEKIT_MAX_DATA_BYTES
     * it cannot read; the command refuses it ("16G" is not a byte count) */
    size_t cap;
    if (aek_data_cap_from_env(&cap) < 0) {
        fprintf(stderr, "aekit %s: AEKIT_MAX_DATA_BYTES='%s' is not a whole number of bytes "
                        "in 1..%zu\n", cmd, getenv("AEKIT_MAX_DATA_BYTES"), (size_t)SIZE_MAX);
        return 1;
    }
    if (aek_init() != AEK_OK) {
        fprintf(stderr, "aekit %s: %s\n", cmd, aek_last_error());
        return 1;
    }
    if (threads > 0 && aek_set_num_threads(threads) != AEK_OK) {
        fprintf(stderr, "aekit %s: %s\n", cmd, aek_last_error());
        return 1;
    }
    return 0;
}

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} CMDS[] = {
    {"train", cmd_train, "train an autoencoder (any variant) and write the model"},
    {"encode", cmd_encode, "codes of data through a model (.npy)"},
    {"reconstruct", cmd_reconstruct, "reconstructions (.npy) and a PNG grid of inputs vs outputs"},
    {"eval", cmd_eval, "the loss of a model on data"},
    {"grad", cmd_grad, "loss and gradient of every tensor for one batch (.npy files)"},
    {"export", cmd_export, "every weight and bias as .npy plus config.json"},
    {"filters", cmd_filters, "PNG grid of first-layer filters W_j/||W_j||"},
    {"pca", cmd_pca, "top-k principal components and explained variance"},
    {"classify", cmd_classify, "softmax classifier on features or codes; test error"},
    {"info", cmd_info, "CPU, features, kernel set, caches, blocking, threads"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: aekit <command> [flags]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof CMDS / sizeof CMDS[0]; i++)
        fprintf(f, "  %-12s %s\n", CMDS[i].name, CMDS[i].help);
    fprintf(f, "  %-12s %s\n", "help", "this text; help <command>, or <command> --help: its flags");
    fprintf(f, "\nenvironment: AEKIT_ISA=scalar|avx2|avx512|neon, AEKIT_NUM_THREADS=n,\n"
               "  AEKIT_MAX_DATA_BYTES=n (memory cap; default 16 GiB or half the physical memory)\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        if (argc > 2) { /* aekit help <command>: that command's flags */
            for (size_t i = 0; i < sizeof CMDS / sizeof CMDS[0]; i++)
                if (!strcmp(argv[2], CMDS[i].name)) {
                    char *args[] = {argv[2], "--help", NULL};
                    return CMDS[i].fn(2, args);
                }
            fprintf(stderr, "aekit help: unknown command '%s'\n", argv[2]);
            usage(stderr);
            return 2;
        }
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof CMDS / sizeof CMDS[0]; i++)
        if (!strcmp(argv[1], CMDS[i].name))
            return CMDS[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "aekit: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
