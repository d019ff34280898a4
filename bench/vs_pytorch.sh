#!/usr/bin/env bash
# Ours vs the PyTorch reference network on this CPU, interleaved (ours, PyTorch, ours, PyTorch, ...),
# each at its default threading: no OMP_WAIT_POLICY for either side (passive waiting slows
# PyTorch's OpenMP by ~30% on these nets), PyTorch with threads = cores and flush-denormal on.
#
#   bash bench/vs_pytorch.sh [rounds] [steps] [infer-steps]     (default 3 20 40)
#
# Needs the build and Debian's python3-torch (bash scripts/setup.sh --with-torch). Prints every
# run's samples/s, then per case the medians, the spread (min-max) and the ratio ours / PyTorch,
# and one JSON line per case.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
STEPS=${2:-20}
INFER=${3:-40}
unset OMP_WAIT_POLICY
work=$(mktemp -d /tmp/naslung-vs-pytorch.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "$(nproc) cores; commit $(git rev-parse --short HEAD); torch $(/usr/bin/python3 -c 'import torch; print(torch.__version__)') with --threads $(nproc)"
for r in $(seq "$ROUNDS"); do
  node dist/src/cli/main.js bench --json --no-stock --steps "$STEPS" --infer-steps "$INFER" 2>/dev/null | grep '^{' >"$work/ours-$r.jsonl"
  /usr/bin/python3 bench/pytorch_reference.py --steps "$STEPS" --infer-steps "$INFER" --threads "$(nproc)" 2>/dev/null | grep '^{' >"$work/torch-$r.jsonl"
  echo "round $r done"
done
node -e '
const fs = require("fs");
const [dir, rounds] = [process.argv[1], Number(process.argv[2])];
const read = (f) => fs.readFileSync(f, "utf8").trim().split("\n").map((l) => JSON.parse(l));
const median = (a) => { const s = [...a].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
const runs = { ours: [], torch: [] };
for (let r = 1; r <= rounds; r++) { runs.ours.push(read(`${dir}/ours-${r}.jsonl`)); runs.torch.push(read(`${dir}/torch-${r}.jsonl`)); }
const key = (c) => `${c.config}@${c.batch}`;
const cases = runs.ours[0].map(key);
console.log("case | ours train / infer (median, min-max) | PyTorch train / infer (median, min-max) | ratio train / infer");
for (const k of cases) {
  const pick = (side, f) => runs[side].map((rs) => rs.find((c) => key(c) === k)[f]);
  const s = (side, f) => { const v = pick(side, f); return { median: median(v), min: Math.min(...v), max: Math.max(...v), runs: v }; };
  const o = { train: s("ours", "trainSamplesPerSec"), infer: s("ours", "inferSamplesPerSec") };
  const t = { train: s("torch", "trainSamplesPerSec"), infer: s("torch", "inferSamplesPerSec") };
  const f = (x) => `${x.median.toFixed(1)} (${x.min.toFixed(1)}-${x.max.toFixed(1)})`;
  const ratio = { train: +(o.train.median / t.train.median).toFixed(2), infer: +(o.infer.median / t.infer.median).toFixed(2) };
  console.log(`${k} | ${f(o.train)} / ${f(o.infer)} | ${f(t.train)} / ${f(t.infer)} | ${ratio.train}x / ${ratio.infer}x`);
  console.log(JSON.stringify({ case: k, rounds, ours: o, pytorch: t, ratio, settings: { ours: "naslung bench --no-stock, native oneDNN kernels, default OpenMP policy", pytorch: "torch threads = cores, flush-denormal on, default OpenMP policy" } }));
}
' "$work" "$ROUNDS"
