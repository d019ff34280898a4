import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/backend/select";
import { createModel } from "../../src/models/registry";
import { ConvResNet } from "../../src/models/convResNet";
import type { ConvResConfig } from "../../src/models/config";
import { aSoftmaxLoss, softmaxCrossEntropy } from "../../src/losses/aSoftmax";

// A small architecture keeps the stock-tfjs forward quick; model-1 itself runs once below.
const SMALL = "s2.2-4-4-8";

function cubes(n: number, seed: number): tf.Tensor5D {
  return tf.randomNormal([n, 32, 32, 32, 1], 0, 1, "float32", seed) as tf.Tensor5D;
}

test("model-1 forward: head outputs, features and four attention maps with the right shapes", async () => {
  await initBackend({ backend: "cpu", quiet: true });
  const net = createModel("model-1", { seed: 3 });
  const x = cubes(2, 1);
  const out = net.apply(x, { training: false, returnAttention: true });
  assert.deepEqual(out.cos!.shape, [2, 2]);
  assert.deepEqual(out.psi!.shape, [2, 2]);
  assert.equal(out.logits, out.cos);
  assert.deepEqual(out.features.shape, [2, 32]);
  assert.deepEqual(out.attention!.map((a) => a.shape), [[2, 32, 32, 32], [2, 16, 16, 16], [2, 8, 8, 8], [2, 4, 4, 4]]);
  const att = out.attention!.map((a) => a.dataSync());
  assert.ok(att.every((a) => a.every((v) => v > 0 && v < 1)), "sigmoid maps lie in (0, 1)");
  // |x| cos and |x| psi: psi <= cos (psi is monotone decreasing and equals cos only at theta = 0).
  const c = out.cos!.dataSync();
  const p = out.psi!.dataSync();
  for (let i = 0; i < c.length; i++) assert.ok(p[i] <= c[i] + 1e-5);
  const proba = net.predictProba(x).dataSync();
  assert.equal(proba.length, 2);
  const lg = out.logits.arraySync();
  for (let i = 0; i < 2; i++) assert.ok(Math.abs(proba[i] - 1 / (1 + Math.exp(lg[i][0] - lg[i][1]))) < 1e-5);
  tf.dispose([x, out.logits, out.psi!, out.features, ...out.attention!]);
  net.dispose();
});

test("same seed gives the same weights; another seed differs; set/getWeights round-trips", async () => {
  await initBackend({ backend: "cpu", quiet: true });
  const a = createModel(SMALL, { seed: 11 });
  const b = createModel(SMALL, { seed: 11 });
  const c = createModel(SMALL, { seed: 12 });
  const wa = a.getWeights();
  assert.deepEqual(b.getWeights(), wa);
  assert.notDeepEqual(c.getWeights()["stem.0.conv.weight"].data, wa["stem.0.conv.weight"].data);
  assert.ok("stages.2.blocks.0.shortcut.bn.running_var" in wa, "checkpoints include BN running stats");
  c.setWeights(wa);
  assert.deepEqual(c.getWeights(), wa);
  const x = cubes(2, 5);
  assert.deepEqual(
    tf.tidy(() => c.apply(x, { training: false }).logits.arraySync()),
    tf.tidy(() => a.apply(x, { training: false }).logits.arraySync()),
  );
  const broken = { ...wa, "head.weight": { shape: [3, 2], data: new Float32Array(6) } };
  assert.throws(() => c.setWeights(broken), /"head.weight" has shape \[3,2\] but the model expects \[8,2\]/);
  const missing = { ...wa };
  delete missing["stem.0.bn.running_mean"];
  assert.throws(() => c.setWeights(missing), /missing: stem.0.bn.running_mean/);
  x.dispose();
  for (const m of [a, b, c]) m.dispose();
});

test("a training step inside optimizer.minimize updates weights and BN running stats (PyTorch momentum 0.1)", async () => {
  await initBackend({ backend: "cpu", quiet: true });
  const net = createModel(SMALL, { seed: 2 });
  const x = cubes(2, 9);
  const before = net.getWeights();
  // Expected running mean of the first BN after one step: 0.9 * 0 + 0.1 * batch mean of conv(x).
  const batchMean = tf.tidy(() => {
    const w = tf.tensor5d(before["stem.0.conv.weight"].data, before["stem.0.conv.weight"].shape as [number, number, number, number, number]);
    const y = tf.add(tf.conv3d(x, w, 1, "same"), tf.tensor(before["stem.0.conv.bias"].data));
    return tf.mean(y, [0, 1, 2, 3]).dataSync();
  });
  const opt = tf.train.sgd(0.1);
  const vars = net.trainableVariables;
  assert.ok(vars.every((v) => v.trainable));
  const loss = opt.minimize(() => aSoftmaxLoss(net.apply(x, { training: true }) as { cos: tf.Tensor2D; psi: tf.Tensor2D }, [0, 1], { iteration: 1 }), true, vars)!;
  assert.ok(Number.isFinite(loss.dataSync()[0]));
  const after = net.getWeights();
  const rm = after["stem.0.bn.running_mean"].data;
  for (let i = 0; i < rm.length; i++) assert.ok(Math.abs(rm[i] - 0.1 * batchMean[i]) < 1e-5, `running_mean[${i}]`);
  assert.notDeepEqual(after["head.weight"].data, before["head.weight"].data);
  assert.notDeepEqual(after["stem.0.conv.weight"].data, before["stem.0.conv.weight"].data);
  // Eval forwards and updateStats:false leave running stats alone.
  tf.tidy(() => {
    net.apply(x, { training: false });
    net.apply(x, { training: true, updateStats: false });
  });
  assert.deepEqual(net.getWeights()["stem.0.bn.running_mean"].data, rm);
  loss.dispose();
  x.dispose();
  opt.dispose();
  net.dispose();
});

test("linear head returns logits only and trains with softmax cross-entropy", async () => {
  await initBackend({ backend: "cpu", quiet: true });
  const net = createModel(SMALL, { seed: 4, head: "linear", attention: "cbam" });
  const x = cubes(2, 3);
  const out = net.apply(x, { training: true, updateStats: false, returnAttention: true });
  assert.equal(out.cos, undefined);
  assert.deepEqual(out.logits.shape, [2, 2]);
  assert.equal(out.attention!.length, 4);
  const { grads, value } = tf.variableGrads(() => softmaxCrossEntropy(net.apply(x, { training: true }).logits, [1, 0]), net.trainableVariables);
  assert.equal(Object.keys(grads).length, net.trainableVariables.length);
  assert.ok(Object.values(grads).every((g) => g.dataSync().every(Number.isFinite)));
  tf.dispose([x, value, ...Object.values(grads)]);
  net.dispose();
});

test("apply rejects inputs that are not [N,32,32,32,1]", async () => {
  await initBackend({ backend: "cpu", quiet: true });
  const net = createModel(SMALL, { seed: 1 });
  const x = tf.zeros([1, 16, 16, 16, 1]) as tf.Tensor5D;
  assert.throws(() => net.apply(x, { training: false }), /input must be \[N, 32, 32, 32, 1\] \(NDHWC\), got \[1,16,16,16,1\]/);
  x.dispose();
  net.dispose();
});

test("lastStageHook sees the last stage's 4^3 output and its return value replaces it", async () => {
  await initBackend({ backend: "cpu", quiet: true });
  const net = createModel(SMALL, { seed: 6 });
  const x = cubes(1, 2);
  tf.tidy(() => {
    let seen: number[] = [];
    const base = net.apply(x, { training: false, lastStageHook: (h) => ((seen = h.shape), h) });
    assert.deepEqual(seen, [1, 4, 4, 4, 8]);
    const plain = net.apply(x, { training: false });
    assert.deepEqual(base.logits.arraySync(), plain.logits.arraySync());
    // Doubling the map doubles the pooled features (the pool is a mean).
    const doubled = net.apply(x, { training: false, lastStageHook: (h) => tf.mul(h, 2) as tf.Tensor5D });
    const f0 = plain.features.dataSync();
    const f1 = doubled.features.dataSync();
    for (let i = 0; i < f0.length; i++) assert.ok(Math.abs(f1[i] - 2 * f0[i]) <= 1e-5 * Math.abs(f0[i]) + 1e-6, `${f1[i]} vs 2 x ${f0[i]}`);
  });
  x.dispose();
  net.dispose();
});

test("getWeights returns copies: mutating them does not change the model", async () => {
  await initBackend({ backend: "cpu", quiet: true });
  const net = createModel(SMALL, { seed: 8 });
  const w = net.getWeights();
  const orig = w["head.weight"].data[0];
  w["head.weight"].data[0] = 1234;
  assert.equal(net.getWeights()["head.weight"].data[0], orig);
  net.dispose();
});

test("invalid configs are rejected with the field named", async () => {
  await initBackend({ backend: "cpu", quiet: true });
  const bad = { stem: [4, 4], stages: [[8], [16]], attention: "reference", head: "asoftmax" } as unknown as ConvResConfig;
  assert.throws(() => new ConvResNet(bad, { seed: 1 }), /ConvResNet config: stages must be three lists of widths/);
  const noStem = { stages: [[8], [16], [32]], attention: "reference", head: "asoftmax" } as unknown as ConvResConfig;
  assert.throws(() => new ConvResNet(noStem, { seed: 1 }), /stem must be two widths/);
});
