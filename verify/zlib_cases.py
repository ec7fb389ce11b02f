#!/usr/bin/python3
"""zlib_cases.py OUT — deflate, zlib and gzip streams made by Python's zlib
(an independent implementation) for test_data.c to decode bit for bit.

Inputs exercise every part of a decoder: all 256 byte values, matches of
every length 3..258 at distances 1..32768 (copies made here, so the
compressor finds them), a block repeated 30000 bytes later (distance codes
28-29 with 13 extra bits, length 258), runs (distance 1), text, one byte,
nothing.  Each is compressed at levels 0, 1, 6, 9 with every strategy
(default, filtered, Huffman only, RLE, fixed codes), in all three formats.

OUT is one file of records: u32 kind, u32 length, 48-byte name, the bytes.
Kind 3 is an input; kinds 0 (raw deflate), 1 (zlib) and 2 (gzip) are
streams of the input before them.
"""
import random, struct, sys, zlib

rng = random.Random(20261125)


def matches(n):
    """Literals of every value and copies of every length and distance."""
    out = bytearray(rng.sample(range(256), 256))
    while len(out) < n:
        if rng.random() < 0.3:
            out += bytes(rng.randrange(256) for _ in range(rng.randrange(1, 20)))
        else:
            length = rng.choice([3, 4, 258, rng.randrange(3, 259)])
            dist = rng.choice([1, 2, len(out), rng.randrange(1, min(len(out), 32768) + 1)])
            dist = min(dist, len(out), 32768)
            for _ in range(length):
                out.append(out[-dist])
    return bytes(out[:n])


block = bytes(rng.randrange(256) for _ in range(30000))
words = [b"auto", b"encoder", b"weight", b"gradient", b"batch", b"epoch", b"loss", b"\n"]
INPUTS = [
    ("matches", matches(200000)),
    ("far", block * 3),
    ("runs", bytes(100000) + b"\xff" * 70000 + bytes(range(256)) * 40),
    ("text", b" ".join(rng.choice(words) for _ in range(40000))),
    ("one", b"a"),
    ("empty", b""),
]
STRATEGIES = [("default", zlib.Z_DEFAULT_STRATEGY), ("filtered", zlib.Z_FILTERED),
              ("huffman", zlib.Z_HUFFMAN_ONLY), ("rle", zlib.Z_RLE), ("fixed", zlib.Z_FIXED)]
FORMATS = [(0, -15, "deflate"), (1, 15, "zlib"), (2, 31, "gzip")]

with open(sys.argv[1], "wb") as f:
    for name, data in INPUTS:
        f.write(struct.pack("<II", 3, len(data)) + name.encode().ljust(48, b"\0") + data)
        for level in (0, 1, 6, 9):
            for sname, strategy in STRATEGIES:
                if level == 0 and strategy != zlib.Z_DEFAULT_STRATEGY:
                    continue  # level 0 is stored blocks whatever the strategy
                for fmt, wbits, fname in FORMATS:
                    c = zlib.compressobj(level, zlib.DEFLATED, wbits, 9, strategy)
                    z = c.compress(data) + c.flush()
                    assert zlib.decompress(z, wbits) == data
                    label = ("%s %s -%d %s" % (fname, name, level, sname)).encode()[:48]
                    f.write(struct.pack("<II", fmt, len(z)) + label.ljust(48, b"\0") + z)
