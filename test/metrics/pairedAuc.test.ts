import { test } from "node:test";
import assert from "node:assert/strict";
import { auc } from "../../src/metrics/auc";
import { pairedAucDifference } from "../../src/metrics/pairedAuc";
import { createRng } from "../../src/util/rng";

const rng = createRng(5, "paired-test");
const labels = Array.from({ length: 120 }, (_, i) => (i % 3 === 0 ? 1 : 0));
const good = labels.map((l) => l + 0.8 * rng.normal());
const weak = labels.map(() => rng.normal());

test("paired AUC difference: point values are the two AUCs and their difference", () => {
  const d = pairedAucDifference(labels, good, weak, { resamples: 300, seed: 1 });
  assert.equal(d.a.value, auc(labels, good));
  assert.equal(d.b.value, auc(labels, weak));
  assert.equal(d.delta, d.a.value - d.b.value);
  assert.ok(d.a.lo <= d.a.value && d.a.value <= d.a.hi);
  assert.ok(d.lo <= d.delta && d.delta <= d.hi);
  assert.ok(d.lo > 0, `a clearly better score: delta CI [${d.lo}, ${d.hi}] above 0`);
  assert.ok(d.winRate > 0.95);
});

test("paired AUC difference of a score with itself is exactly 0 in every resample; seeded", () => {
  const d = pairedAucDifference(labels, good, good, { resamples: 100, seed: 2 });
  assert.deepEqual([d.delta, d.lo, d.hi, d.winRate], [0, 0, 0, 0]);
  assert.deepEqual(pairedAucDifference(labels, good, weak, { resamples: 100, seed: 3 }), pairedAucDifference(labels, good, weak, { resamples: 100, seed: 3 }));
  // A monotone transform of a score ranks the same samples the same way.
  const e = pairedAucDifference(labels, good, good.map((v) => Math.exp(v)), { resamples: 100, seed: 2 });
  assert.deepEqual([e.delta, e.lo, e.hi], [0, 0, 0]);
});

test("paired AUC difference needs both classes", () => {
  assert.throws(() => pairedAucDifference([1, 1], [0.1, 0.2], [0.3, 0.4]), /needs both classes/);
});
