#!/usr/bin/env bash
# run.sh — run every proof, print the table, write reports/<cpu>/verify.md,
# end with "N passed, M failed" and exit non-zero on any failure.
#
# Each step prints CHECK lines (verify/check.h).  A step that exits non-zero
# without a FAIL line of its own (a crash, a sanitizer report, a missing
# tool) is counted as one failed check, so nothing can pass by dying quietly.
#
# Environment: BUILD (build dir), PYTHON, QUICK=1 (fast subset for CI and
# sanitizers), SANITIZE=1 (report is not written), RUNNER (e.g. qemu: then
# AEKIT_EMULATED=1 is exported so the vector-math walk takes larger steps),
# TESTS="test_a test_b" (only these test binaries, no steps: the emulated and
# thread-sanitizer runs; the report is not written).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
QUICK=${QUICK:-0}
SANITIZE=${SANITIZE:-}
RUNNER=${RUNNER:-}
TESTS=${TESTS:-}
LOGDIR=$BUILD/verify-logs
mkdir -p "$LOGDIR"
ALL=$LOGDIR/all.tsv
: >"$ALL"
export QUICK
if [ -n "$RUNNER" ]; then
  export AEKIT_EMULATED=1
  echo "# runner: $RUNNER (AEKIT_EMULATED=1)"
fi

# name | command — in the order they run.  A listed test that was not built
# runs as a missing binary and so fails.
steps=()
if [ -n "$TESTS" ]; then
  for t in $TESTS; do
    steps+=("$t|$RUNNER $BUILD/$t")
  done
else
  for t in "$BUILD"/test_*; do
    [ -x "$t" ] || continue
    steps+=("$(basename "$t")|$RUNNER $t")
  done
  for s in verify/steps/*.sh; do
    [ -f "$s" ] || continue
    steps+=("$(basename "$s" .sh)|bash $s")
  done
fi

# Steps run VERIFY_JOBS at a time (default: the online CPUs, at most 2 —
# the tests assert no timings, only results); each writes its own logs and
# the table below is assembled in step order.
JOBS=${VERIFY_JOBS:-$(nproc 2>/dev/null || echo 1)}
[ "$JOBS" -gt 2 ] && JOBS=2
[ "$JOBS" -lt 1 ] && JOBS=1

run_step() { # name cmd
  local name=$1 cmd=$2 t0 rc
  t0=$(date +%s)
  BUILD=$BUILD PYTHON=$PYTHON $cmd >"$LOGDIR/$name.log" 2>"$LOGDIR/$name.err"
  rc=$?
  echo "$rc $(( $(date +%s) - t0 ))" >"$LOGDIR/$name.rc"
}

report_step() { # name: summary line + CHECK lines into $ALL
  local name=$1 log=$LOGDIR/$1.log rc secs np nf reason
  read -r rc secs <"$LOGDIR/$name.rc"
  grep -P '^CHECK\t' "$log" | sed "s/^CHECK\t/$name\t/" >>"$ALL"
  np=$(grep -cP '^CHECK\t[^\t]*\t[^\t]*\t[^\t]*\tPASS' "$log")
  nf=$(grep -cP '^CHECK\t[^\t]*\t[^\t]*\t[^\t]*\tFAIL' "$log")
  if [ "$rc" -ne 0 ] && [ "$nf" -eq 0 ]; then
    reason=$(grep -v '^$' "$LOGDIR/$name.err" | tail -n 3 | tr '\t\n' '  ')
    printf '%s\t%s exits %d\tnan\tnan\tFAIL\t%s\n' "$name" "$name" "$rc" "$reason" >>"$ALL"
    nf=1
  fi
  # a step that reports nothing (not even a skip) checked nothing: a
  # failure, not "0 passed, 0 failed"
  if [ "$rc" -eq 0 ] && ! grep -qP '^CHECK\t' "$log"; then
    printf '%s\t%s reports no checks\tnan\tnan\tFAIL\texit %d, no CHECK line\n' "$name" "$name" \
      "$rc" >>"$ALL"
    nf=$((nf + 1))
  fi
  printf '%-28s %4d passed %3d failed  (%ds)\n' "$name" "$np" "$nf" "$secs"
}

start=$(date +%s)
running=0
for entry in "${steps[@]}"; do
  name=${entry%%|*}
  rm -f "$LOGDIR/$name.rc"
  if [ "$running" -ge "$JOBS" ]; then
    wait -n
    running=$((running - 1))
  fi
  run_step "$name" "${entry#*|}" &
  running=$((running + 1))
done
wait
for entry in "${steps[@]}"; do
  report_step "${entry%%|*}"
done

echo
awk -F'\t' '{ printf "%-4s  %-72.72s %10s  <= %-9s %s\n", $5, $2, $3, $4, $6 }' "$ALL" |
  sed 's/^PASS/pass/; s/^SKIP/skip/'
passed=$(awk -F'\t' '$5=="PASS"' "$ALL" | wc -l)
failed=$(awk -F'\t' '$5=="FAIL"' "$ALL" | wc -l)
skipped=$(awk -F'\t' '$5=="SKIP"' "$ALL" | wc -l)
elapsed=$(( $(date +%s) - start ))

# reports/<cpu>/verify.md (full, unsanitized runs only: they are what a
# reader cites).
if [ "$QUICK" != 1 ] && [ -z "$SANITIZE" ] && [ -z "$RUNNER" ] && [ -z "${BREAK:-}" ] &&
   [ -z "$TESTS" ]; then
  slug=$(bash tools/cpu_slug.sh "$BUILD/aekit")
  out=reports/$slug/verify.md
  mkdir -p "reports/$slug"
  tmp=$(mktemp "reports/$slug/.verify.md.XXXXXX")
  {
    echo "# aekit verify report — $slug"
    echo
    echo "Produced by \`make verify\` on $(date -u +%Y-%m-%d) (UTC)."
    echo
    echo '| | |'
    echo '|---|---|'
    echo "| commit | $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD 2>/dev/null || echo ' (dirty)') |"
    "$BUILD/aekit" info | sed -E 's/^([a-z0-9 -]+[a-z0-9]) {2,}(.*)$/| \1 | \2 |/'
    echo "| compiler | $(${CC:-cc} --version | head -n1) |"
    echo "| result | $passed passed, $failed failed, $skipped skipped in ${elapsed}s |"
    echo
    echo '| step | check | figure | bound | result | note |'
    echo '|---|---|---:|---:|---|---|'
    awk -F'\t' '{ gsub(/\|/, "\\|"); printf "| %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6 }' "$ALL"
  } >"$tmp" && chmod 644 "$tmp" && mv "$tmp" "$out"
  echo
  echo "report: $out"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
