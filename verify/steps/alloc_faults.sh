#!/usr/bin/env bash
# alloc_faults.sh — every allocation of a set of small `aekit` commands made
# to fail, one at a time, through the LD_PRELOAD shim $BUILD/alloc_fail.so
# (verify/alloc_fail.c).  For each command a normal run under the shim
# counts its allocation calls C (glibc's own included: stdio buffers,
# fdopen, strdup, realpath); then, for every N in 1..C, a run whose N-th
# allocation fails must
#   - not be killed by a signal and not hang (timeout 30 s; status < 124);
#   - either succeed with exactly the normal run's outputs (every file of
#     its output directory, same names and bytes, and the same stdout) —
#     an allocation with a real fallback, such as a stdio buffer —
#   - or exit non-zero with a message on stderr that says memory failed
#     (/memory|allocat/), leaving its output directory exactly as it was
#     before: each output that existed keeps its old content, nothing new
#     is left (no half-written file, no temporary), except a checkpoint
#     (name ending in .ckpt), which training writes on purpose as the last
#     good state: it must then load (`aekit export` reads it with its CRC).
# Every output file named in a case is seeded with old content before each
# run (the counting run too, so both take the same path), and the inputs
# live outside the output directory.  Threads: AEKIT_NUM_THREADS=2, so the
# worker's own allocations (its GEMM pack buffers) are among those failed;
# their order against the main thread's may vary from run to run, which
# changes which call a given N hits but not what each run must do.
# Also: pthread_create failing (AEK_FAIL_THREAD_AT=1) must give the same
# model bits (fewer workers, same results).
#
# The walk is exhaustive up to CAP (300) calls per command (the commands
# below make 26-106); beyond that every N up to CAP and then every
# STRIDE-th, and with QUICK=1 every 4th (either said in the CHECK line).
# One CHECK line per command: figure = runs that misbehaved, bound 0, the
# note gives the failure points tried.  SKIP (not PASS) when the shim
# cannot be built or loaded (e.g. a sanitizer build, whose runtime must be
# the first library).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 2
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
A=$PWD/$BUILD/aekit
SHIM=$PWD/$BUILD/alloc_fail.so
QUICK=${QUICK:-0}
CAP=${ALLOC_FAULTS_CAP:-300}
STRIDE=7
if [ ! -x "$A" ]; then
  printf 'CHECK\talloc faults: aekit binary\tnan\tnan\tFAIL\t%s is missing\n' "$A"
  exit 1
fi
# On tmpfs when TMPDIR is not set: every output is fsynced before its
# rename, and some thousand runs on a disk spent most of the step's time
# waiting for it (what is checked is the files' content, not durability).
base=${TMPDIR:-/tmp}
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
  base=/dev/shm
fi
T=$(mktemp -d "$base/aekit-alloc.XXXXXX")
trap 'rm -rf "$T"' EXIT
export AEKIT_NUM_THREADS=2
export AEK_ALLOC_PROG=aekit # not timeout, which the variables reach too

# The shim must load and count: a sanitizer runtime refuses to come second,
# and a missing .so is a build that did not make it.
if [ ! -f "$SHIM" ] ||
   ! AEK_ALLOC_COUNT_FILE=$T/probe LD_PRELOAD=$SHIM "$A" info >/dev/null 2>"$T/probe.err" ||
   ! [ -s "$T/probe" ]; then
  printf 'CHECK\talloc faults: the allocation-failure shim\tnan\tnan\tSKIP\t%s cannot be loaded: %s\n' \
    "$SHIM" "$(head -c 200 "$T/probe.err" 2>/dev/null | tr '\t\n' '  ')"
  exit 0
fi

IN=$T/in
mkdir -p "$IN"
"$PYTHON" - "$IN" <<'PY' || { printf 'CHECK\talloc faults: make the inputs\tnan\tnan\tFAIL\t%s failed\n' "$PYTHON"; exit 1; }
import gzip, struct, sys
import numpy as np
d = sys.argv[1]
r = np.random.default_rng(7)
x = r.random((48, 16), dtype=np.float32)
np.save(d + "/x.npy", x)
np.savetxt(d + "/x.csv", x, delimiter=",", fmt="%.6f")
u8 = (x * 255).astype(np.uint8)
with gzip.open(d + "/x.idx.gz", "wb") as f:
    f.write(struct.pack(">BBBBIII", 0, 0, 8, 3, 48, 4, 4) + u8.tobytes())
y = (np.arange(48) % 3).astype(np.uint8)
with gzip.open(d + "/y.idx.gz", "wb") as f:
    f.write(struct.pack(">BBBBI", 0, 0, 8, 1, 48) + y.tobytes())
PY
SYN=(--synthetic-rows 48 --synthetic-dim 16)
NET=("${SYN[@]}" --hidden 4 --batch 16 --quiet)
TRAIN=("${NET[@]}" --epochs 2)
# the models and codes the other commands read, made without the shim
(cd "$IN" &&
  "$A" train "${TRAIN[@]}" --out m.aek --no-checkpoint &&
  "$A" train "${NET[@]}" --epochs 3 --out s.aek --stop-after-batches 4 ;
  [ -f s.aek.ckpt ] &&
  "$A" encode --model m.aek --data x.npy --out codes.npy 2>/dev/null) >/dev/null 2>"$T/setup.err"
if [ ! -f "$IN/m.aek" ] || [ ! -f "$IN/s.aek.ckpt" ] || [ ! -f "$IN/codes.npy" ]; then
  printf 'CHECK\talloc faults: make the models\tnan\tnan\tFAIL\t%s\n' "$(head -c 300 "$T/setup.err" | tr '\t\n' '  ')"
  exit 1
fi

failed=0
W=$T/w # the output directory of each run
# Times are the one thing two good runs may differ in: the seconds of a
# history CSV (%.6f), of classify's JSON and stdout (%.3f) read as "S".
untimed() { sed -E 's/,[0-9]+\.[0-9]{6}(,|$)/,S\1/; s/("seconds": |^seconds )[0-9.]+/\1S/'; }
# The state of W: every file with its checksum, CSV and JSON files by
# their untimed content (GNU sed's F names each); a few processes only,
# since the step takes some thousand snapshots.
snap() {
  (cd "$W" && find . -type f ! -name '*.csv' ! -name '*.json' -print0 | sort -z | xargs -0 -r md5sum
   find . -type f \( -name '*.csv' -o -name '*.json' \) -print0 | sort -z |
     xargs -0 -r sed -s -E '1F; s/,[0-9]+\.[0-9]{6}(,|$)/,S\1/; s/("seconds": |^seconds )[0-9.]+/\1S/')
}
# seed the outputs named in $1 (space-separated, relative to W) with old content
seed() {
  rm -rf "$W" && mkdir -p "$W"
  local f
  for f in $1; do
    [ "${f%/*}" != "$f" ] && mkdir -p "$W/${f%/*}"
    printf 'old content of %s\n' "$f" >"$W/$f"
  done
}
run() { # N-or-empty args... ; status in $rc
  (cd "$W" || exit 2
   [ -n "$N" ] && export AEK_FAIL_ALLOC_AT=$N
   LD_PRELOAD=$SHIM AEK_ALLOC_COUNT_FILE=$T/count exec timeout 30 "$A" "$@" >"$T/out" 2>"$T/err")
  rc=$?
}

# case NAME "SEEDED OUTPUTS" -- aekit arguments
case_() {
  local name=$1 seeded=$2
  shift 3
  local N="" rc count ref_snap ref_out before tried=0 bad=0 first="" why
  seed "$seeded"
  before=$(snap)
  rm -f "$T/count"
  run "$@"
  if [ "$rc" -ne 0 ] || [ ! -s "$T/count" ]; then
    printf 'CHECK\talloc faults: %s\tnan\t0\tFAIL\tthe normal run exits %d: %s\n' "$name" "$rc" \
      "$(head -c 300 "$T/err" | tr '\t\n' '  ')"
    failed=$((failed + 1))
    return
  fi
  read -r count _ <"$T/count"
  ref_snap=$(snap)
  ref_out=$(untimed <"$T/out")
  local ns
  if [ "$QUICK" = 1 ]; then
    ns=$(seq 1 4 "$count") # the CI subset: every 4th
  elif [ "$count" -le "$CAP" ]; then
    ns=$(seq 1 "$count")
  else
    ns="$(seq 1 "$CAP") $(seq $((CAP + STRIDE)) "$STRIDE" "$count")"
  fi
  for N in $ns; do
    seed "$seeded"
    run "$@"
    tried=$((tried + 1))
    why=""
    if [ "$rc" -ge 124 ]; then
      why="status $rc (killed by a signal or hung): $(head -c 200 "$T/err")"
    elif [ "$rc" -eq 0 ]; then
      if [ "$(snap)" != "$ref_snap" ]; then
        why="succeeded with outputs that differ from the normal run's"
      elif [ "$(untimed <"$T/out")" != "$ref_out" ]; then
        why="succeeded with a stdout that differs from the normal run's"
      fi
    elif ! grep -qiE 'memory|allocat' "$T/err"; then
      why="exit $rc without a message about memory: $(head -c 200 "$T/err")"
    else
      local now f
      now=$(snap)
      # a checkpoint left by training must load; it is then set aside
      while IFS= read -r f; do
        if ! grep -q "old content" "$W/$f" &&
           ! "$A" export --model "$W/$f" --out-dir "$T/ckpt-check" >/dev/null 2>&1; then
          why="left a checkpoint $f that does not load"
        fi
        rm -rf "$T/ckpt-check"
      done < <(grep -o '\./.*\.ckpt$' <<<"$now")
      if [ -z "$why" ]; then
        now=$(grep -v '\.ckpt$' <<<"$now")
        if [ "$now" != "$(grep -v '\.ckpt$' <<<"$before")" ]; then
          why="failed and left its outputs changed: $(diff <(echo "$before") <(echo "$now") | grep '^[<>]' | head -n 4 | tr '\n' ' ')"
        fi
      fi
    fi
    if [ -n "$why" ]; then
      echo "$name: N=$N: $why" >&2 # every one in the step's log
      bad=$((bad + 1))
      [ -z "$first" ] && first="N=$N: $why"
    fi
  done
  N=""
  local verdict=PASS note
  note="$tried failure points of $count allocation calls"
  if [ "$QUICK" = 1 ]; then
    note="$note (QUICK: every 4th)"
  elif [ "$count" -gt "$CAP" ]; then
    note="$note (1..$CAP, then every ${STRIDE}th)"
  fi
  if [ "$bad" -gt 0 ]; then
    verdict=FAIL
    failed=$((failed + 1))
    note="$note; $bad misbehaved, first $(tr '\t\n' '  ' <<<"$first" | cut -c1-300)"
  fi
  printf 'CHECK\talloc faults: %s\t%d\t0\t%s\t%s\n' "$name" "$bad" "$verdict" "$note"
}

M=$IN/m.aek
case_ "train (synthetic data, checkpoint)" "m.aek m.aek.ckpt" -- train "${TRAIN[@]}" --out m.aek
case_ "train stacked, pretraining, tied, --history" "m.aek h.csv" -- train "${SYN[@]}" \
  --hidden 8,4 --act sigmoid,linear --pretrain-epochs 1 --tied --epochs 1 --batch 16 --quiet \
  --no-checkpoint --out m.aek --history h.csv
case_ "train contractive + CAE+H" "m.aek" -- train "${TRAIN[@]}" --contractive 0.1 \
  --cae-h-gamma 0.1 --no-checkpoint --out m.aek
case_ "train k-sparse, momentum" "m.aek" -- train "${TRAIN[@]}" --act linear --ksparse 2 \
  --ksparse-alpha 2 --optimizer momentum --no-checkpoint --out m.aek
case_ "train denoising (mask), sparse KL, .npy data, CSV --val-data" "m.aek" -- train \
  --data "$IN/x.npy" --val-data "$IN/x.csv" --hidden 4 --epochs 2 --batch 16 --quiet --noise mask \
  --sparse-beta 0.1 --no-checkpoint --out m.aek
case_ "train --resume" "s.aek" -- train "${SYN[@]}" --quiet --epochs 3 \
  --resume "$IN/s.aek.ckpt" --no-checkpoint --out s.aek
case_ "train on gzip'd IDX, --standardize" "m.aek" -- train --data "$IN/x.idx.gz" --standardize \
  --hidden 4 --epochs 1 --batch 16 --quiet --noise gauss --no-checkpoint --out m.aek
case_ "encode (CSV data)" "codes.npy" -- encode --model "$M" --data "$IN/x.csv" --out codes.npy
case_ "reconstruct --out --png" "r.npy r.png" -- reconstruct --model "$M" \
  --data "$IN/x.npy" --out r.npy --png r.png --png-count 4
case_ "eval (.npy data)" "" -- eval --model "$M" --data "$IN/x.npy"
case_ "grad --preprocess" "g/loss.json" -- grad --model "$M" --data "$IN/x.npy" --limit 8 \
  --preprocess --out-dir g
case_ "export" "e/config.json" -- export --model "$M" --out-dir e
case_ "pca --standardize (gzip'd IDX)" "p/components.npy" -- pca --data "$IN/x.idx.gz" --k 3 \
  --standardize --out-dir p
case_ "filters --npy" "f.png f.npy" -- filters --model "$M" --out f.png --npy f.npy --count 4
case_ "classify --pca --json --history" "c.json c.csv" -- classify --train "$IN/codes.npy" \
  --train-labels "$IN/y.idx.gz" --test "$IN/codes.npy" --test-labels "$IN/y.idx.gz" --pca 2 \
  --epochs 3 --batch 16 --quiet --json c.json --history c.csv
case_ "info" "" -- info

# a thread that cannot be started: the same bits with fewer workers
seed ""
(cd "$W" && LD_PRELOAD="$SHIM" "$A" train "${TRAIN[@]}" --no-checkpoint --out ref.aek 2>/dev/null &&
  AEK_FAIL_THREAD_AT=1 LD_PRELOAD="$SHIM" AEK_ALLOC_COUNT_FILE="$T/tcount" \
    "$A" train "${TRAIN[@]}" --no-checkpoint --out t.aek 2>"$T/err")
rc=$?
threads=$(cut -d' ' -f2 "$T/tcount" 2>/dev/null)
if [ "$rc" -eq 0 ] && [ "${threads:-0}" -ge 1 ] && cmp -s "$W/ref.aek" "$W/t.aek"; then
  printf 'CHECK\talloc faults: train with pthread_create failing\t%d\t0\tPASS\tsame model bits (%s thread starts asked for)\n' "$rc" "$threads"
else
  printf 'CHECK\talloc faults: train with pthread_create failing\t%d\t0\tFAIL\tthreads asked %s; %s\n' "$rc" \
    "${threads:-none}" "$(head -c 200 "$T/err" | tr '\t\n' '  ')"
  failed=$((failed + 1))
fi
[ "$failed" -eq 0 ]
