"""report_data.py — the results of one aekit_bench JSON, grouped by what they
measure, with the statistics the report quotes.  Every figure comes from the
JSON (the repetitions themselves; Google Benchmark's aggregates are not
needed); nothing is assumed.

Benchmark names (bench/*.c):
  peak/<set>/t<T>                      bw/<copy|triad>/t<T>
  sgemm/<op>/<m>x<n>x<k>/t<T>/<side>   epi/<m>x<n>x<k>/t<T>/<set>/<fused|separate>
  vm/<fn>/<side>/n<N>                  ew/<adam|hidden_bwd>/<set>/<size>
  jac/<m>x<k>x<n>/<side>               train/<variant>/t<T>
  pca/<rows>x784/k<k>/t<T>             epoch/<model>/<sgd|adam>/t<T>
  jacobian_route/t<T>                  xcore/<shared|local>
"""
import math
import statistics

PEERS = [("openblas", "OpenBLAS"), ("blis", "BLIS")]
SET_ORDER = ["scalar", "avx2", "avx512", "neon"]
OPS = ["NN", "NT", "TN"]


def shape(s):
    return tuple(int(x) for x in s.split("x"))


def parse_name(run_name):
    """A benchmark's run_name -> its key tuple (None: not ours)."""
    p = [x for x in run_name.split("/") if ":" not in x and x not in ("real_time", "manual_time")]
    kind = p[0] if p else ""
    try:
        if kind == "sgemm" and len(p) >= 5:
            return ("sgemm", p[1], shape(p[2]), int(p[3][1:]), p[4])
        if kind == "peak" and len(p) >= 3:
            return ("peak", p[1], int(p[2][1:]))
        if kind == "bw" and len(p) >= 3:
            return ("bw", p[1], int(p[2][1:]))
        if kind == "epi" and len(p) >= 5:
            return ("epi", shape(p[1]), int(p[2][1:]), p[3], p[4])
        if kind == "vm" and len(p) >= 4:
            return ("vm", p[1], p[2], int(p[3][1:]))
        if kind == "ew" and len(p) >= 4:
            return ("ew", p[1], p[2], p[3])
        if kind == "jac" and len(p) >= 3:
            return ("jac", shape(p[1]), p[2])
        if kind == "train" and len(p) >= 3:
            return ("train", p[1], int(p[2][1:]))
        if kind == "epoch" and len(p) >= 4:
            return ("epoch", p[1], p[2], int(p[3][1:]))
        if kind == "xcore" and len(p) >= 2:
            return ("xcore", p[1])
        if kind == "jacobian_route" and len(p) >= 2:
            return ("jroute", int(p[1][1:]))
        if kind == "pca" and len(p) >= 4:
            return ("pca", shape(p[1]), int(p[2][1:]), int(p[3][1:]))
    except ValueError:
        return None
    return None


class Result:
    """The repetitions of one benchmark."""

    def __init__(self, label=""):
        self.reps = []       # one dict per successful repetition
        self.error = None    # why it was not measured
        self.aborted = 0     # repetitions over their time budget
        self.label = label

    def ok(self):
        return bool(self.reps)

    def values(self, field):
        return [r[field] for r in self.reps if field in r and r[field] == r[field]]

    def median(self, field):
        v = self.values(field)
        return statistics.median(v) if v else None

    def best(self, field, higher=True):
        v = self.values(field)
        return (max(v) if higher else min(v)) if v else None

    def cv(self, field):
        v = self.values(field)
        if len(v) < 2:
            return 0.0
        m = statistics.fmean(v)
        return statistics.stdev(v) / m if m else 0.0

    def load(self):
        v = self.values("other_cpus")
        return statistics.fmean(v) if v else None


def collect(doc):
    """key -> Result."""
    out = {}
    for b in doc.get("benchmarks", []):
        if b.get("run_type") == "aggregate":
            continue
        key = parse_name(b.get("run_name", b["name"]))
        if key is None:
            continue
        r = out.setdefault(key, Result(b.get("label", "")))
        if b.get("label"):
            r.label = b["label"]
        if b.get("error_occurred"):
            msg = b.get("error_message", "not measured")
            if msg.startswith("aborted"):
                r.aborted += 1
            else:
                r.error = msg
            continue
        rep = {k: v for k, v in b.items() if isinstance(v, (int, float))}
        rep["seconds"] = b["real_time"] * {"ms": 1e-3, "us": 1e-6, "ns": 1e-9, "s": 1}[b.get("time_unit", "ms")]
        r.reps.append(rep)
    return out


def geomean(xs):
    xs = [x for x in xs if x and x > 0]
    return math.exp(sum(map(math.log, xs)) / len(xs)) if xs else None


class Bench:
    """Everything the report needs from one JSON."""

    def __init__(self, doc):
        self.doc = doc
        self.ctx = doc.get("context", {})
        self.res = collect(doc)
        c = self.ctx
        self.sets = [s for s in SET_ORDER if s in c.get("aekit_kernel_sets", "").split()]
        self.disp = c.get("aekit_dispatched", "?").split()[0]
        self.threads = [int(t) for t in c.get("bench_threads", "1").split()]
        self.quick = c.get("bench_mode") == "quick"
        self.present = {p: c.get(f"peer_{p}_status") == "present" for p, _ in PEERS}
        self.torch = c.get("peer_torch_status") == "present"
        order = [shape(s) for s in c.get("bench_shapes", "").split()]
        found = {k[2] for k in self.res if k[0] == "sgemm"}
        self.shapes = [s for s in order if s in found] + sorted(found - set(order))
        # The peak is the fastest repetition: a ceiling, and other processes
        # on a shared machine can only ever pull a repetition down.
        self.peak = {(k[1], k[2]): r.best("flops") / 1e9 for k, r in self.res.items()
                     if k[0] == "peak" and r.ok()}
        self.machine_peak = {t: max(v for (s, tt), v in self.peak.items() if tt == t)
                             for t in self.threads if any(tt == t for (_, tt) in self.peak)}
        # bandwidth: the fastest repetition too (same argument)
        self.bw = {(k[1], k[2]): r.best("bytes") / 1e9 for k, r in self.res.items()
                   if k[0] == "bw" and r.ok() and r.best("bytes")}

    def get(self, *key):
        return self.res.get(key)

    def gflops(self, *key):
        r = self.res.get(key)
        return r.median("flops") / 1e9 if r and r.ok() and r.median("flops") else None

    def peak_fraction(self, op, sh, t, s):
        """Set s's median SGEMM GFLOP/s over its own measured peak (None
        without either)."""
        g = self.gflops("sgemm", op, sh, t, s)
        return g / self.peak[(s, t)] if g and (s, t) in self.peak else None

    def squares(self):
        return [s for s in self.shapes if s[0] == s[1] == s[2]]

    def ae_shapes(self):
        return [s for s in self.shapes if not s[0] == s[1] == s[2]]

    def gemm_ratios(self, peer, t, shapes=None, fastest=False):
        """Pair-wise ratios aekit(dispatched)/peer over shapes × ops."""
        out = []
        for sh in shapes if shapes is not None else self.shapes:
            for op in OPS:
                a, p = self.get("sgemm", op, sh, t, self.disp), self.get("sgemm", op, sh, t, peer)
                if a and p and a.ok() and p.ok():
                    if fastest:
                        out.append(a.best("flops") / p.best("flops"))
                    else:
                        out.append(a.median("flops") / p.median("flops"))
        return out

    def xcore(self):
        """(shared, local) Results of bench/crosscore.c, or None."""
        sh, lo = self.get("xcore", "shared"), self.get("xcore", "local")
        return (sh, lo) if sh and sh.ok() and lo and lo.ok() else None

    def train_variants(self):
        seen = []
        for k in self.res:
            if k[0] == "train" and k[1] not in seen:
                seen.append(k[1])
        return seen
