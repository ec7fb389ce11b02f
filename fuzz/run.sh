#!/usr/bin/env bash
# run.sh TARGET... — run each libFuzzer target in turn for FUZZ_SECONDS and
# print what it did.  Called by fuzz/fuzz.mk (`make fuzz`), from the repo root.
#
# Environment: FUZZ_BUILD (build-fuzz), FUZZ_SECONDS (60 per target),
# FUZZ_RSS_MB (2048: a larger peak is reported as an out-of-memory finding),
# FUZZ_TIMEOUT (10: one input running longer is reported as a hang).
#
# Per target: corpus $FUZZ_BUILD/corpus/<t>/ (grows from run to run; the
# seeds in fuzz/corpus/<t>/ are read, never written), dictionary
# fuzz/dict/<t>.dict if present, findings in $FUZZ_BUILD/artifacts/<t>/,
# the full log in $FUZZ_BUILD/logs/<t>.log.  Every run appends a line to
# $FUZZ_BUILD/fuzz-stats.tsv (date, target, seconds, executions, new
# units, corpus size, findings) — the running total of fuzzing done here.
# Exits 1 if any target found something (listed with how to keep it).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2
FUZZ_BUILD=${FUZZ_BUILD:-build-fuzz}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_RSS_MB=${FUZZ_RSS_MB:-2048}
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-10}
[ $# -gt 0 ] || set -- idx npy csv model cli gzip

max_len() {
  case $1 in
    cli) echo 1024 ;;
    csv|npy|idx|gzip) echo 16384 ;;
    model) echo 65536 ;;
    *) echo 4096 ;;
  esac
}

stats=$FUZZ_BUILD/fuzz-stats.tsv
[ -f "$stats" ] || printf 'date\ttarget\tseconds\texecutions\tnew_units\tcorpus\tfindings\n' >"$stats"
mkdir -p "$FUZZ_BUILD/logs"
found=0
printf '%-8s %8s %12s %10s %8s %8s %s\n' target seconds executions exec/s new corpus findings
for t in "$@"; do
  bin=$FUZZ_BUILD/fuzz_$t
  [ -x "$bin" ] || { echo "fuzz/run.sh: $bin is missing (make -f fuzz/fuzz.mk targets)" >&2; exit 2; }
  corpus=$FUZZ_BUILD/corpus/$t
  art=$FUZZ_BUILD/artifacts/$t
  mkdir -p "$corpus" "$art"
  seeds=()
  [ -d "fuzz/corpus/$t" ] && seeds=("fuzz/corpus/$t")
  dict=()
  [ -f "fuzz/dict/$t.dict" ] && dict=("-dict=fuzz/dict/$t.dict")
  before=$(find "$art" -type f | wc -l)
  log=$FUZZ_BUILD/logs/$t.log
  t0=$(date +%s)
  "$bin" -max_total_time="$FUZZ_SECONDS" -rss_limit_mb="$FUZZ_RSS_MB" -timeout="$FUZZ_TIMEOUT" \
    -max_len="$(max_len "$t")" -print_final_stats=1 -artifact_prefix="$art/" "${dict[@]}" \
    "$corpus" "${seeds[@]}" >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - t0 ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n1)
  newu=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -n1)
  size=$(find "$corpus" -type f | wc -l)
  after=$(find "$art" -type f | wc -l)
  findings=$(( after - before ))
  if [ "$rc" -ne 0 ] && [ "$findings" -eq 0 ]; then findings=1; fi # died without an artifact
  printf '%-8s %8d %12s %10s %8s %8d %d\n' "$t" "$secs" "${execs:-?}" "${rate:-?}" "${newu:-?}" "$size" "$findings"
  printf '%s\t%s\t%d\t%s\t%s\t%d\t%d\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$t" "$secs" "${execs:-0}" \
    "${newu:-0}" "$size" "$findings" >>"$stats"
  if [ "$findings" -gt 0 ]; then
    found=1
    echo "  $t: finding(s) — see $log:" >&2
    grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -n 5 | sed 's/^/    /' >&2
    ls -t "$art" | head -n "$findings" | sed "s|^|    $art/|" >&2
    echo "  keep each as verify/regress/$t/<name> (replayed by make verify), then fix" >&2
  fi
done
echo
awk -F'\t' 'NR > 1 { s[$2] += $3; e[$2] += $4 } END {
  for (t in s) printf "total so far  %-8s %8.2f h %14d executions\n", t, s[t] / 3600, e[t] }' "$stats" | sort
exit $found
