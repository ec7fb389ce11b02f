#!/usr/bin/env bash
# valgrind.sh — valgrind memcheck over a small job end to end: training
# (with a checkpoint, an interruption at a batch and --resume), encode, eval,
# reconstruct (npy + PNG), export, filters and pca, each run as
#   valgrind --error-exitcode=99 --leak-check=full
# so an invalid read or write, a use of uninitialised memory or a leak
# (definite or possible) fails the check.
#
# Kernel sets: valgrind 3.19 cannot execute AVX-512, and its synthetic CPUID
# says so, so under valgrind the binary itself picks avx2 on an AVX-512
# machine (no AEKIT_ISA needed — the run-time detection is part of what is
# checked); training is repeated with AEKIT_ISA=scalar, and AEKIT_ISA=avx512
# must be refused cleanly (exit 2) rather than die on an unhandled
# instruction.  SKIP under SANITIZE=1 (ASan binaries cannot run under
# valgrind) and without valgrind (make deps-verify installs it).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
A=$PWD/$BUILD/aekit
if [ -n "${SANITIZE:-}" ]; then
  printf 'CHECK\tvalgrind memcheck\tnan\tnan\tSKIP\tSANITIZE=1: ASan binaries do not run under valgrind; the plain make verify runs this step\n'
  exit 0
fi
if ! command -v valgrind >/dev/null 2>&1; then
  printf 'CHECK\tvalgrind memcheck\tnan\tnan\tSKIP\tvalgrind is not installed (make deps-verify)\n'
  exit 0
fi
if [ ! -x "$A" ]; then
  printf 'CHECK\tvalgrind memcheck: aekit binary\tnan\tnan\tFAIL\t%s is missing\n' "$A"
  exit 1
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/aekit-vg.XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 2
VG=(valgrind --error-exitcode=99 --leak-check=full --track-origins=yes --num-callers=30)
DATA=(--synthetic-rows 300 --synthetic-dim 64)
failed=0
n=0

# vg NAME EXPECTED_RC -- COMMAND...
vg() {
  local name=$1 want=$2
  shift 3
  n=$((n + 1))
  local envs=()
  if [ "$1" = env ]; then # variables go outside valgrind, which does not follow exec
    shift
    while [[ $1 == *=* ]]; do envs+=("$1"); shift; done
  fi
  env "${envs[@]}" "${VG[@]}" --log-file="vg$n.log" "$@" >"out$n.txt" 2>"err$n.txt"
  local rc=$?
  local errs leak
  errs=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "vg$n.log" | tail -n1)
  leak=$(grep -E 'definitely lost:|possibly lost:|in use at exit:' "vg$n.log" | sed 's/^==[0-9]*== *//' | tr '\n' ';' | tr -s ' ')
  local unhandled
  unhandled=$(grep -m1 -E 'unhandled instruction|Illegal opcode' "vg$n.log")
  if [ "$rc" -eq "$want" ] && [ "${errs:-1}" = 0 ] && [ -z "$unhandled" ]; then
    printf 'CHECK\tvalgrind memcheck: %s\t%s\t0\tPASS\t%s %s\n' "$name" "${errs}" "exit $rc, 0 errors;" "${leak:-no heap left in use}"
  else
    failed=$((failed + 1))
    local first
    first=$(grep -m3 -E 'Invalid|uninitialised|lost in|unhandled|Illegal' "vg$n.log" | sed 's/^==[0-9]*== *//' | tr '\n\t' '  ')
    printf 'CHECK\tvalgrind memcheck: %s\t%s\t0\tFAIL\texit %s (expected %s); %s errors: %s; stderr: %s\n' "$name" "${errs:-nan}" \
      "$rc" "$want" "${errs:-?}" "$first" "$(tail -n1 "err$n.txt" | tr '\t' ' ')"
  fi
}

set_default=$(valgrind -q "$A" info 2>/dev/null | sed -n 's/^chosen *//p')
vg "train ($set_default: what the binary picks under valgrind)" 0 -- "$A" train "${DATA[@]}" --hidden 16 --epochs 2 \
  --batch 32 --quiet --out m.aek --history h.csv
vg "train, AEKIT_ISA=scalar, stacked 2 layers with pretraining" 0 -- env AEKIT_ISA=scalar "$A" train "${DATA[@]}" \
  --hidden 16,8 --pretrain-epochs 1 --epochs 1 --batch 32 --quiet --out s.aek
vg "train stopped after 5 batches (checkpoint, exit 130)" 130 -- "$A" train "${DATA[@]}" --hidden 16 --epochs 2 \
  --batch 32 --quiet --out r.aek --stop-after-batches 5 --noise mask --optimizer momentum
vg "train --resume" 0 -- "$A" train --resume r.aek.ckpt "${DATA[@]}" --quiet --out r.aek
vg "encode" 0 -- "$A" encode --model m.aek "${DATA[@]}" --out codes.npy
vg "eval" 0 -- "$A" eval --model m.aek "${DATA[@]}"
vg "reconstruct (npy + PNG)" 0 -- "$A" reconstruct --model m.aek "${DATA[@]}" --out rec.npy --png rec.png
vg "export" 0 -- "$A" export --model m.aek --out-dir exported
vg "filters" 0 -- "$A" filters --model m.aek --out filters.png
vg "pca" 0 -- "$A" pca "${DATA[@]}" --k 4 --out-dir pca
if grep -q '^kernel sets.*avx512 ' < <("$A" info 2>/dev/null); then
  vg "AEKIT_ISA=avx512 refused under valgrind (exit 2, no unhandled instruction)" 2 -- \
    env AEKIT_ISA=avx512 "$A" train "${DATA[@]}" --hidden 16 --epochs 1 --quiet --out never.aek
fi
echo "# valgrind: $n runs, $failed failed"
[ "$failed" -eq 0 ]
