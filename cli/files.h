/*
 * files.h — checks on the files a subcommand reads and writes, made before it
 * does any work, so that a wrong path costs a message instead of a user's
 * file or a long run.
 */
#ifndef AEKIT_CLI_FILES_H
#define AEKIT_CLI_FILES_H

#include <stddef.h>
#include <stdio.h>

/* Refuses, before any work, an output that cannot be created: its
 * directory is missing or not writable, or a directory stands in its place
 * (before, these showed only when the file was written, after the whole
 * run).  A device such as /dev/full is written in place; its errors are
 * reported when written.  NULL path: nothing to check.  Prints
 * "aekit <cmd>: --<flag> <path>: <problem>" and returns 1, else 0. */
int cli_check_output(const char *cmd, const char *flag_name, const char *path);

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

/* The checks for the files a command writes into a directory (--out-dir):
 * the directory exists and is writable, or can be created, and is not a
 * file (1 and a message if not); no dir/names[i] is a directory (1); and,
 * as cli_check_same_files, none is one of the inputs (2). */
int cli_check_dir_files(const char *cmd, const cli_file *in, size_t nin, const char *flag_name,
                        const char *dir, const char *const *names, size_t nnames);

/* A text output (--history) written while the command runs but put in
 * place only if it succeeds: the rows go to a temporary file next to the
 * target, renamed over it by cli_staged_commit; cli_staged_discard removes
 * the temporary and leaves the old file as it was (before, a failed run
 * left a partial CSV where the user's file had been).  A target that is
 * not a regular file (/dev/null, /dev/full, a FIFO) is written in place,
 * and a symbolic link has the file it names replaced, as in src/fileio.h. */
typedef struct {
    FILE *f;                /* where the rows go; NULL when not open        */
    const char *flag, *path;
    char target[4096];      /* the file replaced: path, links resolved      */
    char tmp[4096 + 64];    /* the temporary; empty when written in place   */
} cli_staged;

/* Opens the temporary; keep_old starts it with the target's content (a
 * resumed run appends to its history).  Message, non-zero on failure. */
int cli_staged_open(const char *cmd, const char *flag_name, const char *path, int keep_old,
                    cli_staged *s);

/* Flushes, syncs and closes the temporary and renames it over the target;
 * on failure a message naming the flag and path, the temporary removed,
 * non-zero.  Nothing to do (0) when not open. */
int cli_staged_commit(const char *cmd, cli_staged *s);

/* Closes and removes the temporary; the target keeps its old content. */
void cli_staged_discard(cli_staged *s);

/* The files of an output set (several files, or a directory of them): the
 * ones that did not exist before the command wrote them, the directory it
 * created, and a hard link to the old content of each regular file it
 * replaces.  When a later file of the set fails, the new files are removed
 * and the replaced ones get their old content back, so that a failed
 * command leaves the set as it found it.  (Every writer replaces a regular
 * file by renaming a finished temporary over it, aek_file_write_atomic, so
 * the link keeps the old inode.  Where the file system refuses hard links
 * the old content is not kept.)  Zero-initialise. */
typedef struct {
    char *path; /* the replaced file, links resolved */
    char *link; /* the hard link to its old content  */
} cli_kept;

typedef struct {
    char **created;
    size_t n, cap;
    char *dir;
    cli_kept *kept;
    size_t nk, capk;
} cli_outset;

/* Call before writing path: remembers it when it does not exist yet, or
 * links its old content aside when it is a regular file.  Non-zero
 * (message) only when out of memory. */
int cli_outset_add(const char *cmd, cli_outset *s, const char *path);

/* dir/name into buf (cli_path), then cli_outset_add. */
int cli_outset_path(const char *cmd, cli_outset *s, char *buf, size_t len, const char *dir,
                    const char *name);

/* cli_ensure_dir, remembering the directory when it creates it. */
int cli_outset_mkdir(const char *cmd, cli_outset *s, const char *dir);

/* failed: removes the new files and directory and puts the old content of
 * the replaced files back; otherwise drops the links.  Frees the set. */
void cli_outset_end(cli_outset *s, int failed);

#define NFILES(a) (sizeof(a) / sizeof((a)[0]))

#endif
