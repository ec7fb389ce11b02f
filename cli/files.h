/*
 * files.h — checks on the files a subcommand reads and writes, made before it
 * does any work, so that a wrong path costs a message instead of a user's
 * file or a long run.
 */
#ifndef AEKIT_CLI_FILES_H
#define AEKIT_CLI_FILES_H

#include <stddef.h>

/* One file named on the command line. */
typedef struct {
    const char *flag; /* the flag without "--", for messages                    */
    const char *path; /* NULL: the flag was not given and the file is skipped   */
} cli_file;

/* Refuses an output that is the same existing file as an input (compared by
 * device and inode, so links and other spellings of the path count), and two
 * outputs that name the same file (existing or not: same directory, same
 * name).  Writing either would destroy the input or the other output.
 * Outputs that are not regular files (/dev/null, /dev/full, a FIFO) are
 * written in place, never replaced, and are not compared.  Prints
 * "aekit <cmd>: ..." naming both flags and paths and returns 2 on a clash,
 * else 0. */
int cli_check_same_files(const char *cmd, const cli_file *in, size_t nin, const cli_file *out,
                         size_t nout);

/* cli_check_same_files for the files a command writes into a directory
 * (--out-dir): dir/names[i], as the output `flag`, against the inputs. */
int cli_check_dir_files(const char *cmd, const cli_file *in, size_t nin, const char *flag,
                        const char *dir, const char *const *names, size_t nnames);

#define NFILES(a) (sizeof(a) / sizeof((a)[0]))

#endif
