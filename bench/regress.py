#!/usr/bin/python3
"""regress.py [--update] AEKIT_REGRESS BASELINE.json — instruction counts of
aekit's core kernels under callgrind, compared with a stored baseline.

Runs `valgrind --tool=callgrind AEKIT_REGRESS` (bench/regress.c: each kernel
on fixed inputs, one thread, its counters dumped under its name), reads the
instructions executed (Ir) of every kernel, and compares them with
BASELINE.json.  Exit status 1 when a kernel executes more than `tolerance`
(relative) instructions above its baseline; improvements beyond it are
reported (update the baseline to keep them).  --update writes the baseline.

Why instruction counts: they do not depend on the load of the machine (a
shared CI machine cannot disturb them), and for a given binary they repeat
exactly (0 difference between runs, checked).  Why ±2%: the counts move
only when the code executed moves; unrelated changes elsewhere (an inlining
decision in a driver, a different register allocation, a new branch in a
shared helper) move a kernel's count by well under 1%, while the slowdowns
worth catching move it by far more (losing vectorisation: 4-16x; an extra
pass over C or a lost fused epilogue: +5-50%; a packing path taken where A
was read in place: +3-10%).  Counts are only comparable for the same
compiler and valgrind: with another compiler the differences are reported
but do not fail (re-baseline with `make bench-regress UPDATE=1`).
"""
import glob
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile

TOLERANCE = 0.02


def tool_versions():
    cc = os.environ.get("CC", "cc")
    try:
        comp = subprocess.run([cc, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        comp = "unknown"
    vg = subprocess.run(["valgrind", "--version"], capture_output=True, text=True).stdout.strip()
    return comp, vg


def measure(binary):
    """name -> instructions executed, from one callgrind run."""
    d = tempfile.mkdtemp(prefix="aekit_regress.")
    try:
        env = dict(os.environ, AEKIT_NUM_THREADS="1")
        env.pop("AEKIT_ISA", None)
        r = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={d}/cg.out",
                            binary], env=env, capture_output=True, text=True)
        if r.returncode != 0:
            sys.stderr.write(r.stderr[-3000:])
            sys.exit(f"bench-regress: {binary} failed under valgrind (exit {r.returncode})")
        out = {}
        for f in glob.glob(f"{d}/cg.out.*"):
            desc = tot = None
            with open(f) as fh:
                for line in fh:
                    m = re.match(r"desc: Trigger: Client Request: (.+)", line)
                    if m:
                        desc = m.group(1).strip()
                    elif line.startswith("totals:"):
                        tot = int(line.split()[1])
            if desc and tot is not None:
                out[desc] = tot
        return out
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    args = sys.argv[1:]
    update = "--update" in args
    args = [a for a in args if a != "--update"]
    if len(args) != 2:
        sys.exit("usage: regress.py [--update] AEKIT_REGRESS BASELINE.json")
    binary, path = args
    if not shutil.which("valgrind"):
        sys.exit("bench-regress: valgrind is not installed (tools/deps.sh bench-regress)")
    comp, vg = tool_versions()
    counts = measure(binary)
    if not counts:
        sys.exit("bench-regress: no kernel counts were dumped")
    if update:
        doc = {"compiler": comp, "valgrind": vg, "arch": platform.machine(),
               "tolerance": TOLERANCE,
               "note": "instructions executed (callgrind Ir) per kernel call, bench/regress.c; "
                       "written by `make bench-regress UPDATE=1`",
               "kernels": dict(sorted(counts.items()))}
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        os.replace(tmp, path)
        print(f"bench-regress: wrote {path} ({len(counts)} kernels, {comp}, {vg})")
        return 0
    with open(path) as f:
        base = json.load(f)
    tol = base.get("tolerance", TOLERANCE)
    same_tools = base.get("compiler") == comp and base.get("valgrind") == vg and \
        base.get("arch") == platform.machine()
    worse, better, passed = [], [], 0
    print(f"{'kernel/set':52} {'baseline':>13} {'now':>13} {'change':>8}")
    for name in sorted(set(counts) | set(base["kernels"])):
        b, n = base["kernels"].get(name), counts.get(name)
        if b is None or n is None:
            print(f"{name:52} {b or '—':>13} {n or '—':>13} {'new' if b is None else 'missing':>8}")
            continue
        d = (n - b) / b
        flag = " REGRESSION" if d > tol else (" improved" if d < -tol else "")
        print(f"{name:52} {b:13,d} {n:13,d} {100 * d:+7.2f}%{flag}")
        if d > tol:
            worse.append(name)
        elif d < -tol:
            better.append(name)
        else:
            passed += 1
    print()
    if better:
        print(f"bench-regress: {len(better)} kernel(s) execute over {100 * tol:.0f}% fewer "
              "instructions: run `make bench-regress UPDATE=1` to keep the new baseline")
    if not same_tools:
        print(f"bench-regress: baseline made with {base.get('compiler')} / {base.get('valgrind')} "
              f"on {base.get('arch')}, this is {comp} / {vg} on {platform.machine()}: the counts "
              "are not comparable, differences reported only (re-baseline with UPDATE=1)")
        print(f"{passed + len(better) + len(worse)} passed, 0 failed")
        return 0
    if worse:
        print(f"bench-regress: over +{100 * tol:.0f}% instructions: {', '.join(worse)}")
    print(f"{passed + len(better)} passed, {len(worse)} failed")
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main())
