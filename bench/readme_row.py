"""readme_row.py BENCH.json — the figures the README's "Reports in this tree"
table quotes for one report, computed as the report computes them:
issue epochs' % of peak (min–max over the models, plain SGD) and their
aekit/PyTorch geometric mean, each at 1 / 2 threads, printed as the two
table cells "| 74.2–79.4% / 67.2–72.8% | 1.70 / 2.87 |".  verify's
bench_reports step checks that the README's row for the report holds
exactly these."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report_data import Bench, geomean  # noqa: E402
from report_epoch import pct, sgd_figures  # noqa: E402


def cells(B):
    span, means = [], []
    for t in B.threads:
        fs = [f for _, f in sgd_figures(B, t)]
        pa = [f["pa"] for f in fs if f["pa"] is not None]
        qs = [f["q"] for f in fs if f["q"]]
        span.append(f"{pct(min(pa))[:-1]}–{pct(max(pa))}" if pa else "—")
        means.append(f"{geomean(qs):.2f}" if qs else "—")
    return f"| {' / '.join(span)} | {' / '.join(means)} |"


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: readme_row.py BENCH.json")
    with open(sys.argv[1]) as f:
        print(cells(Bench(json.load(f))))


if __name__ == "__main__":
    main()
