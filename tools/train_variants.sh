#!/usr/bin/env bash
# train_variants.sh — train every autoencoder variant on Fashion-MNIST and on
# the 10k MNIST digits (make data) and tabulate, per variant and data set,
# the first and final epoch loss and the epoch time:
#   reports/<cpu>/variants.md   (and variants.csv next to it)
#
# usage: tools/train_variants.sh [EPOCHS]     (default 5; QUICK=1: 2 epochs,
#        10k rows of Fashion-MNIST)
# Each row of the table is one `aekit train` command, printed in the table.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
A=$BUILD/aekit
EPOCHS=${1:-5}
LIMIT=""
if [ "${QUICK:-0}" = 1 ]; then EPOCHS=2; LIMIT="--limit 10000"; fi
[ -x "$A" ] || { echo "train_variants: build $A first (make)" >&2; exit 1; }
[ -f data/fashion-mnist/train-images-idx3-ubyte.gz ] && [ -f data/mnist-10k/images-idx3-ubyte ] ||
  { echo "train_variants: run 'make data' first" >&2; exit 1; }

slug=$(bash tools/cpu_slug.sh "$A")
out=reports/$slug
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# name | flags
variants=(
  "plain under-complete|--hidden 256 --act sigmoid"
  "cross-entropy|--hidden 256 --act sigmoid --loss bce"
  "tied + L2|--hidden 256 --tied --l2 1e-5"
  "over-complete|--hidden 1000 --act sigmoid"
  "relu|--hidden 256 --act relu"
  "tanh|--hidden 256 --act tanh --out-act sigmoid"
  "linear (PCA case)|--hidden 30 --act linear --out-act linear --center"
  "denoising masking q=0.25|--hidden 256 --noise mask --noise-level 0.25"
  "denoising Gaussian s=0.2|--hidden 256 --noise gauss --noise-level 0.2"
  "sparse KL rho=0.05 beta=0.1|--hidden 256 --sparse-rho 0.05 --sparse-beta 0.1"
  "k-sparse k=40 of 1000|--hidden 1000 --act linear --ksparse 40 --ksparse-alpha 2"
  "contractive lambda=0.1|--hidden 256 --contractive 0.1"
  "CAE+H gamma=0.1|--hidden 256 --contractive 0.1 --cae-h-gamma 0.1 --cae-h-sigma 0.1"
  "stacked 500-250-30 pretrained|--hidden 500,250,30 --act sigmoid,sigmoid,linear --pretrain-epochs 1"
)
datasets=(
  "Fashion-MNIST|--data data/fashion-mnist/train-images-idx3-ubyte.gz $LIMIT"
  "MNIST-10k|--data data/mnist-10k/images-idx3-ubyte"
)

csv=$work/variants.csv
echo "variant,data,epochs,first_loss,final_loss,mean_epoch_s,samples_per_s,command" >"$csv"
for d in "${datasets[@]}"; do
  dname=${d%%|*}
  dflags=${d#*|}
  for v in "${variants[@]}"; do
    vname=${v%%|*}
    vflags=${v#*|}
    cmd="$A train $dflags $vflags --epochs $EPOCHS --seed 1 --quiet --out $work/m.aek --history $work/h.csv"
    printf '%-16s %-36s ' "$dname" "$vname" >&2
    if ! $cmd 2>"$work/err"; then
      echo "FAILED" >&2
      cat "$work/err" >&2
      exit 1
    fi
    # history: phase,epoch,loss,recon,seconds,rows — fine-tuning rows only
    awk -F, -v v="$vname" -v d="$dname" -v c="${cmd//$work/\$TMP}" 'NR > 1 && $1 == -1 {
        n++; if (n == 1) first = $3; last = $3; t += $5; rows += $6 }
      END { printf "%s,%s,%d,%.6g,%.6g,%.3f,%.0f,\"%s\"\n", v, d, n, first, last, t / n, rows / t, c }' \
      "$work/h.csv" | tee -a "$csv" | awk -F, '{ printf "loss %s -> %s, %s s/epoch\n", $4, $5, $6 }' >&2
  done
done

cp "$csv" "$out/variants.csv"
{
  echo "# Every variant on real data — $slug"
  echo
  echo "Produced by \`tools/train_variants.sh $EPOCHS\`$( [ "${QUICK:-0}" = 1 ] && echo ' (QUICK=1)') on $(date -u +%Y-%m-%d) at commit $(git rev-parse --short HEAD 2>/dev/null)."
  echo "Loss: batch-mean total loss of the epoch (reconstruction + penalties; data scaled to [0,1])."
  echo "Kernel set $($A info | sed -n 's/^chosen *//p'), $($A info | sed -n 's/^threads *//p')."
  echo
  echo "| variant | data | epochs | first epoch loss | final epoch loss | s/epoch | samples/s |"
  echo "|---|---|---:|---:|---:|---:|---:|"
  tail -n +2 "$csv" | awk -F, '{ printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }'
  echo
  echo "Commands (\$TMP is a scratch directory):"
  echo
  echo '```'
  tail -n +2 "$csv" | sed -E 's/^.*,"(.*)"$/\1/'
  echo '```'
} >"$out/variants.md"
echo "wrote $out/variants.md" >&2
