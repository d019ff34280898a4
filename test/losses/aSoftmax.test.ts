import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/backend/select";
import { aSoftmaxLambda, aSoftmaxLoss, softmaxCrossEntropy } from "../../src/losses/aSoftmax";

test("lambda anneals as max(5, 1500 / (1 + 0.1 it))", () => {
  assert.equal(aSoftmaxLambda(0), 1500);
  assert.ok(Math.abs(aSoftmaxLambda(1) - 1500 / 1.1) < 1e-9);
  assert.equal(aSoftmaxLambda(10), 750);
  assert.ok(Math.abs(aSoftmaxLambda(2980) - 1500 / 299) < 1e-9);
  assert.equal(aSoftmaxLambda(2990), 5);
  assert.equal(aSoftmaxLambda(1e6), 5);
  assert.equal(aSoftmaxLambda(10, { lambdaBase: 100, gamma: 1, power: 2, lambdaMin: 0 }), 100 / 121);
  assert.throws(() => aSoftmaxLambda(-1), /iteration must be >= 0/);
});

test("A-Softmax replaces only the target logit by (lambda cos + psi) / (1 + lambda)", async () => {
  await initBackend({ backend: "cpu", quiet: true });
  const cos = [[1.5, -0.5], [0.2, 0.9]];
  const psi = [[-3.0, -1.0], [-2.5, 0.4]];
  const labels = [0, 1];
  const it = 100;
  const lam = 1500 / 11;
  let expected = 0;
  for (let i = 0; i < 2; i++) {
    const z = cos[i].slice();
    z[labels[i]] = (lam * cos[i][labels[i]] + psi[i][labels[i]]) / (1 + lam);
    const lse = Math.log(Math.exp(z[0]) + Math.exp(z[1]));
    expected += (lse - z[labels[i]]) / 2;
  }
  const out = { cos: tf.tensor2d(cos), psi: tf.tensor2d(psi) };
  const got = aSoftmaxLoss(out, labels, { iteration: it }).dataSync()[0];
  assert.ok(Math.abs(got - expected) < 1e-5, `${got} vs ${expected}`);
  // Reference behaviour: margin never applied -> plain cross-entropy on |x| cos.
  const ref = aSoftmaxLoss(out, tf.tensor1d(labels, "int32"), { iteration: it, applyMargin: false }).dataSync()[0];
  const ce = softmaxCrossEntropy(out.cos, labels).dataSync()[0];
  assert.ok(Math.abs(ref - ce) < 1e-7);
  assert.ok(got > ref, "the margin makes the loss larger (psi <= cos)");
  // At the lambda floor the margin weighs 1/6.
  const late = aSoftmaxLoss(out, labels, { iteration: 1e5 }).dataSync()[0];
  assert.ok(late > got);
  assert.throws(() => aSoftmaxLoss(out, [0, 1, 1], { iteration: 1 }), /labels must be a length-2 vector/);
  assert.throws(() => softmaxCrossEntropy(out.cos, [0, 2]), /labels\[1\] = 2 is not a class index in 0..1/);
  tf.dispose([out.cos, out.psi]);
});

test("focal exponent down-weights easy samples", async () => {
  await initBackend({ backend: "cpu", quiet: true });
  const out = { cos: tf.tensor2d([[3, -3], [0.1, 0]]), psi: tf.tensor2d([[2, -4], [-1, -1]]) };
  const plain = aSoftmaxLoss(out, [0, 0], { iteration: 1, applyMargin: false }).dataSync()[0];
  const focal = aSoftmaxLoss(out, [0, 0], { iteration: 1, applyMargin: false, focalGamma: 2 }).dataSync()[0];
  assert.ok(focal < plain);
  tf.dispose([out.cos, out.psi]);
});
