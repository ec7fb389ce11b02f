#!/usr/bin/env bash
# cli_outputs.sh — what `aekit encode`, `reconstruct`, `filters` and `eval`
# write, checked against independent NumPy computations on one small deep
# model (35 inputs, 17-9 tanh/sigmoid encoder, cross-entropy, masking noise;
# 300 rows: a full 256-row inference batch and a 44-row tail):
#   - encode's codes (the last layer's) and reconstruct's outputs (the
#     sigmoid of the logits; and of a one-layer MSE model) against verify/ref/ae_ref.py's float64 forward,
#     with its running float32 error bound e (figure = max |aekit − ref| / 2e,
#     the convention of numpy_ref.sh);
#   - reconstruct --noisy --seed S corrupts row i as `aekit grad --seed S
#     --epoch 0` does (the noise key is the data row, not the row's place in
#     a batch), the same bits at 1 and 2 threads;
#   - the PNG grids of reconstruct (inputs, corrupted inputs, outputs) and of
#     filters (W_j/‖W_j‖), decoded here, pixel for pixel;
#   - filters --npy against W_j/‖W_j‖ computed from the exported W0;
#   - eval --noisy changes the loss, and is refused on a model whose noise
#     level is 0 (it would change nothing);
#   - reconstruct --png-count above the rows draws the rows there are;
#   - integer, real and list flag ranges: the bounds themselves accepted, one
#     past them refused; --synthetic-seed chooses the data;
#   - info reports the threads and kernel set the environment asks for;
#   - a model file whose CAE+H copies are 65 (above the 1..64 that grad's
#     file list is sized for) is refused, 64 loads.
#
# Run by verify/run.sh with BUILD and PYTHON set.  Prints CHECK lines
# (verify/check.h); exits non-zero on a failure.  About 2 s.
set -uo pipefail
. "$(dirname "$0")/../step_setup.sh" || exit 2
step_setup "cli outputs" cli-outputs numpy
fail() { printf 'CHECK\tcli outputs: %s\tnan\tnan\tFAIL\t%s\n' "$1" "$2"; exit 1; }
"$PYTHON" - "$A" "$T" "$PWD/verify/ref" <<'EOF'
import json, os, struct, subprocess, sys, zlib
import numpy as np

aekit, T, refdir = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, refdir)
import ae_ref  # noqa: E402

U = 2.0 ** -24   # float32 unit roundoff
UD = 2.0 ** -53  # float64 unit roundoff
failed = 0


def check(name, figure, bound, ok, note=""):
    global failed
    failed += not ok
    print("CHECK\tcli outputs: %s\t%.3g\t%.3g\t%s\t%s"
          % (name, figure, bound, "PASS" if ok else "FAIL", note.replace("\t", " ")[:300]))


def run(*args, want=0):
    r = subprocess.run([aekit] + [str(a) for a in args], capture_output=True, text=True)
    if want is not None and r.returncode != want:
        raise RuntimeError("aekit %s: exit %d, want %d: %s"
                           % (" ".join(map(str, args[:2])), r.returncode, want, r.stderr.strip()[-300:]))
    return r


def p(name):
    return os.path.join(T, name)


def read_png_gray(path):
    """Our encoder's PNG (8-bit gray, filter 0 rows), decoded with zlib;
    every CRC checked.  Returns an H×W uint8 array."""
    b = open(path, "rb").read()
    assert b[:8] == b"\x89PNG\r\n\x1a\n", "signature"
    pos, idat, w = 8, b"", None
    while pos < len(b):
        n, typ = struct.unpack(">I4s", b[pos:pos + 8])
        data = b[pos + 8:pos + 8 + n]
        assert zlib.crc32(typ + data) == struct.unpack(">I", b[pos + 8 + n:pos + 12 + n])[0], \
            "CRC of " + typ.decode()
        if typ == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", data[:10])
            assert depth == 8 and ctype == 0, "not 8-bit gray"
        elif typ == b"IDAT":
            idat += data
        pos += 12 + n
    raw = np.frombuffer(zlib.decompress(idat), dtype=np.uint8).reshape(h, w + 1)
    assert (raw[:, 0] == 0).all(), "a row filter other than 0 (ours writes none)"
    return raw[:, 1:]


def check_png(name, path, want):
    """The PNG at path decoded against the grid want, pixel for pixel."""
    got = read_png_gray(path)
    same = got.shape == want.shape
    check(name, float(np.sum(got != want)) if same else float("nan"), 0,
          same and np.array_equal(got, want), "png %s, want %s" % (got.shape, want.shape))


def grid(tiles, h, w, columns):
    """image_grid.h's layout, in the same double operations: a 1-pixel gray
    (128) border around tiles of h×w, each scaled by its own min and max,
    x = lrint(255·(v − lo)/(hi − lo)) (np.rint: also to nearest even)."""
    n = len(tiles)
    rows = (n + columns - 1) // columns
    g = np.full((rows * (h + 1) + 1, columns * (w + 1) + 1), 128, dtype=np.uint8)
    for t, img in enumerate(tiles):
        v = img.astype(np.float64)
        lo, hi = float(img.min()), float(img.max())
        r = hi - lo
        q = np.clip((v - lo) / r, 0, 1) if r > 0 else np.zeros_like(v)
        y0, x0 = 1 + (t // columns) * (h + 1), 1 + (t % columns) * (w + 1)
        g[y0:y0 + h, x0:x0 + w] = np.rint(q * 255).reshape(h, w)
    return g


def forward(cfg, P, X):
    """Codes and reconstructions with error bounds (ae_ref's T values)."""
    L, acts = int(cfg["layers"]), cfg["activations"]
    mg = ae_ref.Margins()
    H = ae_ref.T(X.astype(np.float64))
    for l in range(L):
        H = ae_ref.activate(acts[l], H @ ae_ref.T(P["W%d" % l]).T + ae_ref.T(P["b%d" % l]), mg,
                            "encoder %d" % l)
    code, Y = H, H
    for l in reversed(range(L)):
        Z = Y @ ae_ref.T(P["Wd%d" % l]).T + ae_ref.T(P["c%d" % l])
        f = acts[l - 1] if l > 0 else ("linear" if cfg["loss"] == "bce" else cfg["output_activation"])
        Y = ae_ref.activate(f, Z, mg, "decoder %d" % l)
    if cfg["loss"] == "bce":
        Y = ae_ref.sigmoid(Y)  # reconstruct applies the sigmoid to the logits
    return code, Y


def vs_ref(name, got, ref):
    # |aekit − ref| ≤ e (ae_ref's bound on the float32 value's error) plus the
    # float64 witness's own, far smaller, error: 2e as in numpy_ref.sh
    if got.shape != ref.v.shape:
        check(name, float("nan"), 1, False, "shape %s, want %s" % (got.shape, ref.v.shape))
        return
    r = np.abs(got - ref.v) / (2 * np.maximum(ref.e, 1e-300))
    i = np.unravel_index(int(np.argmax(r)), r.shape)
    check(name, float(r.max()), 1.0, bool(r.max() <= 1), "worst at row %d col %d" % i)


def guarded(name, fn):
    try:
        fn()
    except Exception as e:  # a crash, a missing file, a wrong exit: a FAIL line
        check(name, float("nan"), float("nan"), False, "%s: %s" % (type(e).__name__, e))


rng = np.random.default_rng(11)
ROWS, N, H, W = 300, 35, 5, 7
X = rng.uniform(0.05, 0.95, size=(ROWS, N)).astype(np.float32)
np.save(p("x.npy"), X)
MODEL = p("deep.aek")
state = {}


def setup():
    run("train", "--data", p("x.npy"), "--hidden", "17,9", "--act", "tanh,sigmoid", "--loss", "bce",
        "--noise", "mask", "--noise-level", "0.3", "--epochs", "1", "--batch", "64", "--lr", "0.01",
        "--threads", "1", "--no-checkpoint", "--quiet", "--out", MODEL)
    run("export", "--model", MODEL, "--out-dir", p("exp"))
    state["cfg"] = json.load(open(p("exp/config.json")))
    state["P"] = {f[:-4]: np.load(p("exp/" + f)) for f in os.listdir(p("exp")) if f.endswith(".npy")}


guarded("setup: train, export", setup)
if "cfg" not in state:
    sys.exit(1)
cfg, P = state["cfg"], state["P"]
code_ref, rec_ref = forward(cfg, P, X)


def t_encode():
    run("encode", "--model", MODEL, "--data", p("x.npy"), "--out", p("codes.npy"))
    vs_ref("encode of a 35-17-9 model = the code layer's activations (|err| / 2e)",
           np.load(p("codes.npy")).astype(np.float64), code_ref)


def t_reconstruct():
    run("reconstruct", "--model", MODEL, "--data", p("x.npy"), "--out", p("rec.npy"))
    vs_ref("reconstruct of a cross-entropy model = sigmoid(logits) (|err| / 2e)",
           np.load(p("rec.npy")).astype(np.float64), rec_ref)


def t_mse():
    # mean-squared error with a sigmoid output: the decoder's output is the
    # reconstruction as it is (the sigmoid is applied once)
    m = p("mse.aek")
    run("train", "--data", p("x.npy"), "--hidden", 12, "--act", "tanh", "--out-act", "sigmoid",
        "--epochs", 1, "--batch", 64, "--lr", "0.01", "--threads", 1, "--no-checkpoint", "--quiet",
        "--out", m)
    run("export", "--model", m, "--out-dir", p("mexp"))
    mcfg = json.load(open(p("mexp/config.json")))
    mP = {f[:-4]: np.load(p("mexp/" + f)) for f in os.listdir(p("mexp")) if f.endswith(".npy")}
    run("reconstruct", "--model", m, "--data", p("x.npy"), "--out", p("mrec.npy"))
    vs_ref("reconstruct of an MSE model with a sigmoid output (|err| / 2e)",
           np.load(p("mrec.npy")).astype(np.float64), forward(mcfg, mP, X)[1])


def t_noisy():
    # grad: one batch, row i keyed as sample i (cmd_export.c); reconstruct
    # --noisy keys row i of the data the same way, batch after batch
    cors = []
    for th in (1, 2):
        run("grad", "--model", MODEL, "--data", p("x.npy"), "--seed", 7, "--epoch", 0, "--threads", th,
            "--out-dir", p("g%d" % th))
        cors.append(np.load(p("g%d/input_corrupted.npy" % th)))
    same = np.array_equal(cors[0].view(np.uint32), cors[1].view(np.uint32))
    check("grad --seed 7: the corrupted input has the same bits at 1 and 2 threads",
          float(np.sum(cors[0] != cors[1])), 0, same, "figure = values that differ")
    np.save(p("cor.npy"), cors[0])
    run("reconstruct", "--model", MODEL, "--data", p("x.npy"), "--noisy", "--seed", 7, "--out",
        p("recn.npy"), "--png", p("recn.png"), "--png-count", 20, "--image", "%dx%d" % (H, W))
    run("reconstruct", "--model", MODEL, "--data", p("cor.npy"), "--out", p("recc.npy"))
    a, b = np.load(p("recn.npy")), np.load(p("recc.npy"))
    # the same corrupted rows through the same code: the same bits
    check("reconstruct --noisy --seed 7 = reconstruct of grad --seed 7 --epoch 0's corrupted "
          "input (300 rows, batches of 256)", float(np.sum(a != b)), 0,
          a.shape == b.shape and np.array_equal(a.view(np.uint32), b.view(np.uint32)),
          "figure = values that differ")
    # 20 samples, 16 per grid row: 2 blocks of (inputs, corrupted, outputs),
    # the last 12 cells of each block's rows empty (zero tiles)
    tiles = []
    for blk in range(2):
        for src in (X, cors[0], a):
            for c in range(16):
                i = blk * 16 + c
                tiles.append(src[i] if i < 20 else np.zeros(N, np.float32))
    want = grid(tiles, H, W, 16)
    check_png("reconstruct --noisy --png-count 20 --image 5x7: grid of inputs, corrupted inputs, "
              "outputs, pixel for pixel", p("recn.png"), want)


def t_png_count():
    # --png-count above the rows: the grid holds the rows there are (3
    # columns, inputs above outputs), nothing read past the data
    run("reconstruct", "--model", MODEL, "--data", p("x.npy"), "--limit", 3, "--png-count", 1024,
        "--image", "%dx%d" % (H, W), "--png", p("r3.png"), "--out", p("r3.npy"))
    rec = np.load(p("r3.npy"))
    want = grid([X[0], X[1], X[2], rec[0], rec[1], rec[2]], H, W, 3)
    check_png("reconstruct --limit 3 --png-count 1024: a 3-column grid of the 3 rows, pixel for pixel",
              p("r3.png"), want)


def t_filters():
    run("filters", "--model", MODEL, "--first", 3, "--columns", 4, "--image", "%dx%d" % (W, H), "--out",
        p("f.png"), "--npy", p("f.npy"))
    f = np.load(p("f.npy")).astype(np.float64)
    W0 = P["W0"].astype(np.float64)[3:]
    ref = W0 / np.sqrt((W0 * W0).sum(axis=1, keepdims=True))
    # aekit: Σw² of exact float products in double (relative error ≤
    # γ_n(2⁻⁵³)), sqrt and quotient in double (≤ 2·2⁻⁵³), one rounding to
    # float (≤ u); NumPy's float64 ref within another (n+2)·2⁻⁵³
    bound = (U + (2 * N + 8) * UD) * np.abs(ref)
    if f.shape != ref.shape:
        check("filters --first 3 --npy: rows 3..16 of W0, each / its norm", float("nan"), 1, False,
              "shape %s, want %s" % (f.shape, ref.shape))
    else:
        r = float(np.max(np.abs(f - ref) / np.maximum(bound, 1e-300)))
        check("filters --first 3 --npy: rows 3..16 of W0, each / its norm (|err| / (u + (2n+8)"
              "2^-53)|ref|)", r, 1.0, r <= 1, "14 of 17 units")
    want = grid([np.float32(x) for x in np.load(p("f.npy"))], W, H, 4)
    check_png("filters --columns 4 --image 7x5: 14 tiles in 4 columns, pixel for pixel", p("f.png"),
              want)


def t_eval():
    clean = run("eval", "--model", MODEL, "--data", p("x.npy")).stdout
    noisy = run("eval", "--model", MODEL, "--data", p("x.npy"), "--noisy").stdout
    rc = lambda s: float(s.split("recon ")[1].split()[0])
    # 30% of the inputs masked: the loss cannot stay the same
    check("eval --noisy evaluates the corrupted input (its loss differs from eval's)",
          abs(rc(noisy) - rc(clean)), 0, rc(noisy) != rc(clean), "%g vs %g" % (rc(noisy), rc(clean)))
    # the same model with noise level 0 (the library accepts it; train
    # refuses it): the model file's level 0.3 replaced, its CRC recomputed
    b = bytearray(open(MODEL, "rb").read())
    pat = struct.pack("<d", 0.3)
    if b.count(pat) != 1:
        raise RuntimeError("the level 0.3 is not once in the model file (%d)" % b.count(pat))
    i = b.find(pat)
    b[i:i + 8] = struct.pack("<d", 0.0)
    b[-4:] = struct.pack("<I", zlib.crc32(bytes(b[:-4])))
    open(p("zero.aek"), "wb").write(bytes(b))
    r = run("eval", "--model", p("zero.aek"), "--data", p("x.npy"), "--noisy", want=None)
    r0 = run("eval", "--model", p("zero.aek"), "--data", p("x.npy"), want=None)
    rr = run("reconstruct", "--model", p("zero.aek"), "--data", p("x.npy"), "--noisy", "--out",
             p("z.npy"), want=None)
    ok = r.returncode == 2 and "noise level" in r.stderr and r0.returncode == 0
    check("eval --noisy on a model of noise level 0: refused, exit 2 (plain eval: 0)", r.returncode,
          2, ok, r.stderr.strip() or r.stdout.strip())
    ok = rr.returncode == 2 and "noise level" in rr.stderr and not os.path.exists(p("z.npy"))
    check("reconstruct --noisy on a model of noise level 0: refused, exit 2, no --out written",
          rr.returncode, 2, ok, rr.stderr.strip())


def t_ranges():
    # each bound accepted, one past it refused with the range named
    base = ["reconstruct", "--model", MODEL, "--data", p("x.npy"), "--limit", 3, "--png", p("r.png"),
            "--image", "%dx%d" % (H, W)]
    cases = [
        ("--png-count 1 (size, low bound)", base + ["--png-count", 1], 0),
        ("--png-count 0", base + ["--png-count", 0], 2),
        ("--png-count 1024 (size, high bound)", base + ["--png-count", 1024], 0),
        ("--png-count 1025", base + ["--png-count", 1025], 2),
        ("--threads 256 (int, high bound)", base + ["--threads", 256], 0),
        ("--threads 257", base + ["--threads", 257], 2),
        ("--synthetic-noise 100 (real, high bound)",
         ["encode", "--model", MODEL, "--synthetic-rows", 2, "--synthetic-dim", N,
          "--synthetic-noise", 100, "--out", p("s.npy")], 0),
        ("--synthetic-noise 100.001",
         ["encode", "--model", MODEL, "--synthetic-rows", 2, "--synthetic-dim", N,
          "--synthetic-noise", 100.001, "--out", p("s.npy")], 2),
    ]
    tr = ["train", "--synthetic-rows", 4, "--synthetic-dim", 4, "--epochs", 1, "--quiet",
          "--no-checkpoint", "--out", p("h.aek"), "--hidden"]
    cases += [("--hidden of 8 entries (list, most layers)", tr + ["9,8,7,6,5,4,3,2"], 0),
              ("--hidden of 9 entries", tr + ["9,8,7,6,5,4,3,2,1"], 2)]
    bad = []
    for name, args, want in cases:
        r = run(*args, want=None)
        named = "at most 8 entries" if "--hidden" in args else "must be in"
        if r.returncode != want or (want == 2 and named not in r.stderr):
            bad.append("%s: exit %d (%s)" % (name, r.returncode, r.stderr.strip()[:80]))
    check("flag ranges: bounds accepted, one past refused (10 cases)", len(bad), 0, not bad,
          "; ".join(bad))


def t_synth_seed():
    out = []
    for i, seed in enumerate((2, 2, 1)):
        run("encode", "--model", MODEL, "--synthetic-rows", 4, "--synthetic-dim", N, "--synthetic-seed",
            seed, "--out", p("ss%d.npy" % i))
        out.append(np.load(p("ss%d.npy" % i)))
    ok = np.array_equal(out[0], out[1]) and not np.array_equal(out[0], out[2])
    check("--synthetic-seed: seed 2 twice the same codes, seed 1 others", float(not ok), 0, ok)


def t_copies_bound():
    # CAE+H copies are 1..64 (ae_config.c; grad's file list is sized for
    # 64): a model file saying 64 loads, one saying 65 is refused
    m = p("caeh.aek")
    run("train", "--data", p("x.npy"), "--limit", 8, "--hidden", 3, "--cae-h-gamma", 0.5,
        "--cae-h-sigma", 0.2, "--cae-h-copies", 3, "--epochs", 1, "--quiet", "--no-checkpoint",
        "--out", m)
    b = open(m, "rb").read()
    pat = struct.pack("<dI", 0.2, 3)  # cae_h_sigma, cae_h_copies: the configuration's last fields
    if b.count(pat) != 1:
        raise RuntimeError("sigma 0.2, copies 3 are not once in the model file (%d)" % b.count(pat))
    res = []
    for copies in (64, 65):
        c = bytearray(b.replace(pat, struct.pack("<dI", 0.2, copies)))
        c[-4:] = struct.pack("<I", zlib.crc32(bytes(c[:-4])))
        open(p("c%d.aek" % copies), "wb").write(bytes(c))
        res.append(run("eval", "--model", p("c%d.aek" % copies), "--data", p("x.npy"), "--limit", 8,
                       want=None))
    ok = res[0].returncode == 0 and res[1].returncode == 1 and "1..64" in res[1].stderr
    check("model file with CAE+H copies 64: loads; 65: refused (exit 1, range named)",
          res[1].returncode, 1, ok, "64: exit %d; 65: exit %d %s" % (
              res[0].returncode, res[1].returncode, res[1].stderr.strip()))


def t_info():
    # the thread count in use and the kernel set chosen, as the environment
    # asks: one thread more than the CPUs (so it is not the CPU count)
    online = int(run("info").stdout.split("threads")[1].split(" of ")[1].split()[0])
    env = dict(os.environ, AEKIT_NUM_THREADS=str(online + 1), AEKIT_ISA="scalar")
    r = subprocess.run([aekit, "info"], capture_output=True, text=True, env=env)
    lines = {ln.split()[0]: ln for ln in r.stdout.splitlines() if ln.strip()}
    want_t = "threads       %d of %d online CPUs (AEKIT_NUM_THREADS)" % (online + 1, online)
    want_c = "chosen        scalar (forced by AEKIT_ISA)"
    ok = r.returncode == 0 and lines.get("threads") == want_t and lines.get("chosen") == want_c
    check("info with AEKIT_NUM_THREADS=%d AEKIT_ISA=scalar: those threads and that set" % (online + 1),
          float(not ok), 0, ok, "%r %r" % (lines.get("threads"), lines.get("chosen")))


for name, fn in [
        ("eval", t_eval),
        ("encode", t_encode),
        ("reconstruct", t_reconstruct),
        ("reconstruct, MSE", t_mse),
        ("reconstruct --noisy", t_noisy),
        ("png count", t_png_count),
        ("filters", t_filters),
        ("flag ranges", t_ranges),
        ("synthetic seed", t_synth_seed),
        ("CAE+H copies", t_copies_bound),
        ("info", t_info),
]:
    guarded(name, fn)
sys.exit(1 if failed else 0)
EOF
rc=$?
# an exit without a FAIL line of its own (e.g. the interpreter killed) still fails the step
[ $rc -eq 0 ] || [ $rc -eq 1 ] || fail "witness" "python exits $rc"
exit $rc
