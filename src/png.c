/*
 * png.c — PNG encoder (png.h).
 *
 * File: the 8-byte signature, IHDR, one or more IDAT chunks carrying one
 * zlib stream, IEND.  Each chunk: length (u32 BE), type, data, CRC-32 of
 * type + data.  Each scanline starts with filter type 0 (none).  The zlib
 * stream: header 78 01, stored blocks of at most 65535 bytes (BFINAL on the
 * last), Adler-32 of the raw scanlines (BE).
 */
#include "png.h"
#include "fileio.h"
#include "inflate.h"
#include "../simd/error.h"

#include <stdlib.h>
#include <string.h>

enum { STORED_MAX = 65535, IDAT_MAX = 1 << 20 };

typedef struct {
    uint8_t *p;
    size_t len;
} bytes;

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static void put_chunk(bytes *b, const char type[4], const uint8_t *data, size_t n)
{
    uint8_t *c = b->p + b->len;
    put32(c, (uint32_t)n);
    memcpy(c + 4, type, 4);
    if (n)
        memcpy(c + 8, data, n);
    put32(c + 8 + n, aek_crc32(0, c + 4, n + 4));
    b->len += 12 + n;
}

aek_status aek_png_encode(const uint8_t *pix, size_t width, size_t height, int channels,
                          uint8_t **png, size_t *len)
{
    *png = NULL;
    *len = 0;
    if (channels != 1 && channels != 3)
        return aek_error(AEK_ERR_ARG, "PNG: %d channels (1 = gray or 3 = RGB)", channels);
    if (width == 0 || height == 0 || width > 0x7FFFFFFF || height > 0x7FFFFFFF || !pix)
        return aek_error(AEK_ERR_ARG, "PNG: image of %zu x %zu is empty or too large", width,
                         height);
    size_t line, raw_len, blocks, z_len, idats, total;
    if (__builtin_mul_overflow(width, (size_t)channels, &line) ||
        __builtin_add_overflow(line, (size_t)1, &line) ||
        __builtin_mul_overflow(line, height, &raw_len))
        return aek_error(AEK_ERR_NOMEM, "PNG: image of %zu x %zu overflows", width, height);
    blocks = raw_len / STORED_MAX + 1;
    /* zlib: 2 header + 5 per stored block + data + 4 Adler; IDAT: 12 per chunk. */
    if (raw_len > SIZE_MAX / 2 - 5 * blocks - 64)
        return aek_error(AEK_ERR_NOMEM, "PNG: image of %zu x %zu overflows", width, height);
    z_len = 2 + 5 * blocks + raw_len + 4;
    idats = z_len / IDAT_MAX + 1;
    total = 8 + (12 + 13) + 12 * idats + z_len + 12;

    uint8_t *raw = malloc(raw_len), *z = malloc(z_len), *out = malloc(total);
    if (!raw || !z || !out) {
        free(raw), free(z), free(out);
        return aek_error(AEK_ERR_NOMEM, "PNG: cannot allocate %zu bytes", total);
    }
    for (size_t y = 0; y < height; y++) {
        raw[y * line] = 0; /* filter: none */
        memcpy(raw + y * line + 1, pix + y * (line - 1), line - 1);
    }
    size_t zl = 0;
    z[zl++] = 0x78; /* deflate, 32K window */
    z[zl++] = 0x01; /* check bits: 0x7801 % 31 == 0, no dictionary */
    for (size_t off = 0, k = 0; k < blocks; k++) {
        size_t n = raw_len - off < STORED_MAX ? raw_len - off : STORED_MAX;
        z[zl++] = k + 1 == blocks; /* BFINAL, BTYPE 00 */
        z[zl++] = (uint8_t)n, z[zl++] = (uint8_t)(n >> 8);
        z[zl++] = (uint8_t)~n, z[zl++] = (uint8_t)(~n >> 8);
        memcpy(z + zl, raw + off, n);
        zl += n;
        off += n;
    }
    put32(z + zl, aek_adler32(1, raw, raw_len));
    zl += 4;

    bytes b = {out, 0};
    static const uint8_t SIG[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    memcpy(out, SIG, 8);
    b.len = 8;
    uint8_t ihdr[13];
    put32(ihdr, (uint32_t)width);
    put32(ihdr + 4, (uint32_t)height);
    ihdr[8] = 8;                       /* bit depth */
    ihdr[9] = channels == 1 ? 0 : 2;   /* colour type: gray / RGB */
    ihdr[10] = ihdr[11] = ihdr[12] = 0; /* deflate, adaptive filters, no interlace */
    put_chunk(&b, "IHDR", ihdr, 13);
    for (size_t off = 0; off < zl; off += IDAT_MAX)
        put_chunk(&b, "IDAT", z + off, zl - off < IDAT_MAX ? zl - off : IDAT_MAX);
    put_chunk(&b, "IEND", NULL, 0);
    free(raw);
    free(z);
    *png = out;
    *len = b.len;
    return AEK_OK;
}

aek_status aek_png_write(const char *path, const uint8_t *pix, size_t width, size_t height,
                         int channels)
{
    uint8_t *png;
    size_t len;
    aek_status s = aek_png_encode(pix, width, height, channels, &png, &len);
    if (s != AEK_OK)
        return aek_error_prefix(s, path);
    s = aek_file_write_bytes(path, png, len);
    free(png);
    return s;
}
