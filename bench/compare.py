#!/usr/bin/python3
"""compare.py REPORTS_DIR OUT.md — every CPU's bench report side by side.

Reads REPORTS_DIR/*/bench.json (the full reports of `make bench`; quick
ones are left out: their ratios are indicative only) and writes OUT.md, a
table with one column per CPU, and OUT.png, the ratios to each peer per CPU.
The figures that transfer between machines are the ratios (both sides
measured in the same run) and the fractions of each machine's own measured
peak; absolute GFLOP/s are listed for context.
"""
import glob
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from report_data import PEERS, Bench, geomean  # noqa: E402

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:  # pragma: no cover
    plt = None


def load(d):
    path = os.path.join(d, "bench.json")
    with open(path) as f:
        return os.path.basename(d), Bench(json.load(f))


def train_ratio(B, t):
    qs = [B.get("train", v, t).median("ratio") for v in B.train_variants()
          if B.get("train", v, t) and B.get("train", v, t).ok()]
    return geomean([q for q in qs if q])


def pct_of_peak(B, t):
    d = B.disp
    if (d, t) not in B.peak:
        return None
    vals = sorted(B.gflops("sgemm", op, sh, t, d) / B.peak[(d, t)] for sh in B.ae_shapes()
                  for op in ("NN", "NT", "TN") if B.gflops("sgemm", op, sh, t, d))
    return vals[len(vals) // 2] if vals else None


def metrics(B):
    """(row name, value text, number for the plot or None) per metric."""
    t1, tn = 1, max(B.threads)
    c = B.ctx
    load = c.get("bench_other_load", "").split()
    rows = [
        ("CPU", c.get("aekit_cpu", "?"), None),
        ("kernel set / threads", f"{B.disp} / {', '.join(map(str, B.threads))}", None),
        ("date, commit", f"{c.get('date', '?')[:10]}, {c.get('git_commit', '?')[:10]}"
         f"{' (dirty)' if c.get('git_dirty') == 'yes' else ''}", None),
        ("other load during the run (CPUs)", load[0] if load else "?", None),
    ]
    for t, tag in ((t1, "1 thread"), (tn, "all threads")):
        pk = B.peak.get((B.disp, t))
        bw = B.bw.get(("triad", t))
        rows.append((f"peak GFLOP/s, {tag}", f"{pk:.0f}" if pk else "—", None))
        rows.append((f"triad GB/s, {tag}", f"{bw:.1f}" if bw else "—", None))
    for t, tag in ((t1, "1 thread"), (tn, "all threads")):
        p = pct_of_peak(B, t)
        rows.append((f"SGEMM % of peak, AE shapes, {tag}", f"{100 * p:.0f}%" if p else "—", None))
    for p, name in PEERS:
        for t, tag in ((t1, "1t"), (tn, "all t")):
            g = geomean(B.gemm_ratios(p, t)) if B.present[p] else None
            rows.append((f"aekit/{name} SGEMM, {tag}", f"{g:.2f}" if g else "absent", g))
    for t, tag in ((t1, "1t"), (tn, "all t")):
        g = train_ratio(B, t) if B.torch else None
        rows.append((f"aekit/PyTorch training, {tag}", f"{g:.2f}" if g else "absent", g))
    race = next((r for k, r in B.res.items() if k[0] == "pca"), None)
    rows.append(("linear AE / PCA time to 1°",
                 f"{race.median('ae_s'):.2f} s / {race.median('pca_s'):.2f} s" if race and race.ok()
                 else "—", None))
    return rows


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: compare.py REPORTS_DIR OUT.md")
    root, dst = sys.argv[1], sys.argv[2]
    cpus = [load(os.path.dirname(p)) for p in sorted(glob.glob(os.path.join(root, "*", "bench.json")))]
    if not cpus:
        sys.exit(f"compare: no {root}/*/bench.json (run make bench first)")
    table = {slug: metrics(B) for slug, B in cpus}
    names = [r[0] for r in table[cpus[0][0]]]
    L = ["# aekit bench — every CPU side by side", "",
         f"From {len(cpus)} report(s) under `{root}/` (`make report-compare`). Ratios are aekit "
         "over the peer measured in the same run (> 1: aekit faster; geometric means over shapes × "
         "ops, or over training variants); they, and the fractions of each machine's own "
         "measured peak, are what compare across CPUs.", ""]
    L.append("| | " + " | ".join(f"[{s}]({s}/bench.md)" for s, _ in cpus) + " |")
    L.append("|---|" + "---|" * len(cpus))
    for i, n in enumerate(names):
        L.append(f"| {n} | " + " | ".join(str(table[s][i][1]).replace("|", "\\|") for s, _ in cpus) + " |")
    L.append("")
    png = os.path.splitext(dst)[0] + ".png"
    if plt is not None:
        keys = [n for n in names if n.startswith("aekit/")]
        fig, ax = plt.subplots(figsize=(max(7, 1.6 * len(keys)), 4.2))
        w = 0.8 / len(cpus)
        for j, (slug, _) in enumerate(cpus):
            vals = [next(v for n, _, v in table[slug] if n == k) for k in keys]
            ax.bar([i + j * w for i in range(len(keys))], [v or 0 for v in vals], w, label=slug)
        ax.axhline(1, color="black", linewidth=1, linestyle="--")
        ax.set_xticks([i + w * (len(cpus) - 1) / 2 for i in range(len(keys))])
        ax.set_xticklabels([k.replace("aekit/", "") for k in keys], rotation=25, fontsize=8)
        ax.set_ylabel("aekit / peer (> 1: aekit faster)")
        ax.set_title("aekit against each peer, per CPU")
        ax.legend(fontsize=8)
        ax.grid(axis="y", alpha=0.3)
        fig.tight_layout()
        tmp = png + ".tmp.png"
        fig.savefig(tmp, dpi=110)
        plt.close(fig)
        os.replace(tmp, png)
        L.insert(4, f"![ratios per CPU]({os.path.basename(png)})\n")
    tmp = dst + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(L))
    os.replace(tmp, dst)
    print(f"compare: wrote {dst} ({len(cpus)} CPU{'s' if len(cpus) > 1 else ''})")


if __name__ == "__main__":
    main()
