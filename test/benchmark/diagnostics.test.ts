import { test } from "node:test";
import assert from "node:assert/strict";
import { loadLidcSlices } from "../../src/data/lidcSlices";
import { auc } from "../../src/metrics/auc";
import { budgetComparisonRows, calibrationCurve, diameterVerdictRows, scoresAreProbabilities, meanFoldAuc, segmentedVoxels, sizeOnlyAucRows, sizeStrataRows } from "../../src/benchmark/diagnostics";
import type { LidcBenchmarkResults } from "../../src/benchmark/lidcBenchmark";

test("calibrationCurve: bins, ECE and Brier on a hand-computed case", () => {
  const c = calibrationCurve([0, 0, 1, 1, 1], [0.05, 0.15, 0.85, 0.95, 1]);
  assert.deepEqual(c.bins.map((b) => [b.lo, b.n]), [[0, 1], [0.1, 1], [0.8, 1], [0.9, 2]]);
  assert.ok(Math.abs(c.bins[3].meanPredicted - 0.975) < 1e-12);
  // |0-.05| + |0-.15| + |1-.85| + 2 * |1-.975|, over 5 readings.
  assert.ok(Math.abs(c.ece - (0.05 + 0.15 + 0.15 + 0.05) / 5) < 1e-12);
  assert.ok(Math.abs(c.brier - (0.0025 + 0.0225 + 0.0225 + 0.0025 + 0) / 5) < 1e-12);
});

test("calibrationCurve: a calibrated predictor has ECE 0; bad input is named", () => {
  // In each bin the predicted probability equals the observed malignant fraction.
  const c = calibrationCurve([0, 0, 0, 1, 1, 0, 1, 1], [0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75]);
  assert.ok(c.ece < 1e-12);
  assert.throws(() => calibrationCurve([0, 1], [0.5]), /2 labels but 1 probabilities/);
  assert.throws(() => calibrationCurve([0], [1.5]), /probability 0 is 1.5/);
});

const ds = loadLidcSlices();

test("size alone on the real readings: CSV diameter AUC 0.893 (PROTOCOL.md); the input's voxel count is as informative", () => {
  const rows = sizeOnlyAucRows(ds);
  assert.equal(Math.round((rows[0].AUC as number) * 1000) / 1000, 0.893);
  const voxels = rows.find((r) => String(r.feature).startsWith("segmented voxels"))!;
  assert.ok((voxels.AUC as number) > 0.85, `voxel-count AUC ${voxels.AUC}`);
  assert.equal(segmentedVoxels(new Float32Array([0, 0.2, 0, 1])), 2);
});

test("sizeStrataRows: strata partition the readings and each cell is the AUC within its stratum", () => {
  const sub = { ...ds, samples: ds.samples.filter((_, i) => i % 5 === 0) };
  const score = (i: number) => ((i * 7919) % 101) / 100;
  const r = {
    methods: [
      {
        method: "m",
        kind: "network",
        outOfFold: { ids: sub.samples.map((s) => s.id), labels: sub.samples.map((s) => s.label), probabilities: sub.samples.map((_, i) => score(i)) },
      },
    ],
  } as unknown as LidcBenchmarkResults;
  const rows = sizeStrataRows(r, sub, 3);
  assert.equal(rows.length, 3);
  assert.equal(rows.reduce((a, x) => a + (x.n as number), 0), sub.samples.length);
  const d = sub.samples.map((s) => s.meta!.diameter as number);
  const sorted = [...d].sort((a, b) => a - b);
  const cut = sorted[Math.floor(sub.samples.length / 3)];
  const first = sub.samples.flatMap((s, i) => (d[i] < cut ? [i] : []));
  assert.equal(rows[0].n, first.length);
  assert.equal(rows[0].m, auc(first.map((i) => sub.samples[i].label), first.map((i) => score(i))));
  assert.throws(() => sizeStrataRows({ methods: [{ method: "old", kind: "network" }] } as unknown as LidcBenchmarkResults, sub), /"old" has no out-of-fold scores/);
});

test("budgetComparisonRows: methods shared by every run, pooled and mean per-fold AUC per run", () => {
  const method = (name: string, pooled: number, folds: number[]) => ({
    method: name,
    pooled: { metrics: { auc: { value: pooled } } },
    perFold: folds.map((a, id) => ({ id, metrics: { auc: a } })),
  });
  const run = (methods: unknown[], samples = 697) => ({ dataset: { samples }, methods }) as unknown as LidcBenchmarkResults;
  const short = run([method("model-1", 0.84, [0.8, 0.9]), method("only-short", 0.5, [0.5]), method("diameter", 0.89, [0.88, 0.9])]);
  const long = run([method("diameter", 0.89, [0.88, 0.9]), method("model-1", 0.88, [0.86, 0.92])]);
  const rows = budgetComparisonRows([{ label: "4 ep", results: short }, { label: "16 ep", results: long }]);
  assert.deepEqual(rows.map((r) => r.method), ["model-1", "diameter"]);
  assert.equal(rows[0]["pooled AUC, 16 ep"], 0.88);
  assert.ok(Math.abs((rows[0]["mean fold AUC, 4 ep"] as number) - 0.85) < 1e-12);
  assert.ok(Math.abs(meanFoldAuc(long.methods[1]) - 0.89) < 1e-12);
  assert.throws(() => budgetComparisonRows([{ label: "a", results: short }, { label: "b", results: run([], 10) }]), /run "b" has 10 readings/);
});

test("diameterVerdictRows: every network and ensemble against the diameter baseline; hard votes are not probabilities", () => {
  const m = (method: string, kind: string, value: number, lo: number, folds: number[], notes: Record<string, unknown> = {}) => ({
    method, kind, notes,
    pooled: { metrics: { auc: { value, lo, hi: value + 0.02 } } },
    perFold: folds.map((a, id) => ({ id, metrics: { auc: a } })),
  });
  const r = {
    methods: [
      m("net", "network", 0.95, 0.92, [0.9, 1]),
      m("ens (hard vote)", "ensemble", 0.8, 0.75, [0.8], { vote: "hard" }),
      m("diameter", "baseline", 0.9, 0.88, [0.9, 0.92]),
    ],
  } as unknown as LidcBenchmarkResults;
  const rows = diameterVerdictRows(r);
  assert.deepEqual(rows.map((x) => [x.method, x["beats diameter (pooled)"], x["CI above diameter"]]), [["net", "yes", "yes"], ["ens (hard vote)", "no", "no"]]);
  assert.ok(Math.abs((rows[0]["diameter mean per-fold AUC"] as number) - 0.91) < 1e-12);
  assert.deepEqual(r.methods.map(scoresAreProbabilities), [true, false, true]);
  assert.throws(() => diameterVerdictRows({ methods: [] } as unknown as LidcBenchmarkResults), /no "diameter" baseline row/);
});
