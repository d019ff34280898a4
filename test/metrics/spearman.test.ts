import { test } from "node:test";
import assert from "node:assert/strict";
import { averageRanks, spearman, spearmanWithCI } from "../../src/metrics/spearman";

// Expected values from scipy.stats (rankdata(method="average"), spearmanr) 1.x.
test("average ranks give ties the mean of their positions", () => {
  assert.deepEqual(averageRanks([10, 20, 10, 30]), [1.5, 3, 1.5, 4]);
  assert.deepEqual(averageRanks([3, 3, 3]), [2, 2, 2]);
});

test("spearman matches scipy, ties included", () => {
  assert.ok(Math.abs(spearman([1, 2, 3, 4], [1, 3, 2, 4]) - 0.8) < 1e-12);
  assert.ok(Math.abs(spearman([1, 1, 2], [1, 2, 3]) - 0.8660254037844387) < 1e-12);
  assert.ok(Math.abs(spearman([0.81, 0.85, 0.85, 0.9, 0.7], [0.88, 0.87, 0.89, 0.9, 0.86]) - 0.8207826816681234) < 1e-12);
  assert.equal(spearman([1, 2, 3], [3, 2, 1]), -1);
  assert.ok(Number.isNaN(spearman([1, 1, 1], [1, 2, 3])));
});

test("spearman refuses mismatched or non-finite input", () => {
  assert.throws(() => spearman([1, 2], [1]), /2 x values but 1 y values/);
  assert.throws(() => spearman([1, NaN], [1, 2]), /pair 1 is not finite/);
  assert.throws(() => spearman([1], [1]), /at least 2 pairs/);
});

test("the bootstrap interval holds the estimate, is seeded, and narrows with more pairs", () => {
  const x = Array.from({ length: 10 }, (_, i) => i);
  const y = x.map((v) => v + ((v * 7) % 5) - 2);
  const a = spearmanWithCI(x, y, { resamples: 500, seed: 3 });
  assert.ok(a.lo <= a.value && a.value <= a.hi, JSON.stringify(a));
  assert.deepEqual(spearmanWithCI(x, y, { resamples: 500, seed: 3 }), a);
  const X = Array.from({ length: 100 }, (_, i) => i);
  const Y = X.map((v) => v + ((v * 7) % 5) * 4 - 8);
  const b = spearmanWithCI(X, Y, { resamples: 500, seed: 3 });
  assert.ok(b.hi - b.lo < a.hi - a.lo, `${b.hi - b.lo} vs ${a.hi - a.lo}`);
});
