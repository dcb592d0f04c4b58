#!/usr/bin/env bash
# Prints the directory holding libcublasLt.so.13 (or .12) for gpu-check.sh (python3's nvidia-cublas
# wheel, nvidia/cublas/lib), or nothing (exit 1) when there is none.
#   bench/find-cublas.sh [python]        (default: $PYTHON, else python3)
exec bash "$(dirname "$0")/find-wheel-lib.sh" "${1:-${PYTHON:-python3}}" cublas libcublasLt.so.13 libcublasLt.so.12
