import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/backend/select";
import { buildAugmentation, referenceAugment } from "../../src/augment/compose";
import { RandomAxialTranspose, transposeAxial } from "../../src/augment/transpose";
import { flipCube } from "../../src/augment/flip";
import { sizeOnlyDataset } from "../../src/data/synthetic/sizeOnly";
import { softmaxCrossEntropy, aSoftmaxLoss } from "../../src/losses/aSoftmax";
import { auc } from "../../src/metrics/auc";
import { resolveTrainConfig } from "../../src/train/config";
import { learningRateAt } from "../../src/train/schedule";
import { balancedClassWeights } from "../../src/train/trainer";
import { createRng } from "../../src/util/rng";
import type { NoduleSample } from "../../src/data/sample";

const n = 5;
const cube = Float32Array.from({ length: n * n * n }, (_, i) => i);
const at = (c: Float32Array, z: number, y: number, x: number) => c[(z * n + y) * n + x];

test("axial transposition swaps y and x only, is an involution, and with flips makes a 90-degree rotation", () => {
  const t = transposeAxial(cube, n);
  for (const [z, y, x] of [[0, 1, 3], [4, 0, 2], [2, 2, 2]]) assert.equal(at(t, z, y, x), at(cube, z, x, y));
  assert.deepEqual(transposeAxial(t, n), cube);
  // transpose then flip x = rotation by 90 degrees in the axial plane: four of them are the identity.
  const rot = (c: Float32Array) => flipCube(transposeAxial(c, n), n, "x");
  assert.deepEqual(rot(rot(rot(rot(cube)))), cube);
  assert.notDeepEqual(rot(cube), cube);
  // The voxel multiset (hence a nodule's size) is unchanged.
  assert.deepEqual(Array.from(t).sort((a, b) => a - b), Array.from(cube));
});

test("random axial transposition is seeded, applied with its probability, and only in the pipeline when asked", () => {
  const r = new RandomAxialTranspose(0.5).setRng(createRng(1, "t"));
  let swapped = 0;
  for (let i = 0; i < 400; i++) if (at(r.apply(cube, n), 0, 1, 3) !== at(cube, 0, 1, 3)) swapped++;
  assert.ok(swapped > 160 && swapped < 240, `${swapped} of 400`);
  assert.ok(!buildAugmentation(referenceAugment)!.transforms.some((t) => t.name === "RandomAxialTranspose"));
  assert.ok(buildAugmentation({ ...referenceAugment, rotate90: 0.5 })!.transforms.some((t) => t.name === "RandomAxialTranspose"));
  assert.throws(() => resolveTrainConfig({ augment: { rotate90: 2 } }, "c.json"), /c\.json: key `augment\.rotate90`: must be in \[0, 1\]/);
});

test("warm-up ramps linearly, then the schedule runs over the remaining epochs", () => {
  const s = resolveTrainConfig({ schedule: { name: "cosine", warmupEpochs: 2 }, epochs: 10 }).schedule;
  assert.equal(learningRateAt(0.01, s, 0, 10), 0.005);
  assert.equal(learningRateAt(0.01, s, 1, 10), 0.01);
  const plain = { ...s, warmupEpochs: 0 };
  for (let e = 2; e < 10; e++) assert.equal(learningRateAt(0.01, s, e, 10), learningRateAt(0.01, plain, e - 2, 8));
  assert.equal(learningRateAt(0.01, s, 9, 10), 0);
  assert.throws(() => resolveTrainConfig({ schedule: { warmupEpochs: 5 }, epochs: 5 }, "c.json"), /schedule\.warmupEpochs`: must be smaller than epochs/);
});

test("balanced class weights give each class half the total weight and average 1", () => {
  const s = (label: 0 | 1) => ({ label }) as NoduleSample;
  const w = balancedClassWeights([s(0), s(0), s(0), s(1)]);
  assert.deepEqual(w, [4 / 6, 2]);
  assert.equal((3 * w[0] + w[1]) / 4, 1);
  assert.throws(() => balancedClassWeights([s(0), s(0)]), /both classes needed/);
  assert.throws(() => resolveTrainConfig({ classWeight: "auto" }, "c.json"), /key `classWeight`: must be one of "none", "balanced"/);
});

test("class weights scale each sample's loss term; unit weights change nothing", async () => {
  await initBackend({ quiet: true });
  const logits = tf.tensor2d([[2, -1], [0.5, 0.3], [-1, 1]]);
  const labels = [0, 1, 1];
  const plain = softmaxCrossEntropy(logits as tf.Tensor2D, labels).dataSync()[0];
  assert.equal(softmaxCrossEntropy(logits as tf.Tensor2D, labels, [1, 1]).dataSync()[0], plain);
  const lsm = tf.logSoftmax(logits).arraySync() as number[][];
  const want = -(0.5 * lsm[0][0] + 3 * lsm[1][1] + 3 * lsm[2][1]) / 3;
  assert.ok(Math.abs(softmaxCrossEntropy(logits as tf.Tensor2D, labels, [0.5, 3]).dataSync()[0] - want) < 1e-6);
  const cos = tf.tensor2d([[0.9, 0.1], [0.2, 0.4], [0.3, 0.6]]);
  const a = aSoftmaxLoss({ cos: cos as tf.Tensor2D, psi: cos as tf.Tensor2D }, labels, { iteration: 1, applyMargin: false }).dataSync()[0];
  const aw = aSoftmaxLoss({ cos: cos as tf.Tensor2D, psi: cos as tf.Tensor2D }, labels, { iteration: 1, applyMargin: false, classWeights: [2, 2] }).dataSync()[0];
  assert.ok(Math.abs(aw - 2 * a) < 1e-6);
  tf.dispose([logits, cos]);
});

test("the size-only sanity set differs between classes in size only; its ruler is the diameter", () => {
  const ds = sizeOnlyDataset({ samples: 40, seed: 2 });
  assert.equal(ds.synthetic, true);
  assert.equal(ds.samples.filter((s) => s.label === 1).length, 20);
  const labels = ds.samples.map((s) => s.label);
  const voxels = ds.samples.map((s) => s.mask!.reduce((a, b) => a + b, 0));
  const diam = ds.samples.map((s) => s.meta!.diameter as number);
  // The mask volume ranks the nodules like the drawn diameter: size is all there is.
  assert.ok(Math.abs(auc(labels, voxels) - auc(labels, diam)) < 0.02);
  // Inside the sphere the intensity distribution is the same for both classes.
  const meanInside = (l: number) => {
    let s = 0, k = 0;
    for (const x of ds.samples.filter((q) => q.label === l)) x.crop.forEach((v, i) => { if (x.mask![i]) { s += v; k++; } });
    return s / k;
  };
  assert.ok(Math.abs(meanInside(0) - 0.6) < 0.01 && Math.abs(meanInside(1) - 0.6) < 0.01);
  assert.deepEqual(sizeOnlyDataset({ samples: 40, seed: 2 }).samples[3].crop, ds.samples[3].crop);
  assert.throws(() => sizeOnlyDataset({ malignantDiameter: [8, 40] }), /smaller than the cube/);
});
