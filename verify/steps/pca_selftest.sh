#!/usr/bin/env bash
# pca_selftest.sh — the NumPy witness of `aekit pca` and of the linear AE
# (verify/ref/pca_check.py) can fail: each of its deliberate errors
# (--perturb modes: no centring, a wrong eigenvector, λ = σ²/(m−1), L* of
# k+1 components, a float32 mean, a wrong sign rule, an uncentred loss, an
# unstandardized reference, a cumulative column without the sum) is run on
# the planted data, and a mode passes only when some check catches it.
# ≈ 1.5 s.  Prints CHECK lines (verify/check.h); exits non-zero when a
# perturbation goes unseen.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
fail() { printf 'CHECK\tpca-selftest %s\tnan\tnan\tFAIL\t%s\n' "$1" "$2"; exit 1; }
[ -x "$BUILD/aekit" ] || fail "aekit binary" "$BUILD/aekit is missing (make BUILD=$BUILD all)"
"$PYTHON" -c 'import numpy' 2>/dev/null || fail "numpy" "$PYTHON cannot import numpy (make deps-verify)"
# as pca_numpy.sh: under SANITIZE=1 only the C tests carry the sanitizers' value
if [ -n "${SANITIZE:-}" ]; then
  printf 'CHECK\t%s\tnan\tnan\tSKIP\tSANITIZE=1: run natively by make verify\n' "$(basename "$0" .sh)"
  exit 0
fi
"$PYTHON" verify/ref/pca_check.py --aekit "$BUILD/aekit" --self-test
rc=$?
[ $rc -eq 0 ] || [ $rc -eq 1 ] || fail "witness" "pca_check.py --self-test exits $rc"
exit $rc
