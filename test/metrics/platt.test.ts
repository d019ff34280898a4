import { test } from "node:test";
import assert from "node:assert/strict";
import { applyPlatt, fitPlatt } from "../../src/metrics/platt";
import { auc } from "../../src/metrics/auc";
import { createRng } from "../../src/util/rng";

test("Platt scaling recovers a known miscalibration and keeps the ranking", () => {
  const rng = createRng(3, "platt");
  const z = Array.from({ length: 4000 }, () => 2 * rng.normal());
  const labels = z.map((v) => (rng.next() < 1 / (1 + Math.exp(-v)) ? 1 : 0));
  // An overconfident, shifted model: p = sigmoid(3 z + 2).
  const probs = z.map((v) => 1 / (1 + Math.exp(-(3 * v + 2))));
  const s = fitPlatt(labels, probs);
  const fixed = applyPlatt(s, probs);
  z.forEach((v, i) => {
    if (i % 400 === 0) assert.ok(Math.abs(fixed[i] - 1 / (1 + Math.exp(-v))) < 0.06, `${fixed[i]} vs ${1 / (1 + Math.exp(-v))}`);
  });
  assert.equal(auc(labels, fixed), auc(labels, probs));
  const mean = (a: ArrayLike<number>) => Array.from(a).reduce((x, y) => x + y, 0) / a.length;
  assert.ok(Math.abs(mean(fixed) - mean(labels)) < 0.01, "calibrated mean matches the base rate");
  assert.throws(() => fitPlatt([1, 1, 1], [0.2, 0.4, 0.9]), /needs both classes/);
});
