#!/usr/bin/env bash
# Prints the directory holding libnccl.so.2 for gpu-check.sh (python3's nvidia-nccl-cu* wheel), or
# nothing (exit 1) when there is none.
#   bench/find-nccl.sh [python]        (default: $PYTHON, else python3)
exec bash "$(dirname "$0")/find-wheel-lib.sh" "${1:-${PYTHON:-python3}}" nccl libnccl.so.2
