import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as path from "path";
import { CaseThroughput, caseKey, compareRounds, formatCaseRow, median, spreadOf, SYSTEM_PYTHON, VsPytorchCase } from "../../src/train/vsPytorch";

// Tests run from <outDir>/test/train: the CLI compiled beside them.
const main = path.join(__dirname, "..", "..", "src", "cli", "main.js");

const MODEL_1 = "[4,4,[8,8,8],[16,16,16],[32,32]]";
const settings = { ours: "backend cpu + native kernels", pytorch: "torch 1.13, 2 threads" };

// Three rounds as the comparison saw them on 2 cores (samples/s): ours names the case as the user
// gave it ("model-1"), the PyTorch script prints the architecture list.
const ours: CaseThroughput[][] = [
  [
    { config: "model-1", batch: 8, trainSamplesPerSec: 45.9, inferSamplesPerSec: 200 },
    { config: "model-1", batch: 32, trainSamplesPerSec: 63.9, inferSamplesPerSec: 265 },
  ],
  [
    { config: "model-1", batch: 8, trainSamplesPerSec: 52.8, inferSamplesPerSec: 177 },
    { config: "model-1", batch: 32, trainSamplesPerSec: 68.9, inferSamplesPerSec: 263 },
  ],
  [
    { config: "model-1", batch: 8, trainSamplesPerSec: 43.7, inferSamplesPerSec: 205 },
    { config: "model-1", batch: 32, trainSamplesPerSec: 68.5, inferSamplesPerSec: 260 },
  ],
];
const pytorch: CaseThroughput[][] = [
  // PyTorch's lines may come in another case order.
  [
    { config: MODEL_1, batch: 32, trainSamplesPerSec: 38.9, inferSamplesPerSec: 173 },
    { config: MODEL_1, batch: 8, trainSamplesPerSec: 44.8, inferSamplesPerSec: 239 },
  ],
  [
    { config: MODEL_1, batch: 8, trainSamplesPerSec: 40.7, inferSamplesPerSec: 251 },
    { config: MODEL_1, batch: 32, trainSamplesPerSec: 37.3, inferSamplesPerSec: 166 },
  ],
  [
    { config: MODEL_1, batch: 8, trainSamplesPerSec: 39.4, inferSamplesPerSec: 251 },
    { config: MODEL_1, batch: 32, trainSamplesPerSec: 39.2, inferSamplesPerSec: 174 },
  ],
];

test("median and spread: odd and even counts, runs kept in round order", () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), /empty/);
  assert.deepEqual(spreadOf([52.8, 43.7, 45.9]), { median: 45.9, min: 43.7, max: 52.8, runs: [52.8, 43.7, 45.9] });
});

test("caseKey: registered names, s-ids and spaced lists name the same case", () => {
  assert.equal(caseKey({ config: "model-1", batch: 8 }), `${MODEL_1}@8`);
  assert.equal(caseKey({ config: "s4.4-8.8.8-16.16.16-32.32", batch: 8 }), `${MODEL_1}@8`);
  assert.equal(caseKey({ config: "[4, 4, [8,8,8], [16,16,16], [32,32]]", batch: 32 }), `${MODEL_1}@32`);
});

test("compareRounds: per case medians, min-max and ratios of the medians, in ours' case order", () => {
  const table = compareRounds(ours, pytorch, settings);
  assert.deepEqual(
    table.map((c) => c.case),
    [`${MODEL_1}@8`, `${MODEL_1}@32`],
  );
  const [b8, b32] = table;
  assert.equal(b8.rounds, 3);
  assert.deepEqual(b8.ours.train, { median: 45.9, min: 43.7, max: 52.8, runs: [45.9, 52.8, 43.7] });
  assert.deepEqual(b8.ours.infer, { median: 200, min: 177, max: 205, runs: [200, 177, 205] });
  assert.deepEqual(b8.pytorch.train, { median: 40.7, min: 39.4, max: 44.8, runs: [44.8, 40.7, 39.4] });
  assert.deepEqual(b8.pytorch.infer, { median: 251, min: 239, max: 251, runs: [239, 251, 251] });
  // 45.9 / 40.7 = 1.128, 200 / 251 = 0.797; 68.5 / 38.9 = 1.761, 263 / 173 = 1.520.
  assert.deepEqual(b8.ratio, { train: 1.13, infer: 0.8 });
  assert.deepEqual(b32.ratio, { train: 1.76, infer: 1.52 });
  assert.deepEqual(b32.settings, settings);
  assert.equal(formatCaseRow(b8), `${MODEL_1}@8 | 45.9 (43.7-52.8) / 200.0 (177.0-205.0) | 40.7 (39.4-44.8) / 251.0 (239.0-251.0) | 1.13x / 0.8x`);
  // The JSON line round-trips.
  assert.deepEqual(JSON.parse(JSON.stringify(b32)), b32);
});

test("compareRounds: a missing case or round count mismatch is an error naming it", () => {
  assert.throws(() => compareRounds(ours, pytorch.slice(0, 2), settings), /3 rounds of ours vs 2 of PyTorch/);
  const gap = pytorch.map((r, i) => (i === 1 ? r.filter((c) => c.batch !== 32) : r));
  assert.throws(() => compareRounds(ours, gap, settings), /PyTorch round 2 has no result for .*@32/);
});

test("bench --vs-pytorch end to end: one round at batch 2 prints a JSON line with both sides", { timeout: 5 * 60_000 }, (t) => {
  if (spawnSync(SYSTEM_PYTHON, ["-c", "import torch"]).status !== 0) {
    t.skip("PyTorch not installed");
    return;
  }
  const r = spawnSync(process.execPath, [main, "bench", "--vs-pytorch", "--rounds", "1", "--steps", "1", "--infer-steps", "1", "--case", "model-1@2"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split("\n").filter((l) => l.startsWith("{"));
  assert.equal(lines.length, 1, r.stdout);
  const c = JSON.parse(lines[0]) as VsPytorchCase;
  assert.equal(c.case, `${MODEL_1}@2`);
  assert.equal(c.rounds, 1);
  for (const side of [c.ours, c.pytorch]) {
    for (const s of [side.train, side.infer]) {
      assert.equal(s.runs.length, 1);
      assert.ok(s.median > 0 && Number.isFinite(s.median), JSON.stringify(s));
    }
  }
  assert.ok(c.ratio.train > 0 && c.ratio.infer > 0);
  assert.match(c.settings.ours, /backend/);
  assert.match(c.settings.pytorch, /^torch \S+, \d+ intra-op threads/);
  assert.match(r.stdout, /^machine: \d+ cores .*load average .* before; commit /m);
  assert.match(r.stdout, /^load average .* after$/m);
});
