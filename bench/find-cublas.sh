#!/usr/bin/env bash
# Prints the directory holding libcublasLt.so.<major> for gpu-check.sh, or nothing (exit 1) when
# there is none. Like NCCL (find-nccl.sh), the GPU machine's cuBLAS is the one inside python3's
# nvidia-cublas* wheel (PyTorch's own), as nvidia/cublas/lib/libcublasLt.so.13 (or .12); tsdp
# dlopens it by name (runtime/harness/cublaslt.cu), so its directory goes on LD_LIBRARY_PATH.
# nvidia.cublas may be a namespace package (no __file__): its __path__ locates it.
#   bench/find-cublas.sh [python]        (default: $PYTHON, else python3)
set -uo pipefail
py="${1:-${PYTHON:-python3}}"
dirs="$("$py" -c '
import os
try:
    import nvidia.cublas as n
except ImportError:
    raise SystemExit(0)
for d in list(getattr(n, "__path__", [])) + ([os.path.dirname(n.__file__)] if getattr(n, "__file__", None) else []):
    print(os.path.join(d, "lib"))
' 2>/dev/null)"
while IFS= read -r d; do
  for major in 13 12; do
    [ -n "$d" ] && [ -e "$d/libcublasLt.so.$major" ] && { echo "$d"; exit 0; }
  done
done <<<"$dirs"
exit 1
