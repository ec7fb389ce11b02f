/*
 * inflate.h — DEFLATE decompression (RFC 1951) with the gzip (RFC 1952) and
 * zlib (RFC 1950) wrappers, and the CRC-32 / Adler-32 checksums they use.
 * Written for reading data files: the whole input is in memory and the
 * whole output goes into one growing buffer (so back-references can reach
 * anything already produced), never larger than max_out.
 *
 * Every malformed or truncated stream is AEK_ERR_FORMAT with a message that
 * starts with `name` (the file name, for the user); output above max_out is
 * AEK_ERR_NOMEM.  Nothing is read outside the input buffer.
 */
#ifndef AEKIT_INFLATE_H
#define AEKIT_INFLATE_H

#include <stddef.h>
#include <stdint.h>

#include "aekit.h"

/* CRC-32 (ISO-HDLC: reflected polynomial 0xEDB88320, as in gzip and PNG).
 * Start with crc = 0; feed the previous result to continue. */
uint32_t aek_crc32(uint32_t crc, const void *data, size_t n);

/* Adler-32 (zlib).  Start with adler = 1. */
uint32_t aek_adler32(uint32_t adler, const void *data, size_t n);

/* Block types seen while inflating (the tests use them to show that stored,
 * fixed-Huffman and dynamic-Huffman blocks were all exercised). */
typedef struct {
    size_t stored, fixed, dynamic;
} aek_inflate_stats;

/* Raw DEFLATE stream at in[0..len).  *out (free()) receives *out_len bytes;
 * *consumed (may be NULL) the number of input bytes up to the end of the
 * final block, rounded up to a whole byte.  stats may be NULL. */
aek_status aek_inflate(const char *name, const uint8_t *in, size_t len, size_t max_out,
                       uint8_t **out, size_t *out_len, size_t *consumed,
                       aek_inflate_stats *stats);

/* 1 if the buffer starts with the gzip magic bytes 1f 8b. */
int aek_is_gzip(const uint8_t *in, size_t len);

/* A gzip file: one or more members, each with its CRC-32 and length checked.
 * Bytes after the last member that do not start another member are an
 * error (a truncated or damaged download). */
aek_status aek_gunzip(const char *name, const uint8_t *in, size_t len, size_t max_out,
                      uint8_t **out, size_t *out_len, aek_inflate_stats *stats);

/* aek_gunzip up to the `declared` bytes that the data's own header (IDX,
 * .npy) declares: more output is AEK_ERR_FORMAT, said as such, found as
 * soon as the stream passes that size instead of after decompressing up to
 * the memory cap. */
aek_status aek_gunzip_declared(const char *name, const uint8_t *in, size_t len, size_t declared,
                               uint8_t **out, size_t *out_len);

/* The first bytes (at most `want`, fewer if a back-reference straddles
 * `want` or the first member is shorter) of a gzip file's first member,
 * unchecked (no CRC-32: the stream is not read to its end): enough to read
 * the header of the data inside.  Errors of the part decoded are reported
 * as aek_gunzip reports them. */
aek_status aek_gunzip_head(const char *name, const uint8_t *in, size_t len, size_t want,
                           uint8_t **out, size_t *out_len);

/* A zlib stream (as inside PNG IDAT): header check, no preset dictionary,
 * Adler-32 of the output checked. */
aek_status aek_zlib_decompress(const char *name, const uint8_t *in, size_t len, size_t max_out,
                               uint8_t **out, size_t *out_len);

#endif
