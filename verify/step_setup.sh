# shellcheck shell=bash
# step_setup.sh — the start the verify/steps/*.sh scripts share (sourced:
# `. "$(dirname "$0")/../step_setup.sh" || exit 2`; it sits outside steps/,
# whose every script verify/run.sh runs).
#
# step_setup LABEL TMPNAME [numpy]: works from the repository root; sets
# BUILD, PYTHON (defaults build and /usr/bin/python3, as verify/run.sh
# passes them) and A, the aekit binary; prints a FAIL check line "LABEL:
# aekit binary" (or "LABEL: numpy" when asked to need NumPy) and exits 1
# when that is missing; T is a fresh directory aekit-TMPNAME.* under
# $TMPDIR, removed when the step exits.
step_setup() {
  cd "$(dirname "${BASH_SOURCE[0]}")/.." || exit 2
  BUILD=${BUILD:-build}
  PYTHON=${PYTHON:-/usr/bin/python3}
  A=$PWD/$BUILD/aekit
  if [ ! -x "$A" ]; then
    printf 'CHECK\t%s: aekit binary\tnan\tnan\tFAIL\t%s is missing (make BUILD=%s all)\n' "$1" "$A" "$BUILD"
    exit 1
  fi
  if [ "${3:-}" = numpy ] && ! "$PYTHON" -c 'import numpy' 2>/dev/null; then
    printf 'CHECK\t%s: numpy\tnan\tnan\tFAIL\t%s cannot import numpy (make deps-verify)\n' "$1" "$PYTHON"
    exit 1
  fi
  T=$(mktemp -d "${TMPDIR:-/tmp}/aekit-$2.XXXXXX") || exit 2
  trap 'rm -rf "$T"' EXIT
}
