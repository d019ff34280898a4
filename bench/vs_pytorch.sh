#!/usr/bin/env bash
# Ours vs the PyTorch reference network, interleaved: a thin wrapper of `naslung bench --vs-pytorch`
# (src/train/vsPytorch.ts), which documents the method and prints the settings of both sides.
#
#   bash bench/vs_pytorch.sh [--rounds 3] [--steps 20] [--infer-steps 40] [--case CONFIG@BATCH ...]
#   bash bench/vs_pytorch.sh [rounds] [steps] [infer-steps]      (the former positional form)
#
# Needs the build and Debian's python3-torch (bash scripts/setup.sh --with-torch).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; then
  set -- --rounds "$1" ${2:+--steps "$2"} ${3:+--infer-steps "$3"}
fi
exec node dist/src/cli/main.js bench --vs-pytorch "$@"
