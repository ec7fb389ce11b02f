/*
 * inflate.c — DEFLATE decoder and gzip/zlib wrappers (inflate.h).
 *
 * Bits are taken LSB-first from a 64-bit buffer.  Past the end of the input
 * the buffer is filled with zero "padding" bits so a look-ahead never reads
 * outside the input; consuming any padding bit is the truncation error.
 *
 * Huffman codes are canonical (RFC 1951 §3.2.2).  A 2^FAST_BITS table maps
 * the next FAST_BITS input bits straight to (length, symbol) for every code
 * that short; longer codes, and bit patterns that are no code at all, fall
 * back to walking the canonical code length by length.
 */
#include "inflate.h"
#include "../simd/error.h"
#include "bigmem.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- checksums ------------------------------------------------------------ */

/* Slicing-by-8: crc_table[k][b] is the CRC of byte b followed by k zero
 * bytes, so 8 input bytes cost 8 independent table reads instead of a
 * chain of 8 (the byte-wise loop took ~0.1 s of every Fashion-MNIST load). */
static uint32_t crc_table[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void crc_table_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        crc_table[0][i] = c;
    }
    for (int k = 1; k < 8; k++)
        for (uint32_t i = 0; i < 256; i++)
            crc_table[k][i] = crc_table[0][crc_table[k - 1][i] & 0xFF] ^ (crc_table[k - 1][i] >> 8);
}

uint32_t aek_crc32(uint32_t crc, const void *data, size_t n)
{
    pthread_once(&crc_once, crc_table_init);
    const uint8_t *p = data;
    uint32_t c = ~crc;
    for (; n >= 8; n -= 8, p += 8) {
        /* c ^ the first 4 bytes (little-endian), then all 8 bytes at once */
        const uint32_t lo = c ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                                 (uint32_t)p[3] << 24);
        c = crc_table[7][lo & 0xFF] ^ crc_table[6][(lo >> 8) & 0xFF] ^
            crc_table[5][(lo >> 16) & 0xFF] ^ crc_table[4][lo >> 24] ^ crc_table[3][p[4]] ^
            crc_table[2][p[5]] ^ crc_table[1][p[6]] ^ crc_table[0][p[7]];
    }
    for (size_t i = 0; i < n; i++)
        c = crc_table[0][(c ^ p[i]) & 0xFF] ^ (c >> 8);
    return ~c;
}

uint32_t aek_adler32(uint32_t adler, const void *data, size_t n)
{
    const uint32_t MOD = 65521;
    const uint8_t *p = data;
    uint64_t a = adler & 0xFFFF, b = adler >> 16;
    while (n > 0) {
        /* b grows by at most a + 255 per byte: 2^20 bytes keep it far below
         * 2^64 before the modulo. */
        size_t chunk = n < (1u << 20) ? n : (1u << 20);
        for (size_t i = 0; i < chunk; i++) {
            a += p[i];
            b += a;
        }
        a %= MOD;
        b %= MOD;
        p += chunk;
        n -= chunk;
    }
    return (uint32_t)(b << 16 | a);
}

/* ---- bit input and byte output ---------------------------------------------- */

/* What reaching max_out means: the memory cap (AEK_ERR_NOMEM), more than
 * the data's own header declares (AEK_ERR_FORMAT), or, for aek_gunzip_head,
 * that enough has been decoded (no error). */
enum { LIMIT_CAP, LIMIT_DECLARED, LIMIT_HEAD };

typedef struct {
    const char *name;
    const uint8_t *in;
    size_t len, pos;   /* bytes of input; next byte to load into bitbuf   */
    uint64_t bitbuf;   /* unconsumed bits, LSB first                        */
    int bitcnt;        /* bits in bitbuf                                    */
    int padbits;       /* how many of the top bits of bitbuf are padding    */
    uint8_t *out;
    size_t out_len, out_cap, max_out;
    int limit;        /* what max_out is: LIMIT_CAP, LIMIT_DECLARED, LIMIT_HEAD */
    int head_full;    /* LIMIT_HEAD reached: decoding stopped on purpose      */
    aek_inflate_stats stats;
} inflater;

static inline void need_bits(inflater *z, int n)
{
    if (z->bitcnt >= n)
        return;
    if (z->len - z->pos >= 8) {
        /* Whole bytes up to 56+ bits in one load (the byte loop below was a
         * quarter of loading Fashion-MNIST).  The bits of the load beyond
         * the bytes counted are the input's next bits, so OR-ing them again
         * at the next refill changes nothing. */
        const uint8_t *p = z->in + z->pos;
        uint64_t w = 0;
        for (int i = 7; i >= 0; i--)
            w = w << 8 | p[i]; /* little-endian on any host; one load on x86-64/aarch64 */
        z->bitbuf |= w << z->bitcnt;
        const int take = (63 - z->bitcnt) >> 3;
        z->pos += (size_t)take;
        z->bitcnt += take * 8;
        return;
    }
    while (z->bitcnt < n) {
        uint64_t byte = 0;
        if (z->pos < z->len)
            byte = z->in[z->pos++];
        else
            z->padbits += 8;
        z->bitbuf |= byte << z->bitcnt;
        z->bitcnt += 8;
    }
}

static inline void drop_bits(inflater *z, int n)
{
    z->bitbuf >>= n;
    z->bitcnt -= n;
}

/* 1 if a padding bit (beyond the end of the input) has been consumed. */
static inline int overran(const inflater *z) { return z->bitcnt < z->padbits; }

static inline uint32_t get_bits(inflater *z, int n)
{
    need_bits(z, n);
    uint32_t v = (uint32_t)(z->bitbuf & ((1ull << n) - 1));
    drop_bits(z, n);
    return v;
}

static aek_status truncated(const inflater *z)
{
    return aek_error(AEK_ERR_FORMAT, "%s: compressed data is truncated (deflate stream ends early)",
                     z->name);
}

static aek_status corrupt(const inflater *z, const char *what)
{
    return aek_error(AEK_ERR_FORMAT, "%s: corrupt deflate data: %s", z->name, what);
}

/* Room for n more output bytes, never beyond max_out (grow_out: the slow
 * path, out of line so the per-literal check stays small). */
static aek_status grow_out(inflater *z, size_t n);

static inline aek_status reserve(inflater *z, size_t n)
{
    return z->out_cap - z->out_len >= n ? AEK_OK : grow_out(z, n);
}

static aek_status grow_out(inflater *z, size_t n)
{
    if (n > z->max_out - z->out_len) {
        if (z->limit == LIMIT_HEAD) { /* enough: aek_gunzip_head returns what is there */
            z->head_full = 1;
            return AEK_ERR_NOMEM;
        }
        if (z->limit == LIMIT_DECLARED)
            return aek_error(AEK_ERR_FORMAT, "%s: the data decompress to more than the %zu bytes "
                             "their header declares", z->name, z->max_out);
        return aek_error(AEK_ERR_NOMEM,
                         "%s: decompressed data exceeds the limit of %zu bytes (memory cap)",
                         z->name, z->max_out);
    }
    /* Never a buffer larger than max_out: reserve() trusts out_cap, so a
     * first buffer of 4 KiB under a smaller limit let the output run past
     * the limit unchecked, and the next growth "to" the limit shrank the
     * buffer under the data being written (a heap overflow with
     * AEKIT_MAX_DATA_BYTES below 4 KiB, or a bogus CRC-32 error). */
    size_t cap = z->out_cap ? z->out_cap : 4096;
    if (cap > z->max_out)
        cap = z->max_out;
    while (cap - z->out_len < n)
        cap = cap > z->max_out / 2 ? z->max_out : cap * 2;
    uint8_t *p = realloc(z->out, cap);
    if (!p)
        return aek_error(AEK_ERR_NOMEM, "%s: cannot allocate %zu bytes for decompressed data",
                         z->name, cap);
    aek_advise_huge(p, cap); /* the first touch of 47 MB of Fashion-MNIST pixels */
    z->out = p;
    z->out_cap = cap;
    return AEK_OK;
}

/* ---- canonical Huffman codes ------------------------------------------------ */

enum { MAX_BITS = 15, FAST_BITS = 10, MAX_SYMS = 288 };

typedef struct {
    uint16_t count[MAX_BITS + 1];  /* number of codes of each length          */
    uint16_t sym[MAX_SYMS];        /* symbols in canonical code order          */
    uint16_t fast[1 << FAST_BITS]; /* (length << 9 | symbol), 0 = not here     */
} huffman;

static uint32_t reverse_bits(uint32_t code, int len)
{
    uint32_t r = 0;
    for (int i = 0; i < len; i++, code >>= 1)
        r = (r << 1) | (code & 1);
    return r;
}

/* Builds the code from code lengths (0 = symbol unused).  Returns 0, or -1
 * if the lengths are over-subscribed (more codes than bit patterns).
 * Incomplete codes are accepted; their unused patterns fail when decoded. */
static int huffman_build(huffman *h, const uint8_t *lens, int n)
{
    memset(h->count, 0, sizeof h->count);
    for (int i = 0; i < n; i++)
        h->count[lens[i]]++;
    h->count[0] = 0;
    int left = 1;
    for (int len = 1; len <= MAX_BITS; len++) {
        left = left * 2 - h->count[len];
        if (left < 0)
            return -1;
    }
    uint16_t offset[MAX_BITS + 2];
    offset[1] = 0;
    for (int len = 1; len <= MAX_BITS; len++)
        offset[len + 1] = (uint16_t)(offset[len] + h->count[len]);
    for (int i = 0; i < n; i++)
        if (lens[i])
            h->sym[offset[lens[i]]++] = (uint16_t)i;

    memset(h->fast, 0, sizeof h->fast);
    uint32_t code = 0;
    int idx = 0;
    for (int len = 1; len <= FAST_BITS; len++) {
        for (int k = 0; k < h->count[len]; k++, code++) {
            uint16_t entry = (uint16_t)(len << 9 | h->sym[idx++]);
            /* The stream sends codes MSB first into an LSB-first buffer:
             * index by the reversed code, for every value of the bits after it. */
            for (uint32_t r = reverse_bits(code, len); r < (1u << FAST_BITS); r += 1u << len)
                h->fast[r] = entry;
        }
        code <<= 1;
    }
    return 0;
}

/* Next symbol, or -1 for a bit pattern that is not a code. */
static inline int huffman_decode(inflater *z, const huffman *h)
{
    need_bits(z, FAST_BITS);
    uint16_t e = h->fast[z->bitbuf & ((1u << FAST_BITS) - 1)];
    if (e) {
        drop_bits(z, e >> 9);
        return e & 0x1FF;
    }
    need_bits(z, MAX_BITS);
    uint64_t b = z->bitbuf;
    int code = 0, first = 0, index = 0;
    for (int len = 1; len <= MAX_BITS; len++) {
        code |= (int)(b & 1);
        b >>= 1;
        int count = h->count[len];
        if (code - first < count) {
            drop_bits(z, len);
            return h->sym[index + code - first];
        }
        index += count;
        first = (first + count) << 1;
        code <<= 1;
    }
    return -1;
}

/* ---- blocks ------------------------------------------------------------------ */

static const uint16_t LEN_BASE[29] = {3,  4,  5,  6,  7,  8,  9,  10,  11,  13,  15,  17,  19,  23, 27,
                                      31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t LEN_EXTRA[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t DIST_BASE[30] = {1,    2,    3,    4,    5,    7,     9,     13,    17,  25,
                                       33,   49,   65,   97,   129,  193,   257,   385,   513, 769,
                                       1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t DIST_EXTRA[30] = {0, 0, 0, 0, 1, 1, 2, 2,  3,  3,  4,  4,  5,  5,  6,
                                       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

/* Literal/length and distance symbols until end-of-block. */
static aek_status decode_symbols(inflater *z, const huffman *lit, const huffman *dist)
{
    for (;;) {
        int sym = huffman_decode(z, lit);
        if (overran(z))
            return truncated(z);
        if (sym < 0)
            return corrupt(z, "invalid literal/length code");
        if (sym < 256) {
            aek_status s = reserve(z, 1);
            if (s != AEK_OK)
                return s;
            z->out[z->out_len++] = (uint8_t)sym;
            continue;
        }
        if (sym == 256)
            return AEK_OK;
        sym -= 257;
        if (sym >= 29)
            return corrupt(z, "invalid length symbol (286 or 287)");
        size_t len = LEN_BASE[sym] + get_bits(z, LEN_EXTRA[sym]);
        int dsym = huffman_decode(z, dist);
        if (overran(z))
            return truncated(z);
        if (dsym < 0)
            return corrupt(z, "invalid distance code");
        if (dsym >= 30)
            return corrupt(z, "invalid distance symbol (30 or 31)");
        size_t d = DIST_BASE[dsym] + get_bits(z, DIST_EXTRA[dsym]);
        if (overran(z))
            return truncated(z);
        if (d > z->out_len)
            return corrupt(z, "back-reference before the start of the data");
        aek_status s = reserve(z, len);
        if (s != AEK_OK)
            return s;
        uint8_t *dst = z->out + z->out_len;
        const uint8_t *src = dst - d;
        if (d >= len)
            memcpy(dst, src, len);
        else if (d == 1) /* a run of one byte (the zero background of images) */
            memset(dst, src[0], len);
        else /* overlapping copy repeats the last d bytes: byte by byte */
            for (size_t i = 0; i < len; i++)
                dst[i] = src[i];
        z->out_len += len;
    }
}

static aek_status stored_block(inflater *z)
{
    drop_bits(z, z->bitcnt & 7); /* to the byte boundary */
    if (overran(z))
        return truncated(z);
    /* Give whole buffered bytes back to the input and copy directly. */
    z->pos -= (size_t)(z->bitcnt - z->padbits) / 8;
    z->bitbuf = 0;
    z->bitcnt = z->padbits = 0;
    if (z->len - z->pos < 4)
        return truncated(z);
    const uint8_t *p = z->in + z->pos;
    unsigned len = p[0] | p[1] << 8, nlen = p[2] | p[3] << 8;
    if (len != (~nlen & 0xFFFF))
        return corrupt(z, "stored block length does not match its complement");
    z->pos += 4;
    if (z->len - z->pos < len)
        return truncated(z);
    aek_status s = reserve(z, len);
    if (s != AEK_OK)
        return s;
    if (len) /* an empty stored block may meet a NULL buffer: NULL + 0 and
              * memcpy(NULL, .., 0) are undefined (UBSan, fuzz/fuzz_idx.c) */
        memcpy(z->out + z->out_len, z->in + z->pos, len);
    z->out_len += len;
    z->pos += len;
    return AEK_OK;
}

static aek_status fixed_block(inflater *z)
{
    huffman lit, dist;
    uint8_t lens[MAX_SYMS];
    int i = 0;
    for (; i < 144; i++) lens[i] = 8;
    for (; i < 256; i++) lens[i] = 9;
    for (; i < 280; i++) lens[i] = 7;
    for (; i < 288; i++) lens[i] = 8;
    huffman_build(&lit, lens, 288);
    /* All 32 five-bit codes exist; symbols 30 and 31 are then refused as
     * invalid distances rather than as unknown codes. */
    memset(lens, 5, 32);
    huffman_build(&dist, lens, 32);
    return decode_symbols(z, &lit, &dist);
}

static aek_status dynamic_block(inflater *z)
{
    static const uint8_t ORDER[19] = {16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    int nlit = (int)get_bits(z, 5) + 257;
    int ndist = (int)get_bits(z, 5) + 1;
    int nclen = (int)get_bits(z, 4) + 4;
    if (overran(z))
        return truncated(z);
    if (nlit > 286 || ndist > 30)
        return corrupt(z, "too many literal/length or distance codes");
    uint8_t lens[286 + 30] = {0};
    for (int i = 0; i < nclen; i++)
        lens[ORDER[i]] = (uint8_t)get_bits(z, 3);
    if (overran(z))
        return truncated(z);
    huffman clen;
    if (huffman_build(&clen, lens, 19) != 0)
        return corrupt(z, "over-subscribed code-length code");

    memset(lens, 0, sizeof lens);
    int n = 0;
    while (n < nlit + ndist) {
        int sym = huffman_decode(z, &clen);
        if (overran(z))
            return truncated(z);
        if (sym < 0)
            return corrupt(z, "invalid code-length code");
        if (sym < 16) {
            lens[n++] = (uint8_t)sym;
            continue;
        }
        uint8_t value = 0;
        int repeat;
        if (sym == 16) {
            if (n == 0)
                return corrupt(z, "repeat of a code length with none before it");
            value = lens[n - 1];
            repeat = 3 + (int)get_bits(z, 2);
        } else if (sym == 17) {
            repeat = 3 + (int)get_bits(z, 3);
        } else {
            repeat = 11 + (int)get_bits(z, 7);
        }
        if (overran(z))
            return truncated(z);
        if (n + repeat > nlit + ndist)
            return corrupt(z, "code lengths run past the declared count");
        while (repeat--)
            lens[n++] = value;
    }
    if (lens[256] == 0)
        return corrupt(z, "no end-of-block code");
    huffman lit, dist;
    if (huffman_build(&lit, lens, nlit) != 0)
        return corrupt(z, "over-subscribed literal/length code");
    if (huffman_build(&dist, lens + nlit, ndist) != 0)
        return corrupt(z, "over-subscribed distance code");
    return decode_symbols(z, &lit, &dist);
}

/* Blocks from z->pos until the final one; leaves z->pos just after it. */
static aek_status inflate_blocks(inflater *z)
{
    int final;
    do {
        final = (int)get_bits(z, 1);
        int type = (int)get_bits(z, 2);
        if (overran(z))
            return truncated(z);
        aek_status s;
        switch (type) {
        case 0: z->stats.stored++; s = stored_block(z); break;
        case 1: z->stats.fixed++; s = fixed_block(z); break;
        case 2: z->stats.dynamic++; s = dynamic_block(z); break;
        default: return corrupt(z, "invalid block type 3");
        }
        if (s != AEK_OK)
            return s;
    } while (!final);
    /* Return the unused whole bytes of the bit buffer to the input. */
    z->pos -= (size_t)(z->bitcnt - z->padbits) / 8;
    z->bitbuf = 0;
    z->bitcnt = z->padbits = 0;
    return AEK_OK;
}

static void inflater_init(inflater *z, const char *name, const uint8_t *in, size_t len,
                          size_t max_out, int limit)
{
    memset(z, 0, sizeof *z);
    z->name = name ? name : "(data)";
    z->in = in;
    z->len = len;
    z->max_out = max_out;
    z->limit = limit;
}

/* Hands the output to the caller (at least 1 byte allocated, so an empty
 * result is still a valid pointer). */
static aek_status inflater_finish(inflater *z, uint8_t **out, size_t *out_len)
{
    if (!z->out) {
        z->out = malloc(1);
        if (!z->out)
            return aek_error(AEK_ERR_NOMEM, "%s: out of memory", z->name);
    }
    *out = z->out;
    *out_len = z->out_len;
    return AEK_OK;
}

aek_status aek_inflate(const char *name, const uint8_t *in, size_t len, size_t max_out,
                       uint8_t **out, size_t *out_len, size_t *consumed,
                       aek_inflate_stats *stats)
{
    inflater z;
    inflater_init(&z, name, in, len, max_out, LIMIT_CAP);
    *out = NULL;
    *out_len = 0;
    aek_status s = inflate_blocks(&z);
    if (stats)
        *stats = z.stats;
    if (s != AEK_OK) {
        free(z.out);
        return s;
    }
    if (consumed)
        *consumed = z.pos;
    return inflater_finish(&z, out, out_len);
}

/* ---- gzip ---------------------------------------------------------------------- */

int aek_is_gzip(const uint8_t *in, size_t len) { return len >= 2 && in[0] == 0x1F && in[1] == 0x8B; }

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Skips a zero-terminated field; 0 if it runs off the end. */
static int skip_cstring(const uint8_t *in, size_t len, size_t *pos)
{
    while (*pos < len)
        if (in[(*pos)++] == 0)
            return 1;
    return 0;
}

/* One member's header at z->pos; leaves z->pos at the deflate data. */
static aek_status gzip_header(inflater *z)
{
    const uint8_t *in = z->in;
    size_t start = z->pos, pos = z->pos;
    if (z->len - pos < 10)
        return aek_error(AEK_ERR_FORMAT, "%s: gzip header is truncated", z->name);
    if (in[pos] != 0x1F || in[pos + 1] != 0x8B)
        return aek_error(AEK_ERR_FORMAT, "%s: not a gzip file (magic bytes %02x %02x)", z->name,
                         in[pos], in[pos + 1]);
    if (in[pos + 2] != 8)
        return aek_error(AEK_ERR_FORMAT, "%s: gzip compression method %u is not deflate (8)",
                         z->name, in[pos + 2]);
    unsigned flags = in[pos + 3];
    if (flags & 0xE0)
        return aek_error(AEK_ERR_FORMAT, "%s: gzip header has reserved flag bits set (0x%02x)",
                         z->name, flags);
    pos += 10;
    if (flags & 4) { /* FEXTRA */
        if (z->len - pos < 2)
            return aek_error(AEK_ERR_FORMAT, "%s: gzip header is truncated", z->name);
        size_t xlen = in[pos] | (size_t)in[pos + 1] << 8;
        pos += 2;
        if (z->len - pos < xlen)
            return aek_error(AEK_ERR_FORMAT, "%s: gzip header is truncated", z->name);
        pos += xlen;
    }
    if ((flags & 8) && !skip_cstring(in, z->len, &pos)) /* FNAME */
        return aek_error(AEK_ERR_FORMAT, "%s: gzip header is truncated (file name)", z->name);
    if ((flags & 16) && !skip_cstring(in, z->len, &pos)) /* FCOMMENT */
        return aek_error(AEK_ERR_FORMAT, "%s: gzip header is truncated (comment)", z->name);
    if (flags & 2) { /* FHCRC: low 16 bits of the CRC-32 of the header so far */
        if (z->len - pos < 2)
            return aek_error(AEK_ERR_FORMAT, "%s: gzip header is truncated", z->name);
        unsigned want = in[pos] | in[pos + 1] << 8;
        if ((aek_crc32(0, in + start, pos - start) & 0xFFFF) != want)
            return aek_error(AEK_ERR_FORMAT, "%s: gzip header checksum mismatch", z->name);
        pos += 2;
    }
    z->pos = pos;
    return AEK_OK;
}

/* Every member of the gzip file z was set up for (its limit and mode). */
static aek_status gunzip_members(inflater z, uint8_t **out, size_t *out_len,
                                 aek_inflate_stats *stats)
{
    const uint8_t *in = z.in;
    const size_t len = z.len, max_out = z.max_out;
    *out = NULL;
    *out_len = 0;
    aek_status s = AEK_OK;
    if (len == 0)
        s = aek_error(AEK_ERR_FORMAT, "%s: file is empty", z.name);
    else if (len >= 18) {
        /* ISIZE of a single member is the output size mod 2^32: a first
         * guess for the buffer, bounded by deflate's best ratio (~1032:1) so a
         * forged trailer cannot make us reserve much more than needed. */
        size_t guess = le32(in + len - 4);
        if (guess / 1032 > len)
            guess = len;
        /* + 1: room for the NUL aek_file_read_data appends, without a copy. */
        if (guess > 0 && guess < max_out)
            s = reserve(&z, guess + 1);
    }
    while (s == AEK_OK) {
        size_t member_start = z.out_len;
        if ((s = gzip_header(&z)) != AEK_OK)
            break;
        if ((s = inflate_blocks(&z)) != AEK_OK)
            break;
        if (z.len - z.pos < 8) {
            s = aek_error(AEK_ERR_FORMAT, "%s: gzip trailer (CRC-32 and length) is truncated",
                          z.name);
            break;
        }
        uint32_t want_crc = le32(in + z.pos), want_size = le32(in + z.pos + 4);
        z.pos += 8;
        size_t got = z.out_len - member_start;
        /* an empty member may have no output buffer yet: NULL + 0 is undefined
         * behaviour in C (UBSan, found by fuzz/fuzz_gzip.c); CRC-32 of nothing is 0 */
        uint32_t crc = got ? aek_crc32(0, z.out + member_start, got) : 0;
        if (crc != want_crc) {
            s = aek_error(AEK_ERR_FORMAT,
                          "%s: gzip CRC-32 mismatch (stored %08x, data gives %08x): the file is "
                          "corrupt", z.name, want_crc, crc);
            break;
        }
        if ((uint32_t)got != want_size) {
            s = aek_error(AEK_ERR_FORMAT,
                          "%s: gzip length mismatch (stored %u, data gives %zu bytes mod 2^32)",
                          z.name, want_size, got);
            break;
        }
        if (z.pos == z.len)
            break;
        if (!aek_is_gzip(in + z.pos, z.len - z.pos)) {
            s = aek_error(AEK_ERR_FORMAT, "%s: %zu unexpected bytes after the gzip data", z.name,
                          z.len - z.pos);
            break;
        }
    }
    if (stats)
        *stats = z.stats;
    if (s != AEK_OK) {
        free(z.out);
        return s;
    }
    return inflater_finish(&z, out, out_len);
}

aek_status aek_gunzip(const char *name, const uint8_t *in, size_t len, size_t max_out,
                      uint8_t **out, size_t *out_len, aek_inflate_stats *stats)
{
    inflater z;
    inflater_init(&z, name, in, len, max_out, LIMIT_CAP);
    return gunzip_members(z, out, out_len, stats);
}

aek_status aek_gunzip_declared(const char *name, const uint8_t *in, size_t len, size_t declared,
                               uint8_t **out, size_t *out_len)
{
    inflater z;
    inflater_init(&z, name, in, len, declared, LIMIT_DECLARED);
    return gunzip_members(z, out, out_len, NULL);
}

aek_status aek_gunzip_head(const char *name, const uint8_t *in, size_t len, size_t want,
                           uint8_t **out, size_t *out_len)
{
    inflater z;
    inflater_init(&z, name, in, len, want, LIMIT_HEAD);
    *out = NULL;
    *out_len = 0;
    aek_status s = gzip_header(&z);
    if (s == AEK_OK)
        s = inflate_blocks(&z);
    if (s != AEK_OK && z.head_full)
        s = AEK_OK;
    if (s != AEK_OK) {
        free(z.out);
        return s;
    }
    return inflater_finish(&z, out, out_len);
}

/* ---- zlib ------------------------------------------------------------------------ */

aek_status aek_zlib_decompress(const char *name, const uint8_t *in, size_t len, size_t max_out,
                               uint8_t **out, size_t *out_len)
{
    const char *shown = name ? name : "(data)";
    *out = NULL;
    *out_len = 0;
    if (len < 2)
        return aek_error(AEK_ERR_FORMAT, "%s: zlib stream is truncated", shown);
    unsigned cmf = in[0], flg = in[1];
    if ((cmf & 15) != 8 || (cmf >> 4) > 7)
        return aek_error(AEK_ERR_FORMAT, "%s: zlib header: not deflate with a 32K window", shown);
    if ((cmf << 8 | flg) % 31 != 0)
        return aek_error(AEK_ERR_FORMAT, "%s: zlib header check bits are wrong", shown);
    if (flg & 0x20)
        return aek_error(AEK_ERR_FORMAT, "%s: zlib preset dictionary is not supported", shown);
    size_t used = 0;
    aek_status s = aek_inflate(shown, in + 2, len - 2, max_out, out, out_len, &used, NULL);
    if (s != AEK_OK)
        return s;
    const uint8_t *t = in + 2 + used;
    size_t left = len - 2 - used;
    if (left < 4) {
        free(*out);
        *out = NULL;
        return aek_error(AEK_ERR_FORMAT, "%s: zlib Adler-32 trailer is truncated", shown);
    }
    uint32_t want = (uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 | (uint32_t)t[2] << 8 | t[3];
    uint32_t got = aek_adler32(1, *out, *out_len);
    if (want != got) {
        free(*out);
        *out = NULL;
        return aek_error(AEK_ERR_FORMAT, "%s: zlib Adler-32 mismatch (stored %08x, data gives %08x)",
                         shown, want, got);
    }
    return AEK_OK;
}
