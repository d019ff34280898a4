#!/usr/bin/env bash
# Serves the notebooks with the classic Jupyter Notebook on 127.0.0.1 only, token auth on,
# with the committed tslab kernelspec and interactive plotly figures (each with its PNG).
# As root (containers, CI machines) Jupyter refuses to start without --allow-root; the server
# still listens on loopback only and asks for the token.
set -euo pipefail
cd "$(dirname "$0")/.."
export JUPYTER_PATH="$PWD/jupyter" NASLUNG_PLOT=interactive OMP_WAIT_POLICY=passive
root=()
if [ "$(id -u)" = 0 ]; then root=(--allow-root); fi
exec jupyter-notebook --ip=127.0.0.1 --no-browser --notebook-dir="$PWD" "${root[@]}" "$@"
