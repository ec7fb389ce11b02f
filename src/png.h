/*
 * png.h — 8-bit PNG output (grayscale or RGB), no compression library.
 *
 * The image data go into a zlib stream of stored (uncompressed) deflate
 * blocks: every decoder reads them, the code is short, and the files of this
 * toolkit (grids of small images) stay small enough.  CRC-32 per chunk and
 * Adler-32 of the stream come from inflate.h.
 */
#ifndef AEKIT_PNG_H
#define AEKIT_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "aekit.h"

/* Encodes width × height pixels (row-major; channels 1 = gray, 3 = RGB,
 * interleaved) into a new buffer *png (free()) of *len bytes.  width and
 * height in 1 .. 2^31 − 1. */
aek_status aek_png_encode(const uint8_t *pix, size_t width, size_t height, int channels,
                          uint8_t **png, size_t *len);

/* aek_png_encode, then written atomically to path (fileio.h). */
aek_status aek_png_write(const char *path, const uint8_t *pix, size_t width, size_t height,
                         int channels);

#endif
