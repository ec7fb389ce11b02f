#!/usr/bin/env python3
"""make_seeds.py AEKIT — (re)write the seed corpus fuzz/corpus/<target>/.

Small, valid (and a few nearly valid) inputs of every format, so the fuzzers
start from deep inside each parser instead of guessing magic bytes.  Only the
standard library; model files come from the aekit binary given (tiny
trainings of several variants, with and without training state).  Run from
the repository root:  /usr/bin/python3 fuzz/make_seeds.py build/aekit
"""
import gzip, os, shutil, struct, subprocess, sys, tempfile, zlib

aekit = sys.argv[1] if len(sys.argv) > 1 else "build/aekit"
root = "fuzz/corpus"


def put(target, name, data):
    os.makedirs(os.path.join(root, target), exist_ok=True)
    with open(os.path.join(root, target, name), "wb") as f:
        f.write(data)


def npy(descr, shape, payload, version=1):
    d = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (descr, shape)
    pre = 10 if version == 1 else 12
    total = (pre + len(d) + 1 + 63) // 64 * 64
    h = (d + " " * (total - pre - len(d) - 1) + "\n").encode()
    if version == 1:
        return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h + payload
    return b"\x93NUMPY" + bytes([version, 0]) + struct.pack("<I", len(h)) + h + payload


for t in ("idx", "npy", "csv", "model", "cli", "gzip"):
    shutil.rmtree(os.path.join(root, t), ignore_errors=True)

# ---- IDX
img = bytes((i * 37) % 256 for i in range(5 * 4 * 4))
put("idx", "images_5x4x4", struct.pack(">BBBBIII", 0, 0, 8, 3, 5, 4, 4) + img)
put("idx", "matrix_3x8", struct.pack(">BBBBII", 0, 0, 8, 2, 3, 8) + img[:24])
put("idx", "labels_10", struct.pack(">BBBBI", 0, 0, 8, 1, 10) + bytes(range(10)))
put("idx", "images_gz", gzip.compress(struct.pack(">BBBBIII", 0, 0, 8, 3, 2, 3, 3) + img[:18], mtime=0))
put("idx", "truncated", struct.pack(">BBBBIII", 0, 0, 8, 3, 5, 4, 4) + img[:40])
put("idx", "zero_dim", struct.pack(">BBBBIII", 0, 0, 8, 3, 0, 4, 4))

# ---- NPY
f4 = struct.pack("<6f", 0.0, 0.5, 1.0, -2.0, 3.25, 1e-3)
put("npy", "f4_2x3", npy("<f4", "(2, 3)", f4))
put("npy", "f8_3x2", npy("<f8", "(3, 2)", struct.pack("<6d", 0.0, 0.5, 1.0, -2.0, 3.25, 1e-3)))
put("npy", "u1_2x2x2", npy("|u1", "(2, 2, 2)", bytes(range(0, 240, 30))))
put("npy", "f4_1d_v2", npy("<f4", "(6,)", f4, version=2))
put("npy", "f4_v3", npy("<f4", "(1, 6)", f4, version=3))
put("npy", "labels_i8", npy("<i8", "(4,)", struct.pack("<4q", 0, 1, 9, 255)))
put("npy", "labels_u2", npy("<u2", "(3,)", struct.pack("<3H", 0, 7, 200)))
put("npy", "f4_gz", gzip.compress(npy("<f4", "(3, 2)", f4), mtime=0))
put("npy", "fortran", npy("<f4", "(2, 3)", f4).replace(b"False", b"True "))

# ---- CSV
put("csv", "plain", b"0,0.5,1\n0.25,0.75,1e-3\n-1,2.5e2,3\n")
put("csv", "header_comments_crlf", b"# a comment\r\na,b,c\r\n\r\n1,2,3\r\n 4 ,\t5, 6\r\n")
put("csv", "one_column", b"1\n2\n3\n4\n")
put("csv", "big_values", b"3.4e38,-3.4e38\n-3.4e38,3.4e38\n1,2\n")
put("csv", "tiny_values", b"1e-45,0\n0,-1e-45\n")
put("csv", "gz", gzip.compress(b"x,y\n1,2\n3,4\n", mtime=0))
put("csv", "ragged", b"1,2,3\n4,5\n")
put("csv", "nan", b"1,nan\n2,3\n")

# ---- gzip / zlib / raw deflate
text = b"aekit " * 40 + bytes(range(256))
put("gzip", "member", gzip.compress(text, mtime=0))
put("gzip", "two_members", gzip.compress(b"first", mtime=0) + gzip.compress(b"second", mtime=0))
put("gzip", "stored", gzip.compress(text, compresslevel=0, mtime=0))
put("gzip", "zlib", zlib.compress(text, 9))
co = zlib.compressobj(9, zlib.DEFLATED, -15)
put("gzip", "raw_deflate", co.compress(text) + co.flush())
co = zlib.compressobj(1, zlib.DEFLATED, -15, 9, zlib.Z_FIXED)
put("gzip", "raw_fixed", co.compress(text) + co.flush())

# ---- CLI: newline-separated arguments
cli = {
    "train": ["train", "--hidden", "256,64", "--act", "sigmoid,tanh", "--lr", "1e-3", "--epochs", "3",
              "--batch", "32", "--noise", "mask", "--noise-level", "0.3", "--optimizer", "momentum"],
    "train_eq": ["train", "--hidden=16", "--ksparse=4", "--ksparse-alpha=2", "--tied", "--seed=7",
                 "--synthetic-rows", "100", "--quiet"],
    "train_resume": ["train", "--resume", "m.ckpt", "--epochs", "9", "--data", "x.npy"],
    "train_bad": ["train", "--batch", "0", "--lr", "nan"],
    "encode": ["encode", "--model", "m.aek", "--data", "x.csv", "--out", "c.npy", "--raw"],
    "reconstruct": ["reconstruct", "--model", "m.aek", "--png", "r.png", "--image", "28x28", "--png-count", "8"],
    "eval": ["eval", "--model", "m.aek", "--noisy", "--threads", "2", "--limit", "10", "--skip", "3"],
    "grad": ["grad", "--model", "m.aek", "--out-dir", "g", "--seed", "3", "--epoch", "1", "--preprocess"],
    "export": ["export", "--model", "m.aek", "--out-dir", "e"],
    "filters": ["filters", "--model", "m.aek", "--count", "10", "--first", "2", "--image", "7x112"],
    "pca": ["pca", "--k", "5", "--solver", "topk", "--scale", "minmax", "--standardize"],
    "classify": ["classify", "--help"],
    "info": ["info"],
    "help": ["help"],
    "image_shape": ["filters", "--image", "-16x-49"],
}
for name, args in cli.items():
    put("cli", name, "\n".join(args).encode())

# ---- models and checkpoints (mode byte first: 1 = fix length and CRC)
tmp = tempfile.mkdtemp()
variants = {
    "plain": ["--hidden", "4"],
    "tied_tanh": ["--hidden", "3", "--act", "tanh", "--out-act", "linear", "--tied", "--center"],
    "deep": ["--hidden", "6,3", "--act", "sigmoid,relu", "--pretrain-epochs", "1", "--standardize"],
    "ksparse": ["--hidden", "5", "--act", "linear", "--ksparse", "2", "--ksparse-alpha", "1.5"],
    "bce_sparse": ["--hidden", "4", "--loss", "bce", "--sparse-beta", "0.1", "--scale", "minmax"],
    "cae_h": ["--hidden", "3", "--contractive", "0.1", "--cae-h-gamma", "0.1", "--cae-h-copies", "2",
              "--noise", "gauss", "--noise-level", "0.1", "--optimizer", "sgd"],
    "momentum_l2": ["--hidden", "4", "--optimizer", "momentum", "--l2", "1e-3", "--noise", "mask"],
}
for name, flags in variants.items():
    out = os.path.join(tmp, name + ".aek")
    subprocess.run([aekit, "train", "--synthetic-rows", "40", "--synthetic-dim", "8", "--synthetic-latent", "2",
                    "--epochs", "2", "--batch", "16", "--quiet", "--out", out] + flags, check=True)
    model = open(out, "rb").read()
    ckpt = open(out + ".ckpt", "rb").read()
    put("model", name, b"\x01" + model)
    put("model", name + "_ckpt", b"\x03" + ckpt)
put("model", "raw_plain", b"\x00" + open(os.path.join(tmp, "plain.aek"), "rb").read())
shutil.rmtree(tmp)

total = sum(len(fs) for _, _, fs in os.walk(root))
print("make_seeds: %d seed files under %s" % (total, root))
