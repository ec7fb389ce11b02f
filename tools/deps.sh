#!/usr/bin/env bash
# deps.sh PROFILE — install the Debian packages a make target needs, if they
# are missing.  Profiles: verify, aarch64, bench, bench-regress, fuzz, lint, data,
# experiments.
# Runs apt-get as root (or through sudo); never touches anything already
# installed.  Exits non-zero with the list of packages when it cannot.
set -euo pipefail

profile=${1:?usage: deps.sh verify|aarch64|bench|bench-regress|fuzz|lint|data|experiments}
case "$profile" in
  verify)  pkgs="gcc make python3-numpy python3-scipy python3-matplotlib gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user valgrind dataset-fashion-mnist" ;;
  aarch64) pkgs="gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user" ;;
  bench)   pkgs="g++ libbenchmark-dev libopenblas-dev libblis-dev python3-numpy python3-matplotlib python3-torch valgrind" ;;
  bench-regress) pkgs="gcc make valgrind python3" ;;
  fuzz)    pkgs="clang libclang-rt-14-dev" ;;
  lint)    pkgs="cppcheck" ;;
  data)    pkgs="dataset-fashion-mnist npm" ;;
  experiments) pkgs="gcc make python3-numpy python3-matplotlib" ;;
  *) echo "deps.sh: unknown profile '$profile'" >&2; exit 2 ;;
esac

missing=()
for p in $pkgs; do
  # an npm already on PATH (e.g. shipped with a nodejs build) is as good as
  # Debian's, which cannot be installed next to it
  if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "deps.sh: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "deps.sh: need root (or sudo) to install: ${missing[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq >/dev/null || { echo "deps.sh: apt-get update failed" >&2; exit 1; }
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
  { echo "deps.sh: apt-get install ${missing[*]} failed" >&2; exit 1; }
