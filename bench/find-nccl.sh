#!/usr/bin/env bash
# Prints the directory holding libnccl.so.2 for gpu-check.sh, or nothing (exit 1) when there is none.
# The GPU machine has no system NCCL; its python3 (the one with PyTorch) carries NCCL in the
# nvidia-nccl-cu* wheel, as nvidia/nccl/lib/libnccl.so.2. nvidia.nccl is a namespace package in
# some of those wheels (no __init__.py, so no __file__): its __path__ is what locates it.
#   bench/find-nccl.sh [python]        (default: $PYTHON, else python3)
set -uo pipefail
py="${1:-${PYTHON:-python3}}"
dirs="$("$py" -c '
import os
try:
    import nvidia.nccl as n
except ImportError:
    raise SystemExit(0)
for d in list(getattr(n, "__path__", [])) + ([os.path.dirname(n.__file__)] if getattr(n, "__file__", None) else []):
    print(os.path.join(d, "lib"))
' 2>/dev/null)"
while IFS= read -r d; do
  [ -n "$d" ] && [ -e "$d/libnccl.so.2" ] && { echo "$d"; exit 0; }
done <<<"$dirs"
exit 1
