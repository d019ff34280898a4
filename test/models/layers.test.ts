import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/backend/select";
import { channelMax, finalAvgPool4, globalMaxPool3d } from "../../src/models/layers/pooling";
import { AngleLinear, cosMultipleAngle } from "../../src/models/layers/heads";
import { ParamStore } from "../../src/models/paramStore";
import { Conv3d } from "../../src/models/layers/conv3d";

test("max pools send the whole gradient to the first maximum on ties (PyTorch max-pool semantics)", async () => {
  await initBackend({ backend: "cpu", quiet: true });
  // One sample, 2x1x1 voxels, 2 channels: channel 0 ties at voxels 0 and 1; channel 1 does not.
  const x = tf.tensor5d([3, 1, 3, 5], [1, 2, 1, 1, 2]);
  const gSpatial = tf.grad((t: tf.Tensor) => tf.sum(globalMaxPool3d(t as tf.Tensor5D)))(x);
  assert.deepEqual(Array.from(gSpatial.dataSync()), [1, 0, 0, 1]);
  assert.deepEqual(Array.from(globalMaxPool3d(x).dataSync()), [3, 5]);
  const y = tf.tensor5d([2, 2, 0, 7], [1, 2, 1, 1, 2]);
  const gChannel = tf.grad((t: tf.Tensor) => tf.sum(channelMax(t as tf.Tensor5D)))(y);
  assert.deepEqual(Array.from(gChannel.dataSync()), [1, 0, 0, 1]);
  assert.deepEqual(channelMax(y).shape, [1, 2, 1, 1, 1]);
  tf.dispose([x, y, gSpatial, gChannel]);
});

test("the final avg-pool 4 is a global mean on the 4^3 map and refuses other sizes", async () => {
  await initBackend({ backend: "cpu", quiet: true });
  const x = tf.randomUniform([2, 4, 4, 4, 3], 0, 1, "float32", 1) as tf.Tensor5D;
  const got = finalAvgPool4(x).arraySync();
  const want = tf.mean(x, [1, 2, 3]).arraySync() as number[][];
  assert.deepEqual(got, want);
  assert.throws(() => finalAvgPool4(tf.zeros([1, 8, 8, 8, 3]) as tf.Tensor5D), /expects a 4x4x4 map/);
});

test("stride-2 conv pads symmetrically like PyTorch (not tfjs 'same', which pads only at the end)", async () => {
  await initBackend({ backend: "cpu", quiet: true });
  const store = new ParamStore(1);
  const conv = new Conv3d(store, "c", 1, 1, { kernel: 3, stride: 2, bias: false });
  conv.weight.assign(tf.ones([3, 3, 3, 1, 1]));
  const x = tf.ones([1, 4, 4, 4, 1]) as tf.Tensor5D;
  const y = conv.apply(x);
  assert.deepEqual(y.shape, [1, 2, 2, 2, 1]);
  // Output (0,0,0) sees the padded corner: 2x2x2 ones -> 8; tfjs 'same' would give 27.
  assert.equal(y.dataSync()[0], 8);
  assert.equal(y.dataSync()[7], 27);
  store.dispose();
});

test("cos(m theta) polynomials and psi(theta) = (-1)^k cos(4 theta) - 2k", async () => {
  await initBackend({ backend: "cpu", quiet: true });
  for (let m = 0; m <= 5; m++) {
    for (const th of [0.1, 0.9, 1.7, 2.9]) {
      const v = cosMultipleAngle(tf.scalar(Math.cos(th)), m).dataSync()[0];
      assert.ok(Math.abs(v - Math.cos(m * th)) < 1e-5, `m=${m} theta=${th}`);
    }
  }
  assert.throws(() => cosMultipleAngle(tf.scalar(0.5), 6), /margin m must be an integer 0..5/);
  const store = new ParamStore(3);
  const head = new AngleLinear(store, "head", 2, 1);
  head.weight.assign(tf.tensor2d([[1], [0]]));
  const thetas = [0.2, 1.0, 1.7, 2.5, 3.0];
  const x = tf.tensor2d(thetas.map((t) => [2 * Math.cos(t), 2 * Math.sin(t)]));
  const { cos, psi } = head.apply(x);
  const c = cos.dataSync();
  const p = psi.dataSync();
  thetas.forEach((t, i) => {
    const k = Math.floor((4 * t) / Math.PI);
    assert.ok(Math.abs(c[i] - 2 * Math.cos(t)) < 1e-5);
    assert.ok(Math.abs(p[i] - 2 * ((-1) ** k * Math.cos(4 * t) - 2 * k)) < 1e-4, `theta=${t}`);
  });
  // psi is monotonically decreasing in theta (what makes it a margin).
  for (let i = 1; i < p.length; i++) assert.ok(p[i] < p[i - 1]);
  store.dispose();
});

test("PyTorch-like init: conv/linear U(+-1/sqrt(fan_in)), BN (1, 0), running var 1, unit AngleLinear columns", async () => {
  await initBackend({ backend: "cpu", quiet: true });
  const store = new ParamStore(9);
  new Conv3d(store, "conv", 8, 16, { kernel: 3 });
  const head = new AngleLinear(store, "head", 32, 2);
  const w = store.getWeights();
  const bound = 1 / Math.sqrt(8 * 27);
  const cw = Array.from(w["conv.weight"].data);
  assert.deepEqual(w["conv.weight"].shape, [3, 3, 3, 8, 16]);
  assert.ok(cw.every((v) => Math.abs(v) <= bound));
  assert.ok(Math.max(...cw.map(Math.abs)) > 0.95 * bound, "uses the whole range");
  const mean = cw.reduce((a, b) => a + b, 0) / cw.length;
  assert.ok(Math.abs(mean) < 0.05 * bound);
  const variance = cw.reduce((a, b) => a + (b - mean) ** 2, 0) / cw.length;
  assert.ok(Math.abs(variance / (bound * bound / 3) - 1) < 0.1, "uniform variance b^2/3");
  assert.ok(Array.from(w["conv.bias"].data).every((v) => Math.abs(v) <= bound));
  const hw = head.weight.arraySync() as number[][];
  for (let j = 0; j < 2; j++) assert.ok(Math.abs(Math.hypot(...hw.map((r) => r[j])) - 1) < 1e-5);
  // Seeds derive from the parameter name: another store with the same seed reproduces it.
  const again = new ParamStore(9);
  new Conv3d(again, "conv", 8, 16, { kernel: 3 });
  assert.deepEqual(again.getWeights()["conv.weight"], w["conv.weight"]);
  assert.notEqual(again.params.get("conv.weight")!.name, store.params.get("conv.weight")!.name, "tf names are unique per store");
  assert.throws(() => new Conv3d(store, "conv", 8, 16, { kernel: 3 }), /duplicate parameter name "conv.weight"/);
  store.dispose();
  again.dispose();
});
