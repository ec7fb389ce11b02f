#!/usr/bin/env bash
# run_kernels.sh — run the kernel tests (test_gemm, test_vmath) of a build,
# possibly under an emulator, print the table and end with
# "N passed, M failed"; exit non-zero on any failure.
#
# Used by `make verify-aarch64`: BUILD=build-aarch64 and
# RUNNER="qemu-aarch64 -L /usr/aarch64-linux-gnu".  With a RUNNER set,
# AEKIT_EMULATED=1 is exported so test_vmath walks the float range with a
# larger stride (it says so in its CHECK notes).
#
# Same protocol as verify/run.sh: each test prints CHECK lines
# (verify/check.h); a test that is missing, or exits non-zero without a FAIL
# line of its own (a crash, an emulator error), counts as one failed check.
set -uo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
RUNNER=${RUNNER:-}
TESTS=${TESTS:-"test_gemm test_vmath"}
LOGDIR=$BUILD/verify-logs
mkdir -p "$LOGDIR"
ALL=$LOGDIR/kernels.tsv
: >"$ALL"
if [ -n "$RUNNER" ]; then
  export AEKIT_EMULATED=1
  echo "# runner: $RUNNER (AEKIT_EMULATED=1)"
fi

# Two tests at a time on a 2-core machine (they assert results, not
# timings); the table is assembled in test order.
JOBS=${VERIFY_JOBS:-$(nproc 2>/dev/null || echo 1)}
[ "$JOBS" -gt 2 ] && JOBS=2
[ "$JOBS" -lt 1 ] && JOBS=1

run_test() { # name
  local name=$1 bin=$BUILD/$1 t0 rc
  t0=$(date +%s)
  if [ -x "$bin" ]; then
    $RUNNER "$bin" >"$LOGDIR/$name.log" 2>"$LOGDIR/$name.err"
    rc=$?
  else
    echo "$bin: not built" >"$LOGDIR/$name.err"
    : >"$LOGDIR/$name.log"
    rc=127
  fi
  echo "$rc $(( $(date +%s) - t0 ))" >"$LOGDIR/$name.rc"
}

start=$(date +%s)
running=0
for name in $TESTS; do
  if [ "$running" -ge "$JOBS" ]; then
    wait -n
    running=$((running - 1))
  fi
  run_test "$name" &
  running=$((running + 1))
done
wait
for name in $TESTS; do
  log=$LOGDIR/$name.log
  read -r rc secs <"$LOGDIR/$name.rc"
  grep -P '^CHECK\t' "$log" | sed "s/^CHECK\t/$name\t/" >>"$ALL"
  np=$(grep -cP '^CHECK\t[^\t]*\t[^\t]*\t[^\t]*\tPASS' "$log")
  nf=$(grep -cP '^CHECK\t[^\t]*\t[^\t]*\t[^\t]*\tFAIL' "$log")
  if [ "$rc" -ne 0 ] && [ "$nf" -eq 0 ]; then
    reason=$(grep -v '^$' "$LOGDIR/$name.err" | tail -n 3 | tr '\t\n' '  ')
    printf '%s\t%s exits %d\tnan\tnan\tFAIL\t%s\n' "$name" "$name" "$rc" "$reason" >>"$ALL"
    nf=1
  fi
  printf '%-28s %4d passed %3d failed  (%ds)\n' "$name" "$np" "$nf" "$secs"
done

echo
awk -F'\t' '{ printf "%-4s  %-72.72s %10s  <= %-9s %s\n", $5, $2, $3, $4, $6 }' "$ALL" |
  sed 's/^PASS/pass/; s/^SKIP/skip/'
passed=$(awk -F'\t' '$5=="PASS"' "$ALL" | wc -l)
failed=$(awk -F'\t' '$5=="FAIL"' "$ALL" | wc -l)
echo "# $(( $(date +%s) - start ))s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
