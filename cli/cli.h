/* cli.h — subcommands of the aekit command. */
#ifndef AEKIT_CLI_H
#define AEKIT_CLI_H

#include "../src/aekit.h"

/* Each returns the process exit status (0 ok, 1 runtime failure, 2 usage). */
int cmd_info(int argc, char **argv);

/* getenv that treats an empty value as unset. */
const char *getenv_nonempty(const char *name);

#endif
