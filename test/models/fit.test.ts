import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/backend/select";
import { createModel } from "../../src/models/registry";
import { aSoftmaxLoss } from "../../src/losses/aSoftmax";

// End-to-end sanity of the layers' gradients in an optimisation loop: a tiny ConvRes with the
// reference attention and the A-Softmax margin learns bright-centre vs dark-centre cubes.
test("a tiny ConvRes fits a separable toy problem with A-Softmax (loss falls, train accuracy 1)", async () => {
  await initBackend({ backend: "cpu", quiet: true });
  const net = createModel("s2.2-4-4-4", { seed: 21 });
  const labels = [0, 1, 0, 1];
  const x = tf.tidy(() => {
    const noise = tf.randomNormal([4, 32, 32, 32, 1], 0, 0.3, "float32", 5);
    const centre = tf.pad(tf.ones([1, 8, 8, 8, 1]), [[0, 0], [12, 12], [12, 12], [12, 12], [0, 0]]);
    const sign = tf.tensor(labels.map((l) => (l ? 1 : -1)), [4, 1, 1, 1, 1]);
    return tf.add(noise, tf.mul(centre, sign)) as tf.Tensor5D;
  });
  const opt = tf.train.adam(0.01);
  const losses: number[] = [];
  for (let it = 1; it <= 8; it++) {
    const loss = opt.minimize(() => aSoftmaxLoss(net.apply(x, { training: true }) as { cos: tf.Tensor2D; psi: tf.Tensor2D }, labels, { iteration: it * 200 }), true, net.trainableVariables)!;
    losses.push(loss.dataSync()[0]);
    loss.dispose();
  }
  assert.ok(losses.every(Number.isFinite));
  assert.ok(losses[losses.length - 1] < 0.5 * losses[0], `losses ${losses.map((l) => l.toFixed(3)).join(" ")}`);
  const pred = tf.tidy(() => net.apply(x, { training: true, updateStats: false }).logits.argMax(1).arraySync() as number[]);
  assert.deepEqual(pred, labels);
  x.dispose();
  opt.dispose();
  net.dispose();
});
