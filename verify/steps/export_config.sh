#!/usr/bin/env bash
# export_config.sh — `aekit export`'s config.json states the preprocessing the
# model stores, and input_mean.npy / input_std.npy hold its column statistics:
# tiny models trained with --scale, --center and --standardize on float32 and
# uint8 data are exported, config.json is parsed with Python's json, and
# each field is compared with what was asked for and with the statistics
# NumPy computes from the same data (bounds derived below, per check).
#
# Run by verify/run.sh with BUILD and PYTHON set.  Prints CHECK lines
# (verify/check.h); exits non-zero on a failure.  About 1 s.
set -uo pipefail
. "$(dirname "$0")/../step_setup.sh" || exit 2
step_setup "export config" export-config numpy
fail() { printf 'CHECK\texport config: %s\tnan\tnan\tFAIL\t%s\n' "$1" "$2"; exit 1; }
"$PYTHON" - "$A" "$T" <<'EOF'
import json, os, subprocess, sys
import numpy as np

aekit, T = sys.argv[1], sys.argv[2]
U = 2.0 ** -24  # float32 unit roundoff
failed = 0

def check(name, figure, bound, ok, note):
    global failed
    failed += not ok
    print("CHECK\texport config: %s\t%.3g\t%.3g\t%s\t%s"
          % (name, figure, bound, "PASS" if ok else "FAIL", note.replace("\t", " ")))

# float32 data whose extremes are in one row each (rows 0 and 36 of 37), so a
# lo/hi taken from elsewhere shows; +-11.8765545 is a float32 that 8
# significant digits do not identify, so a lo/hi printed with fewer than 9
# does not read back as the same float32.
rng = np.random.default_rng(7)
xf = (rng.standard_normal((37, 5)) * 3 + 1).astype(np.float32)
xf[0, 3], xf[36, 1] = np.float32(-11.8765545), np.float32(11.8765545)
assert np.float32(float("%.8g" % xf[36, 1])) != xf[36, 1]
# uint8 pixels 0..255 (origin uint8: scaled by /255 unless --scale none)
xu = rng.integers(0, 256, size=(29, 6), dtype=np.uint8)
np.save(os.path.join(T, "f.npy"), xf)
np.save(os.path.join(T, "u.npy"), xu)

def minmax(x):  # as aek_data_scale_minmax: in double, rounded to float32
    lo, hi = float(x.min()), float(x.max())
    return ((x.astype(np.float64) - lo) / (hi - lo)).astype(np.float32)

# name, data, train flags, want (scale, origin, centered, standardized), the
# data the statistics are taken of (after scaling, before centering)
CASES = [
    ("float, --scale minmax --center", "f.npy", ["--scale", "minmax", "--center"],
     ("minmax", "float", True, False), minmax(xf)),
    ("float, --standardize", "f.npy", ["--standardize"], ("none", "float", True, True), xf),
    ("float, no preprocessing", "f.npy", [], ("none", "float", False, False), xf),
    ("uint8, default (/255) --center", "u.npy", ["--center"], ("u8", "uint8", True, False),
     (xu.astype(np.float32) / np.float32(255))),
    ("uint8, --scale none --standardize", "u.npy", ["--scale", "none", "--standardize"],
     ("none", "uint8", True, True), xu.astype(np.float32)),
    ("uint8, --scale minmax", "u.npy", ["--scale", "minmax"], ("minmax", "uint8", False, False),
     None),
]
for i, (name, data, flags, want, xs) in enumerate(CASES):
    m, out = os.path.join(T, "m%d.aek" % i), os.path.join(T, "e%d" % i)
    src = xf if data == "f.npy" else xu
    cmd = [aekit, "train", "--data", os.path.join(T, data), "--hidden", "2", "--epochs", "1",
           "--batch", "8", "--threads", "1", "--out-act", "linear", "--no-checkpoint", "--quiet",
           "--out", m] + flags
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode == 0:
        r = subprocess.run([aekit, "export", "--model", m, "--out-dir", out], capture_output=True,
                           text=True)
    if r.returncode != 0:
        check(name + ": train + export", r.returncode, 0, False, r.stderr.strip()[-300:])
        continue
    with open(os.path.join(out, "config.json")) as f:
        p = json.load(f).get("preprocessing")
    if not isinstance(p, dict):
        check(name + ": a preprocessing block", 0, 1, False, "config.json has %r" % (p,))
        continue
    got = (p.get("scale"), p.get("origin"), p.get("centered"), p.get("standardized"))
    files = tuple(os.path.exists(os.path.join(out, n)) for n in ("input_mean.npy", "input_std.npy"))
    ok = got == want and files == want[2:]
    check(name + ": scale, origin, centered, standardized as asked", float(ok), 1, ok,
          "config.json %s, want %s; input_mean/std.npy present: %s" % (got, want, files))
    if want[0] == "minmax":
        # lo, hi: the data's own min and max, printed with %.9g, which reads
        # back as the same float32 (9 significant digits identify a float32)
        lo, hi = float(src.min()), float(src.max())
        ok = np.float32(p["lo"]) == np.float32(lo) and np.float32(p["hi"]) == np.float32(hi)
        check(name + ": lo, hi = the data's min, max (exact float32)", float(not ok), 0, ok,
              "config.json lo %r hi %r; data min %r max %r" % (p["lo"], p["hi"], lo, hi))
    if not want[2] or xs is None:
        continue
    # Column means: a double sum of the float32 values (error <= n·2^-53·max|x|,
    # ours and NumPy's reference alike; below 1e-12 here), rounded once to
    # float32 (<= u·|mean|).  The scaled data xs are computed here with the
    # same IEEE operations as aekit's, so they are the same bits.
    n = xs.shape[0]
    ref = xs.astype(np.float64).mean(axis=0)
    mean = np.load(os.path.join(out, "input_mean.npy")).astype(np.float64)
    dsum = n * 2.0 ** -53 * float(np.abs(xs).max())  # each double mean's error, ours and NumPy's
    bound = U * (np.abs(ref) + dsum) + 2 * dsum
    ratio = float(np.max(np.abs(mean - ref) / bound))
    check(name + ": input_mean.npy = column means (max err / (u|mean| + 2n 2^-53 max|x|))",
          ratio, 1.0, ratio <= 1.0, "%d columns" % ref.size)
    if not want[3]:
        continue
    # Column std (population): each centered value x - mean_f is one float32
    # subtraction (relative u), the mean of squares is in double, so after
    # sqrt the std is within u·std (sqrt halves the 2u of the square); mean_f
    # is off the exact mean by <= u|mean|, which moves the variance by
    # (u·mean)^2 (adds (u·mean)^2 / (2·std) to the std); the final float32
    # rounding adds u·std: |std - ref| <= (2u + 3u^2)·std + d^2/(2·std), with
    # d = u·(|mean| + dsum) + dsum the float mean's distance from the exact one.
    sref = xs.astype(np.float64).std(axis=0)
    std = np.load(os.path.join(out, "input_std.npy")).astype(np.float64)
    d = U * (np.abs(ref) + dsum) + dsum
    bound = (2 * U + 3 * U * U) * sref + d * d / (2 * sref)
    ratio = float(np.max(np.abs(std - sref) / bound))
    check(name + ": input_std.npy = column stds (max err / (2u std + d^2 / 2std))",
          ratio, 1.0, ratio <= 1.0, "%d columns, population std" % sref.size)
sys.exit(1 if failed else 0)
EOF
rc=$?
# an exit without a FAIL line of its own (e.g. the interpreter killed) still fails the step
[ $rc -eq 0 ] || [ $rc -eq 1 ] || fail "witness" "python exits $rc"
exit $rc
