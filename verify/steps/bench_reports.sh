#!/usr/bin/env bash
# bench_reports.sh — every bench report in the tree is what its own JSON
# gives.  bench/report.py renders reports/<cpu>/bench.json again into a
# temporary directory, and the text must equal the committed bench.md,
# figure lines aside (the PNGs are not compared: matplotlib's pixels vary
# between versions).  So no figure in a report was typed by hand or left
# behind by an older report.py, and the generator runs on real data on
# every verify.  The README's table of reports must quote each report's
# issue-epoch figures as bench/readme_row.py computes them from the JSON.
# Without matplotlib report.py leaves out the figures and the roofline
# section, so the step needs it (make deps-verify installs it).  Prints
# CHECK lines (verify/check.h); exits non-zero on a failure.  Run by
# verify/run.sh with PYTHON set.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
PYTHON=${PYTHON:-/usr/bin/python3}
if ! "$PYTHON" -c 'import matplotlib' 2>/dev/null; then
  printf 'CHECK\tbench reports regenerate\tnan\tnan\tFAIL\t%s cannot import matplotlib (make deps-verify)\n' "$PYTHON"
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rc=0
found=0
# a report's text, figure lines (and the blank line a missing figure leaves) aside
strip() { grep -v '^!\[' "$1" | cat -s; }
for json in reports/*/bench.json; do
  [ -f "$json" ] || continue
  found=$((found + 1))
  dir=$(dirname "$json")
  name="bench report $(basename "$dir") regenerates from its JSON"
  md=$dir/bench.md
  if [ ! -f "$md" ]; then
    printf 'CHECK\t%s\tnan\t0\tFAIL\t%s has no bench.md beside it\n' "$name" "$json"
    rc=1
    continue
  fi
  out=$tmp/$(basename "$dir").md
  if ! "$PYTHON" bench/report.py "$json" "$out" >"$tmp/log" 2>&1; then
    printf 'CHECK\t%s\tnan\t0\tFAIL\tbench/report.py failed: %s\n' "$name" "$(tail -n 1 "$tmp/log")"
    rc=1
    continue
  fi
  diff <(strip "$md") <(strip "$out") >"$tmp/diff"
  differ=$(grep -c '^[<>]' "$tmp/diff")
  if [ "$differ" -eq 0 ]; then
    printf 'CHECK\t%s\t0\t0\tPASS\t%s lines compared; figure = lines that differ\n' "$name" "$(strip "$md" | wc -l)"
  else
    first=$(grep -m1 '^[<>]' "$tmp/diff" | cut -c1-120 | tr '\t' ' ')
    printf 'CHECK\t%s\t%d\t0\tFAIL\tregenerate: %s bench/report.py %s %s; first difference: %s\n' \
      "$name" "$differ" "$PYTHON" "$json" "$md" "$first"
    rc=1
  fi
  name="README quotes the figures of $(basename "$dir")"
  want=$("$PYTHON" bench/readme_row.py "$json" 2>"$tmp/log") ||
    { printf 'CHECK\t%s\tnan\t0\tFAIL\tbench/readme_row.py failed: %s\n' "$name" "$(tail -n 1 "$tmp/log")"; rc=1; continue; }
  row=$(grep -F "($dir/bench.md)" README.md | head -n 1)
  if [ -z "$row" ]; then
    printf 'CHECK\t%s\tnan\t0\tFAIL\tREADME.md has no row linking %s/bench.md in its table of reports\n' "$name" "$dir"
    rc=1
  elif [ "${row%"$want"}" != "$row" ]; then
    printf 'CHECK\t%s\t0\t0\tPASS\trow ends %s\n' "$name" "$want"
  else
    printf 'CHECK\t%s\t1\t0\tFAIL\tthe row should end %s; it is: %s\n' "$name" "$want" "$row"
    rc=1
  fi
done
if [ "$found" -eq 0 ]; then
  printf 'CHECK\tbench reports in the tree\tnan\tnan\tSKIP\tno reports/*/bench.json\n'
fi
exit $rc
