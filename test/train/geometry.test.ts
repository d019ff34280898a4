import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { angleGeometry, FeatureNet2D, psiOf } from "../../src/train/geometry";
import { cosMultipleAngle } from "../../src/models/layers/heads";
import { recipes } from "../../src/plot/figures/training";
import { trainingCurvesFigure } from "../../src/plot/training";
import { toySamples } from "./helpers";

test("psi(theta) is SphereFace's monotone extension of cos(m theta)", () => {
  // psi(0) = 1, psi(pi/4) = cos(pi) = -1 with k = 0 -> boundary: k = 1 gives -cos(pi) - 2 = -1
  assert.ok(Math.abs(psiOf(0) - 1) < 1e-12);
  assert.ok(Math.abs(psiOf(Math.PI / 4) - -1) < 1e-12);
  assert.ok(Math.abs(psiOf(Math.PI) - -7) < 1e-9, `${psiOf(Math.PI)}`);
  for (let t = 0.01; t < Math.PI; t += 0.01) assert.ok(psiOf(t) < psiOf(t - 0.01) + 1e-12, "monotone decreasing");
  // agrees with the model head's Chebyshev cos(4 theta) where k = 0
  const c = Math.cos(0.3);
  const cos4 = (cosMultipleAngle(tf.scalar(c), 4).dataSync() as Float32Array)[0];
  assert.ok(Math.abs(cos4 - psiOf(0.3)) < 1e-5);
});

test("angleGeometry: angles to own and other class weights are consistent with the features", () => {
  const net = new FeatureNet2D(3);
  const s = toySamples(6, 2);
  const g = angleGeometry(net, s);
  assert.equal(g.features.length, 6);
  for (const w of g.weights) assert.ok(Math.abs(Math.hypot(w[0], w[1]) - 1) < 1e-6);
  g.features.forEach((f, i) => {
    const own = g.weights[g.labels[i]];
    const cos = (f[0] * own[0] + f[1] * own[1]) / Math.hypot(f[0], f[1]);
    assert.ok(Math.abs(Math.cos((g.thetaTarget[i] * Math.PI) / 180) - cos) < 1e-6);
    assert.ok(g.thetaOther[i] >= 0 && g.thetaOther[i] <= 180);
  });
  net.dispose();
});

test("training figure recipes build and the curve figure marks the selected epoch", async () => {
  const instant = recipes.filter((r) => !r.trains);
  assert.deepEqual(instant.map((r) => r.name), ["03_asoftmax_target_logit", "03_reference_lr_schedule"]);
  // The ones that train are built by notebook 03 (executed in the notebook tests).
  assert.deepEqual(
    recipes.filter((r) => r.trains).map((r) => r.name),
    ["03_feature_plane_asoftmax", "03_feature_plane_asoftmax_reference", "03_feature_angles", "03_cv_training_curves_fold0", "03_cv_training_curves_fold1", "03_cv_roc"],
  );
  for (const r of instant) {
    const { figure } = await r.build();
    assert.ok(figure.data.length >= 2);
  }
  const lr = (await recipes[1].build()).figure.data[0].y as number[];
  assert.equal(lr.length, 400);
  assert.equal(lr[328], 0.01);
  assert.ok(lr[329] < 0.01);
  const rec = { lr: 0.01, step: 1, trainLoss: 1, trainAccuracy: 0.5, valLoss: 0.7, valAccuracy: 0.5, valAuc: 0.5, seconds: 1 };
  const fig = trainingCurvesFigure([
    { ...rec, epoch: 0, best: true },
    { ...rec, epoch: 1, best: false },
  ]);
  const star = fig.data.find((d) => d.name === "selected");
  assert.deepEqual(star?.x, [1]);
});
