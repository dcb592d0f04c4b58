#!/usr/bin/env bash
# Packs what the GPU machine lacks into bench/carry/ (ignored by git), to be named in the device
# call's `carry`: the machine has python3 with torch, nvcc and g++, but no Node.js and no network.
#   bench/carry/node.xz                 this machine's node binary (needs glibc ≥ 2.28, libstdc++)
#   bench/carry/node_modules.tar.xz     node_modules without typescript and @types: the compiler
#                                       parses with the TypeScript copy bundled in @ts-morph/common,
#                                       and nothing type-checks on the device
#   bench/carry/package-lock.sha256     the lockfile those node_modules were installed from
#   bench/carry/fashion-mnist/          the training split (benchmark b); the test split is not used
# Prints the size of everything the device call sends, which must stay under 64 MiB.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
carry=bench/carry
data="${DATA:-/usr/share/datasets/fashion-mnist}"
mkdir -p "$carry/fashion-mnist"

node_bin="$(readlink -f "$(command -v node)")"
glibc="$(objdump -T "$node_bin" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -V | tail -1 || true)"
echo "node $("$node_bin" --version) at $node_bin, needs ${glibc:-an unknown glibc} (the GPU image's is newer than 2.28)"
if [ ! -f "$carry/node.xz" ] || [ "$node_bin" -nt "$carry/node.xz" ]; then
  nice xz -9 -T0 -c "$node_bin" >"$carry/node.xz.tmp" && mv "$carry/node.xz.tmp" "$carry/node.xz"
fi

nm="$(readlink -f node_modules)"   # node_modules may be a link to another worktree's
[ -f "$nm/koffi/package.json" ] || { echo "pack-carry: no node_modules in $root: run npm ci first" >&2; exit 1; }
[ "$(basename "$nm")" = node_modules ] || { echo "pack-carry: $nm must be named node_modules" >&2; exit 1; }
nice tar -C "$(dirname "$nm")" -cf - --exclude=node_modules/typescript --exclude=node_modules/@types --exclude=node_modules/.vite \
  --exclude=node_modules/.cache node_modules | nice xz -9 -T0 >"$carry/node_modules.tar.xz.tmp"
mv "$carry/node_modules.tar.xz.tmp" "$carry/node_modules.tar.xz"
# which lockfile that node_modules came from: gpu-check.sh says so when the checkout's differs
sha256sum package-lock.json | cut -d' ' -f1 >"$carry/package-lock.sha256"

for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz; do
  [ -f "$data/$f" ] || { echo "pack-carry: $data/$f is missing (apt-get install dataset-fashion-mnist)" >&2; exit 1; }
  cp -p "$data/$f" "$carry/fashion-mnist/$f"
done

# what the device call sends: tracked and untracked-not-ignored files (links as links), plus bench/carry
tree=$(git ls-files -co --exclude-standard -z | xargs -0 stat -c %s 2>/dev/null | awk '{s += $1} END {print s + 0}')
carried=$(du -sb "$carry" | cut -f1)
du -b "$carry"/* "$carry"/fashion-mnist/* | awk '{printf "  %8.2f MiB  %s\n", $1 / 1048576, $2}'
awk -v t="$tree" -v c="$carried" 'BEGIN {
  printf "working tree %.2f MiB + bench/carry %.2f MiB = %.2f MiB of the 64 MiB a device call may send\n", t / 1048576, c / 1048576, (t + c) / 1048576
  exit (t + c >= 64 * 1048576) }' || { echo "pack-carry: over the 64 MiB limit" >&2; exit 1; }
