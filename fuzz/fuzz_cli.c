/*
 * fuzz_cli.c — the command line: the flag parser (cli/flags.c) through
 * every subcommand's own flag table, the --hidden size lists and the --image
 * shapes.
 *
 * Input: arguments separated by newlines (the first is the subcommand), at
 * most 48.  The whole `aekit` dispatch runs (cli/aekit.c, built with
 * main renamed to aekit_main) with the flags_parse_only hook set, so each
 * subcommand stops right after parsing its flags: no data are loaded, no
 * training runs.  Every argument is also parsed as a --hidden list and as an
 * --image shape.
 *
 * Beyond "no crash": a parse error exits 2 (usage), never 1 or a crash; an
 * accepted size list has entries in range; an accepted image shape
 * multiplies out to the pixel count without overflow.
 */
#include "fuzz.h"
#include "../cli/cli.h"
#include "../cli/flags.h"
#include "../cli/model_io.h"

#include <stdlib.h>
#include <string.h>

int aekit_main(int argc, char **argv); /* cli/aekit.c, compiled with -Dmain=aekit_main */

#define MAX_ARGS 48

FUZZ_TARGET(cli)
{
    fuzz_setup();
    fuzz_quiet();
    flags_parse_only = 1;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *argv[MAX_ARGS + 2];
    int argc = 0;
    argv[argc++] = "aekit";
    char *p = text;
    while (argc < MAX_ARGS + 1) {
        argv[argc++] = p;
        char *nl = memchr(p, '\n', (size_t)(text + size - p));
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    argv[argc] = NULL; /* a NUL byte inside an argument ends it, as in a real argv */

    int rc = aekit_main(argc, argv);
    if (rc != 0 && rc != 2)
        abort(); /* parse-only: success (0) or a usage error (2), nothing else */

    for (int i = 1; i < argc; i++) {
        size_t sizes[16];
        int k = flags_size_list("fuzz", "hidden", argv[i], sizes, 16, 1, (size_t)1 << 24);
        if (k > 16)
            abort();
        for (int j = 0; j < k; j++)
            if (sizes[j] < 1 || sizes[j] > ((size_t)1 << 24))
                abort();
        size_t h = 0, w = 0, prod = 0;
        if (cli_image_shape("fuzz", argv[i], NULL, 784, &h, &w) == 0 &&
            (h == 0 || w == 0 || __builtin_mul_overflow(h, w, &prod) || prod != 784))
            abort();
    }
    free(text);
    return 0;
}
