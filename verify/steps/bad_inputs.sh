#!/usr/bin/env bash
# bad_inputs.sh — the bad-input catalogue: every way a researcher's files,
# flags, environment or disk can be wrong, run through the real `aekit`
# command.  Each case must give
#   - the expected exit status (2: usage — flags, environment; 1: the input
#     or the output is bad), never a signal, never a hang (120 s limit);
#   - a message on stderr that names the problem (a regular expression
#     per case);
#   - no output file: every case runs in its own empty directory, which
#     must still be empty afterwards (no model, no partial file, no
#     temporary) unless the case says what may be there (a checkpoint that
#     training legitimately saved before the failure);
#   - a case that must succeed (status 0) and names what it may leave must
#     leave it: a non-empty file or directory of that name.
# One CHECK line per case (verify/check.h): figure = exit status, note = the
# message aekit printed (or what went wrong).  Run by verify/run.sh with
# BUILD and PYTHON set; the inputs are made here with the Python standard
# library only.
set -uo pipefail
. "$(dirname "$0")/../step_setup.sh" || exit 2
step_setup "bad inputs" bad
IN=$T/in
mkdir -p "$IN"

# ---- the inputs --------------------------------------------------------------
"$PYTHON" - "$IN" <<'EOF' || { printf 'CHECK\tbad inputs: make the inputs\tnan\tnan\tFAIL\t%s failed\n' "$PYTHON"; exit 1; }
import gzip, os, struct, sys, zlib
d = sys.argv[1]
def put(name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
def npy(descr, shape, payload, fortran=False):
    h = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)
    h += " " * ((64 - (10 + len(h) + 1) % 64) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h.encode() + payload
R, C = 60, 16
vals = [((i * 7919 + j * 104729) % 1000) / 1000.0 for i in range(R) for j in range(C)]
f4 = lambda v: struct.pack("<%df" % len(v), *v)
u8 = bytes(int(v * 255) for v in vals)
idx = struct.pack(">BBBBIII", 0, 0, 8, 3, R, 4, 4) + u8
put("ok.idx", idx)
put("ok.npy", npy("<f4", "(%d, %d)" % (R, C), f4(vals)))
put("labels60.npy", npy("|u1", "(%d,)" % R, bytes(i % 10 for i in range(R))))
put("ok.csv", "".join(",".join("%.9g" % vals[i * C + j] for j in range(C)) + "\n" for i in range(R)).encode())
put("wide.npy", npy("<f4", "(4, 784)", f4([0.5] * 4 * 784)))
put("other.npy", npy("<f4", "(%d, %d)" % (R, C), f4([1.0 - v for v in vals])))
# finite, but near the float32 maximum (±3e38): a relu/linear model's
# outputs overflow; 20 rows, with 20 labels
put("big.npy", npy("<f4", "(20, %d)" % C, f4([3e38 * (-1) ** j for i in range(20) for j in range(C)])))
put("labels20.npy", npy("|u1", "(20,)", bytes(i % 10 for i in range(20))))
put("narrow.npy", npy("<f4", "(%d, 8)" % R, f4(vals[:R * 8])))
# test labels with one label (10, row 7) past the training labels' 0..9
put("labels60_10.npy", npy("|u1", "(%d,)" % R, bytes(10 if i == 7 else i % 10 for i in range(R))))
put("idx_truncated.idx", idx[:16 + 500])
put("idx_magic.idx", b"\x01\x02" + idx[2:])
put("idx_overflow.idx", struct.pack(">BBBBIII", 0, 0, 8, 3, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF) + u8)
put("idx_huge.idx", struct.pack(">BBBBIII", 0, 0, 8, 3, 0x7FFFFFFF, 0xFFFF, 0xFFFF) + u8)
put("idx_labels.idx", struct.pack(">BBBBI", 0, 0, 8, 1, R) + bytes(R))
put("labels10.idx", struct.pack(">BBBBI", 0, 0, 8, 1, 10) + bytes(10))
put("idx_gz_truncated.idx.gz", gzip.compress(idx, mtime=0)[:200])
put("runs.csv.gz", gzip.compress(b"1,2,3\n" * 20000, mtime=0))
put("idx_longer.idx.gz", gzip.compress(idx + bytes(1 << 24), mtime=0))
put("empty.idx", b"")
put("npy_magic.npy", b"\x93NUMPX" + npy("<f4", "(60, 16)", f4(vals))[6:])
put("npy_overflow.npy", npy("<f4", "(99999999999999, 99999999)", f4(vals)))
put("npy_short.npy", npy("<f4", "(60, 16)", f4(vals[:-16])))
v = list(vals); v[7 * C + 3] = float("nan"); put("npy_nan.npy", npy("<f4", "(60, 16)", f4(v)))
v = list(vals); v[9 * C + 5] = float("inf"); put("npy_inf.npy", npy("<f4", "(60, 16)", f4(v)))
# cross-entropy targets outside [0, 1]: inside the third block of 256 floats
# the range check scans, and the last element (past the whole blocks)
v = list(vals); v[41 * C + 7] = 1.5; put("npy_above1.npy", npy("<f4", "(60, 16)", f4(v)))
v = list(vals); v[59 * C + 15] = -0.25; put("npy_below0_last.npy", npy("<f4", "(60, 16)", f4(v)))
v = list(vals); v[2 * C + 11] = 1e300
put("npy_f8_range.npy", npy("<f8", "(60, 16)", struct.pack("<%dd" % len(v), *v)))
put("npy_fortran.npy", npy("<f4", "(60, 16)", f4(vals), fortran=True))
put("npy_bigendian.npy", npy(">f4", "(60, 16)", struct.pack(">%df" % len(vals), *vals)))
put("npy_header_cut.npy", npy("<f4", "(60, 16)", f4(vals))[:40])
put("npy_zero_rows.npy", npy("<f4", "(0, 16)", b""))
put("empty.npy", b"")
rows = [",".join("%.9g" % vals[i * C + j] for j in range(C)) for i in range(R)]
r = list(rows); f = r[4].split(","); f[2] = "nan"; r[4] = ",".join(f)
put("csv_nan.csv", ("\n".join(r) + "\n").encode())
r = list(rows); f = r[6].split(","); f[1] = "-inf"; r[6] = ",".join(f)
put("csv_inf.csv", ("\n".join(r) + "\n").encode())
put("csv_ragged.csv", b"1,2,3\n4,5,6\n7,8\n")
put("csv_text.csv", b"1,2,3\n4,abc,6\n")
put("csv_header_only.csv", b"a,b,c\n")
put("csv_huge.csv", b"3.4e38,1\n-3.4e38,2\n-3.4e38,3\n")
put("csv_binary.csv", b"1,2,3\n4,\x00\x01\x02,6\n")
put("empty.csv", b"")
put("not_a_model.aek", npy("<f4", "(60, 16)", f4(vals)))
put("empty.aek", b"")
EOF
mkdir -p "$IN/a_directory.npy"
printf 'not a directory\n' >"$IN/plain_file"

# ---- the runner ----------------------------------------------------------------
# (bash built-ins wherever possible: on a loaded machine every fork counts)
shopt -s nullglob dotglob
mkdir -p "$T"/case{1..300}
n=0
failed=0
# check NAME RC REGEX ALLOWED -- COMMAND...
#   ALLOWED: extended regex of file names that may exist afterwards ('' = none)
check() {
  local name=$1 want=$2 re=$3 allow=$4
  shift 5
  n=$((n + 1))
  local w=$T/case$n
  (cd "$w" && exec timeout 120 "$@") >"$w.out" 2>"$w.err"
  local rc=$?
  local lines line msg="" err
  mapfile -t lines <"$w.err"
  for line in "${lines[@]}"; do
    [[ -z $line || $line == "run 'aekit"* ]] && continue
    msg=${line//$'\t'/ }
    msg=${msg:0:400}
    break
  done
  printf -v err '%s\n' "${lines[@]}"
  local left="" f
  for f in "$w"/*; do
    f=${f##*/}
    [[ -n $allow && $f =~ ^($allow)$ ]] || left+="$f "
  done
  local why="" made=0
  # a case that must succeed and may leave files must leave one: a
  # non-empty file or directory matching $allow (else exit 0 with nothing
  # written would pass)
  if [ "$want" -eq 0 ] && [ -n "$allow" ]; then
    for f in "$w"/*; do
      [[ ${f##*/} =~ ^($allow)$ ]] || continue
      { [ -f "$f" ] && [ -s "$f" ]; } || { [ -d "$f" ] && [ -n "$(ls -A "$f")" ]; } && made=1
    done
    [ "$made" -eq 1 ] || why+="no output written (expected /$allow/); "
  fi
  [ "$rc" -eq "$want" ] || why+="exit status $rc, expected $want; "
  [ "$rc" -lt 124 ] || why+="killed or timed out; "
  [[ $err =~ $re ]] || why+="message does not match /$re/; "
  [ -z "$left" ] || why+="files left behind: $left; "
  if [ -z "$why" ]; then
    printf 'CHECK\tbad input: %s\t%d\tnan\tPASS\t%s\n' "$name" "$rc" "$msg"
  else
    failed=$((failed + 1))
    printf 'CHECK\tbad input: %s\t%d\tnan\tFAIL\t%s(said: %s)\n' "$name" "$rc" "$why" "$msg"
  fi
}
TRAIN=("$A" train --hidden 4 --epochs 1 --quiet --synthetic-rows 50)
TR0=("$A" train --hidden 4 --epochs 1 --quiet)
TR=("$A" train --quiet --synthetic-rows 50) # for the flag cases that set --hidden or --epochs

# ---- data files ----------------------------------------------------------------
check "IDX truncated (header says 60x4x4, 500 of 960 data bytes)" 1 \
  'header says shape \(60, 4, 4\).*holds 500 bytes' '' -- "${TRAIN[@]}" --data "$IN/idx_truncated.idx"
check "IDX wrong magic (01 02 08 03)" 1 'not an IDX image file: magic bytes 01 02 08 03' '' -- \
  "${TRAIN[@]}" --data "$IN/idx_magic.idx"
check "IDX header dims whose product overflows (2^32-1 x 2^32-1 x 2^32-1)" 1 \
  'size overflows: the header is corrupt' '' -- "${TRAIN[@]}" --data "$IN/idx_overflow.idx"
check "IDX header dims of 2^31-1 x 65535 x 65535 (8 EiB) on a 976-byte file" 1 \
  'header says shape \(2147483647, 65535, 65535\).*but the file holds 960 bytes' '' -- \
  "${TRAIN[@]}" --data "$IN/idx_huge.idx"
check "IDX label file given as --data" 1 'is a label file, not images' '' -- \
  "${TRAIN[@]}" --data "$IN/idx_labels.idx"
check "IDX gzip cut after 200 bytes" 1 'idx_gz_truncated.idx.gz: .*(truncated|end of|corrupt)' '' -- \
  "${TRAIN[@]}" --data "$IN/idx_gz_truncated.idx.gz"
check "IDX empty file" 1 'empty.idx: file is empty' '' -- "${TRAIN[@]}" --data "$IN/empty.idx"
check "data above the memory cap (AEKIT_MAX_DATA_BYTES=1000, 976-byte IDX of 3840 floats)" 1 \
  'above the memory cap of 1000 bytes' '' -- \
  env AEKIT_MAX_DATA_BYTES=1000 "${TRAIN[@]}" --data "$IN/ok.idx"
check "AEKIT_MAX_DATA_BYTES=16G (not a byte count; was silently ignored)" 2 \
  "AEKIT_MAX_DATA_BYTES='16G' is not a whole number of bytes" '' -- \
  env AEKIT_MAX_DATA_BYTES=16G "${TRAIN[@]}" --data "$IN/ok.npy"
check "AEKIT_MAX_DATA_BYTES=-1" 2 "AEKIT_MAX_DATA_BYTES='-1' is not a whole number of bytes" '' -- \
  env AEKIT_MAX_DATA_BYTES=-1 "$A" pca --data "$IN/ok.npy" --k 2
check "gzip CSV of 120000 bytes under AEKIT_MAX_DATA_BYTES=3000 (below the first 4 KiB buffer)" 1 \
  'runs.csv.gz: decompressed data exceeds the limit of 2999 bytes \(memory cap\)' '' -- \
  env AEKIT_MAX_DATA_BYTES=3000 "${TRAIN[@]}" --data "$IN/runs.csv.gz"
check "gzip IDX (16 + 60·4·4 = 976 bytes) followed by 16 MiB it does not declare" 1 \
  'idx_longer.idx.gz: the data decompress to more than the 976 bytes their header declares' '' -- \
  "${TRAIN[@]}" --data "$IN/idx_longer.idx.gz"
check "NPY wrong magic" 1 'not a .npy file' '' -- "${TRAIN[@]}" --data "$IN/npy_magic.npy"
check "NPY shape (99999999999999, 99999999) overflows" 1 'size overflows: the header is corrupt' '' -- \
  "${TRAIN[@]}" --data "$IN/npy_overflow.npy"
check "NPY one row short of its shape" 1 'header says shape \(60, 16\) but the file holds 3776 bytes' '' -- \
  "${TRAIN[@]}" --data "$IN/npy_short.npy"
check "NPY header cut short" 1 'npy_header_cut.npy: .*truncated' '' -- "${TRAIN[@]}" --data "$IN/npy_header_cut.npy"
check "NPY NaN at row 7, column 3" 1 'row 7, column 3 \(0-based\) is NaN' '' -- \
  "${TRAIN[@]}" --data "$IN/npy_nan.npy"
check "NPY +Inf at row 9, column 5" 1 'row 9, column 5 \(0-based\) is \+Inf' '' -- \
  "${TRAIN[@]}" --data "$IN/npy_inf.npy"
check "cross-entropy on a target of 1.5 at row 41, column 7" 1 \
  'cross-entropy needs targets in \[0, 1\]; row 41, column 7 is 1.5 ' '' -- \
  "${TRAIN[@]}" --data "$IN/npy_above1.npy" --loss bce
check "cross-entropy on a target of -0.25 in the last element" 1 \
  'cross-entropy needs targets in \[0, 1\]; row 59, column 15 is -0.25 ' '' -- \
  "${TRAIN[@]}" --data "$IN/npy_below0_last.npy" --loss bce
check "NPY float64 1e300 (outside float32) at row 2, column 11" 1 \
  'row 2, column 11 \(0-based\) is 1e\+300, outside the float32 range' '' -- \
  "${TRAIN[@]}" --data "$IN/npy_f8_range.npy"
check "NPY in Fortran order" 1 'Fortran \(column-major\) order' '' -- "${TRAIN[@]}" --data "$IN/npy_fortran.npy"
check "NPY big-endian >f4" 1 "big-endian dtype '>f4' is not supported" '' -- \
  "${TRAIN[@]}" --data "$IN/npy_bigendian.npy"
check "NPY of shape (0, 16) (no rows)" 1 'the array is empty' '' -- "${TRAIN[@]}" --data "$IN/npy_zero_rows.npy"
check "NPY empty file" 1 'empty.npy: file is empty' '' -- "${TRAIN[@]}" --data "$IN/empty.npy"
check "CSV NaN at row 4, column 2" 1 'row 4, column 2 \(0-based\) .*is NaN' '' -- \
  "${TRAIN[@]}" --data "$IN/csv_nan.csv"
check "CSV -inf at row 6, column 1" 1 'row 6, column 1 \(0-based\) .*is Inf' '' -- \
  "${TRAIN[@]}" --data "$IN/csv_inf.csv"
check "CSV ragged (line 3 has 2 fields)" 1 'line 3 has 2 fields, expected 3' '' -- \
  "${TRAIN[@]}" --data "$IN/csv_ragged.csv"
check "CSV text in a number field" 1 "line 2, column 1 \\(0-based\\): 'abc' is not a number" '' -- \
  "${TRAIN[@]}" --data "$IN/csv_text.csv"
check "CSV header only" 1 'no data lines \(only a header\)' '' -- "${TRAIN[@]}" --data "$IN/csv_header_only.csv"
check "CSV with binary bytes" 1 'NUL byte' '' -- "${TRAIN[@]}" --data "$IN/csv_binary.csv"
check "CSV of finite values near +-3.4e38, --center (overflows float32)" 1 \
  'preprocessing overflows float32 \(values too large to center or scale\): row 0, column 0 \(0-based\) is \+Inf' '' -- \
  "${TRAIN[@]}" --data "$IN/csv_huge.csv" --center
check "CSV empty file" 1 'empty.csv: file is empty' '' -- "${TRAIN[@]}" --data "$IN/empty.csv"
check "data file missing" 1 'nosuch.npy: cannot open: No such file or directory' '' -- \
  "${TRAIN[@]}" --data "$IN/nosuch.npy"
check "data path is a directory" 1 'is a directory' '' -- "${TRAIN[@]}" --data "$IN/a_directory.npy"
check "--labels on train (only classify uses labels; it was read and then ignored)" 2 \
  'unknown flag --labels' '' -- "${TRAIN[@]}" --data "$IN/ok.npy" --labels "$IN/labels10.idx"

# ---- models against data, damaged models ----------------------------------------
M=$T/models
mkdir -p "$M"
(cd "$M" && "$A" train --data "$IN/ok.npy" --hidden 4 --epochs 2 --quiet --out m16.aek >/dev/null 2>&1)
(cd "$M" && "$A" train --data "$IN/ok.idx" --scale none --hidden 4 --epochs 1 --quiet \
  --no-checkpoint --out u8raw.aek >/dev/null 2>&1)
(cd "$M" && "$A" train --data "$IN/ok.npy" --act relu --out-act linear --hidden 4 --epochs 1 \
  --quiet --no-checkpoint --out relu.aek >/dev/null 2>&1)
(cd "$M" && "$A" train --data "$IN/ok.idx" --loss bce --hidden 4 --epochs 1 --quiet \
  --no-checkpoint --out bce_u8.aek >/dev/null 2>&1)
"$PYTHON" - "$M" <<'EOF'
import os, sys, zlib
d = sys.argv[1]
b = bytearray(open(os.path.join(d, "m16.aek.ckpt"), "rb").read())
f = bytearray(b); f[len(f) // 2] ^= 0x10
open(os.path.join(d, "flipped.ckpt"), "wb").write(f)
open(os.path.join(d, "truncated.ckpt"), "wb").write(b[: len(b) * 2 // 3])
def fixcrc(v):
    v[-4:] = zlib.crc32(bytes(v[:-4])).to_bytes(4, "little")
    return v
v = bytearray(b); v[8] = 2
open(os.path.join(d, "version2.ckpt"), "wb").write(fixcrc(v))
# header fields (checkpoint.h): magic 8, version 4, flags 4, payload 8, then
# n_layers (i32) and sizes[] (u64): claim 4194304 hidden units, checksum valid
v = bytearray(b); v[36:44] = (1 << 22).to_bytes(8, "little")
open(os.path.join(d, "huge_layer.ckpt"), "wb").write(fixcrc(v))
# the first parameter (after the configuration, the kernel set name and the
# count) a NaN, checksum valid
m = bytearray(open(os.path.join(d, "m16.aek"), "rb").read())
cfg = 4 + 8 * 9 + 4 * 8 + 4 * 3 + 8 + 4 + 8 * 3 + 8 + 8 * 4 + 4
off = 24 + cfg + 16 + 8
m[off:off + 4] = bytes([0, 0, 0xC0, 0x7F])
open(os.path.join(d, "nan_param.aek"), "wb").write(fixcrc(m))
# sparse_rho (unused: sparse_beta is 0) a NaN, checksum valid: the
# configuration's doubles start after n_layers, 9 sizes, 8 activations,
# out_act, loss, tied (4 + 72 + 32 + 12), l2 (8), noise (4), noise_level (8)
import struct
r = bytearray(open(os.path.join(d, "m16.aek"), "rb").read())
r[24 + 140:24 + 148] = struct.pack("<d", float("nan"))
open(os.path.join(d, "nan_rho.aek"), "wb").write(fixcrc(r))
EOF
check "model of 16 inputs, data of 784 columns (eval)" 1 \
  'the data have 784 columns, the model .*m16.aek expects 16 inputs' '' -- \
  "$A" eval --model "$M/m16.aek" --data "$IN/wide.npy"
check "model of 16 inputs, data of 784 columns (encode: no codes written)" 1 \
  'the data have 784 columns' '' -- "$A" encode --model "$M/m16.aek" --data "$IN/wide.npy" --out codes.npy
check "checkpoint resumed on other data" 1 'the checkpoint was trained on other data' '' -- \
  "$A" train --resume "$M/m16.aek.ckpt" --data "$IN/other.npy" --quiet
check "checkpoint of float data resumed on uint8 data" 1 'the model was trained on floating-point data; these data are uint8' '' -- \
  "$A" train --resume "$M/m16.aek.ckpt" --data "$IN/ok.idx" --quiet
check "model of unscaled uint8 data given float data" 1 'expects uint8 data \(it was trained on uint8 values 0..255, unscaled\); these data are floating point' '' -- \
  "$A" eval --model "$M/u8raw.aek" --data "$IN/ok.npy"
check "--resume given a model without training state" 1 'without training state; --resume needs a checkpoint' '' -- \
  "$A" train --resume "$M/m16.aek" --data "$IN/ok.npy" --quiet
check "--resume combined with --hidden" 2 '--hidden cannot be combined with --resume' '' -- \
  "$A" train --resume "$M/m16.aek.ckpt" --data "$IN/ok.npy" --hidden 8
check "model whose unused sparse_rho is NaN (export wrote 'nan' into config.json)" 1 \
  "nan_rho.aek: the configuration's sparse_rho is nan: the file is corrupt" '' -- \
  "$A" export --model "$M/nan_rho.aek" --out-dir e
# results that overflow, and losses that are not losses: refused, nothing written
check "grad: loss not finite (relu model, data near ±3e38; was written as -nan with status 0)" 1 \
  'the loss of this batch is not finite' '' -- "$A" grad --model "$M/relu.aek" --data "$IN/big.npy" --out-dir g
check "reconstruct: reconstructions not finite (was written with status 0)" 1 \
  'the reconstructions are not finite: row 0, column [0-9]+ \(0-based\) is' '' -- \
  "$A" reconstruct --model "$M/relu.aek" --data "$IN/big.npy" --out r.npy
check "encode: codes not finite (was written with status 0)" 1 \
  'the codes are not finite: row 0, column [0-9]+ \(0-based\) is [-+]Inf' '' -- \
  "$A" encode --model "$M/relu.aek" --data "$IN/big.npy" --out c.npy
check "grad: uint8 batch into a /255 model without --preprocess (a loss of 0..255 pixels)" 2 \
  'the batch is uint8 \(0..255\) and the model scales its inputs \(/255\): pass --preprocess' '' -- \
  "$A" grad --model "$M/bce_u8.aek" --data "$IN/ok.idx" --out-dir g
check "eval --raw: cross-entropy of targets 0..255 (was a negative loss, status 0)" 1 \
  'cross-entropy needs targets in \[0, 1\]; row 0, column [0-9]+ is' '' -- \
  "$A" eval --model "$M/bce_u8.aek" --data "$IN/ok.idx" --raw
check "classify: test features that overflow when standardized (were classified as Inf)" 1 \
  'the test features overflow float32 .*: row 0, column 0 \(0-based\) is' '' -- \
  "$A" classify --train "$IN/ok.npy" --train-labels "$IN/labels60.npy" --test "$IN/big.npy" \
  --test-labels "$IN/labels20.npy" --epochs 1
# flags that would do nothing, or swallow the next flag
check "eval --noisy on a model trained without noise (printed the clean loss)" 2 \
  'eval: --noisy: the model was trained without input noise' '' -- \
  "$A" eval --model "$M/m16.aek" --data "$IN/ok.npy" --noisy
check "reconstruct --seed without --noisy" 2 '--seed is the seed of --noisy.s corruption' '' -- \
  "$A" reconstruct --model "$M/m16.aek" --data "$IN/ok.npy" --out r.npy --seed 3
check "reconstruct --png-count without --png" 2 '--png-count shapes the PNG grid; without --png' '' -- \
  "$A" reconstruct --model "$M/m16.aek" --data "$IN/ok.npy" --out r.npy --png-count 3
check "encode --out --raw (the value forgotten: a file named --raw was written)" 2 \
  '--out: needs a value before the next flag --raw' '' -- \
  "$A" encode --model "$M/m16.aek" --data "$IN/ok.npy" --out --raw
check "--limit ' -1' (strtoull skipped the blank: all rows)" 2 "--limit: is not an integer \\(got ' -1'\\)" '' -- \
  "${TRAIN[@]}" --data "$IN/ok.npy" --limit ' -1'
check "checkpoint with one byte flipped" 1 'checksum mismatch .*: the file is corrupted' '' -- \
  "$A" train --resume "$M/flipped.ckpt" --data "$IN/ok.npy" --quiet
check "checkpoint truncated to 2/3" 1 'payload bytes, the file holds .* \(truncated or extended\)' '' -- \
  "$A" train --resume "$M/truncated.ckpt" --data "$IN/ok.npy" --quiet
check "model file of format version 2 (valid checksum)" 1 'model format version 2; this aekit reads version 1' '' -- \
  "$A" eval --model "$M/version2.ckpt" --data "$IN/ok.npy"
check "model header claiming 4194304 hidden units on a 2 KB file (valid checksum)" 1 \
  '148 parameters stored, the configuration needs 138412048' '' -- \
  "$A" train --resume "$M/huge_layer.ckpt" --data "$IN/ok.npy" --quiet
check "model with a NaN weight (valid checksum)" 1 'nan_param.aek: the parameters tensor W0 entry 0 is not finite' '' -- \
  "$A" eval --model "$M/nan_param.aek" --data "$IN/ok.npy"
check "a .npy given as --model" 1 'not an aekit model file' '' -- "$A" eval --model "$IN/not_a_model.aek" --data "$IN/ok.npy"
check "empty model file" 1 'not an aekit model file' '' -- "$A" encode --model "$IN/empty.aek" --data "$IN/ok.npy"
check "model file missing" 1 'nosuch.aek: cannot open: No such file' '' -- "$A" eval --model "$IN/nosuch.aek" --data "$IN/ok.npy"

# ---- flags ---------------------------------------------------------------------
check "--batch 0" 2 "--batch: must be in 1\\.\\.1048576 \\(got '0'\\)" '' -- "${TRAIN[@]}" --batch 0
check "--epochs -1" 2 "--epochs: must be in 0\\.\\.1000000 \\(got '-1'\\)" '' -- "${TR[@]}" --epochs -1
check "--lr nan" 2 "--lr: is not a finite number \\(got 'nan'\\)" '' -- "${TRAIN[@]}" --lr nan
check "--lr inf" 2 "--lr: is not a finite number \\(got 'inf'\\)" '' -- "${TRAIN[@]}" --lr inf
check "--lr 0" 2 "--lr: must be in \\[1e-12, 1e\\+06\\] \\(got '0'\\)" '' -- "${TRAIN[@]}" --lr 0
check "--lr -1" 2 "--lr: must be in" '' -- "${TRAIN[@]}" --lr -1
check "--hidden 0" 2 "--hidden: every entry must be in 1\\.\\.16777216 \\(got '0'\\)" '' -- "${TR[@]}" --hidden 0
check "--hidden 99999999999" 2 "--hidden: every entry must be in 1\\.\\.16777216 \\(got '99999999999'\\)" '' -- \
  "${TR[@]}" --hidden 99999999999
check "--hidden 16777216 on 784 inputs (in range, beyond memory)" 2 \
  'needs about [0-9.]+ GiB, above the memory cap of [0-9.]+ GiB' '' -- \
  "$A" train --hidden 16777216 --synthetic-rows 10 --quiet
check "a 16-256 model under AEKIT_MAX_DATA_BYTES=100000 (sizes in their own units)" 2 \
  'needs about [0-9.]+ KiB, above the memory cap of 97.7 KiB \(AEKIT_MAX_DATA_BYTES\)' '' -- \
  env AEKIT_MAX_DATA_BYTES=100000 "$A" train --hidden 256 --data "$IN/ok.npy" --quiet
check "synthetic data whose map is above AEKIT_MAX_DATA_BYTES=100000" 1 \
  'synthetic manifold: its map \([0-9]+ -> [0-9]+ -> 784\) needs [0-9.]+ KiB, above the memory cap of 97.7 KiB' '' -- \
  env AEKIT_MAX_DATA_BYTES=100000 "$A" train --hidden 256 --synthetic-rows 10 --quiet
check "--batch 1048576 --hidden 20000 (workspace beyond memory)" 2 'above the memory cap' '' -- \
  "$A" train --batch 1048576 --hidden 20000 --synthetic-rows 10 --quiet
check "--hidden 256,,64" 2 "--hidden: is not a comma-separated list" '' -- "${TR[@]}" --hidden 256,,64
check "--hidden -5" 2 "--hidden: is not a comma-separated list" '' -- "${TR[@]}" --hidden -5
check "--act foo" 2 "--act: 'foo' is not linear, sigmoid, tanh or relu" '' -- "${TRAIN[@]}" --act foo
check "--act sigmoid,,tanh (an empty entry, as --hidden 256,,64)" 2 "--act: 'sigmoid,,tanh' has an empty entry" '' -- \
  "${TR[@]}" --hidden 8,4 --epochs 1 --act sigmoid,,tanh
check "--act sigmoid, (a trailing comma)" 2 "--act: 'sigmoid,' has an empty entry" '' -- \
  "${TRAIN[@]}" --act sigmoid,
check "--threads 0" 2 "--threads: must be in 1\\.\\.256" '' -- "${TRAIN[@]}" --threads 0
check "--epochs 1e3 (not an integer)" 2 "--epochs: is not an integer \\(got '1e3'\\)" '' -- "${TR[@]}" --epochs 1e3
check "--seed 18446744073709551616 (2^64)" 2 "--seed: is not an integer" '' -- "${TRAIN[@]}" --seed 18446744073709551616
check "--lr without a value" 2 '--lr: needs a value' '' -- "${TRAIN[@]}" --lr
check "--lr given twice" 2 '--lr: given more than once' '' -- "${TRAIN[@]}" --lr 1 --lr 2
check "unknown flag --hiden" 2 'unknown flag --hiden' '' -- "${TRAIN[@]}" --hiden 4
check "unknown subcommand" 2 "unknown command 'trian'" '' -- "$A" trian
check "--noise mask --noise-level 1.5" 2 'masking noise probability must be in \[0, 1\)' '' -- \
  "${TRAIN[@]}" --noise mask --noise-level 1.5
check "--loss bce --out-act linear" 2 'cross-entropy loss needs a sigmoid output' '' -- \
  "${TRAIN[@]}" --loss bce --out-act linear
check "--ksparse 10 with a code of 4" 2 'k-sparse k = 10 exceeds the code size 4' '' -- \
  "${TRAIN[@]}" --ksparse 10
# flags that tune a feature which is off (before: accepted and ignored)
check "--pretrain-epochs 3 with one hidden layer" 2 \
  '--pretrain-epochs has no effect without a stacked model: --hidden with two or more layers' '' -- \
  "${TRAIN[@]}" --pretrain-epochs 3
check "--ksparse-alpha 3 without --ksparse" 2 '--ksparse-alpha has no effect without --ksparse K' '' -- \
  "${TRAIN[@]}" --ksparse-alpha 3
check "--sparse-rho 0.1 without --sparse-beta" 2 '--sparse-rho has no effect without --sparse-beta > 0' '' -- \
  "${TRAIN[@]}" --sparse-rho 0.1
check "--noise-level 0.3 without --noise" 2 '--noise-level has no effect without --noise mask or --noise gauss' '' -- \
  "${TRAIN[@]}" --noise-level 0.3
check "--noise gauss --noise-level 0 (no corruption: was accepted)" 2 \
  '--noise gauss with --noise-level 0 corrupts nothing; give a level > 0' '' -- \
  "${TRAIN[@]}" --noise gauss --noise-level 0
check "--noise mask --noise-level 0 (no corruption: was accepted)" 2 \
  '--noise mask with --noise-level 0 corrupts nothing; give a level > 0' '' -- \
  "${TRAIN[@]}" --noise mask --noise-level 0
check "--noise gauss --noise-level 0.01 (small, not zero) is accepted" 0 '' 'model\.aek|model\.aek\.ckpt' -- \
  "${TRAIN[@]}" --noise gauss --noise-level 0.01
check "--cae-h-copies 2 without --cae-h-gamma" 2 '--cae-h-copies has no effect without --cae-h-gamma > 0' '' -- \
  "${TRAIN[@]}" --contractive 0.1 --cae-h-copies 2
check "--momentum 0.5 with Adam (the default optimizer)" 2 '--momentum has no effect without --optimizer momentum' '' -- \
  "${TRAIN[@]}" --momentum 0.5
check "--beta1 0.8 with --optimizer sgd" 2 '--beta1 has no effect without --optimizer adam' '' -- \
  "${TRAIN[@]}" --optimizer sgd --beta1 0.8
check "--eps 1e-6 with --optimizer momentum" 2 '--eps has no effect without --optimizer adam' '' -- \
  "${TRAIN[@]}" --optimizer momentum --eps 1e-6
check "--momentum 0.5 with --optimizer momentum is accepted" 0 '' 'model\.aek|model\.aek\.ckpt' -- \
  "${TRAIN[@]}" --optimizer momentum --momentum 0.5
# a name that does not say the format (before: every such name was IDX)
check ".npy through a pipe (--data <(cat ok.npy)) is accepted" 0 '' 'model\.aek|model\.aek\.ckpt' -- \
  bash -c '"$@" --data <(cat "$0")' "$IN/ok.npy" "${TRAIN[@]}"
check "--data - reads standard input (cat ok.npy | aekit train --data -)" 0 '' 'model\.aek|model\.aek\.ckpt' -- \
  bash -c 'cat "$0" | "$@" --data -' "$IN/ok.npy" "${TRAIN[@]}"
check ".npy labels through a pipe (--train-labels <(cat y.npy)) are accepted" 0 '' '' -- \
  bash -c '"$@" --train-labels <(cat "$0") --test-labels "$0"' "$IN/labels60.npy" \
  "$A" classify --train "$IN/ok.npy" --test "$IN/ok.npy" --epochs 1
# classify --json: the confusion matrix has a row per true label (row sums =
# the test labels' counts: 6 of each of 10), and the test error is its
# off-diagonal share of the rows
check "classify --json: confusion rows are true labels, test error = off-diagonal / rows" 0 '' \
  'c\.json' -- bash -c 'py=$1; shift; "$@" --json c.json >/dev/null && "$py" -c "
import json, sys
j = json.load(open(\"c.json\")); c = j[\"confusion\"]; n = sum(map(sum, c))
off = n - sum(c[i][i] for i in range(len(c)))
ok = [sum(r) for r in c] == [6] * 10 and n == j[\"test_rows\"] == 60 and \
     abs(j[\"test_error\"] - off / n) < 1e-9
sys.exit(0 if ok else print(\"confusion row sums\", [sum(r) for r in c], \"test_error\",
         j[\"test_error\"], \"off-diagonal\", off, \"of\", n, file=sys.stderr) or 1)"' \
  sh "$PYTHON" "$A" classify --train "$IN/ok.npy" --train-labels "$IN/labels60.npy" --test "$IN/ok.npy" \
  --test-labels "$IN/labels60.npy" --epochs 2
check "--skip past the end of the data" 1 '--skip 60 leaves no rows \(the data have 60\)' '' -- \
  "${TRAIN[@]}" --data "$IN/ok.npy" --skip 60
check "--synthetic-latent 10000 (in range; hours of generating with no output)" 1 \
  'synthetic manifold: 10000 rows through a 10000 -> 40000 -> 784 map are 4.3e\+12 multiply-adds, above the 1e11' \
  '' -- "$A" pca --synthetic-latent 10000 --k 2
check "--synthetic-rows 100000000 --synthetic-dim 1000000" 1 'above the memory cap' '' -- \
  "${TR0[@]}" --synthetic-rows 100000000 --synthetic-dim 1000000
check "--image -16x-49 (negative sides whose product wraps to 784)" 2 "--image '-16x-49' must be HxW with H\\*W = 16" '' -- \
  "$A" filters --model "$M/m16.aek" --image=-16x-49 --out f.png
check "--image 16x1152921504606846977 (H*W wraps around 2^64 to 16)" 2 \
  "--image '16x1152921504606846977' must be HxW" '' -- \
  "$A" filters --model "$M/m16.aek" --image 16x1152921504606846977 --out f.png

# ---- environment -------------------------------------------------------------------
case $(uname -m) in
  x86_64) foreign=neon; foreign_re='it is an AArch64 set and this binary is not built for AArch64' ;;
  *) foreign=avx2; foreign_re='it is an x86-64 set and this binary is not built for x86-64' ;;
esac
check "AEKIT_ISA=$foreign on $(uname -m)" 2 "AEKIT_ISA=$foreign cannot be used: $foreign_re" '' -- \
  env AEKIT_ISA=$foreign "${TRAIN[@]}"
check "AEKIT_ISA=$foreign (aekit info)" 2 "AEKIT_ISA=$foreign cannot be used" '' -- env AEKIT_ISA=$foreign "$A" info
check "AEKIT_ISA=foo" 2 "unknown kernel set 'foo' \\(expected scalar, avx2, avx512 or neon\\)" '' -- \
  env AEKIT_ISA=foo "${TRAIN[@]}"
for v in 0 abc -3 257 99999999999; do
  check "AEKIT_NUM_THREADS=$v" 2 "AEKIT_NUM_THREADS='$v' is not an integer in 1\\.\\.256" '' -- \
    env AEKIT_NUM_THREADS=$v "${TRAIN[@]}"
done
if ! "$A" info | grep -q '^kernel sets.* avx512 '; then
  check "AEKIT_ISA=avx512 on a CPU without AVX-512" 2 'AEKIT_ISA=avx512 cannot be used: the CPU lacks' '' -- \
    env AEKIT_ISA=avx512 "$A" info
fi

# ---- outputs -------------------------------------------------------------------------
check "--out in a missing directory (refused before training)" 1 \
  '--out /nonexistent-dir/m.aek: cannot create files in /nonexistent-dir: No such file or directory' '' -- \
  "${TRAIN[@]}" --data "$IN/ok.npy" --out /nonexistent-dir/m.aek
check "--checkpoint in a missing directory" 1 '--checkpoint /nonexistent-dir/c: cannot create files' '' -- \
  "${TRAIN[@]}" --data "$IN/ok.npy" --checkpoint /nonexistent-dir/c
check "--out is a directory" 1 "--out $IN/a_directory.npy is a directory" '' -- \
  "${TRAIN[@]}" --data "$IN/ok.npy" --out "$IN/a_directory.npy"
check "--out /dev/full (disk full when the model is written)" 1 \
  '/dev/full: cannot write: No space left on device' 'c\.ckpt' -- \
  "${TRAIN[@]}" --data "$IN/ok.npy" --out /dev/full --checkpoint c.ckpt
check "--checkpoint /dev/full (disk full at the first checkpoint)" 1 \
  'cannot write the checkpoint: /dev/full: cannot write: No space left on device' '' -- \
  "${TRAIN[@]}" --data "$IN/ok.npy" --out m.aek --checkpoint /dev/full
check "encode --out /dev/full" 1 '/dev/full: cannot write: No space left on device' '' -- \
  "$A" encode --model "$M/m16.aek" --data "$IN/ok.npy" --out /dev/full
check "encode --out in a missing directory (refused before the model is loaded)" 1 \
  '--out /nonexistent-dir/codes.npy: cannot create files in /nonexistent-dir: No such file or directory' '' -- \
  "$A" encode --model "$M/m16.aek" --data "$IN/ok.npy" --out /nonexistent-dir/codes.npy
check "export --out-dir is a file" 1 'exists and is not a directory' '' -- \
  "$A" export --model "$M/m16.aek" --out-dir "$IN/plain_file"
check "--history in a missing directory (refused before the data are loaded)" 1 \
  'aekit train: --history /nonexistent-dir/h.csv: cannot create files in /nonexistent-dir: No such file or directory' '' -- \
  "${TRAIN[@]}" --data "$IN/ok.npy" --history /nonexistent-dir/h.csv

check "cross-entropy on standardized data names --standardize" 1 \
  'cross-entropy needs targets in \[0, 1\]; row 0, column [0-9]+ is -[0-9.e-]+ \(scale the data, or use MSE\); here --standardize moved the data off \[0, 1\]' '' -- \
  "${TRAIN[@]}" --data "$IN/ok.npy" --standardize --loss bce

# ---- --val-data ----------------------------------------------------------------------
check "--val-data with another width than the training data" 1 \
  '--val-data .*/wide.npy has 784 columns, the training data 16' '' -- \
  "${TRAIN[@]}" --data "$IN/ok.npy" --val-data "$IN/wide.npy"
check "--val-data outside [0, 1] after the training data's scaling, cross-entropy" 1 \
  '--val-data .*/big.npy: cross-entropy needs targets in \[0, 1\]; row 0, column 0 is 3e\+38' '' -- \
  "${TRAIN[@]}" --data "$IN/ok.npy" --val-data "$IN/big.npy" --loss bce
check "--data - and --val-data - (one standard input)" 2 \
  'aekit train: --data - and --val-data - would both read standard input' '' -- \
  "${TRAIN[@]}" --data - --val-data -
check "--val-data truncated" 1 'idx_truncated.idx: header says shape \(60, 4, 4\) \(960 bytes of data\) but the file holds 500' '' -- \
  "${TRAIN[@]}" --data "$IN/ok.npy" --val-data "$IN/idx_truncated.idx"
# a cosine schedule (lr 1e-3 -> 1e-5, 4 steps an epoch) resumed after 1 of 1
# epochs with --epochs 3: step 4's rate of 12, 1e-5 + 0.495e-3 (1 + cos(pi/3))
# = 7.525e-4, after step 3's of 4, 1e-5 + 0.495e-3 (1 + cos(3 pi/4)) = 1.55e-4
(cd "$M" && "$A" train --data "$IN/ok.npy" --hidden 4 --epochs 1 --batch 16 --lr-final 1e-5 \
  --quiet --out cos.aek >/dev/null 2>&1)
check "resumed cosine schedule with more epochs: a note with the rate's jump" 0 \
  "note: the cosine learning-rate schedule spans the run, now 3 epochs instead of 1: the next step's rate is 0.000753 \(the last step's was 0.000155\)" \
  'c\.aek|c\.aek\.ckpt' -- "$A" train --resume "$M/cos.aek.ckpt" --data "$IN/ok.npy" --epochs 3 --quiet --out c.aek
(cd "$M" && "$A" train --data "$IN/ok.npy" --hidden 4 --epochs 2 --quiet --out v.aek \
  --history vh.csv --stop-after-batches 1 >/dev/null 2>&1)
check "resumed with --val-data, appending to a history written without it" 2 \
  "--history .*/vh.csv starts with 'phase,epoch,loss,recon,seconds,rows', not this run's columns 'phase,epoch,loss,recon,seconds,rows,val_loss,val_recon'" '' -- \
  "$A" train --resume "$M/v.aek.ckpt" --data "$IN/ok.npy" --val-data "$IN/other.npy" --quiet \
  --out v2.aek --history "$M/vh.csv"

# ---- an output that is an input, or another output -------------------------------
# Refused before any work (before, each of these exited 0 with the input
# replaced: the data by a checkpoint or a truncated CSV, a model by codes, a
# checkpoint by a model without training state).  The inputs are copies in
# their own directory, so a regression destroys nothing the other cases read.
S=$T/same
mkdir -p "$S"
cp "$IN/ok.npy" "$S/d.npy"
cp "$M/m16.aek" "$S/m.aek"
cp "$M/m16.aek.ckpt" "$S/r.ckpt"
ln "$S/d.npy" "$S/d_link.npy"
mkdir -p "$S/x"
cp "$M/m16.aek" "$S/x/W0.npy"
mkdir -p "$S/p"
cp "$IN/ok.npy" "$S/p/mean.npy"
check "train --checkpoint is the --data file" 2 \
  "--checkpoint $S/d.npy is the same file as --data $S/d.npy: writing it would destroy the input" '' -- \
  "${TRAIN[@]}" --data "$S/d.npy" --checkpoint "$S/d.npy"
check "train --history is the --data file" 2 '--history .*/d.npy is the same file as --data' '' -- \
  "${TRAIN[@]}" --data "$S/d.npy" --history "$S/d.npy"
check "train --out is the --data file" 2 '--out .*/d.npy is the same file as --data' '' -- \
  "${TRAIN[@]}" --data "$S/d.npy" --out "$S/d.npy" --no-checkpoint
check "train --history is the default checkpoint (OUT.ckpt)" 2 \
  '--checkpoint m.aek.ckpt and --history m.aek.ckpt are the same file' '' -- \
  "${TRAIN[@]}" --data "$IN/ok.npy" --out m.aek --history m.aek.ckpt
check "train --history is the --val-data file" 2 '--history .*/d.npy is the same file as --val-data' '' -- \
  "${TRAIN[@]}" --data "$IN/ok.npy" --val-data "$S/d.npy" --history "$S/d.npy"
check "train --out equal to --checkpoint" 2 '--out m.aek and --checkpoint m.aek are the same file' '' -- \
  "${TRAIN[@]}" --data "$IN/ok.npy" --out m.aek --checkpoint m.aek
check "train --resume X.ckpt --out X.ckpt (the model would replace the training state)" 2 \
  '--out .*/r.ckpt is the same file as --resume' '' -- \
  "$A" train --resume "$S/r.ckpt" --data "$IN/ok.npy" --out "$S/r.ckpt" --epochs 3 --quiet
check "encode --out is the --model file" 2 '--out .*/m.aek is the same file as --model' '' -- \
  "$A" encode --model "$S/m.aek" --data "$IN/ok.npy" --out "$S/m.aek"
check "encode --out is a hard link to the --data file" 2 '--out .*/d_link.npy is the same file as --data .*/d.npy' '' -- \
  "$A" encode --model "$S/m.aek" --data "$S/d.npy" --out "$S/d_link.npy"
check "filters --out is the --model file" 2 '--out .*/m.aek is the same file as --model' '' -- \
  "$A" filters --model "$S/m.aek" --out "$S/m.aek" --image 4x4
check "filters --npy equal to --out" 2 '--out f.png and --npy ./f.png are the same file' '' -- \
  "$A" filters --model "$S/m.aek" --out f.png --npy ./f.png --image 4x4
check "reconstruct --png is the --data file" 2 '--png .*/d.npy is the same file as --data' '' -- \
  "$A" reconstruct --model "$S/m.aek" --data "$S/d.npy" --png "$S/d.npy" --image 4x4
check "export --out-dir holding the --model file as W0.npy" 2 \
  '--out-dir .*/x/W0.npy is the same file as --model' '' -- \
  "$A" export --model "$S/x/W0.npy" --out-dir "$S/x"
check "pca --out-dir holding the --data file as mean.npy" 2 '--out-dir .*/mean.npy is the same file as --data' '' -- \
  "$A" pca --data "$S/p/mean.npy" --out-dir "$S/p" --k 2
check "classify --json is the --test file" 2 '--json .*/d.npy is the same file as --test' '' -- \
  "$A" classify --train "$IN/ok.npy" --train-labels "$IN/idx_labels.idx" --test "$S/d.npy" \
  --test-labels "$IN/idx_labels.idx" --json "$S/d.npy" --quiet

# ---- a failed run keeps the user's existing files -------------------------------
# unchanged FILE COMMAND...: runs COMMAND and exits with its status, or with 99
# and a message when FILE's content changed or a temporary of it was left.
cat >"$T/unchanged" <<'EOF_UNCHANGED'
#!/usr/bin/env bash
f=$1
shift
cp "$f" "$f.before"
"$@"
rc=$?
if ! cmp -s "$f" "$f.before"; then
  echo "unchanged: $f was changed by a run that exited with status $rc" >&2
  rc=99
fi
for t in "$f".tmp.*; do
  [ -e "$t" ] && { echo "unchanged: temporary $t left behind" >&2; rc=99; }
done
rm -f "$f.before"
exit $rc
EOF_UNCHANGED
chmod +x "$T/unchanged"
printf 'precious\n' >"$S/h.csv"
# Before, each of these left h.csv replaced by a partial CSV.
check "train stopped by a NaN loss keeps the existing --history" 1 'became NaN/Inf' '' -- \
  "$T/unchanged" "$S/h.csv" "${TR[@]}" --data "$IN/ok.npy" --hidden 4 --epochs 10 --lr 1e6 --optimizer sgd \
  --out-act linear --no-checkpoint --out x.aek --history "$S/h.csv"
check "train --out /dev/full keeps the existing --history" 1 '/dev/full: cannot write: No space left' '' -- \
  "$T/unchanged" "$S/h.csv" "${TRAIN[@]}" --data "$IN/ok.npy" --no-checkpoint --out /dev/full \
  --history "$S/h.csv"
check "classify --json /dev/full keeps the existing --history" 1 '/dev/full: cannot write: No space left' '' -- \
  "$T/unchanged" "$S/h.csv" "$A" classify --train "$IN/ok.npy" --train-labels "$IN/idx_labels.idx" \
  --test "$IN/ok.npy" --test-labels "$IN/idx_labels.idx" --epochs 2 --quiet --json /dev/full \
  --history "$S/h.csv"

# ---- a failed run leaves no part of an output set ----------------------------------
# disk_full COMMAND...: runs COMMAND as on a full disk (a file-size limit of 0:
# every write to a regular file fails with EFBIG) and exits with its status.
# Its stderr goes through a pipe, which the limit does not stop; a line
# printed twice is reported (exit 99).
cat >"$T/disk_full" <<'EOF_DISK_FULL'
#!/usr/bin/env bash
err=$( (trap '' XFSZ; ulimit -f 0; exec "$@" 2>&1 >/dev/null) )
rc=$?
printf '%s\n' "$err" >&2
if [ -n "$(printf '%s\n' "$err" | sort | uniq -d)" ]; then
  echo "disk_full: a message was printed twice" >&2
  rc=99
fi
exit $rc
EOF_DISK_FULL
chmod +x "$T/disk_full"
ln -s /dev/full "$S/full.npy"
# Before, each of these exited 1 with the outputs written before the
# failure left behind (and export and grad printed their message twice).
check "filters --npy in a missing directory: refused before --out is written" 1 \
  '--npy /nonexistent-dir/f.npy: cannot create files in /nonexistent-dir' '' -- \
  "$A" filters --model "$M/m16.aek" --npy /nonexistent-dir/f.npy --out f2.png
check "filters --npy on a full disk: the --out written before is removed" 1 \
  'full.npy: cannot write: No space left on device' '' -- \
  "$A" filters --model "$M/m16.aek" --out f2.png --npy "$S/full.npy"
check "reconstruct --png in a missing directory: refused before --out is written" 1 \
  '--png /nonexistent-dir/r.png: cannot create files in /nonexistent-dir' '' -- \
  "$A" reconstruct --model "$M/m16.aek" --data "$IN/ok.npy" --out r.npy --png /nonexistent-dir/r.png
check "reconstruct --png on a full disk: the --out written before is removed" 1 \
  'full.npy: cannot write: No space left on device' '' -- \
  "$A" reconstruct --model "$M/m16.aek" --data "$IN/ok.npy" --out r.npy --png "$S/full.npy" --image 4x4
# An existing file of the set gets its old content back (before: the new
# content stayed, so the failed command had destroyed the user's file).
# The wrapper exits 99 if the old content is gone.
KEEP='printf "old %s\n" "$1" >"$1"; shift; "$@"; rc=$?; for f in *; do case $f in *.aekit-old.*) exit 98;; esac; done; [ "$(cat "$0")" = "old $0" ] || exit 99; exit $rc'
check "filters --npy on a full disk: the existing --out keeps its old content" 1 \
  'full.npy: cannot write: No space left on device' 'f3\.png' -- \
  sh -c "$KEEP" f3.png f3.png "$A" filters --model "$M/m16.aek" --out f3.png --npy "$S/full.npy"
check "reconstruct --png on a full disk: the existing --out keeps its old content" 1 \
  'full.npy: cannot write: No space left on device' 'r3\.npy' -- \
  sh -c "$KEEP" r3.npy r3.npy "$A" reconstruct --model "$M/m16.aek" --data "$IN/ok.npy" --out r3.npy \
  --png "$S/full.npy" --image 4x4
check "export into a directory whose b0.npy is full: the existing W0.npy keeps its old content" 1 \
  'b0.npy: cannot write: No space left on device' 'W0\.npy|b0\.npy' -- \
  sh -c "ln -s /dev/full b0.npy && $KEEP" W0.npy W0.npy "$A" export --model "$M/m16.aek" --out-dir .
check "classify --json in a missing directory (refused before training)" 1 \
  '--json /nonexistent-dir/j.json: cannot create files in /nonexistent-dir' '' -- \
  "$A" classify --train "$IN/ok.npy" --train-labels "$IN/idx_labels.idx" --test "$IN/ok.npy" \
  --test-labels "$IN/idx_labels.idx" --quiet --json /nonexistent-dir/j.json
check "classify --json is a directory (refused before training)" 1 "--json $IN/a_directory.npy is a directory" '' -- \
  "$A" classify --train "$IN/ok.npy" --train-labels "$IN/idx_labels.idx" --test "$IN/ok.npy" \
  --test-labels "$IN/idx_labels.idx" --quiet --json "$IN/a_directory.npy"
check "export to a full disk: the --out-dir it created is removed, one message" 1 \
  'e/W0.npy: cannot write: File too large' '' -- "$T/disk_full" "$A" export --model "$M/m16.aek" --out-dir e
check "grad to a full disk: the --out-dir it created is removed, one message" 1 \
  'g/loss.json: cannot write: File too large' '' -- \
  "$T/disk_full" "$A" grad --model "$M/m16.aek" --data "$IN/ok.npy" --out-dir g
check "pca to a full disk: the --out-dir it created is removed, one message" 1 \
  'p/components.npy: cannot write: File too large' '' -- \
  "$T/disk_full" "$A" pca --data "$IN/ok.npy" --k 2 --out-dir p
check "export into a directory whose b0.npy is full: the W0.npy written before is removed" 1 \
  'b0.npy: cannot write: No space left on device' 'b0\.npy' -- \
  sh -c 'ln -s /dev/full b0.npy && exec "$@"' sh "$A" export --model "$M/m16.aek" --out-dir .
check "export --out-dir whose W0.npy is a directory (refused before writing)" 1 \
  '--out-dir \.: \./W0.npy is a directory' 'W0\.npy' -- \
  sh -c 'mkdir W0.npy && exec "$@"' sh "$A" export --model "$M/m16.aek" --out-dir .

# A directory named with a trailing slash (as users type it after tab
# completion) is the same directory: it used to be refused as "cannot create
# the directory", its parent taken to be the directory itself.
check "export --out-dir e/ (a trailing slash) creates e" 0 '' 'e' -- \
  "$A" export --model "$M/m16.aek" --out-dir e/
check "pca --out-dir p/ (a trailing slash) creates p" 0 '' 'p' -- \
  "$A" pca --data "$IN/ok.npy" --k 2 --out-dir p/
check "grad --out-dir g// (trailing slashes) creates g" 0 '' 'g' -- \
  "$A" grad --model "$M/m16.aek" --data "$IN/ok.npy" --out-dir g//

# Long file names: a legal 254-byte name is written (its temporary used to
# pass 255 bytes); a --out whose checkpoint name (OUT.ckpt) would pass 255
# is refused before training, not after the first epoch.
LONG=$(printf 'a%.0s' $(seq 250))
check "encode --out of a 254-byte name is written" 0 '' "$LONG\\.npy" -- \
  "$A" encode --model "$M/m16.aek" --data "$IN/ok.npy" --out "$LONG.npy"
check "train --out of a 255-byte name (its OUT.ckpt would have 260)" 1 \
  'the file name has 260 bytes, more than the 255' '' -- \
  "${TRAIN[@]}" --data "$IN/ok.npy" --out "${LONG}a.aek"

check "encode --out of a 256-byte name (one past the limit) is refused before any work" 1 \
  'the file name has 256 bytes, more than the 255' '' -- \
  "$A" encode --model "$M/m16.aek" --data "$IN/ok.npy" --out "${LONG}aa.npy"

# ---- output directories no file can be created in ------------------------------
# /proc/self is a directory even root cannot create files in: the checks
# before any work must see that (access), not leave it to the first write.
check "pca --out-dir /proc/self (an existing directory no file can be created in)" 1 \
  '--out-dir /proc/self: cannot create files in it' '' -- \
  "$A" pca --data "$IN/ok.npy" --k 2 --out-dir /proc/self
check "pca --out-dir /proc/self/p (its parent cannot hold a new directory)" 1 \
  '--out-dir /proc/self/p: cannot create the directory' '' -- \
  "$A" pca --data "$IN/ok.npy" --k 2 --out-dir /proc/self/p

# ---- outputs that are devices, links, or replace files ----------------------------
# A device is written in place: the same device twice is no clash.
check "classify --json /dev/null --history /dev/null (a device twice is no clash)" 0 '' '' -- \
  "$A" classify --train "$IN/ok.npy" --train-labels "$IN/idx_labels.idx" --test "$IN/ok.npy" \
  --test-labels "$IN/idx_labels.idx" --epochs 1 --quiet --json /dev/null --history /dev/null
# A successful run over an older export keeps no hard link of the old files
# (W0.npy.aekit-old.PID.K) once it ends.
check "export over an older export leaves no link of the old files" 0 '' '[Wbc]+d?[0-9]+\.npy|config\.json' -- \
  sh -c '"$@" && "$@"' sh "$A" export --model "$M/m16.aek" --out-dir .
# A replaced file keeps its mode, and a symbolic link stays a link to the
# file it named (the file behind it replaced, not the link).
check "classify replacing a --json and --history of mode 600 keeps the mode" 0 '' 'h\.csv|j\.json' -- \
  sh -c 'echo old >h.csv; echo old >j.json; chmod 600 h.csv j.json; "$@" --json j.json --history h.csv || exit; m=$(stat -c %a h.csv j.json | tr "\n" " "); [ "$m" = "600 600 " ] || { echo "modes now $m" >&2; exit 99; }' sh \
  "$A" classify --train "$IN/ok.npy" --train-labels "$IN/idx_labels.idx" --test "$IN/ok.npy" \
  --test-labels "$IN/idx_labels.idx" --epochs 1 --quiet
check "classify --json and --history through symbolic links write the files behind them" 0 '' \
  'h\.csv|j\.json|hr\.csv|jr\.json' -- \
  sh -c 'echo old >hr.csv; echo old >jr.json; ln -s hr.csv h.csv; ln -s jr.json j.json; "$@" --json j.json --history h.csv || exit; [ -L h.csv ] && [ -L j.json ] || { echo "a link was replaced by a file" >&2; exit 99; }; grep -q "^epoch,loss" hr.csv && grep -q test_error jr.json || { echo "the files behind the links were not written" >&2; exit 98; }' sh \
  "$A" classify --train "$IN/ok.npy" --train-labels "$IN/idx_labels.idx" --test "$IN/ok.npy" \
  --test-labels "$IN/idx_labels.idx" --epochs 1 --quiet

# ---- flags: the parser's remaining rules -----------------------------------------
check "--quiet given twice (a switch may repeat) is accepted" 0 '' '' -- \
  "$A" classify --train "$IN/ok.npy" --train-labels "$IN/idx_labels.idx" --test "$IN/ok.npy" \
  --test-labels "$IN/idx_labels.idx" --epochs 1 --quiet --quiet
check "--quiet=1 (a switch takes no value)" 2 "--quiet: takes no value \\(got '1'\\)" '' -- "${TRAIN[@]}" --quiet=1
check "encode --out --help (the value forgotten before --help)" 2 \
  '--out: needs a value before the next flag --help' '' -- \
  "$A" encode --model "$M/m16.aek" --data "$IN/ok.npy" --out --help
check "--seed -1 (strtoull would take it as 2^64-1)" 2 "--seed: must not be negative \\(got '-1'\\)" '' -- \
  "${TRAIN[@]}" --seed -1
check "--out= (an empty value)" 2 "--out: needs a non-empty value" '' -- "${TRAIN[@]}" --out=
check "--hidden 8, (a trailing comma)" 2 "--hidden: ends with a comma \\(got '8,'\\)" '' -- "${TR[@]}" --hidden 8,

check "--scale un (a prefix of unit is no choice)" 2 \
  "--scale: must be one of auto, none, unit, minmax \\(got 'un'\\)" '' -- "${TRAIN[@]}" --scale un
# The help: each choice names its own default, a default at the low end of
# its range is shown, and -h is --help.
check "train --help names --out-act's default (sigmoid, not the first choice)" 0 '' '' -- \
  sh -c '"$@" --help | grep -q -- "--out-act C .*(linear|sigmoid|tanh; default sigmoid)" || exit 99' sh "$A" train
check "classify --help shows --pca's default at the low end of its range ([0])" 0 '' '' -- \
  sh -c '"$@" --help | grep -q -- "--pca N .*(PCA of the training rows; 0: off) \[0\]$" || exit 99' sh "$A" classify
check "classify -h prints the help, as --help does" 0 '' '' -- \
  sh -c '[ "$("$@" -h)" = "$("$@" --help)" ] && "$@" -h | grep -q "^usage: aekit classify" || exit 99' sh "$A" classify

# ---- classify: its own checks on rows, labels, widths and outputs ----------------
CL=("$A" classify --train "$IN/ok.npy" --train-labels "$IN/labels60.npy" --epochs 1 --quiet)
check "classify --train-skip 60 (all the training rows)" 1 '--train-skip 60 leaves no rows \(.*ok.npy has 60\)' '' -- \
  "${CL[@]}" --train-skip 60 --test "$IN/ok.npy" --test-labels "$IN/labels60.npy"
check "classify: a test label (10) one past the training labels' 0..9" 2 \
  'test label 10 \(row 7\) is not among the 10 classes of the training labels' '' -- \
  "${CL[@]}" --test "$IN/ok.npy" --test-labels "$IN/labels60_10.npy"
check "classify: test features narrower than the training features" 2 \
  'the training features have 16 columns, the test features 8' '' -- \
  "${CL[@]}" --test "$IN/narrow.npy" --test-labels "$IN/labels60.npy"
check "classify --pca 17 on 16 feature columns (one past)" 2 '--pca 17 exceeds the 16 feature columns' '' -- \
  "${CL[@]}" --test "$IN/ok.npy" --test-labels "$IN/labels60.npy" --pca 17
check "classify --pca 16 on 16 feature columns (the bound) is accepted" 0 '' '' -- \
  "${CL[@]}" --test "$IN/ok.npy" --test-labels "$IN/labels60.npy" --pca 16
# --scale minmax: the test rows take the training rows' min and max (fitted
# on the test rows, ±3e38 became [0, 1] and was classified)
check "classify --scale minmax: test features scaled with the training rows' min and max" 1 \
  'the test features overflow float32 .*: row 0, column 0 \(0-based\) is' '' -- \
  "${CL[@]}" --test "$IN/big.npy" --test-labels "$IN/labels20.npy" --scale minmax
check "classify --history in a missing directory (refused before training)" 1 \
  '--history /nonexistent-dir/h.csv: cannot create files in /nonexistent-dir' '' -- \
  "${CL[@]}" --test "$IN/ok.npy" --test-labels "$IN/labels60.npy" --history /nonexistent-dir/h.csv
check "classify --history writes its header and a row per epoch" 0 '' 'h\.csv' -- \
  sh -c '"$@" --history h.csv --epochs 3 >/dev/null || exit; [ "$(cut -d, -f1 h.csv | tr "\n" " ")" = "epoch 1 2 3 " ] || { head -c 300 h.csv >&2; exit 99; }' sh \
  "$A" classify --train "$IN/ok.npy" --train-labels "$IN/labels60.npy" --test "$IN/ok.npy" \
  --test-labels "$IN/labels60.npy" --quiet

# the rows --*-skip and --*-limit choose, as the JSON counts them: test rows
# 50..56 (labels 0..6, one each), the first 50 training rows
check "classify --train-limit 50 --test-skip 50 --test-limit 7: the JSON counts those rows" 0 '' \
  'c\.json' -- bash -c 'py=$1; shift; "$@" --json c.json >/dev/null && "$py" -c "
import json, sys
j = json.load(open(\"c.json\")); sums = [sum(r) for r in j[\"confusion\"]]
ok = (j[\"train_rows\"], j[\"test_rows\"], sums) == (50, 7, [1] * 7 + [0] * 3)
sys.exit(0 if ok else print(\"train_rows\", j[\"train_rows\"], \"test_rows\", j[\"test_rows\"],
         \"confusion row sums\", sums, file=sys.stderr) or 1)"' \
  sh "$PYTHON" "${CL[@]}" --train-limit 50 --test "$IN/ok.npy" --test-labels "$IN/labels60.npy" \
  --test-skip 50 --test-limit 7

echo "# $n bad inputs, $failed failed"
[ "$failed" -eq 0 ]
