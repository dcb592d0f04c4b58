#!/usr/bin/env bash
# Prints the directory of the first of the given libraries found in python3's nvidia-<package>
# wheel (PyTorch's own: the GPU machine has no system NCCL or cuBLAS), or nothing (exit 1). tsdp
# dlopens these libraries by name, so gpu-check.sh puts the directory on LD_LIBRARY_PATH.
# nvidia.<package> is a namespace package in some wheels (no __init__.py, so no __file__): its
# __path__ is what locates it.
#   bench/find-wheel-lib.sh <python> <package> <library>...   e.g. python3 nccl libnccl.so.2
set -uo pipefail
py="$1"
package="$2"
shift 2
[[ "$package" =~ ^[a-z0-9_]+$ ]] || { echo "find-wheel-lib: bad package name '$package'" >&2; exit 2; }
dirs="$("$py" -c "
import os
try:
    import nvidia.$package as n
except ImportError:
    raise SystemExit(0)
for d in list(getattr(n, '__path__', [])) + ([os.path.dirname(n.__file__)] if getattr(n, '__file__', None) else []):
    print(os.path.join(d, 'lib'))
" 2>/dev/null)"
while IFS= read -r d; do
  for lib in "$@"; do
    [ -n "$d" ] && [ -e "$d/$lib" ] && { echo "$d"; exit 0; }
  done
done <<<"$dirs"
exit 1
