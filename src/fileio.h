/*
 * fileio.h — reading whole files and writing files atomically.
 *
 * Writing: aek_file_write_atomic() never leaves a half-written file under
 * the target name.  It writes to a temporary file in the target's directory
 * (so the final rename stays on one file system), checks every write, the
 * flush, fsync and close, and only then renames the temporary over the
 * target.  On any failure the temporary is removed, the target keeps its
 * old content (or stays absent) and the message names the file and the
 * system's reason.  A target that exists but is not a regular file (a
 * device such as /dev/null or /dev/full, a FIFO) is written in place, since
 * it cannot be replaced; errors are still checked and reported.  A target
 * that is a symbolic link is resolved and the file it points to replaced.
 *
 * Every function returns an aek_status; the message is in aek_last_error().
 */
#ifndef AEKIT_FILEIO_H
#define AEKIT_FILEIO_H

#include <stddef.h>
#include <stdio.h>

#include "aekit.h"

/* Reads all of `path` into a new buffer (*data, freed with free()), with a
 * NUL byte after the last one (not counted in *len) so text parsers can stop
 * there.  Refuses a directory (AEK_ERR_IO), an unreadable file (AEK_ERR_IO)
 * and a file larger than max_bytes (AEK_ERR_NOMEM, before allocating). */
aek_status aek_file_read_all(const char *path, size_t max_bytes, unsigned char **data,
                             size_t *len);

/* What a reader learns from a file's first bytes (aek_file_read_sniffed). */
typedef struct {
    int regular;    /* in: a regular file (its size is known and was checked) */
    int done;       /* out: 1 once the sniffer has decided; not called again */
    size_t limit;   /* out: read at most this many bytes (SIZE_MAX: no limit) */
    int strict;     /* out: a byte past limit is an error (the header's length) */
    int state;      /* the sniffer's own: what it has recognised so far */
    size_t scanned; /* the sniffer's own: bytes it has already looked at */
} aek_sniff;

/* Called with the n (> 0) bytes read so far while !sn->done; an error
 * status (message set) stops the read and is returned. */
typedef aek_status (*aek_sniff_fn)(const char *path, const unsigned char *buf, size_t n,
                                   aek_sniff *sn);

/* aek_file_read_all, showing the bytes to sniff (may be NULL) as they
 * arrive, so content that is not what the caller reads is refused at once
 * instead of read to the cap (/dev/zero).  A non-regular file is read no
 * further than sn->limit; past a strict limit it is AEK_ERR_FORMAT. */
aek_status aek_file_read_sniffed(const char *path, size_t max_bytes, aek_sniff_fn sniff,
                                 unsigned char **data, size_t *len);

/* aek_file_read_all, then, if the content starts with the gzip magic bytes,
 * its decompressed content instead (at most max_bytes, NUL-terminated as
 * well).  *was_gzip (may be NULL) tells which.  A pipe or device must start
 * as gzip, IDX, .npy or text (CSV) and, for IDX and .npy, end where the
 * header says: anything else fails at once instead of reading to the cap. */
aek_status aek_file_read_data(const char *path, size_t max_bytes, unsigned char **data,
                              size_t *len, int *was_gzip);

/* The columns (product of the dimensions after the first) that an IDX or
 * .npy file's header declares, gzip'd or not, read from its first 64 KiB
 * with the readers' own header rules: lets a caller refuse sizes before the
 * data are read.  0 when the header does not tell: CSV, a pipe or device
 * (its bytes are the one real read's), a header the reader refuses. */
size_t aek_data_declared_columns(const char *path);

/* Writes the content of a file: called once with the open stream.  Returns
 * AEK_OK or an error status (message set); write errors it does not notice
 * are still caught by the caller through ferror/fflush/fsync/fclose. */
typedef aek_status (*aek_write_fn)(FILE *f, const char *path, void *ctx);

/* Creates or replaces `path` with what `emit` produces, atomically (above). */
aek_status aek_file_write_atomic(const char *path, aek_write_fn emit, void *ctx);

/* The temporary that replaces `target` (same directory), attempt n, into
 * buf[len] (len ≥ strlen(target) + 64): "<target>.tmp.<pid>.<n>", or
 * "<dir>/.aek.tmp.<pid>.<n>" where that name would pass the 255 bytes a
 * file name may have (a legal name of 230-255 bytes failed ENAMETOOLONG). */
void aek_temp_path(char *buf, size_t len, const char *target, unsigned n);

/* aek_file_write_atomic with a byte buffer as the whole content. */
aek_status aek_file_write_bytes(const char *path, const void *data, size_t len);

/* Re-raises the last error message as "<prefix>: <message>" with status s
 * (the message is copied first, so it may safely name itself). */
aek_status aek_error_prefix(aek_status s, const char *prefix);

/* fwrite of n bytes; a short write is AEK_ERR_IO with "<path>: cannot write:
 * <reason>". */
aek_status aek_fwrite_all(FILE *f, const void *data, size_t n, const char *path);

#endif
