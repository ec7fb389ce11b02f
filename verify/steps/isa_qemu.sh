#!/usr/bin/env bash
# isa_qemu.sh — the x86-64 binary on older and newer CPUs, emulated with
# qemu-x86_64 -cpu <model> (user mode: the same binary, a CPU with only the
# features that model has):
#   - on each model the start-up detection picks the best set the CPU has
#     (`aekit info`), and a tiny `aekit train` with it runs and gives the
#     same model, bit for bit, as this machine forced to that set;
#   - asking (AEKIT_ISA) for a set the emulated CPU lacks is a clear error,
#     exit 2, never SIGILL — for `aekit info` and for `aekit train`;
#   - natively: a CPU with AVX-512 picks avx512.
# Models: core2duo (SSSE3), Nehalem (SSE4.2; both no AVX: scalar), SandyBridge (AVX, no AVX2/FMA:
# scalar), Haswell (AVX2 + FMA, no AVX-512: avx2), Skylake-Server (AVX-512:
# avx512 if qemu emulates it; qemu 7.2's TCG does not, which is a SKIP
# with qemu's own words).  Prints CHECK lines; SKIPs with the reason when
# not on x86-64, without qemu-x86_64, or under SANITIZE=1 (an ASan binary
# cannot map its shadow memory under qemu-user).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
A=$PWD/$BUILD/aekit
skip() { printf 'CHECK\t%s\tnan\tnan\tSKIP\t%s\n' "$1" "$2"; }
failed=0
pass() { printf 'CHECK\t%s\t%s\tnan\tPASS\t%s\n' "$1" "$2" "$3"; }
fail() { printf 'CHECK\t%s\t%s\tnan\tFAIL\t%s\n' "$1" "$2" "$3"; failed=$((failed + 1)); }

if [ "$(uname -m)" != x86_64 ]; then
  skip "isa under qemu-x86_64" "not an x86-64 host ($(uname -m))"
  exit 0
fi
if [ -n "${SANITIZE:-}" ]; then
  skip "isa under qemu-x86_64" "SANITIZE=1: ASan binaries do not run under qemu-user (shadow memory); the plain make verify runs this step"
  exit 0
fi
if [ ! -x "$A" ]; then
  fail "isa under qemu-x86_64: aekit binary" nan "$A is missing"
  exit 1
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/aekit-isa.XXXXXX")
trap 'rm -rf "$T"' EXIT
TINY=(--synthetic-rows 200 --synthetic-dim 64 --hidden 16 --epochs 2 --batch 32 --quiet)

# native: the set this CPU picks, and AVX-512 when it has it
native=$("$A" info 2>&1)
if grep -qE '^kernel sets .*avx512( |$)' <<<"$native"; then
  if grep -q '^chosen *avx512' <<<"$native"; then
    pass "isa native: a CPU with AVX-512 picks avx512" 0 "$(grep -m1 '^cpu' <<<"$native" | sed 's/^cpu *//')"
  else
    fail "isa native: a CPU with AVX-512 picks avx512" 0 "$(grep '^chosen' <<<"$native")"
  fi
else
  skip "isa native: a CPU with AVX-512 picks avx512" "this CPU has no AVX-512 ($(grep '^features' <<<"$native" | sed 's/^features *//'))"
fi

if ! command -v qemu-x86_64 >/dev/null 2>&1; then
  skip "isa under qemu-x86_64" "qemu-x86_64 is not installed (make deps-verify installs qemu-user)"
  [ "$failed" -eq 0 ]
  exit
fi
QV=$(qemu-x86_64 --version | head -n1)

# model | the set it must pick | sets it must refuse
models=(
  "core2duo|scalar|avx2 avx512"
  "Nehalem|scalar|avx2 avx512"
  "SandyBridge|scalar|avx2 avx512"
  "Haswell|avx2|avx512"
  "Skylake-Server|avx512|"
)
for entry in "${models[@]}"; do
  IFS='|' read -r cpu want refuse <<<"$entry"
  name="isa under qemu -cpu $cpu"
  info=$(qemu-x86_64 -cpu "$cpu" "$A" info 2>"$T/qemu.err")
  rc=$?
  feats=$(grep '^features' <<<"$info" | sed 's/^features *//')
  chosen=$(grep '^chosen' <<<"$info" | awk '{print $2}')
  if [ $rc -ne 0 ]; then
    fail "$name: aekit info" $rc "$(grep -v '^qemu-x86_64: warning' "$T/qemu.err" | tail -n1)"
    continue
  fi
  if [ "$want" = avx512 ] && ! grep -q avx512 <<<"$feats"; then
    why=$(grep -o 'TCG doesn.t support requested feature: CPUID.07H:EBX.avx512f[^]]*\]' "$T/qemu.err" | head -n1)
    skip "$name: picks avx512" "$QV does not emulate AVX-512 (${why:-no avx512f in CPUID}); the emulated CPU shows: $feats, so it picks $chosen; the native check above covers avx512"
    continue
  fi
  if [ "$chosen" = "$want" ]; then
    pass "$name: picks $want" $rc "features: $feats"
  else
    fail "$name: picks $want" $rc "chose '$chosen'; features: $feats"
  fi
  # a tiny training run on the emulated CPU, against this machine forced to the same set
  (cd "$T" && qemu-x86_64 -cpu "$cpu" "$A" train "${TINY[@]}" --out "q_$cpu.aek") 2>"$T/train.err"
  rc=$?
  if [ $rc -ne 0 ]; then
    fail "$name: aekit train ($want)" $rc "$(grep -v '^qemu-x86_64: warning' "$T/train.err" | tail -n1)"
  elif ! (cd "$T" && AEKIT_ISA=$want "$A" train "${TINY[@]}" --out "n_$cpu.aek") 2>/dev/null; then
    skip "$name: aekit train ($want)" "this machine cannot run the $want set natively to compare"
  elif cmp -s "$T/q_$cpu.aek" "$T/n_$cpu.aek"; then
    pass "$name: aekit train ($want)" $rc "trains; the model equals this machine's with AEKIT_ISA=$want, bit for bit"
  else
    fail "$name: aekit train ($want)" $rc "the model differs from this machine's with AEKIT_ISA=$want"
  fi
  for s in $refuse; do
    for cmd in info train; do
      args=(info)
      [ $cmd = train ] && args=(train "${TINY[@]}" --out "$T/never.aek")
      AEKIT_ISA=$s qemu-x86_64 -cpu "$cpu" "$A" "${args[@]}" >"$T/forced.out" 2>&1
      rc=$?
      out=$(grep -v '^qemu-x86_64: warning' "$T/forced.out")
      msg=$(grep -m1 'cannot be used' <<<"$out")
      if [ $rc -eq 2 ] && grep -q "AEKIT_ISA=$s cannot be used: the CPU lacks" <<<"$msg" && [ ! -e "$T/never.aek" ]; then
        pass "$name: AEKIT_ISA=$s refused by aekit $cmd" $rc "$msg"
      else
        fail "$name: AEKIT_ISA=$s refused by aekit $cmd" $rc "expected exit 2 and 'cannot be used: the CPU lacks' (132 would be SIGILL); got: $(head -n1 <<<"$out")"
      fi
    done
  done
done
echo "# isa under qemu: $failed failed"
[ "$failed" -eq 0 ]
