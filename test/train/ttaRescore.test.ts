import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/backend/select";
import { flipCube } from "../../src/augment/flip";
import { sizeOnlyDataset } from "../../src/data/synthetic/sizeOnly";
import { attentionRows, runAttentionSummary } from "../../src/explain/runAttention";
import { auc } from "../../src/metrics/auc";
import { lrRangeTest } from "../../src/train/lrRangeTest";
import { predictProbabilities, TTA_FLIPS } from "../../src/train/predict";
import { calibrateRun, rescoreRun } from "../../src/train/rescore";
import { runTraining } from "../../src/train/run";
import { resolveTrainConfig } from "../../src/train/config";
import type { NoduleSample } from "../../src/data/sample";
import { TinyNet, toySamples } from "./helpers";

test("flip TTA is the mean of the 8 mirrored predictions, and flip-invariant itself", async () => {
  await initBackend({ quiet: true });
  const net = new TinyNet(3);
  const s = toySamples(6, 2);
  const n = s[0].size;
  const plain = predictProbabilities(net, s, 4);
  const tta = predictProbabilities(net, s, 4, "flips");
  assert.equal(TTA_FLIPS.length, 8);
  const axis = { 1: "z", 2: "y", 3: "x" } as const;
  const manual = new Float64Array(s.length);
  for (const axes of TTA_FLIPS) {
    const flipped = s.map((x) => ({ ...x, crop: axes.reduce((c, a) => flipCube(c, n, axis[a]), x.crop) }));
    predictProbabilities(net, flipped, 4).forEach((p, i) => (manual[i] += p / 8));
  }
  tta.forEach((p, i) => assert.ok(Math.abs(p - manual[i]) < 1e-5, `${p} vs ${manual[i]}`));
  // A mirrored cube gets the same TTA score; the plain score is not mirror-invariant in general.
  const mirrored = s.map((x) => ({ ...x, crop: flipCube(x.crop, n, "x") }));
  predictProbabilities(net, mirrored, 4, "flips").forEach((p, i) => assert.ok(Math.abs(p - tta[i]) < 1e-5));
  assert.equal(plain.length, tta.length);
  net.dispose();
});

test("a run re-scored without TTA reproduces its stored test predictions; with flips it is compared on the same readings", { timeout: 300_000 }, async () => {
  await initBackend({ quiet: true });
  const ds = sizeOnlyDataset({ samples: 30, seed: 4 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-rescore-"));
  const config = resolveTrainConfig({ name: "rescore", dataset: "size-only", arch: "[2,2,[4],[4],[4]]", epochs: 1, batchSize: 8, loss: "softmax", head: "linear", optimizer: { name: "adam", lr: 0.003 }, folds: { scheme: "grouped", k: 2, run: [0] }, progress: "none", prefetch: "inline", bootstrapResamples: 20 });
  const res = await runTraining({ config, runDir: path.join(dir, "run"), dataset: ds });
  const same = rescoreRun(res.runDir, ds, "none", { resamples: 50 });
  same.rescored.forEach((p, i) => assert.ok(Math.abs(p - same.stored[i]) < 1e-6));
  assert.equal(same.comparison.delta, 0);
  const tta = rescoreRun(res.runDir, ds, "flips", { resamples: 50 });
  assert.deepEqual(tta.ids, res.folds[0].test.ids);
  assert.equal(tta.comparison.a.value, auc(tta.labels, tta.rescored));
  // The attention check explains each fold model on its own test nodules (masks of the spheres).
  const att = runAttentionSummary(res.runDir, ds, { maxPerFold: 4 });
  assert.equal(att.nodules, 4);
  assert.deepEqual(att.summary.map((m) => m.map), ["stem", "stage 1", "stage 2", "stage 3", "Grad-CAM"]);
  for (const m of att.summary.filter((x) => x.n > 0)) assert.ok(Math.abs(m.ratio - m.meanInside / m.meanBaseline) < 1e-9, `${m.map}: ${m.ratio}`);
  assert.ok(att.summary.some((m) => m.n === 4));
  assert.equal(attentionRows([att]).length, 5);
});

test("LR range test: rates grow geometrically, the curve is seeded, suggestions lie inside the sweep", async () => {
  await initBackend({ quiet: true });
  const train: NoduleSample[] = toySamples(24, 5);
  const config = { batchSize: 4, loss: "softmax" as const, head: "linear" as const, optimizer: { name: "sgd" as const, lr: 0.1, momentum: 0.9, beta1: 0.9, beta2: 0.999, weightDecay: 0 }, progress: "none" as const };
  const run = () => lrRangeTest({ arch: (s) => new TinyNet(s, "linear"), train, config, minLr: 1e-4, maxLr: 10, steps: 30, seed: 2 });
  const a = await run();
  const b = await run();
  assert.deepEqual(a.points, b.points);
  const r = a.points.map((p) => p.lr);
  assert.ok(Math.abs(r[0] - 1e-4) < 1e-12);
  for (let i = 2; i < r.length; i++) assert.ok(Math.abs(r[i] / r[i - 1] - r[1] / r[0]) < 1e-9);
  assert.ok(a.minLossLr >= r[0] && a.minLossLr <= r[r.length - 1]);
  assert.ok(a.steepestLr <= a.minLossLr);
  assert.equal(a.suggestedLr, a.minLossLr / 10);
  assert.equal(tf.memory().numTensors < 1e5, true);
  await assert.rejects(lrRangeTest({ train, config, minLr: 1, maxLr: 0.1 }), /0 < minLr < maxLr/);
});

test("calibration: \"platt\" fits on each fold's inner validation split; per-fold AUC unchanged, raw outputs kept; calibrateRun agrees", { timeout: 300_000 }, async () => {
  await initBackend({ quiet: true });
  const ds = sizeOnlyDataset({ samples: 40, seed: 6 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-platt-"));
  const config = resolveTrainConfig({ name: "platt", dataset: "size-only", arch: "[2,2,[4],[4],[4]]", epochs: 1, batchSize: 8, loss: "softmax", head: "linear", optimizer: { name: "adam", lr: 0.003 }, folds: { scheme: "grouped", k: 2, innerValFraction: 0.3 }, calibration: "platt", progress: "none", prefetch: "inline", bootstrapResamples: 20 });
  const res = await runTraining({ config, runDir: path.join(dir, "run"), dataset: ds });
  for (const f of res.folds) {
    assert.ok(f.calibration && f.test.uncalibrated);
    assert.equal(auc(f.test.labels, f.test.probabilities), auc(f.test.labels, f.test.uncalibrated!));
  }
  const cal = rescoreCalibrated(res.runDir, ds);
  const stored = res.folds.flatMap((f) => f.test.probabilities);
  cal.forEach((p, i) => assert.ok(Math.abs(p - stored[i]) < 1e-6, `${p} vs ${stored[i]}`));
});

function rescoreCalibrated(runDir: string, ds: ReturnType<typeof sizeOnlyDataset>): number[] {
  return calibrateRun(runDir, ds, { resamples: 20 }).calibrated;
}
