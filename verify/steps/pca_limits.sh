#!/usr/bin/env bash
# pca_limits.sh — `aekit pca` refuses data whose n × n matrices (n = the
# columns) exceed the memory cap, before reading the data: the header of an
# IDX or .npy file (gzip'd or not) gives n, --synthetic-dim gives it for
# generated data.  The refusal is status 1 and a message naming the
# columns, the bytes needed and the cap (AEKIT_MAX_DATA_BYTES).
#   - "before reading": a .npy whose header says 2 × 100000 but whose data
#     are truncated gets the column message, not the loader's;
#   - the limit is the data readers' memory cap itself, with the size
#     pca.h documents (aek_pca_work_bytes, full solver: 36n² + 12kn + 1212n
#     + 24k + 6144): n = 300, k = 2 is refused under a cap one byte below
#     that and runs under a cap equal to it.
# The message names the file (or "synthetic data"): the refusal that comes
# after loading (aek_pca_fit's own, for standard input and CSV) does not,
# so these cases fail if only that one is left.  One CHECK line per case
# (verify/check.h): figure = exit status.
set -uo pipefail
. "$(dirname "$0")/../step_setup.sh" || exit 2
step_setup "pca limits" pcalim
"$PYTHON" - "$T" <<'PY' || { printf 'CHECK\tpca limits: make the inputs\tnan\tnan\tFAIL\t%s failed\n' "$PYTHON"; exit 1; }
import gzip, os, struct, sys
d = sys.argv[1]
def npy(shape, payload, version=1):
    h = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % (shape,)
    pre = 10 if version == 1 else 12
    h += " " * ((64 - (pre + len(h) + 1) % 64) % 64) + "\n"
    size = struct.pack("<H", len(h)) if version == 1 else struct.pack("<I", len(h))
    return b"\x93NUMPY" + bytes([version, 0]) + size + h.encode() + payload
def put(name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
wide = npy((2, 100000), bytes(8 * 100000))
put("wide.npy", wide)
put("wide-truncated.npy", wide[:1000])
put("wide-v2.npy", npy((2, 100000), bytes(8 * 100000), version=2))
with gzip.open(os.path.join(d, "wide.npy.gz"), "wb") as f:
    f.write(wide)
put("wide.idx", struct.pack(">BBBBIII", 0, 0, 8, 3, 2, 400, 400) + bytes(2 * 160000))
put("n300.npy", npy((10, 300), b"".join(struct.pack("<f", ((i * 7919 + j) % 97) / 97.0)
                                        for i in range(10) for j in range(300))))
PY

failed=0
# case NAME WANT_STATUS REGEX [ENV=VALUE] -- aekit arguments
case_() {
  local name=$1 want=$2 re=$3 env=$4
  shift 5
  local out rc verdict=PASS
  out=$(cd "$T" && env ${env:+"$env"} timeout 60 "$A" pca "$@" 2>&1 >/dev/null)
  rc=$?
  if [ "$rc" -ne "$want" ] || ! grep -qE -- "$re" <<<"$out"; then
    verdict=FAIL
    failed=1
  fi
  printf 'CHECK\tpca limits: %s\t%d\t%d\t%s\t%s\n' "$name" "$rc" "$want" "$verdict" \
    "$(tr '\t\n' '  ' <<<"${out:-(no message)}" | cut -c1-300)"
}
refused='PCA of %s columns needs .* above the memory cap of .*AEKIT_MAX_DATA_BYTES'
# shellcheck disable=SC2059
r100k=$(printf "$refused" 100000)
case_ ".npy 2 x 100000: refused, status 1" 1 "wide.npy: $r100k" "" -- --data wide.npy --k 2
case_ ".npy 2 x 100000, data truncated: refused before loading" 1 "wide-truncated.npy: $r100k" "" -- \
  --data wide-truncated.npy --k 2
case_ ".npy version 2 header" 1 "wide-v2.npy: $r100k" "" -- --data wide-v2.npy --k 2
case_ ".npy.gz (header read from the first bytes inflated)" 1 "wide.npy.gz: $r100k" "" -- --data wide.npy.gz --k 2
# shellcheck disable=SC2059
case_ "IDX 2 x 400 x 400 (160000 columns)" 1 "wide.idx: $(printf "$refused" 160000)" "" -- --data wide.idx --k 2
# shellcheck disable=SC2059
case_ "--synthetic-dim 1000000: refused before generating" 1 "synthetic data: $(printf "$refused" 1000000)" "" -- \
  --synthetic-dim 1000000 --synthetic-rows 10 --k 2
n=300 k=2
need=$((36 * n * n + 12 * k * n + 1212 * n + 24 * k + 6144))
# shellcheck disable=SC2059
case_ "n = 300, full solver, cap one byte below the documented $need" 1 "$(printf "$refused" 300)" \
  AEKIT_MAX_DATA_BYTES=$((need - 1)) -- --data n300.npy --k $k --solver full
case_ "n = 300, full solver, cap equal to the documented $need: runs" 0 "" \
  AEKIT_MAX_DATA_BYTES=$need -- --data n300.npy --k $k --solver full
exit $failed
