/*
 * flags.h — a table-driven parser for `--name value` / `--name=value` flags.
 * Each subcommand lists its flags once; the same table drives parsing, range
 * checks, error messages (naming the flag and the bad value) and the help.
 */
#ifndef AEKIT_CLI_FLAGS_H
#define AEKIT_CLI_FLAGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum {
    FLAG_BOOL,    /* --name (no value): *(int *)p = 1                        */
    FLAG_INT,     /* *(int *)p, within [lo, hi]                              */
    FLAG_SIZE,    /* *(size_t *)p, within [lo, hi]                           */
    FLAG_U64,     /* *(uint64_t *)p                                          */
    FLAG_DOUBLE,  /* *(double *)p, finite, within [lo, hi]                   */
    FLAG_STRING,  /* *(const char **)p                                        */
    FLAG_CHOICE   /* *(int *)p = index of the value in choices (NULL-ended)  */
} flag_type;

typedef struct {
    const char *name;      /* without the leading "--"                      */
    flag_type type;
    void *p;
    const char *help;
    double lo, hi;         /* FLAG_INT/SIZE/DOUBLE range (lo == hi: none)   */
    const char *const *choices;
    int seen;              /* set by the parser                             */
} flag;

/* Parses argv[1..argc-1] (argv[0] is the subcommand).  On an error prints
 * "aekit <cmd>: <problem>" and a usage hint to stderr and returns 2; on
 * --help prints the help to stdout and returns 1; else 0. */
int flags_parse(const char *cmd, const char *summary, flag *f, size_t nf, int argc, char **argv);

/* Test hook for fuzz/fuzz_cli.c and verify/test_regress.c: when non-zero, a
 * successful parse returns 1 (as --help does), so every subcommand stops
 * right after its flags, before loading data or doing any work.  Never set by
 * the aekit command itself. */
extern int flags_parse_only;

void flags_help(FILE *out, const char *cmd, const char *summary, const flag *f, size_t nf);

/* The flag of that name (NULL if not in the table). */
const flag *flags_find(const flag *f, size_t nf, const char *name);

/* Parses a comma-separated list of sizes ("784,256,64") into out[max];
 * returns the count or -1 (message printed, naming the flag). */
int flags_size_list(const char *cmd, const char *flag_name, const char *s, size_t *out, int max,
                    size_t lo, size_t hi);

#define NFLAGS(a) (sizeof(a) / sizeof((a)[0]))

#endif
