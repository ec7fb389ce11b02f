/*
 * fuzz_gzip.c — the DEFLATE decoder (src/inflate.c) that every data reader
 * goes through for .gz input, fed directly: gzip members, a zlib stream
 * (as inside PNG) and a raw DEFLATE stream from the same bytes.
 *
 * Beyond "no crash": output never exceeds the limit given, and a rejected
 * stream returns no buffer and a message.
 */
#include "fuzz.h"
#include "../src/inflate.h"

#include <stdlib.h>

#define MAX_OUT ((size_t)16 << 20)

static void check(aek_status s, uint8_t *out, size_t out_len, size_t limit)
{
    if (s == AEK_OK) {
        if (out_len > limit || (!out && out_len))
            abort();
    } else if (out || !aek_last_error()[0]) {
        abort();
    }
    free(out);
}

FUZZ_TARGET(gzip)
{
    fuzz_setup();
    uint8_t *out = NULL;
    size_t out_len = 0, consumed = 0;
    aek_status s = aek_gunzip("fuzz.gz", data, size, MAX_OUT, &out, &out_len, NULL);
    check(s, out, out_len, MAX_OUT);

    /* A limit below the decoder's first 4 KiB buffer as well (a user's
     * AEKIT_MAX_DATA_BYTES): the output once ran past such a limit and the
     * buffer then shrank under it.  The last byte picks it, 1..7906. */
    const size_t small = 1 + (size ? (size_t)data[size - 1] * 31 : 0);
    out = NULL, out_len = 0;
    s = aek_gunzip("fuzz.gz", data, size, small, &out, &out_len, NULL);
    check(s, out, out_len, small);

    out = NULL, out_len = 0;
    s = aek_zlib_decompress("fuzz.zlib", data, size, MAX_OUT, &out, &out_len);
    check(s, out, out_len, MAX_OUT);

    out = NULL, out_len = 0;
    s = aek_inflate("fuzz.deflate", data, size, MAX_OUT, &out, &out_len, &consumed, NULL);
    if (s == AEK_OK && consumed > size)
        abort();
    check(s, out, out_len, MAX_OUT);
    return 0;
}
