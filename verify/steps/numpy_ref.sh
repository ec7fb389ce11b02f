#!/usr/bin/env bash
# numpy_ref.sh — aekit's loss and gradients of every variant against an
# independent float64 NumPy witness (verify/ref/ae_ref.py), on every kernel
# set this CPU can execute; bounds from a running float32 error analysis.
# Run by verify/run.sh with BUILD and PYTHON set; QUICK=1: a representative
# subset.  Prints CHECK lines (verify/check.h); exits non-zero on a failure.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
fail() { printf 'CHECK\tnumpy-ref %s\tnan\tnan\tFAIL\t%s\n' "$1" "$2"; exit 1; }
[ -x "$BUILD/aekit" ] || fail "aekit binary" "$BUILD/aekit is missing (make BUILD=$BUILD all)"
"$PYTHON" -c 'import numpy' 2>/dev/null || fail "numpy" "$PYTHON cannot import numpy (make deps-verify)"
# Under SANITIZE=1 the witness would only re-drive, slowly, the same aekit
# code that the plain make verify checks natively; the sanitizers' value is
# in the C tests, so the step is skipped there (and says so).
if [ -n "${SANITIZE:-}" ]; then
  printf 'CHECK\t%s\tnan\tnan\tSKIP\tSANITIZE=1: run natively by make verify\n' "$(basename "$0" .sh)"
  exit 0
fi
exec "$PYTHON" verify/ref/check_grad.py --aekit "$BUILD/aekit"   # QUICK=1 is read from the environment
