#!/usr/bin/python3
"""report.py BENCH.json BENCH.md — the Markdown report of `make bench`.

Reads the Google Benchmark JSON written by aekit_bench and writes, through a
temporary file and a rename, bench.md and its plots beside it (BENCH.png per
shape, BENCH-sweep.png, BENCH-train.png, BENCH-roofline.png): the machine
and build, the peers' configurations, the measured upper bounds (FMA peak,
memory bandwidth), training against PyTorch per variant, the engine
issue's epochs on 60000×784 (bench/report_epoch.py), SGEMM against
OpenBLAS and BLIS per shape, the fused kernels against their unfused
counterparts, the linear AE against PCA, and a roofline.  Every figure
comes from the JSON; nothing is assumed.  Prints a short summary on stdout.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import report_plots as plots  # noqa: E402
from report_data import PEERS, Bench, geomean  # noqa: E402
from report_epoch import epoch_headline, epoch_section  # noqa: E402
from report_gemm import (gemm_summary, gemm_tables, gemm_targets, gemm_targets_section,  # noqa: E402
                         md_cell, peers_section, tname)
from report_plots import fmt_shape  # noqa: E402

VM_FNS = ["exp", "sigmoid", "tanh", "softplus"]
VM_FLOPS = {"exp": 20, "sigmoid": 22, "tanh": 36, "softplus": 34}  # bench/vmath.c
EW = {"adam": (12, 28), "hidden_bwd": (12, 12)}  # FLOPs, bytes per element (bench/vmath.c)


def pct(x):
    return f"{100 * x:.1f}%"


def rng(r, field):
    v = r.values(field)
    return f"{min(v):.2f}–{max(v):.2f}" if v else "—"


def header(B, w, src):
    ctx = B.ctx
    w(f"# aekit bench — {ctx.get('aekit_cpu', 'unknown CPU')}")
    w("")
    w(f"Produced by `{ctx.get('bench_command', 'make bench')}` on {ctx.get('date', '?')}, "
      f"commit `{ctx.get('git_commit', '?')[:12]}`"
      f"{' (with uncommitted changes)' if ctx.get('git_dirty') == 'yes' else ''}; "
      f"raw data: `{os.path.basename(src)}` (Google Benchmark JSON).")
    w("")
    if B.quick:
        w("> **Quick mode** (smoke test): few shapes, variants and repetitions; the ratios are "
          "indicative only. Run `make bench` for the report to cite.")
        w("")
    load = ctx.get("bench_other_load", "").split()
    if len(load) == 4:
        other, steal, ncpu, secs = float(load[0]), float(load[1]), int(load[2]), float(load[3])
        la = ctx.get("sys_loadavg_at_start", "?").split()
        la = " ".join(la[:3]) if len(la) >= 3 else "?"
        if other > 0.1 or steal > 0.1:
            w(f"> **The machine was not idle**: while the benchmarks ran ({secs:.0f} s), other "
              f"processes kept {other:.2f} of its {ncpu} CPUs busy on average"
              f"{f' and the hypervisor stole {steal:.2f}' if steal > 0.1 else ''} (load average "
              f"at the start: {la}). Expect noise, above all at the highest thread count; the cv "
              "and load columns show how much, and the ratios (both sides measured in the same "
              "run, interleaved) are the figures that transfer.")
        else:
            w(f"The machine was otherwise idle during the {secs:.0f} s of measurements "
              f"(other processes: {other:.2f} CPUs, steal {steal:.2f}; load average at the start: "
              f"{la}).")
        w("")


def machine(B, w):
    ctx = B.ctx
    w("## Machine and build")
    w("")
    w("| | |")
    w("|---|---|")
    rows = [
        ("CPU", f"{ctx.get('aekit_cpu', '?')} — {ctx.get('aekit_cpu_id', '?')}"),
        ("features", ctx.get("aekit_features", "?")),
        ("caches", ctx.get("aekit_caches", "?")),
        ("online CPUs", ctx.get("aekit_online_cpus", "?")),
        ("virtual machine", ctx.get("sys_virtual", "?")),
        ("frequency governor", ctx.get("sys_governor", "?")),
        ("boost", ctx.get("sys_boost", "?")),
        ("kernel", ctx.get("sys_kernel", "?")),
        ("transparent huge pages", ctx.get("sys_thp", "?")),
        ("kernel set dispatched", ctx.get("aekit_dispatched", "?")),
    ]
    rows += [(f"set {s}", ctx.get(f"aekit_set_{s}", "?")) for s in B.sets]
    rows += [
        ("threads measured", ", ".join(map(str, B.threads))),
        ("pinning", ctx.get("bench_pinning", "?")),
        ("compiler", ctx.get("bench_compiler", "?")),
        ("library flags", ctx.get("lib_flags", "?")),
        ("bench flags", ctx.get("bench_flags", "?")),
        ("repetitions", ctx.get("bench_repetitions", "?")
         + f"; ≥ {ctx.get('bench_min_time_s', '?')} s of timed calls each (kernels)"),
        ("order", ctx.get("bench_interleaving", "?")),
        ("timing", ctx.get("bench_time", "?")),
        ("training data", ctx.get("bench_train_data", "?")),
    ]
    for k, v in rows:
        w(f"| {k} | {md_cell(v)} |")
    w("")


def bounds(B, w):
    w("## Upper bounds: measured peak and bandwidth")
    w("")
    w("Peak: a register-only multiply-add loop per kernel set, on every thread at once "
      "(`bench/peak_<isa>.c`); the scalar set's ceiling is the baseline target's 128-bit "
      "multiply + add (portable C, built without FMA contraction). Bandwidth: STREAM-like copy "
      f"and triad over {B.ctx.get('bench_bw_arrays', '?')} (`bench/bandwidth.c`), bytes counted "
      "as STREAM does. Both are the fastest repetition (a ceiling: other processes only pull a "
      "repetition down); median and cv beside it.")
    w("")
    w("| | " + " | ".join(tname(t) for t in B.threads) + " |")
    w("|---|" + "---|" * len(B.threads))
    for s in B.sets:
        cells = []
        for t in B.threads:
            r = B.get("peak", s, t)
            cells.append(f"**{B.peak[(s, t)]:.1f}** GFLOP/s (median {r.median('flops') / 1e9:.1f}, "
                         f"cv {pct(r.cv('flops'))})" if (s, t) in B.peak else "—")
        w(f"| peak {s} | " + " | ".join(cells) + " |")
    for kind in ("copy", "triad"):
        cells = []
        for t in B.threads:
            r = B.get("bw", kind, t)
            cells.append(f"**{B.bw[(kind, t)]:.1f}** GB/s (median "
                         f"{r.median('bytes') / 1e9:.1f}, cv "
                         f"{pct(r.cv('bytes'))})" if (kind, t) in B.bw else "—")
        w(f"| {kind} | " + " | ".join(cells) + " |")
    w("")
    xc = B.xcore()
    if xc:
        sh, lo = xc
        ms, ml = sh.median("seconds"), lo.median("seconds")
        rd = sh.median("read_s")
        w(f"**Writes to data another CPU has read** (`bench/crosscore.c`): rewriting 400 KiB that "
          f"the other CPU had just read took **{ms * 1e6:.1f} µs** (median of {len(sh.reps)} "
          f"repetitions spread through the run; fastest {sh.best('seconds', False) * 1e6:.1f}, "
          f"slowest {sh.best('seconds') * 1e6:.1f}), against **{ml * 1e6:.1f} µs** when only this "
          f"CPU had touched it ({ms / ml:.0f}×)"
          + (f"; the other CPU read the 400 KiB back in {rd * 1e6:.1f} µs" if rd else "") + ". "
          "Every multi-threaded training step does this: the batch, the output gradient and the "
          "activations are each written by one thread and read whole by the others, then written "
          "again in the next step. The multi-thread training figures below depend on it; on a "
          "virtual machine it changes with where the host places the virtual CPUs.")
        w("")


def train_section(B, w, variants):
    w("## Training: aekit against PyTorch, every variant")
    w("")
    torch_st = B.ctx.get("peer_torch_status", "absent")
    w("One repetition = aekit and PyTorch back to back on the same model, data, batch, Adam "
      "settings (lr 1e-3, betas 0.9/0.999, eps 1e-8) and thread count, alternating which goes "
      "first: a few steps on one batch, then one shuffled epoch each (`bench/train.c`, "
      "`bench/torch_ae.py`). Times are medians over the repetitions; **aekit/PyTorch** is the "
      "speed ratio t_PyTorch / t_aekit of each pair (> 1: aekit faster), median and range "
      "over the pairs. The epoch losses (mean over the epoch, same objective and "
      "initialisation scheme, different random draws) show both sides train the same model."
      + ("" if B.torch else f" **PyTorch: {md_cell(torch_st)}** — its columns are empty."))
    w("")
    w("PyTorch expresses every variant here (CAE+H and the contractive penalty through the "
      "analytic Jacobian J = diag(s)·W written in torch ops and differentiated by autograd, "
      "k-sparse through `topk`); what it does not have is aekit's fused kernels for them. The "
      "stacked variant times one end-to-end fine-tuning epoch on both sides; aekit's greedy "
      "layer-wise pretraining epochs are one-layer autoencoders like `plain`.")
    w("")
    for t in B.threads:
        w(f"### {tname(t)}")
        w("")
        w("| variant | aekit epoch s | PyTorch epoch s | aekit samples/s | PyTorch samples/s | "
          "**aekit/PyTorch** epoch [range] | step ms aekit / PyTorch (ratio) | cv aekit / PyTorch "
          "| epoch loss aekit / PyTorch | load |")
        w("|---|---|---|---|---|---|---|---|---|---|")
        for v in variants:
            r = B.get("train", v, t)
            if r is None:
                continue
            if not r.ok():
                w(f"| {v} | {md_cell(r.error or 'not measured')} |||||||||")
                continue
            rows = r.median("rows") or 0
            ae, te = r.median("aekit_epoch_s"), r.median("torch_epoch_s")
            q = r.median("ratio")
            sa, stt, sq = r.median("aekit_step_s"), r.median("torch_step_s"), r.median("step_ratio")
            la, lt = r.median("aekit_loss"), r.median("torch_loss")
            ld = r.load()
            cells = [
                v, f"{ae:.3f}", f"{te:.3f}" if te else "absent",
                f"{rows / ae:,.0f}", f"{rows / te:,.0f}" if te else "—",
                f"**{q:.2f}** [{rng(r, 'ratio')}]" if q else "—",
                f"{1e3 * sa:.2f} / " + (f"{1e3 * stt:.2f} ({sq:.2f})" if stt else "—"),
                f"{pct(r.cv('aekit_epoch_s'))} / " + (pct(r.cv("torch_epoch_s")) if te else "—"),
                f"{la:.2f} / " + (f"{lt:.2f}" if lt is not None else "—"),
                "—" if ld is None else f"{ld:.2f}" + (" ⚠" if ld > 0.25 else ""),
            ]
            w("| " + " | ".join(cells) + " |")
        w("")
    descs = {}
    for v in variants:
        for t in B.threads:
            r = B.get("train", v, t)
            if r and r.label:
                descs[v] = r.label.split("; PyTorch")[0]
    if descs:
        w("Variants: " + " · ".join(f"**{v}**: {md_cell(d)}" for v, d in descs.items()))
        w("")


def fused_section(B, w):
    keys = sorted({(k[1], k[2], k[3]) for k in B.res if k[0] == "epi"},
                  key=lambda x: (x[1], x[0], B.sets.index(x[2]) if x[2] in B.sets else 9))
    if not keys:
        return []
    w("## Fused epilogue against GEMM + a separate pass")
    w("")
    w("C = σ(X·Wᵀ + b) on the forward products: `aek_sgemm_ex` with the bias and sigmoid applied "
      "to each tile in registers, against `aek_sgemm` followed by the set's own `axpy` (bias) "
      "and `vsigmoid` over every row of C on the same threads. GFLOP/s count the GEMM only; "
      "speed-up = fused / separate (median of each).")
    w("")
    w("| shape m×n×k | threads | set | fused GFLOP/s | separate GFLOP/s | speed-up | cv fused / separate |")
    w("|---|---|---|---|---|---|---|")
    ups = []
    for sh, t, s in keys:
        f, p = B.get("epi", sh, t, s, "fused"), B.get("epi", sh, t, s, "separate")
        if not (f and p and f.ok() and p.ok()):
            continue
        up = f.median("flops") / p.median("flops")
        if s == B.disp:
            ups.append(up)
        w(f"| {fmt_shape(sh)} | {t} | {s} | {f.median('flops') / 1e9:.1f} | "
          f"{p.median('flops') / 1e9:.1f} | {up:.2f} | {pct(f.cv('flops'))} / {pct(p.cv('flops'))} |")
    w("")
    return ups


def vmath_section(B, w):
    sizes = sorted({k[3] for k in B.res if k[0] == "vm"})
    if not sizes:
        return
    sides = B.sets + ["libm"]
    w("## Vector math and element-wise kernels (1 thread)")
    w("")
    w("Elements per second (G/s, median), each set's vector math against libm's `expf`, "
      "`tanhf`, `log1pf` in a plain loop (the baseline target, `-O2 -fno-math-errno`). "
      f"n = {sizes[0]:,} keeps input and output in L1/L2 (arithmetic speed)"
      + (f"; n = {sizes[-1]:,} streams them from memory (bandwidth-bound: compare the GB/s "
         "with the measured bandwidth)." if len(sizes) > 1 else "."))
    w("")
    head = ["function", "n"] + [f"{s}" for s in sides] + [f"{B.disp}/libm"]
    w("| " + " | ".join(head) + " |")
    w("|" + "---|" * len(head))
    for f in VM_FNS:
        for n in sizes:
            row, vals = [f, f"{n:,}"], {}
            for s in sides:
                r = B.get("vm", f, s, n)
                if r and r.ok():
                    vals[s] = r.median("items") / 1e9
                    row.append(f"{vals[s]:.2f} ({r.median('bytes') / 1e9:.0f} GB/s)"
                               if n == sizes[-1] and len(sizes) > 1 else f"{vals[s]:.2f}")
                else:
                    row.append("—")
            row.append(f"{vals[B.disp] / vals['libm']:.1f}×" if B.disp in vals and vals.get("libm") else "—")
            w("| " + " | ".join(row) + " |")
    w("")
    ew = sorted({(k[1], k[3]) for k in B.res if k[0] == "ew"}, key=lambda x: (x[0], len(x[1]), x[1]))
    if ew:
        w("| kernel | size | " + " | ".join(B.sets) + " |")
        w("|---|---|" + "---|" * len(B.sets))
        for kind, size in ew:
            row = [kind, size.lstrip("n")]
            for s in B.sets:
                r = B.get("ew", kind, s, size)
                row.append(f"{r.median('items') / 1e9:.2f} G/s, "
                           f"{r.median('bytes') / 1e9:.0f} GB/s" if r and r.ok() else "—")
            w("| " + " | ".join(row) + " |")
        w("")
        w("adam: one step over n parameters (reads w, g, m, v; writes w, m, v: 28 bytes per "
          "parameter); hidden_bwd: the fused backward pass of a sigmoid code layer with the KL "
          "column term and the contractive c (reads h, dh; writes da: 12 bytes per element).")
        w("")


def jacobian_section(B, w):
    keys = [k for k in B.res if k[0] == "jac"]
    if not keys:
        return None
    sh = keys[0][1]
    ex = B.get("jac", sh, "explicit")
    w("## Contractive penalty: fused against an explicit Jacobian (1 thread)")
    w("")
    w(f"Penalty Σᵢ‖Jᵢ‖²_F and its gradient for a batch of m = {sh[0]}, k = {sh[1]} sigmoid units, "
      f"n = {sh[2]} inputs. Fused (aekit): c_j = ‖W_j‖² once, then `hidden_bwd` with c — "
      "O(k·n + m·k). Explicit: Jᵢ = diag(sᵢ)·W formed for every sample and reduced — O(m·k·n), "
      "plain C (`bench/jacobian.c`). Both give the same penalty and gradient (rel. difference "
      "below).")
    w("")
    w("| side | ms per batch (median) | cv | speed-up over explicit | penalty rel. diff | gradient rel. diff |")
    w("|---|---|---|---|---|---|")
    t_ex = ex.median("seconds") if ex and ex.ok() else None
    up = None
    for s in B.sets + ["explicit"]:
        r = B.get("jac", sh, s)
        if not (r and r.ok()):
            continue
        t = r.median("seconds")
        u = t_ex / t if t_ex else None
        if s == B.disp:
            up = u
        w(f"| {s} | {1e3 * t:.3f} | {pct(r.cv('seconds'))} | {f'{u:.0f}×' if u and s != 'explicit' else '—'} | "
          f"{_sci(r.median('rel_diff'))} | {_sci(r.median('da_rel_diff'))} |")
    w("")
    return up


def pca_section(B, w):
    keys = [k for k in B.res if k[0] == "pca"]
    if not keys:
        return None
    k = keys[0]
    r = B.get(*k)
    w("## Linear autoencoder against PCA, to the same subspace")
    w("")
    w(f"Data: {k[1][0]:,} × {k[1][1]} with a planted spectrum ({k[2]} leading eigenvalues 4·0.9^j, "
      f"the rest ≤ 0.1; exactly centred). `aek_pca_fit` (k = {k[2]}) against a linear AE "
      f"784-{k[2]}-784 trained until the largest principal angle between its decoder's column "
      f"space and the PCA subspace is ≤ 1° (checked after every epoch, checks not timed); "
      f"{tname(k[3])}. {md_cell(r.label) if r else ''}")
    w("")
    if not r or not r.ok():
        w(f"Not measured: {md_cell(r.error if r else 'not run')}")
        w("")
        return None
    w("| | median s | range s |")
    w("|---|---|---|")
    w(f"| aek_pca_fit | {r.median('pca_s'):.3f} | {rng(r, 'pca_s')} |")
    w(f"| linear AE to ≤ 1° | {r.median('ae_s'):.3f} | {rng(r, 'ae_s')} |")
    w("")
    w(f"The AE took {r.median('epochs'):.0f} epochs (final angle {r.median('angle_deg'):.2f}°; "
      f"its encoder's row space was then at {r.median('encoder_angle_deg'):.2f}°); "
      f"AE time / PCA time = {r.median('ae_over_pca'):.2f} (median over {len(r.reps)} pairs).")
    w("")
    return r


def roofline(B, w, out_png):
    """The dispatched set's kernels against the roofs of each thread count."""
    points, roofs = {}, {}
    for t in B.threads:
        if (B.disp, t) not in B.peak or ("triad", t) not in B.bw:
            continue
        roofs[t] = (B.peak[(B.disp, t)], B.bw[("triad", t)])
        pts = []
        for sh in B.shapes:
            m, n, k = sh
            ai = 2 * m * n * k / (4 * (m * k + k * n + m * n))
            gs = [B.gflops("sgemm", op, sh, t, B.disp) for op in ("NN", "NT", "TN")]
            gs = sorted(g for g in gs if g)
            if gs:
                pts.append((fmt_shape(sh), ai, gs[len(gs) // 2], "gemm" if m == n == k else "ae"))
        if t == 1:
            big = max([k[3] for k in B.res if k[0] == "vm"] or [0])
            for f in VM_FNS:
                r = B.get("vm", f, B.disp, big)
                if r and r.ok() and big > (1 << 20):
                    pts.append((f, VM_FLOPS[f] / 8, r.median("flops") / 1e9, "vmath"))
            for kind, (fl, by) in EW.items():
                for k2, r in B.res.items():
                    if k2[0] == "ew" and k2[1] == kind and k2[2] == B.disp and r.ok() and \
                            r.median("bytes") and (r.median("items") or 0) and \
                            _ew_size(k2[3]) > (1 << 20):
                        pts.append((kind, fl / by, r.median("flops") / 1e9, "eltwise"))
        points[t] = pts
    png = plots.roofline(points, roofs, out_png)
    if not png:
        return None
    w("## Roofline")
    w("")
    w(f"![roofline]({png})")
    w("")
    w("Roofs: the measured peak of the dispatched set and the measured triad bandwidth at each "
      "thread count. Intensity: FLOPs over the compulsory traffic (SGEMM: each of A, B, C once; "
      "element-wise: each array once, at the memory-sized n; their FLOPs per element are the "
      "nominal counts of `bench/vmath.c`). SGEMM points are the median of NN/NT/TN.")
    w("")
    w("| thread(s) | kernel | FLOP/byte | GFLOP/s | roof there | % of roof |")
    w("|---|---|---|---|---|---|")
    for t, pts in points.items():
        peak, bw = roofs[t]
        for label, ai, g, _ in pts:
            roof = min(peak, bw * ai)
            w(f"| {t} | {label} | {ai:.2f} | {g:.1f} | {roof:.0f} | {100 * g / roof:.0f}% |")
    w("")
    return png


def _sci(x):
    return "—" if x is None else f"{x:.1e}"


def _ew_size(s):
    if s.startswith("n"):
        return int(s[1:])
    a, b = s.split("x")
    return int(a) * int(b)


def headline(B, w, variants, epi_ups, jac_up, race, targets=()):
    w("## Headline")
    w("")
    d = B.disp
    if B.peak:
        w("- **Measured peak** (" + d + "): " + ", ".join(
            f"{B.peak[(d, t)]:.0f} GFLOP/s at {tname(t)}" for t in B.threads if (d, t) in B.peak)
          + ("; **triad bandwidth** " + ", ".join(
              f"{B.bw[('triad', t)]:.1f} GB/s at {tname(t)}" for t in B.threads if ("triad", t) in B.bw)
             if B.bw else "") + ".")
    xc = B.xcore()
    if xc:
        sh, lo = xc
        w(f"- **Rewriting 400 KiB another CPU has read**: {sh.median('seconds') * 1e6:.0f} µs "
          f"(fastest–slowest repetition {sh.best('seconds', False) * 1e6:.0f}–"
          f"{sh.best('seconds') * 1e6:.0f} µs), {lo.median('seconds') * 1e6:.1f} µs if it has not: "
          "the cost every multi-threaded training step pays (see Upper bounds).")
    for p, name in PEERS:
        if not B.present[p]:
            w(f"- **aekit/{name} SGEMM**: {name} absent ({md_cell(B.ctx.get(f'peer_{p}_status', ''))}).")
            continue
        parts = []
        for t in B.threads:
            a, ae = geomean(B.gemm_ratios(p, t)), geomean(B.gemm_ratios(p, t, B.ae_shapes()))
            if a:
                parts.append(f"{a:.2f} at {tname(t)} (autoencoder shapes {ae:.2f})" if ae else
                             f"{a:.2f} at {tname(t)}")
        w(f"- **aekit/{name} SGEMM** (geometric mean of pair-wise median ratios over shapes × "
          f"NN/NT/TN; > 1: aekit faster): " + "; ".join(parts) + ".")
    pk = []
    for t in B.threads:
        vals = [v for v in (B.peak_fraction(op, sh, t, d) for sh in B.ae_shapes()
                            for op in ("NN", "NT", "TN")) if v is not None]
        if vals:
            vals.sort()
            pk.append(f"{100 * vals[len(vals) // 2]:.0f}% at {tname(t)}")
    if pk:
        w("- **% of peak**, aekit SGEMM at the autoencoder's shapes (median over shapes × ops): "
          + ", ".join(pk) + ".")
    if targets:
        shorts = []
        for name, short, _, _, _, _ in targets:
            if short not in shorts:
                shorts.append(short)
        w(f"- **Kernel issue targets** (SGEMM, {B.disp} unless named; rows met): " + "; ".join(
            short + ": " + ", ".join(f"{met}/{total} at {tname(t)}"
                                     for _, s, t, met, total, _ in targets if s == short)
            for short in shorts) + ".")
    if variants:
        if B.torch:
            parts = []
            for t in B.threads:
                qs = [(B.get("train", v, t).median("ratio"), v) for v in variants
                      if B.get("train", v, t) and B.get("train", v, t).ok()
                      and B.get("train", v, t).median("ratio")]
                if qs:
                    g = geomean([q for q, _ in qs])
                    lo, hi = min(qs), max(qs)
                    parts.append(f"{g:.2f} at {tname(t)} (from {lo[0]:.2f}, {lo[1]}, to {hi[0]:.2f}, {hi[1]})")
            w("- **aekit/PyTorch training** (epoch speed ratio, geometric mean over the variants; "
              "> 1: aekit faster): " + "; ".join(parts) + ".")
        else:
            w(f"- **aekit/PyTorch training**: PyTorch {md_cell(B.ctx.get('peer_torch_status', 'absent'))}.")
    epoch_headline(B, w)
    if epi_ups:
        w(f"- **Fused epilogue** ({d}): {geomean(epi_ups):.2f}× the speed of GEMM + separate pass "
          "(geometric mean over shapes and thread counts).")
    if jac_up:
        w(f"- **Fused contractive penalty** ({d}): {jac_up:.0f}× faster than forming the Jacobian.")
    if race is not None and race.ok():
        w(f"- **Linear AE vs PCA** to the same subspace (≤ 1°): AE {race.median('ae_s'):.2f} s, "
          f"PCA {race.median('pca_s'):.2f} s.")
    w("")


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: report.py BENCH.json BENCH.md")
    src, dst = sys.argv[1], sys.argv[2]
    with open(src) as f:
        B = Bench(json.load(f))
    base = os.path.splitext(dst)[0]
    order = B.ctx.get("bench_train_variants", "").split()
    variants = [v for v in order if v in B.train_variants()] + \
               [v for v in B.train_variants() if v not in order]

    body = []
    w = body.append
    bounds(B, w)
    train_png = plots.training(B, variants, base + "-train.png") if variants else None
    if variants:
        at = len(body)
        train_section(B, w, variants)
        if train_png:
            body.insert(at + 2, f"![epoch time per variant]({train_png})\n")
    epoch_section(B, w)
    sweep = plots.gemm_sweep(B, base + "-sweep.png")
    shapes = plots.gemm_shapes(B, base + ".png")
    at = len(body)
    slower, loads = gemm_tables(B, w)
    fig = "".join(f"![{alt}]({p})\n\n" for alt, p in (("SGEMM GFLOP/s vs size", sweep),
                                                       ("SGEMM GFLOP/s per shape", shapes)) if p)
    if fig:
        body.insert(at + 2, fig)
    gemm_summary(B, w, slower, loads)
    targets = gemm_targets(B)
    gemm_targets_section(B, w, targets)
    epi_ups = fused_section(B, w)
    vmath_section(B, w)
    jac_up = jacobian_section(B, w)
    race = pca_section(B, w)
    roofline(B, w, base + "-roofline.png")
    w("## How to read")
    w("")
    w("Every benchmark ran its repetitions interleaved at random with all others, so slow drifts "
      "of the machine hit every side alike; a ratio whose distance from 1 is within the cv of "
      "its two sides is not a difference. Peers that are not installed are reported absent, "
      "never as zero.")
    w("")

    head = []
    header(B, head.append, src)
    headline(B, head.append, variants, epi_ups, jac_up, race, targets)
    machine(B, head.append)
    peers_section(B, head.append)
    text = "\n".join(head + body)
    tmp = dst + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, dst)

    summary = []
    for p, name in PEERS:
        if B.present[p]:
            summary.append(f"aekit/{name} " + ", ".join(
                f"{geomean(B.gemm_ratios(p, t)):.2f} at {t}t" for t in B.threads if B.gemm_ratios(p, t)))
        else:
            summary.append(f"{name}: {B.ctx.get(f'peer_{p}_status', 'absent')}")
    if variants and B.torch:
        summary.append("aekit/PyTorch training " + ", ".join(
            f"{geomean([B.get('train', v, t).median('ratio') for v in variants if B.get('train', v, t) and B.get('train', v, t).ok()]) or 0:.2f} at {t}t"
            for t in B.threads))
    print("bench: " + "; ".join(summary))


if __name__ == "__main__":
    main()
