/* cli.h — subcommands of the aekit command. */
#ifndef AEKIT_CLI_H
#define AEKIT_CLI_H

#include "../src/aekit.h"

/* Each returns the process exit status (0 ok, 1 runtime failure, 2 usage). */
int cmd_info(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_encode(int argc, char **argv);
int cmd_reconstruct(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_grad(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_filters(int argc, char **argv);
int cmd_pca(int argc, char **argv);
int cmd_classify(int argc, char **argv);

/* aek_init() and the thread count (threads ≤ 0: keep the default); prints
 * "aekit <cmd>: <problem>" and returns non-zero on failure. */
int cli_init_kernels(const char *cmd, int threads);

/* getenv that treats an empty value as unset. */
const char *getenv_nonempty(const char *name);

#endif
