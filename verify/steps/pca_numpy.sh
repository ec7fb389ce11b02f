#!/usr/bin/env bash
# pca_numpy.sh — `aekit pca` and the linear AE (aekit train/export/eval)
# against numpy.linalg.svd of the centred data (verify/ref/pca_check.py):
# components (Davis–Kahan), eigenvalues (Weyl), explained ratios and the
# cumulative column, mean, with and without --standardize (the reference
# then standardized as aekit does it),
# principal angles of the trained linear AE and its loss gap to the
# discarded variance, on planted-spectrum data, Fashion-MNIST and MNIST-10k.
# Run by verify/run.sh with BUILD and PYTHON set; QUICK=1: a subset (≈ 10 s;
# full ≈ 35 s on 2 loaded cores).  Prints CHECK lines (verify/check.h); exits
# non-zero on a failure.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
fail() { printf 'CHECK\tpca-numpy %s\tnan\tnan\tFAIL\t%s\n' "$1" "$2"; exit 1; }
[ -x "$BUILD/aekit" ] || fail "aekit binary" "$BUILD/aekit is missing (make BUILD=$BUILD all)"
"$PYTHON" -c 'import numpy' 2>/dev/null || fail "numpy" "$PYTHON cannot import numpy (make deps-verify)"
# Under SANITIZE=1 the witness would only re-drive, slowly, the same aekit
# code that the plain make verify checks natively; the sanitizers' value is
# in the C tests, so the step is skipped there (and says so).
if [ -n "${SANITIZE:-}" ]; then
  printf 'CHECK\t%s\tnan\tnan\tSKIP\tSANITIZE=1: run natively by make verify\n' "$(basename "$0" .sh)"
  exit 0
fi
"$PYTHON" verify/ref/pca_check.py --aekit "$BUILD/aekit"   # QUICK=1 is read from the environment
rc=$?
# an exit without a FAIL line of its own (e.g. the interpreter killed) still fails the step
[ $rc -eq 0 ] || [ $rc -eq 1 ] || fail "witness" "pca_check.py exits $rc"
exit $rc
