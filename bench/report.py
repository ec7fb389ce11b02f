#!/usr/bin/python3
"""report.py BENCH.json BENCH.md — the Markdown report of `make bench`.

Reads the Google Benchmark JSON written by aekit_bench and writes, through a
temporary file and a rename: the machine and build it ran on, the peers'
configurations, the measured peaks, and per thread count a table of SGEMM
GFLOP/s per kernel set and peer with % of the measured peak and the ratios
aekit/OpenBLAS and aekit/BLIS.  Every figure comes from the JSON; nothing is
assumed.  Prints a short summary on stdout.
"""
import json
import math
import os
import sys

PEERS = [("openblas", "OpenBLAS"), ("blis", "BLIS")]
SET_ORDER = ["scalar", "avx2", "avx512", "neon"]
OPS = ["NN", "NT", "TN"]


def parse_name(run_name):
    """'sgemm/NN/512x512x512/t1/avx512/min_time:...' -> key tuple."""
    parts = [p for p in run_name.split("/") if ":" not in p and p != "real_time"]
    if parts[0] == "sgemm" and len(parts) >= 5:
        m, n, k = (int(x) for x in parts[2].split("x"))
        return ("sgemm", parts[1], (m, n, k), int(parts[3][1:]), parts[4])
    if parts[0] == "peak" and len(parts) >= 3:
        return ("peak", parts[1], int(parts[2][1:]))
    return None


def collect(doc):
    """key -> {'median', 'cv', 'reps', 'error', 'label'} (flops in GFLOP/s)."""
    out = {}
    for b in doc.get("benchmarks", []):
        key = parse_name(b.get("run_name", b["name"]))
        if key is None:
            continue
        r = out.setdefault(key, {"reps": 0, "label": b.get("label", "")})
        if b.get("error_occurred"):
            msg = b.get("error_message", "not measured")
            if msg.startswith("aborted"):
                r["aborted"] = r.get("aborted", 0) + 1
            else:
                r["error"] = msg
        elif b.get("run_type") == "aggregate":
            if b.get("aggregate_name") == "median":
                r["median"] = b["flops"] / 1e9
            elif b.get("aggregate_name") == "cv":
                r["cv"] = b["flops"]
        else:
            r["reps"] += 1
            r.setdefault("samples", []).append(b["flops"] / 1e9)
            if "other_cpus" in b:
                r.setdefault("load", []).append(b["other_cpus"])
    for r in out.values():  # a single repetition gets no aggregates
        if "median" not in r and r.get("samples"):
            s = sorted(r["samples"])
            r["median"] = s[len(s) // 2]
            r["cv"] = 0.0
    return out


def md_cell(v):
    """Text safe inside a Markdown table cell."""
    return str(v).replace("|", "\\|")


def mean_load(rs):
    """Mean CPUs other processes kept busy during the repetitions of rs."""
    xs = [x for r in rs if r for x in r.get("load", [])]
    return sum(xs) / len(xs) if xs else None


def fmt_shape(s):
    m, n, k = s
    return f"{m}³" if m == n == k else f"{m}×{n}×{k}"


def cell(r, peak=None):
    if r is None:
        return "—"
    if "median" not in r:
        if r.get("error", "").startswith("absent"):
            return "absent"
        return f"all {r['aborted']} aborted" if r.get("aborted") else "not measured"
    txt = f"{r['median']:.1f}"
    if peak:
        txt += f" ({100 * r['median'] / peak:.0f}%)"
    if r.get("aborted"):
        txt += f" [{r['aborted']} aborted]"
    return txt


def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None


def plot(res, shapes, threads, disp, peak, machine_peak, present, png):
    """GFLOP/s per shape and op, one panel per thread count; False without
    matplotlib (the plot is a convenience, the tables are the report)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    cases = [(sh, op) for sh in shapes for op in OPS]
    fig, axes = plt.subplots(len(threads), 1, figsize=(13, 3.8 * len(threads)), squeeze=False)
    sides = [(disp, f"aekit {disp}", "o")] + [(p, n, m) for (p, n), m in zip(PEERS, "s^") if present[p]]
    for ax, t in zip(axes[:, 0], threads):
        x = range(len(cases))
        for key, label, marker in sides:
            ys = []
            for sh, op in cases:
                r = res.get(("sgemm", op, sh, t, key))
                ys.append(r["median"] if r and "median" in r else float("nan"))
            ax.plot(x, ys, marker=marker, linestyle="none", label=label)
        if t in machine_peak:
            ax.axhline(machine_peak[t], color="grey", linestyle="--", linewidth=1,
                       label=f"measured peak ({machine_peak[t]:.0f})")
        ax.set_xticks(list(x))
        ax.set_xticklabels([f"{fmt_shape(sh)} {op}" for sh, op in cases], rotation=70, fontsize=7)
        ax.set_ylabel("GFLOP/s")
        ax.set_ylim(bottom=0)
        ax.set_title(f"SGEMM, {t} thread{'s' if t > 1 else ''} (median of the repetitions)")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.005, 1.0))
    fig.tight_layout()
    tmp = png + ".tmp.png"
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, png)
    return True


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: report.py BENCH.json BENCH.md")
    src, dst = sys.argv[1], sys.argv[2]
    with open(src) as f:
        doc = json.load(f)
    ctx = doc.get("context", {})
    res = collect(doc)

    sets = [s for s in SET_ORDER if s in ctx.get("aekit_kernel_sets", "").split()]
    disp = ctx.get("aekit_dispatched", "?").split()[0]
    threads = [int(t) for t in ctx.get("bench_threads", "1").split()]
    shapes = []
    for key in res:
        if key[0] == "sgemm" and key[2] not in shapes:
            shapes.append(key[2])
    # in the order the bench lists them (squares, then the autoencoder's)
    order = [tuple(int(x) for x in s.split("x")) for s in ctx.get("bench_shapes", "").split()]
    shapes.sort(key=lambda s: (order.index(s) if s in order else len(order), s))
    quick = ctx.get("bench_mode") == "quick"
    # The peak is the fastest repetition: a ceiling, and other processes on a
    # shared machine can only ever pull a repetition down.
    peak = {(k[1], k[2]): max(r["samples"]) for k, r in res.items()
            if k[0] == "peak" and r.get("samples")}
    machine_peak = {t: max(v for (s, tt), v in peak.items() if tt == t)
                    for t in threads if any(tt == t for (_, tt) in peak)}
    present = {p: ctx.get(f"peer_{p}_status") == "present" for p, _ in PEERS}

    L = []
    w = L.append
    w(f"# aekit bench — {ctx.get('aekit_cpu', 'unknown CPU')}")
    w("")
    w(f"Produced by `{ctx.get('bench_command', 'make bench')}` on {ctx.get('date', '?')}, "
      f"commit `{ctx.get('git_commit', '?')[:12]}`"
      f"{' (with uncommitted changes)' if ctx.get('git_dirty') == 'yes' else ''}; "
      f"raw data: `{os.path.basename(src)}` (Google Benchmark JSON).")
    w("")
    if quick:
        w("> **Quick mode** (smoke test): few shapes and repetitions; the ratios are indicative "
          "only. Run `make bench` for the report to cite.")
        w("")
    load = ctx.get("bench_other_load", "").split()
    if len(load) == 4:
        other, steal, ncpu, secs = float(load[0]), float(load[1]), int(load[2]), float(load[3])
        if other > 0.1 or steal > 0.1:
            w(f"> **The machine was not idle**: while the benchmarks ran ({secs:.0f} s), other "
              f"processes kept {other:.2f} of its {ncpu} CPUs busy on average"
              f"{f' and the hypervisor stole {steal:.2f}' if steal > 0.1 else ''}. Expect "
              "noise, above all at the highest thread count; the cv columns show how much.")
        else:
            w(f"The machine was otherwise idle during the {secs:.0f} s of measurements "
              f"(other processes: {other:.2f} CPUs, steal {steal:.2f}).")
        w("")

    w("## Machine and build")
    w("")
    w("| | |")
    w("|---|---|")
    rows = [
        ("CPU", f"{ctx.get('aekit_cpu', '?')} — {ctx.get('aekit_cpu_id', '?')}"),
        ("features", ctx.get("aekit_features", "?")),
        ("caches", ctx.get("aekit_caches", "?")),
        ("online CPUs", ctx.get("aekit_online_cpus", "?")),
        ("kernel set dispatched", ctx.get("aekit_dispatched", "?")),
    ]
    for s in sets:
        rows.append((f"set {s}", ctx.get(f"aekit_set_{s}", "?")))
    rows += [
        ("threads measured", ", ".join(map(str, threads))),
        ("compiler", ctx.get("bench_compiler", "?")),
        ("library flags", ctx.get("lib_flags", "?")),
        ("bench flags", ctx.get("bench_flags", "?")),
        ("repetitions", ctx.get("bench_repetitions", "?")
         + f"; ≥ {ctx.get('bench_min_time_s', '?')} s of timed calls each"),
        ("order", ctx.get("bench_interleaving", "?")),
        ("timing", ctx.get("bench_time", "?")),
    ]
    for k, v in rows:
        w(f"| {k} | {md_cell(v)} |")
    w("")

    w("## Peers, each in its best configuration on this CPU")
    w("")
    w("Each candidate configuration was timed in a child process (1 thread); the fastest was "
      "used. Results were checked against `aek_sgemm` before any timing.")
    w("")
    w("| peer | status | library | configuration used | kernels | check |")
    w("|---|---|---|---|---|---|")
    for p, name in PEERS:
        st = md_cell(ctx.get(f"peer_{p}_status", "?"))
        lib, cfg = ctx.get(f"peer_{p}_library", ""), ctx.get(f"peer_{p}_config", "")
        w(f"| {name} | {st} | {ctx.get(f'peer_{p}_version', '')} {f'`{lib}`' if lib else '—'} "
          f"| {f'`{cfg}`' if cfg else '—'} | {ctx.get(f'peer_{p}_kernel', '') or '—'} "
          f"| {md_cell(ctx.get(f'peer_{p}_check', '')) or '—'} |")
    w("")
    for p, name in PEERS:
        probes = ctx.get(f"peer_{p}_probes", "")
        if probes:
            w(f"- {name} candidates: " + probes.replace("; ", " · "))
    w("")

    w("## Measured peak (GFLOP/s)")
    w("")
    w("A register-only multiply-add loop per kernel set, on every thread at once "
      "(`bench/peak_<isa>.c`). The scalar set's ceiling is the baseline target's 128-bit "
      "multiply + add (the set is portable C, built without FMA contraction). The peak is the "
      "fastest repetition (a ceiling); the median and cv are shown beside it.")
    w("")
    w("| set | " + " | ".join(f"{t} thread{'s' if t > 1 else ''}" for t in threads) + " |")
    w("|---|" + "---|" * len(threads))
    for s in sets:
        cells = []
        for t in threads:
            r = res.get(("peak", s, t))
            cells.append(f"**{peak[(s, t)]:.1f}** (median {r['median']:.1f}, cv "
                         f"{r.get('cv', 0) * 100:.1f}%)" if (s, t) in peak else "—")
        w(f"| {s} | " + " | ".join(cells) + " |")
    w("")

    w("## SGEMM (GFLOP/s, median of the repetitions)")
    w("")
    w(f"C = A·B, row-major, alpha 1, beta 0; op NT means C = A·Bᵀ, TN means C = Aᵀ·B. "
      f"In brackets: % of the measured peak at the same thread count — of the set's own peak for "
      f"aekit, of the machine's (the highest of the set peaks) for the peers. Ratios are aekit ({disp}, the dispatched set) "
      f"over the peer, pair-wise (same shape, op and threads); **bold** where aekit is slower. "
      f"cv: the largest coefficient of variation across repetitions among {disp} and the peers in "
      f"that row. load: CPUs kept busy by other processes during those repetitions, on average "
      f"(⚠ above 0.25: that row was disturbed). [n aborted]: repetitions stopped after "
      f"overrunning their time budget (5x the minimum time, at least 0.5 s: an overloaded machine), left out of the median. "
      f"—: not run "
      f"({ctx.get('bench_scalar_limit', 'see the context of the JSON')}).")
    w("")
    ratios = {p: {t: [] for t in threads} for p, _ in PEERS}
    best_ratios = {p: {t: [] for t in threads} for p, _ in PEERS}
    loads = []
    slower = []
    others = [s for s in sets if s != disp]
    for t in threads:
        w(f"### {t} thread{'s' if t > 1 else ''}")
        w("")
        head = ["shape m×n×k", "op", f"aekit {disp}"] + [n for p, n in PEERS] + \
               [f"aekit/{n}" for p, n in PEERS] + ["cv", "load"] + [f"aekit {s}" for s in others]
        w("| " + " | ".join(head) + " |")
        w("|" + "---|" * len(head))
        for sh in shapes:
            for op in OPS:
                a = res.get(("sgemm", op, sh, t, disp))
                if a is None:
                    continue
                row = [fmt_shape(sh), op, cell(a, peak.get((disp, t)))]
                cvs = [a.get("cv", 0)]
                rat = []
                for p, name in PEERS:
                    r = res.get(("sgemm", op, sh, t, p))
                    row.append(cell(r, machine_peak.get(t)))
                    if r and "median" in r and a and "median" in a:
                        q = a["median"] / r["median"]
                        ratios[p][t].append(q)
                        best_ratios[p][t].append(max(a["samples"]) / max(r["samples"]))
                        cvs.append(r.get("cv", 0))
                        rat.append(f"**{q:.2f}**" if q < 1 else f"{q:.2f}")
                        if q < 1:
                            slower.append((q, name, fmt_shape(sh), op, t, a.get("cv", 0), r.get("cv", 0)))
                    else:
                        rat.append("—")
                row += rat
                row.append(f"{max(cvs) * 100:.1f}%")
                ld = mean_load([a] + [res.get(("sgemm", op, sh, t, p)) for p, _ in PEERS])
                row.append("—" if ld is None else f"{ld:.2f}{' ⚠' if ld > 0.25 else ''}")
                if ld is not None:
                    loads.append(ld)
                for s in others:
                    row.append(cell(res.get(("sgemm", op, sh, t, s)), peak.get((s, t))))
                w("| " + " | ".join(row) + " |")
        w("")

    over = set()
    for (kind, op, sh, t, side), r in ((k, r) for k, r in res.items() if k[0] == "sgemm"):
        ceiling = peak.get((side, t), machine_peak.get(t))  # a peer: the machine's peak
        if "median" in r and ceiling and r["median"] > ceiling:
            over.add((side, t) if (side, t) in peak else (max(
                (v, s) for (s, tt), v in peak.items() if tt == t)[1], t))
    over = sorted(over)
    if over:
        w("> **Peak measurement disturbed**: SGEMM ran faster than the measured peak for "
          + ", ".join(f"{s} at {t} thread{'s' if t > 1 else ''}" for s, t in over)
          + " — other processes slowed every repetition of that peak; its % figures are "
          "too high.")
        w("")
    w("## Summary")
    w("")
    w("Geometric mean of the pair-wise ratios aekit/peer over all shapes and ops, from the "
      "medians (the figures to cite) and, beside them, from each side's fastest repetition "
      "(less sensitive to other processes on a shared machine):")
    w("")
    w("| peer | " + " | ".join(f"{t} thread{'s' if t > 1 else ''}: median / fastest"
                             for t in threads) + " |")
    w("|---|" + "---|" * len(threads))
    summary = []
    for p, name in PEERS:
        if not present[p]:
            w(f"| {name} | " + " | ".join("absent" for _ in threads) + " |")
            summary.append(f"{name}: {ctx.get(f'peer_{p}_status', 'absent')}")
            continue
        g = [geomean(ratios[p][t]) for t in threads]
        gb = [geomean(best_ratios[p][t]) for t in threads]
        w(f"| {name} | " + " | ".join(
            f"{x:.2f} / {y:.2f}" if x else "—" for x, y in zip(g, gb)) + " |")
        summary.append(f"aekit/{name}: " + (", ".join(
            f"{x:.2f} at {t}t" for x, t in zip(g, threads) if x) or "no measured pairs"))
    w("")
    if slower:
        w(f"Where aekit ({disp}) is slower than a peer ({len(slower)} of the pairs), slowest first:")
        w("")
        w("| ratio | peer | shape | op | threads | cv aekit | cv peer |")
        w("|---|---|---|---|---|---|---|")
        for q, name, sh, op, t, ca, cp in sorted(slower):
            w(f"| {q:.2f} | {name} | {sh} | {op} | {t} | {ca * 100:.1f}% | {cp * 100:.1f}% |")
        w("")
    disturbed = sum(1 for x in loads if x > 0.25)
    if disturbed:
        w(f"{disturbed} of {len(loads)} rows ran while other processes kept more than a quarter "
          "of a CPU busy (⚠ in the load column): treat their ratios with care.")
        w("")
    w("How to read: every benchmark ran its repetitions interleaved at random with all others, "
      "so slow drifts of the machine hit every side alike; a ratio whose distance from 1 is "
      "within the cv of its two sides is not a difference.")
    w("")

    png = os.path.splitext(dst)[0] + ".png"
    if plot(res, shapes, threads, disp, peak, machine_peak, present, png):
        L.insert(L.index("## Machine and build"), f"![SGEMM GFLOP/s]({os.path.basename(png)})\n")

    tmp = dst + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(L))
    os.replace(tmp, dst)
    print("bench: " + "; ".join(summary))


if __name__ == "__main__":
    main()
