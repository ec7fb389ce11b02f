"""report_plots.py — the figures of bench.md, as PNG (written through a
temporary file and a rename).  Each function returns the file's base name,
or None when there is nothing to plot or no matplotlib (the tables are the
report; the plots help reading them)."""
import math
import os

from report_data import OPS, PEERS

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:  # pragma: no cover - the bench installs it
    plt = None

PEER_STYLE = {"openblas": ("s", "tab:orange"), "blis": ("^", "tab:green")}
SET_STYLE = {"avx512": "tab:blue", "avx2": "tab:purple", "scalar": "tab:gray", "neon": "tab:blue"}


def _save(fig, path):
    tmp = path + ".tmp.png"
    fig.savefig(tmp, dpi=110)
    plt.close(fig)
    os.replace(tmp, path)
    return os.path.basename(path)


def _tname(t):
    return f"{t} thread{'s' if t > 1 else ''}"


def fmt_shape(s):
    m, n, k = s
    return f"{m}³" if m == n == k else f"{m}×{n}×{k}"


def gemm_shapes(B, path):
    """GFLOP/s per shape and op (the autoencoder's and the squares), one
    panel per thread count, with the measured peak."""
    if plt is None or not B.shapes:
        return None
    cases = [(sh, op) for sh in B.shapes for op in OPS]
    fig, axes = plt.subplots(len(B.threads), 1, figsize=(13, 3.9 * len(B.threads)), squeeze=False)
    sides = [(B.disp, f"aekit {B.disp}", "o", SET_STYLE.get(B.disp))]
    sides += [(p, n, *PEER_STYLE[p]) for p, n in PEERS if B.present[p]]
    for ax, t in zip(axes[:, 0], B.threads):
        x = range(len(cases))
        for key, label, marker, color in sides:
            ys = [B.gflops("sgemm", op, sh, t, key) for sh, op in cases]
            ax.plot(x, [y if y else float("nan") for y in ys], marker=marker, linestyle="none",
                    label=label, color=color)
        if t in B.machine_peak:
            ax.axhline(B.machine_peak[t], color="grey", linestyle="--", linewidth=1,
                       label=f"measured peak ({B.machine_peak[t]:.0f})")
        ax.set_xticks(list(x))
        ax.set_xticklabels([f"{fmt_shape(sh)} {op}" for sh, op in cases], rotation=70, fontsize=7)
        ax.set_ylabel("GFLOP/s")
        ax.set_ylim(bottom=0)
        ax.set_title(f"SGEMM per shape, {_tname(t)} (median of the repetitions)")
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.005, 1.0))
    fig.tight_layout()
    return _save(fig, path)


def gemm_sweep(B, path):
    """GFLOP/s of the squares against their size (NN; NT and TN lighter),
    every kernel set and peer, with each thread count's measured peak."""
    sq = B.squares()
    if plt is None or len(sq) < 2:
        return None
    fig, axes = plt.subplots(1, len(B.threads), figsize=(6.4 * len(B.threads), 4.6), squeeze=False)
    sides = [(s, f"aekit {s}", "o", SET_STYLE.get(s)) for s in [B.disp] + [x for x in B.sets if x != B.disp]]
    sides += [(p, n, *PEER_STYLE[p]) for p, n in PEERS if B.present[p]]
    for ax, t in zip(axes[0], B.threads):
        for key, label, marker, color in sides:
            for op in OPS:
                pts = [(sh[0], B.gflops("sgemm", op, sh, t, key)) for sh in sq]
                pts = [(x, y) for x, y in pts if y]
                if not pts:
                    continue
                ax.plot(*zip(*pts), marker=marker, color=color, alpha=1.0 if op == "NN" else 0.35,
                        linewidth=1.6 if op == "NN" else 0.8, markersize=5 if op == "NN" else 3,
                        label=label if op == "NN" else None)
        if t in B.machine_peak:
            ax.axhline(B.machine_peak[t], color="black", linestyle="--", linewidth=1,
                       label=f"measured peak {B.machine_peak[t]:.0f}")
        ax.set_xscale("log", base=2)
        ax.set_xticks([s[0] for s in sq])
        ax.set_xticklabels([str(s[0]) for s in sq])
        ax.set_xlabel("m = n = k")
        ax.set_ylabel("GFLOP/s")
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.3)
        ax.set_title(f"square SGEMM, {_tname(t)}: NN bold, NT/TN faint")
        ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return _save(fig, path)


def training(B, variants, path):
    """Epoch time per variant, aekit beside PyTorch, one panel per thread
    count, with the speed ratio of each pair above it."""
    if plt is None or not variants:
        return None
    fig, axes = plt.subplots(len(B.threads), 1, figsize=(12, 3.6 * len(B.threads)), squeeze=False)
    for ax, t in zip(axes[:, 0], B.threads):
        xs, a, p, ratio = [], [], [], []
        for i, v in enumerate(variants):
            r = B.get("train", v, t)
            xs.append(i)
            a.append(r.median("aekit_epoch_s") if r and r.ok() else float("nan"))
            tp = r.median("torch_epoch_s") if r and r.ok() else None
            p.append(tp if tp else float("nan"))
            ratio.append(r.median("ratio") if r and r.ok() else None)
        w = 0.38
        ax.bar([x - w / 2 for x in xs], a, w, label="aekit", color="tab:blue")
        if any(not math.isnan(y) for y in p):
            ax.bar([x + w / 2 for x in xs], p, w, label="PyTorch", color="tab:red")
        ys = [y for y in a + p if not math.isnan(y)] or [1]
        for x, q, ya, yp in zip(xs, ratio, a, p):
            if q:
                y = max(v for v in (ya, yp) if not math.isnan(v))
                ax.text(x, y * 1.08, f"×{q:.2f}", ha="center", va="bottom", fontsize=8,
                        color="tab:blue" if q >= 1 else "tab:red")
        ax.set_xticks(xs)
        ax.set_xticklabels(variants, rotation=20, fontsize=8)
        # log scale: the variants differ 10x in cost, the sides by less
        ax.set_yscale("log")
        ax.set_ylabel("seconds per epoch (log)")
        ax.set_ylim(min(ys) / 1.6, max(ys) * 1.9)
        ax.set_title(f"one epoch per variant, {_tname(t)} (median; ×: PyTorch time / aekit time, "
                     "median of the pairs, blue where aekit is faster)", fontsize=10)
        ax.grid(axis="y", alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)


def roofline(points, roofs, path):
    """points: {thread count: [(label, intensity FLOP/B, GFLOP/s, kind)]};
    roofs: {thread count: (peak GFLOP/s, bandwidth GB/s)}."""
    if plt is None or not points:
        return None
    ts = sorted(points)
    fig, axes = plt.subplots(1, len(ts), figsize=(7 * len(ts), 5.2), squeeze=False)
    marker = {"gemm": ("o", "tab:blue"), "ae": ("D", "tab:cyan"), "vmath": ("^", "tab:red"),
              "eltwise": ("s", "tab:green")}
    for ax, t in zip(axes[0], ts):
        peak, bw = roofs[t]
        ai = [p[1] for p in points[t]]
        lo, hi = min(ai + [0.05]) / 2, max(ai + [peak / bw]) * 4
        xs = [lo * (hi / lo) ** (i / 200) for i in range(201)]
        ax.plot(xs, [min(peak, bw * x) for x in xs], color="black", linewidth=1.5)
        ax.text(hi / 1.2, peak * 1.05, f"peak {peak:.0f} GFLOP/s", ha="right", fontsize=8)
        ax.text(lo * 1.3, bw * lo * 1.6, f"triad {bw:.0f} GB/s", rotation=0, fontsize=8)
        done = set()
        for label, x, y, kind in points[t]:
            m, c = marker[kind]
            ax.plot([x], [y], marker=m, color=c, linestyle="none", markersize=6,
                    label=None if kind in done else {"gemm": "SGEMM squares", "ae": "SGEMM autoencoder shapes",
                                                     "vmath": "vector math (memory)",
                                                     "eltwise": "Adam, hidden_bwd (memory)"}[kind])
            done.add(kind)
            if kind != "gemm" or label.endswith(("64³", "4096³")):
                ax.annotate(label, (x, y), textcoords="offset points", xytext=(4, -9), fontsize=6.5)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("arithmetic intensity (FLOP per byte of compulsory traffic)")
        ax.set_ylabel("GFLOP/s")
        ax.set_title(f"roofline, {_tname(t)}: aekit, dispatched set", fontsize=10)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return _save(fig, path)
