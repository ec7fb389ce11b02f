#!/usr/bin/env bash
# train_faults.sh — training faults, end to end through `aekit train`:
#
# 1. Divergence: runs whose loss or parameters become NaN/Inf (SGD with an
#    absurd learning rate; with ReLU the NaN can hide in the weights while
#    the loss is still finite, and a step can overflow the weights after a
#    finite loss).  Each must stop with exit 1 and a message naming the
#    epoch and batch, write no model, and leave on disk the last good
#    checkpoint: it loads, its loss is finite, and it is the model of the
#    same run stopped after that epoch (same loss to the last digit).
# 2. SIGTERM and SIGINT: a run is signalled once its first epoch is done;
#    it must save a checkpoint and exit 130 with a message saying how to
#    resume; `--resume` must then finish it, and the final model must be
#    bitwise identical (cmp) to an uninterrupted run with the same seed.
# 3. --history of a resumed run (appends; a new file gets its header), and
#    --val-data through a stop and a resume.
#
# Prints CHECK lines (verify/check.h).  QUICK=1: fewer epochs.
set -uo pipefail
. "$(dirname "$0")/../step_setup.sh" || exit 2
step_setup "train faults" faults
QUICK=${QUICK:-0}
cd "$T" || exit 2
failed=0
pass() { printf 'CHECK\t%s\t%s\tnan\tPASS\t%s\n' "$1" "$2" "$3"; }
fail() { printf 'CHECK\t%s\t%s\tnan\tFAIL\t%s\n' "$1" "$2" "$3"; failed=$((failed + 1)); }
first_line() { grep -m1 . "$1" | tr '\t' ' ' | cut -c1-400; }

# ---- 1. divergence ------------------------------------------------------------
SMALL=(--synthetic-rows 64 --synthetic-dim 16 --hidden 4 --out-act linear --optimizer sgd --quiet)
# name | flags | what the message must say (each case its own detector)
diverge=(
  "ReLU, lr 1e5: NaN in the weights|--act relu --lr 1e5 --batch 16|a parameter of [a-z]+[0-9]+ became NaN/Inf in the step of epoch"
  "ReLU, lr 3e4: the loss overflows in epoch 3|--act relu --lr 3e4 --batch 16|the loss became infinite in epoch 3,"
  "linear, lr 1e6, one batch per epoch: the step after a finite loss overflows|--act linear --lr 1e6 --batch 64|the loss became infinite after the step of epoch"
)
for entry in "${diverge[@]}"; do
  name="divergence: ${entry%%|*}"
  rest=${entry#*|}
  read -r -a flags <<<"${rest%%|*}"
  says=${rest#*|}
  rm -rf d && mkdir d
  (cd d && "$A" train "${SMALL[@]}" "${flags[@]}" --epochs 8 --out m.aek) 2>d.err
  rc=$?
  msg=$(first_line d.err)
  re='epoch ([0-9]+), batch [0-9]+ of [0-9]+.*training stopped, the last good checkpoint is m\.aek\.ckpt \(written after epoch ([0-9]+)\)'
  if [ $rc -ne 1 ] || ! [[ $msg =~ $re ]]; then
    fail "$name" $rc "expected exit 1 and a message naming epoch, batch and the last good checkpoint; got: $msg"
    continue
  fi
  good=${BASH_REMATCH[2]}
  if ! [[ $msg =~ $says ]]; then
    fail "$name" $rc "the message does not say /$says/: $msg"
    continue
  fi
  if [ -e d/m.aek ]; then
    fail "$name" $rc "the model m.aek was written although training diverged"
    continue
  fi
  # the checkpoint loads and its loss is finite
  ev=$("$A" eval --model d/m.aek.ckpt --synthetic-rows 64 --synthetic-dim 16 2>&1)
  erc=$?
  loss=$(sed -n 's/^total //p' <<<"$ev")
  if [ $erc -ne 0 ] || [ -z "$loss" ] || [[ $loss =~ (nan|inf) ]]; then
    fail "$name" $rc "the checkpoint is not good: eval exits $erc: $(head -c 300 <<<"$ev" | tr '\n\t' '  ')"
    continue
  fi
  # ... and it is the state after epoch $good: the same run stopped there
  rm -rf r && mkdir r
  (cd r && "$A" train "${SMALL[@]}" "${flags[@]}" --epochs "$good" --out m.aek) 2>r.err
  ref=$("$A" eval --model r/m.aek --synthetic-rows 64 --synthetic-dim 16 2>&1 | sed -n 's/^total //p')
  if [ "$ref" != "$loss" ]; then
    fail "$name" $rc "the checkpoint's loss $loss differs from the run stopped after epoch $good ($ref)"
    continue
  fi
  pass "$name" $rc "$msg; the checkpoint loads, loss $loss = the run stopped after epoch $good"
done

# ---- 2. signals ------------------------------------------------------------------
EPOCHS=10 ROWS=4000 HIDDEN=256
if [ "$QUICK" = 1 ]; then EPOCHS=6 ROWS=1500 HIDDEN=128; fi # QUICK: the sanitizer run
DATA=(--synthetic-rows "$ROWS" --synthetic-dim 784)
RUN=("${DATA[@]}" --hidden "$HIDDEN" --batch 32 --epochs "$EPOCHS" --seed 7)
if ! "$A" train "${RUN[@]}" --quiet --out ref.aek 2>ref.err; then
  fail "signals: uninterrupted reference run" 1 "$(first_line ref.err)"
  exit 1
fi
for sig in TERM INT; do
  name="SIG$sig during training: checkpoint, exit 130, resume gives the same bits"
  rm -f "int$sig.aek" "int$sig.aek.ckpt"
  "$A" train "${RUN[@]}" --out "int$sig.aek" 2>"int$sig.err" &
  pid=$!
  # wait for the first epoch (a checkpoint exists), then signal half an
  # epoch later, most likely inside epoch 2 (any moment is a valid test;
  # mid-epoch also checks the batch position and running sums resume)
  for _ in $(seq 1 1200); do
    grep -q "^epoch 1/$EPOCHS" "int$sig.err" 2>/dev/null && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
  done
  secs=$(sed -n "s|^epoch 1/$EPOCHS .* \([0-9.]*\) s .*|\1|p" "int$sig.err")
  sleep "$(awk -v s="${secs:-0.1}" 'BEGIN { print s / 2 }')"
  kill -s "$sig" $pid 2>/dev/null
  wait $pid
  rc=$?
  msg=$(grep -m1 'stopped in epoch' "int$sig.err" | tr '\t' ' ')
  if [ $rc -ne 130 ]; then
    fail "$name" $rc "exit $rc, expected 130 (did the run end before the signal?): $(tail -n1 "int$sig.err")"
    continue
  fi
  if ! grep -qE "stopped in epoch [0-9]+ after [0-9]+ of [0-9]+ batches; checkpoint saved to int$sig\\.aek\\.ckpt" "int$sig.err" ||
     ! grep -q "resume with: aekit train --resume int$sig.aek.ckpt" "int$sig.err"; then
    fail "$name" $rc "message: $(tail -n2 "int$sig.err" | tr '\n' ' ')"
    continue
  fi
  if [ -e "int$sig.aek" ]; then
    fail "$name" $rc "the final model was written although training was interrupted"
    continue
  fi
  if ! "$A" train --resume "int$sig.aek.ckpt" "${DATA[@]}" --out "int$sig.aek" --quiet 2>"res$sig.err"; then
    fail "$name" $rc "--resume failed: $(first_line "res$sig.err")"
    continue
  fi
  if ! cmp -s ref.aek "int$sig.aek"; then
    fail "$name" $rc "the resumed model differs from the uninterrupted one: $(cmp ref.aek "int$sig.aek" 2>&1 | head -n1)"
    continue
  fi
  pass "$name" $rc "$msg; resumed model = uninterrupted model (cmp, $(stat -c %s ref.aek) bytes)"
done

# ---- history of a resumed run ------------------------------------------------------
# A resumed run appends to the history it continues, and a history that does
# not exist yet starts with the CSV header (before: a resumed run into a new
# --history file wrote rows without a header).
name="resumed run: --history appends, and a new one starts with its header"
H=(--synthetic-rows 64 --synthetic-dim 16 --hidden 4 --epochs 3 --batch 16 --optimizer sgd --quiet)
rm -f h*.csv hist.aek* hist2.*
"$A" train "${H[@]}" --out hist.aek --history h1.csv --stop-after-batches 6 2>/dev/null
rc=$?
if [ $rc -ne 130 ]; then
  fail "$name" $rc "the interrupted run exited $rc, expected 130"
else
  cp h1.csv h0.csv
  cp hist.aek.ckpt hist2.ckpt # the first resumed run rewrites its checkpoint
  "$A" train --resume hist.aek.ckpt --synthetic-rows 64 --synthetic-dim 16 --quiet --out hist.aek --history h1.csv 2>/dev/null &&
    "$A" train --resume hist2.ckpt --synthetic-rows 64 --synthetic-dim 16 --quiet --out hist2.aek --history h2.csv 2>/dev/null
  rc=$?
  hdr="phase,epoch,loss,recon,seconds,rows"
  n0=$(grep -c . h0.csv) n1=$(grep -c . h1.csv) n2=$(grep -c . h2.csv)
  if [ $rc -ne 0 ]; then
    fail "$name" $rc "a resumed run failed"
  elif [ "$(head -n1 h1.csv)" != "$hdr" ] || [ "$(grep -c "^$hdr\$" h1.csv)" -ne 1 ] || [ "$n1" -le "$n0" ]; then
    fail "$name" $rc "appended history: header $(grep -c "^$hdr\$" h1.csv) times, $n0 -> $n1 lines"
  elif [ "$(head -n1 h2.csv)" != "$hdr" ] || [ "$n2" -lt 2 ]; then
    fail "$name" $rc "new history of a resumed run starts with: $(head -n1 h2.csv)"
  else
    pass "$name" $rc "appended: 1 header, $n0 -> $n1 lines; new file: header + $((n2 - 1)) rows"
  fi
fi

# ---- --val-data through a stop and a resume -----------------------------------------
# The validation columns of a run stopped in epoch 2 and resumed equal those
# of an uninterrupted run (the same bits of the model at each epoch's end,
# printed with 9 digits), pretraining rows carry nan, and the model equals
# one trained without --val-data (validating changes no training bit).  The
# last row's validation losses are what `aekit eval` prints for the final
# model: the 16 held-out rows are one batch for both (batch 16 here, 256 in
# eval), so the same bits.  Held-out rows: any 16-column file; a model's
# reconstructions of other synthetic rows serve (the step needs no NumPy).
name="--val-data: stopped + resumed history == uninterrupted (val columns), model == without"
# shellcheck disable=SC2054 # "6,3" is the value of --hidden
V=(--synthetic-rows 96 --synthetic-dim 16 --hidden 6,3 --pretrain-epochs 1 --epochs 3 --batch 16 --l2 0.01 --quiet)
rm -f v*.csv v*.aek* val.npy
"$A" train --synthetic-rows 16 --synthetic-seed 9 --synthetic-dim 16 --hidden 4 --epochs 1 --quiet \
  --out vgen.aek >/dev/null 2>&1
"$A" reconstruct --model vgen.aek --synthetic-rows 16 --synthetic-seed 9 --synthetic-dim 16 \
  --out val.npy >/dev/null 2>&1
"$A" train "${V[@]}" --val-data val.npy --out vu.aek --history vu.csv 2>/dev/null &&
  "$A" train "${V[@]}" --out vn.aek --no-checkpoint 2>/dev/null
rc=$?
"$A" train "${V[@]}" --val-data val.npy --out vr.aek --history vr.csv --stop-after-batches 9 2>/dev/null
rc_stop=$?
"$A" train --resume vr.aek.ckpt --synthetic-rows 96 --synthetic-dim 16 --val-data val.npy --quiet \
  --out vr.aek --history vr.csv 2>/dev/null
rc_res=$?
# the columns other than seconds and rows (a resumed epoch counts the rows it ran)
cols() { cut -d, -f1-4,7,8 "$1"; }
ev=$("$A" eval --model vu.aek --data val.npy 2>/dev/null | awk '$1 == "total" { t = $2 } $1 == "recon" { r = $2 } END { print t "," r }')
last=$(tail -n1 vu.csv | cut -d, -f7,8)
pre_nan=$(grep -c '^[0-9][0-9]*,.*,nan,nan$' vu.csv)
fine_val=$(grep -c '^-1,.*,[0-9.e+-]*,[0-9.e+-]*$' vu.csv)
if [ $rc -ne 0 ] || [ $rc_stop -ne 130 ] || [ $rc_res -ne 0 ]; then
  fail "$name" $rc "exit codes: uninterrupted/plain $rc, stopped $rc_stop (want 130), resumed $rc_res"
elif [ "$(cols vu.csv)" != "$(cols vr.csv)" ]; then
  fail "$name" 1 "histories differ: $(diff <(cols vu.csv) <(cols vr.csv) | head -n2 | tr '\n' ' ')"
elif [ "$pre_nan" -ne 2 ] || [ "$fine_val" -ne 3 ]; then
  fail "$name" 1 "$pre_nan pretraining rows with nan (want 2), $fine_val fine-tuning rows with values (want 3)"
elif [ "$ev" != "$last" ]; then
  fail "$name" 1 "last epoch's val_loss,val_recon $last; aekit eval of the model: $ev"
elif ! cmp -s vu.aek vn.aek || ! cmp -s vu.aek vr.aek; then
  fail "$name" 1 "models differ: with/without --val-data $(cmp -s vu.aek vn.aek && echo same || echo differ), resumed $(cmp -s vu.aek vr.aek && echo same || echo differs)"
else
  pass "$name" 0 "$(grep -c . vu.csv) lines equal; last = aekit eval ($ev); 2 pretraining rows nan; models with, without and resumed: cmp equal"
fi

echo "# train faults: $failed failed"
[ "$failed" -eq 0 ]
