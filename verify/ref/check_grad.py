"""
check_grad.py — aekit's loss and gradients against the NumPy witness
(ae_ref.py), for every variant × hidden activation × loss × tied/untied ×
depth, on every kernel set this CPU can execute.

For each combination:
  1. aekit train --epochs 1 on a tiny data file (biases and weights move off
     their initial values), aekit export → weights and config.json;
  2. a batch (13 × 37, values in [0.05, 0.95]) → aekit grad (loss.json,
     grad_<tensor>.npy, input_corrupted.npy, cae_h_copy<c>.npy);
  3. ae_ref.evaluate() on the same weights, batch, corrupted input and copies
     in float64, with a running error bound e for a float32 evaluation
     (derivation: ae_ref.py docstring);
  4. CHECK lines: gradient (figure = max over every entry of every tensor of
     |aekit − ref| / (2e), bound 1) and loss parts (same figure over total,
     recon, l2, sparse, contractive, cae_h), per kernel set; noise structure
     per combination.
The test point must be away from kinks: every ReLU pre-activation and every
k-sparse selection gap at least 8 times its error bound 2e (i.e. 16e) from
switching, the KL mean inside aekit's clamp; the batch is re-drawn otherwise.

Kernel sets: every set `aekit info` lists as executable runs every
combination (AEKIT_ISA=<set>, checked against `aekit info`'s "chosen" line);
n/a sets are SKIP lines.  QUICK=1 (or --quick): every 5th combination of each
group, all kernel sets.  Full run ≈ 20 s, quick ≈ 5 s on 2 cores.

A crash, a missing file, a wrong shape or a Python exception is a FAIL line.
Self-test: known perturbations of the witness's formulas must be detected.

Usage: check_grad.py --aekit BUILD/aekit [--quick] [--jobs N] [--keep DIR]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from concurrent.futures import ThreadPoolExecutor

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ae_ref  # noqa: E402

N_IN = 37              # input width (prime: edge tiles in every kernel set)
HIDDEN = {1: [19], 2: [23, 11]}
M_ROWS = 13            # batch rows
TRAIN_ROWS = 16
MIN_MARGIN = 8.0       # kink distance / (2e) required of a test point
MAX_DRAWS = 25
K_SPARSE = {1: 6, 2: 4}

# variant -> (aekit flags, activations allowed, depths)
VARIANTS = {
    "plain": ([], ae_ref.ACTS, (1, 2)),
    "l2": (["--l2", "0.01"], ae_ref.ACTS, (1, 2)),
    "denoise-mask": (["--noise", "mask", "--noise-level", "0.3"], ae_ref.ACTS, (1, 2)),
    "denoise-gauss": (["--noise", "gauss", "--noise-level", "0.1"], ae_ref.ACTS, (1, 2)),
    "sparse": (["--sparse-rho", "0.1", "--sparse-beta", "0.5"], ("sigmoid",), (1, 2)),
    "ksparse": (["--ksparse", "K"], ae_ref.ACTS, (1, 2)),
    "contractive": (["--contractive", "0.3"], ae_ref.ACTS, (1,)),
    "cae-h": (["--cae-h-gamma", "0.5", "--cae-h-sigma", "0.2", "--cae-h-copies", "2"],
              ae_ref.ACTS, (1,)),
}
CAEH_ALL = ["--contractive", "0.3", "--cae-h-gamma", "0.5", "--cae-h-sigma", "0.2",
            "--cae-h-copies", "3"]
# Combinations of variants: aekit accepts them, so they must be right too (a
# combination aekit rejects becomes a SKIP line).  With k-sparse, the
# Jacobian in the contractive and CAE+H penalties is that of the code aekit
# actually produces, diag(K ⊙ g'(a))·W, at x and at each copy (its own mask).
COMBINED = [
    ("l2+mask+sparse+contractive+cae-h",
     ["--l2", "0.01", "--noise", "mask", "--noise-level", "0.2", "--sparse-rho", "0.1",
      "--sparse-beta", "0.5"] + CAEH_ALL, ("sigmoid",)),
    ("gauss+contractive+cae-h", ["--noise", "gauss", "--noise-level", "0.1"] + CAEH_ALL,
     ("tanh", "relu")),
    ("ksparse+sparse", ["--ksparse", "K", "--sparse-rho", "0.1", "--sparse-beta", "0.5"],
     ("sigmoid",)),
    ("ksparse+contractive", ["--ksparse", "K", "--contractive", "0.3"], ae_ref.ACTS),
    ("ksparse+cae-h", ["--ksparse", "K"] + CAEH_ALL, ae_ref.ACTS),
]
# two-layer models with a different activation per layer
MIXED = [("tanh", "sigmoid"), ("relu", "tanh"), ("sigmoid", "linear"), ("linear", "relu")]

MUTATIONS = {  # name -> (what it perturbs, is the combination relevant)
    "tanh-sp-sign": ("tanh g'' = +2h·g' instead of −2h·g'",
                     lambda c: "contractive" in c["variant"] and c["acts"][0] == "tanh"),
    "contractive-direct": ("contractive: drop δW_j += (2λ/m)(Σ_i s²)W_j",
                           lambda c: "contractive" in c["variant"]),
    "kl-sign": ("KL sparsity: gradient term with the wrong sign", lambda c: "sparse" in
                c["variant"].replace("ksparse", "")),
    "cae_h-copy-path": ("CAE+H: drop the corrupted copies' own path", lambda c: "cae-h" in c["variant"]),
    "bce-scale": ("BCE: δZ = 2(σ(z) − x)/m", lambda c: c["loss"] == "bce"),
    "tied-dec": ("tied: drop the decoder's share of δW", lambda c: c["tied"]),
    "relu-deriv": ("relu: g' = 1 everywhere", lambda c: "relu" in c["acts"]),
    "ksparse-mask-grad": ("k-sparse: gradient through dropped units", lambda c: "ksparse" in c["variant"]),
    "l2-factor": ("L2: δW += λW instead of 2λW", lambda c: "l2" in c["variant"]),
    "noise-input": ("denoising: δW from the clean input", lambda c: "mask" in c["variant"] or
                    "gauss" in c["variant"]),
}


def out_act_for(acts, loss):
    if loss == "bce":
        return "sigmoid"
    return {"relu": "linear"}.get(acts[0], acts[0])


def build_combos(quick):
    combos = []

    def add(variant, flags, acts, loss, tied, group):
        L = len(acts)
        fl = [str(K_SPARSE[L]) if f == "K" else f for f in flags]
        combos.append(dict(variant=variant, flags=fl, acts=tuple(acts), loss=loss,
                           out=out_act_for(acts, loss), tied=tied, L=L, group=group))

    for v, (flags, acts, depths) in VARIANTS.items():
        for L in depths:
            for a in acts:
                for loss in ("mse", "bce"):
                    for tied in (False, True):
                        add(v, flags, (a,) * L, loss, tied, v)
    for a2 in MIXED:
        for loss in ("mse", "bce"):
            for tied in (False, True):
                add("plain", [], a2, loss, tied, "plain")
    add("sparse", VARIANTS["sparse"][0], ("relu", "sigmoid"), "mse", False, "sparse")
    add("sparse", VARIANTS["sparse"][0], ("tanh", "sigmoid"), "bce", True, "sparse")
    for v, flags, acts in COMBINED:
        for a in acts:
            for loss in ("mse", "bce"):
                for tied in (False, True):
                    if v.startswith("ksparse+c") and (loss, tied) not in (("mse", False), ("bce", True)):
                        continue
                    add(v, flags, (a,), loss, tied, "combined")
    if quick:
        # a representative subset: every 5th combination of each group (5 is
        # coprime to the 2 × 2 × 4 loop structure, so the picks cycle through
        # activations, losses, tied/untied and depths)
        picked, seen = [], {}
        for c in combos:
            key = c["group"]
            n = seen.get(key, 0)
            seen[key] = n + 1
            if n % 5 == 0:
                picked.append(c)
        combos = picked
    return combos


def combo_name(c):
    acts = ",".join(c["acts"])
    loss = "bce" if c["loss"] == "bce" else "mse-" + c["out"]
    return "%s %s %s %s %dL" % (c["variant"], acts, loss, "tied" if c["tied"] else "untied", c["L"])


# ---- running aekit -------------------------------------------------------------


class AekitError(Exception):
    pass


def run(cmd, env=None, timeout=60):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                           timeout=timeout, text=True)
    except subprocess.TimeoutExpired:
        raise AekitError("%s: timed out after %ds" % (" ".join(cmd[:2]), timeout))
    if p.returncode != 0:
        err = " ".join(p.stderr.strip().splitlines()[-2:])
        how = "is killed by signal %d" % -p.returncode if p.returncode < 0 else "exits %d" % p.returncode
        raise AekitError("%s %s: %s" % (" ".join(os.path.basename(x) for x in cmd[:2]), how, err[:300]))
    return p


def isa_env(isa):
    env = dict(os.environ)
    env["AEKIT_ISA"] = isa
    return env


def load_npy(path, what):
    if not os.path.isfile(path):
        raise AekitError("missing %s (%s)" % (os.path.basename(path), what))
    return np.load(path)


def aekit_grad(aekit, isa, model, batch, seed, epoch, out_dir, cfg):
    run([aekit, "grad", "--model", model, "--data", batch, "--seed", str(seed), "--epoch",
         str(epoch), "--out-dir", out_dir], env=isa_env(isa))
    res = {}
    with open(os.path.join(out_dir, "loss.json")) as f:
        res["loss"] = json.load(f)
    res["grads"] = {t["name"]: load_npy(os.path.join(out_dir, "grad_%s.npy" % t["name"]), "gradient")
                    for t in cfg["tensors"]}
    extra = sorted(set(x[5:-4] for x in os.listdir(out_dir) if x.startswith("grad_")) -
                   set(res["grads"]))
    if extra:
        raise AekitError("unexpected gradient files: " + ", ".join(extra))
    res["Xt"] = None
    if cfg["noise"] != "none" and cfg["noise_level"] > 0:
        res["Xt"] = load_npy(os.path.join(out_dir, "input_corrupted.npy"), "corrupted input")
    res["copies"] = []
    if cfg["cae_h_gamma"] > 0:
        res["copies"] = [load_npy(os.path.join(out_dir, "cae_h_copy%d.npy" % c), "CAE+H copy")
                         for c in range(int(cfg["cae_h_copies"]))]
    return res


# ---- comparing -------------------------------------------------------------------

LOSS_PARTS = ("total", "recon", "l2", "sparse", "contractive", "cae_h")


def compare_grads(ref, got, cfg):
    worst = (0.0, "none", "")
    for t in cfg["tensors"]:
        name = t["name"]
        if name not in ref.grads:
            raise AekitError("the witness has no gradient for tensor " + name)
        fig, idx = ae_ref.compare(ref.grads[name], got["grads"][name])
        if fig >= worst[0] or worst[1] == "none":
            g = ref.grads[name]
            d = abs(float(np.asarray(got["grads"][name], dtype=np.float64)[idx]) - float(g.v[idx]))
            where = "%s[%s]: |d|=%.2g vs 2e=%.2g (|g|=%.2g)" % (
                name, ",".join(str(int(i)) for i in idx), d, ae_ref.SAFETY * float(g.e[idx]),
                abs(float(g.v[idx])))
            if fig >= worst[0]:
                worst = (fig, name, where)
    missing = set(ref.grads) - set(t["name"] for t in cfg["tensors"])
    if missing:
        raise AekitError("aekit has no tensor " + ", ".join(sorted(missing)))
    return worst


def compare_loss(ref, got):
    worst = (0.0, "", "")
    for p in LOSS_PARTS:
        if p not in got["loss"]:
            raise AekitError("loss.json has no '%s'" % p)
        r = ref.loss[p]
        fig, _ = ae_ref.compare(r, np.float64(got["loss"][p]))
        if fig >= worst[0]:
            worst = (fig, p, "%s: aekit %.9g ref %.9g, |d|=%.2g vs 2e=%.2g" % (
                p, got["loss"][p], float(r.v), abs(got["loss"][p] - float(r.v)),
                ae_ref.SAFETY * float(r.e)))
    return worst


def check_line(name, figure, bound, verdict, note):
    note = note.replace("\t", " ").replace("\n", " ")
    return "CHECK\t%s\t%.3g\t%s\t%s\t%s" % (name, figure, bound, verdict, note)


def noise_checks(c, cfg, X, runs, isas):
    """Structure of the noise aekit reports (the gradient check alone would
    pass with no noise at all): masking sets entries to exactly 0 (fraction ≈ q),
    Gaussian noise and the CAE+H copies have mean 0 and std σ; all of it is the
    same on every kernel set (a pure function of the noise key)."""
    lines = []
    first = runs[isas[0]]
    name = "numpy-ref noise " + combo_name(c)
    stats = []
    ok = True
    notes = []
    if first["Xt"] is not None:
        Xt = first["Xt"].astype(np.float64)
        q = cfg["noise_level"]
        if cfg["noise"] == "mask":
            bad = np.sum((Xt != X) & (Xt != 0))
            frac = float(np.mean(Xt == 0))
            z = abs(frac - q) / np.sqrt(q * (1 - q) / X.size)
            stats.append(z)
            ok &= bad == 0
            notes.append("mask: %d entries neither x nor 0, zero fraction %.3f (q=%g)" % (bad, frac, q))
        else:
            e = (Xt - X) / q
            zm = abs(e.mean()) * np.sqrt(e.size)
            zv = abs(e.var() - 1) / np.sqrt(2.0 / e.size)
            stats += [zm, zv]
            notes.append("gauss: (x~-x)/sigma mean %.3f var %.3f" % (e.mean(), e.var()))
    if first["copies"]:
        base = first["Xt"].astype(np.float64) if first["Xt"] is not None else X
        sig = cfg["cae_h_sigma"]
        e = np.stack([(cp.astype(np.float64) - base) / sig for cp in first["copies"]])
        zm = abs(e.mean()) * np.sqrt(e.size)
        zv = abs(e.var() - 1) / np.sqrt(2.0 / e.size)
        stats += [zm, zv]
        distinct = all(not np.array_equal(first["copies"][i], first["copies"][j])
                       for i in range(len(first["copies"])) for j in range(i))
        ok &= distinct
        notes.append("CAE+H copies: eps mean %.3f var %.3f%s" % (e.mean(), e.var(),
                                                                 "" if distinct else ", copies repeat"))
    if not stats:
        return lines
    for isa in isas[1:]:
        r = runs[isa]
        same = ((r["Xt"] is None and first["Xt"] is None) or np.array_equal(r["Xt"], first["Xt"])) and \
            len(r["copies"]) == len(first["copies"]) and \
            all(np.array_equal(a, b) for a, b in zip(r["copies"], first["copies"]))
        if not same:
            ok = False
            notes.append("noise differs on %s" % isa)
    fig = float(max(stats))
    verdict = "PASS" if ok and fig <= 5 else "FAIL"
    lines.append(check_line(name, fig, 5, verdict, "max |z| of the noise statistics; " + "; ".join(notes)))
    return lines


# ---- one combination ---------------------------------------------------------------


def expected_names(c, isas):
    n = combo_name(c)
    out = []
    for isa in isas:
        out += ["numpy-ref grad %s %s" % (n, isa), "numpy-ref loss %s %s" % (n, isa)]
    return out


def run_combo(ix, c, isas, workdir, aekit):
    """Returns (CHECK lines, data for the self-test or None)."""
    d = os.path.join(workdir, "c%03d" % ix)
    os.makedirs(d, exist_ok=True)
    try:
        return _run_combo(ix, c, isas, d, aekit)
    except Exception as ex:  # every failure is a FAIL line, never silence
        msg = "%s: %s" % (type(ex).__name__, ex)
        if not isinstance(ex, AekitError):
            tb = traceback.extract_tb(ex.__traceback__)[-1]
            msg += " (%s:%d)" % (os.path.basename(tb.filename), tb.lineno)
        return [check_line(n, float("nan"), 1, "FAIL", msg) for n in expected_names(c, isas)], None


def _run_combo(ix, c, isas, d, aekit):
    rng = np.random.default_rng(20240 + ix)
    train = os.path.join(d, "train.npy")
    np.save(train, rng.uniform(0.05, 0.95, (TRAIN_ROWS, N_IN)).astype(np.float32))
    model = os.path.join(d, "model.aek")
    cmd = [aekit, "train", "--epochs", "1", "--batch", "8", "--optimizer", "adam", "--lr", "0.05",
           "--seed", str(ix + 1), "--threads", "1", "--data", train, "--scale", "none",
           "--hidden", ",".join(str(h) for h in HIDDEN[c["L"]]), "--act", ",".join(c["acts"]),
           "--out-act", c["out"], "--loss", c["loss"], "--out", model, "--quiet"] + c["flags"]
    if c["tied"]:
        cmd.append("--tied")
    if c["group"] == "combined":
        # k-sparse with a contractive penalty is refused by design (the
        # closed-form Jacobian penalty does not model the selection): that
        # refusal is the check; any other combination must train (a
        # rejection there used to become a skip, and "0 failed")
        must_reject = c["variant"].startswith("ksparse+c")
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
        why = " ".join(p.stderr.strip().splitlines()[-1:])
        if must_reject:
            ok = p.returncode == 2 and "cannot be combined with k-sparse" in p.stderr
            return [check_line("numpy-ref %s: refused (k-sparse with a contractive penalty)" %
                               combo_name(c), p.returncode, 2, "PASS" if ok else "FAIL",
                               "exit %d: %s" % (p.returncode, why[:200]))], None
        if p.returncode != 0:
            raise AekitError("aekit train exits %d: %s" % (p.returncode, p.stderr.strip()[-300:]))
    else:
        run(cmd)
    E = os.path.join(d, "E")
    run([aekit, "export", "--model", model, "--out-dir", E])
    with open(os.path.join(E, "config.json")) as f:
        cfg = json.load(f)
    # the model must be the one asked for (a flag the CLI ignores would
    # otherwise make a variant's check vacuous)
    want = dict(layers=c["L"], sizes=[N_IN] + HIDDEN[c["L"]], activations=list(c["acts"]),
                output_activation=c["out"], loss=c["loss"], tied=c["tied"])
    for key, val in want.items():
        if cfg.get(key) != val:
            raise AekitError("config.json %s = %r, asked for %r" % (key, cfg.get(key), val))
    fl = c["flags"]
    for flag, key in (("--l2", "l2"), ("--sparse-beta", "sparse_beta"), ("--contractive", "contractive"),
                      ("--cae-h-gamma", "cae_h_gamma"), ("--ksparse", "ksparse_k"),
                      ("--noise-level", "noise_level"), ("--cae-h-copies", "cae_h_copies")):
        if flag in fl and float(cfg[key]) != float(fl[fl.index(flag) + 1]):
            raise AekitError("config.json %s = %r, asked for %s" % (key, cfg[key], fl[fl.index(flag) + 1]))
    params = {t["name"]: load_npy(os.path.join(E, t["name"] + ".npy"), "exported tensor").astype(np.float64)
              for t in cfg["tensors"]}
    for t in cfg["tensors"]:
        if list(params[t["name"]].shape) != list(t["shape"]):
            raise AekitError("%s.npy has shape %s, config.json says %s" % (t["name"], params[t["name"]].shape,
                                                                          t["shape"]))

    batch = os.path.join(d, "batch.npy")
    seed, epoch = 7000 + ix, 2
    worst = None
    for draw in range(MAX_DRAWS):
        X = rng.uniform(0.05, 0.95, (M_ROWS, N_IN)).astype(np.float32)
        np.save(batch, X)
        g0 = os.path.join(d, "G_" + isas[0])
        shutil.rmtree(g0, ignore_errors=True)
        first = aekit_grad(aekit, isas[0], model, batch, seed, epoch, g0, cfg)
        ref = ae_ref.evaluate(cfg, params, X, first["Xt"], first["copies"])
        worst = ref.margins.worst()
        if worst[1] >= MIN_MARGIN:
            break
    else:
        raise AekitError("no test point away from kinks in %d draws (worst: %s at %.3g x its bound)" % (
            MAX_DRAWS, worst[0], worst[1]))
    X = X.astype(np.float64)
    runs = {isas[0]: first}
    lines = []
    for isa in isas:
        try:
            if isa not in runs:
                runs[isa] = aekit_grad(aekit, isa, model, batch, seed, epoch, os.path.join(d, "G_" + isa), cfg)
            got = runs[isa]
            r = ref
            if not (_same(got["Xt"], first["Xt"]) and all(_same(a, b) for a, b in
                                                           zip(got["copies"], first["copies"]))):
                r = ae_ref.evaluate(cfg, params, X, got["Xt"], got["copies"])  # judged on its own inputs
                if r.margins.worst()[1] < MIN_MARGIN:
                    raise AekitError("this kernel set's noise gives a point near a kink")
            gfig, gname, gwhere = compare_grads(r, got, cfg)
            lfig, lname, lwhere = compare_loss(r, got)
            n = combo_name(c)
            margin = "" if worst[0] == "none" else "; kink margin %.3g (%s)" % (worst[1], worst[0])
            lines.append(check_line("numpy-ref grad %s %s" % (n, isa), gfig, 1,
                                    "PASS" if gfig <= 1 else "FAIL",
                                    "max |aekit-ref|/(2e) over %d tensors; worst %s%s%s" % (
                                        len(cfg["tensors"]), gwhere,
                                        "; draws %d" % (draw + 1) if draw else "", margin)))
            lines.append(check_line("numpy-ref loss %s %s" % (n, isa), lfig, 1,
                                    "PASS" if lfig <= 1 else "FAIL",
                                    "max |aekit-ref|/(2e) over the loss parts; worst " + lwhere))
        except Exception as ex:
            msg = "%s: %s" % (type(ex).__name__, ex)
            n = combo_name(c)
            lines += [check_line("numpy-ref %s %s %s" % (k, n, isa), float("nan"), 1, "FAIL", msg)
                      for k in ("grad", "loss")]
    if all(isa in runs for isa in isas):
        lines += noise_checks(c, cfg, X, runs, isas)
    data = dict(cfg=cfg, params=params, X=X, got=first)
    return lines, data


def _same(a, b):
    if a is None or b is None:
        return a is None and b is None
    return np.array_equal(a, b)


# ---- self-test -----------------------------------------------------------------------


def self_test(results):
    """Each perturbation of a formula in the witness must push some figure
    above its bound on the combinations it concerns (first 4 of them)."""
    lines = []
    for mut, (what, relevant) in MUTATIONS.items():
        name = "numpy-ref self-test: %s is detected" % mut
        cases = [(c, data) for c, data in results if data is not None and relevant(c)][:4]
        if not cases:
            lines.append(check_line(name, float("nan"), "nan", "SKIP", "no combination in this run uses it"))
            continue
        try:
            best = 0.0
            for c, data in cases:
                r = ae_ref.evaluate(data["cfg"], data["params"], data["X"], data["got"]["Xt"],
                                    data["got"]["copies"], mutate={mut})
                g = compare_grads(r, data["got"], data["cfg"])[0]
                lo = compare_loss(r, data["got"])[0]
                best = max(best, g, lo)
            inv = 1.0 / best if best > 0 else float("inf")
            lines.append(check_line(name, inv, 1, "PASS" if inv < 1 else "FAIL",
                                    "%s: 1/(max error/bound) over %d combinations with the witness "
                                    "perturbed; below 1 = the perturbation is caught" % (what, len(cases))))
        except Exception as ex:
            lines.append(check_line(name, float("nan"), 1, "FAIL", "%s: %s" % (type(ex).__name__, ex)))
    return lines


# ---- kernel sets ---------------------------------------------------------------------


def kernel_sets(aekit):
    lines, ok = [], []
    p = run([aekit, "info"])
    sets = None
    for ln in p.stdout.splitlines():
        if ln.startswith("kernel sets"):
            sets = ln.split()[2:]
    if not sets:
        raise AekitError("aekit info prints no 'kernel sets' line")
    for s in sets:
        if s.endswith("(n/a)"):
            lines.append(check_line("numpy-ref kernel set %s" % s[:-5], float("nan"), "nan", "SKIP",
                                    "aekit info: this CPU cannot execute it"))
            continue
        q = run([aekit, "info"], env=isa_env(s))
        chosen = [ln.split()[1] for ln in q.stdout.splitlines() if ln.startswith("chosen")]
        if chosen != [s]:
            lines.append(check_line("numpy-ref kernel set %s" % s, float("nan"), "nan", "FAIL",
                                    "AEKIT_ISA=%s gives chosen=%s" % (s, chosen)))
            continue
        ok.append(s)
    return ok, lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--aekit", required=True)
    ap.add_argument("--quick", action="store_true", default=os.environ.get("QUICK") == "1")
    ap.add_argument("--jobs", type=int, default=3)
    ap.add_argument("--keep", help="keep the work files in this directory")
    ap.add_argument("--only", help="only combinations whose name contains this")
    args = ap.parse_args()
    t0 = time.time()
    aekit = os.path.abspath(args.aekit)
    failed = 0

    printed = []
    c_group = {}

    def emit(ln):
        nonlocal failed
        if "\tFAIL\t" in ln:
            failed += 1
        printed.append(ln)
        print(ln, flush=True)

    try:
        isas, lines = kernel_sets(aekit)
    except Exception as ex:
        emit(check_line("numpy-ref kernel sets", float("nan"), "nan", "FAIL", str(ex)))
        return 1
    for ln in lines:
        emit(ln)
    if not isas:
        emit(check_line("numpy-ref kernel sets", float("nan"), "nan", "FAIL", "no usable kernel set"))
        return 1
    combos = build_combos(args.quick)
    if args.only:
        combos = [c for c in combos if args.only in combo_name(c)]
    for c in combos:
        for n in expected_names(c, isas):
            c_group[n] = c["variant"]

    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None  # aekit fsyncs every file
    workdir = args.keep or tempfile.mkdtemp(prefix="aekit-numpy-ref.", dir=shm)
    os.makedirs(workdir, exist_ok=True)
    try:
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
            futs = [ex.submit(run_combo, i, c, isas, workdir, aekit) for i, c in enumerate(combos)]
            results = []
            for c, f in zip(combos, futs):
                lines, data = f.result()
                for ln in lines:
                    emit(ln)
                results.append((c, data))
        for ln in self_test(results):
            emit(ln)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    summary = {}
    for ln in printed:
        f = ln.split("\t")
        words = f[1].split()
        if words[1] in ("grad", "loss") and f[4] in ("PASS", "FAIL"):
            key = (c_group.get(f[1], "?"), words[1])
            fig = float(f[2])
            best, npass, nfail = summary.get(key, (0.0, 0, 0))
            summary[key] = (max(best, fig) if f[4] == "PASS" else best, npass + (f[4] == "PASS"),
                            nfail + (f[4] == "FAIL"))
    for (grp, kind), (best, npass, nfail) in sorted(summary.items()):
        print("numpy-ref: %-10s %-4s max figure of passing checks %.3g  (%d pass, %d fail)" % (
            grp, kind, best, npass, nfail), file=sys.stderr)
    print("numpy-ref: %d combinations (%s) x kernel sets %s in %.1fs, %d failed" % (
        len(combos), "quick subset" if args.quick else "all", ",".join(isas), time.time() - t0, failed),
        file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
