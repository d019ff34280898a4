import { test } from "node:test";
import assert from "node:assert/strict";
import { rocCurve } from "../../src/metrics/auc";
import { rocBand, tprAt } from "../../src/metrics/rocBand";
import { createRng } from "../../src/util/rng";

function scores(n: number, sep: number, seed: number): { labels: number[]; scores: number[] } {
  const rng = createRng(seed, "roc-band-test");
  const labels = Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
  return { labels, scores: labels.map((l) => l * sep + rng.normal()) };
}

test("tprAt reads the ROC step function: the highest sensitivity at or below a false positive rate", () => {
  const roc = rocCurve([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.1]);
  assert.equal(tprAt(roc, 0), 0.5);
  assert.equal(tprAt(roc, 0.49), 0.5);
  assert.equal(tprAt(roc, 0.5), 1);
  assert.equal(tprAt(roc, 1), 1);
});

test("rocBand: seeded, lo <= curve <= hi at most grid points, narrower with more data, ends pinned at 1", () => {
  const small = scores(60, 1.2, 1);
  const big = scores(1200, 1.2, 1);
  const a = rocBand(small.labels, small.scores, { resamples: 300, seed: 4 });
  assert.deepEqual(rocBand(small.labels, small.scores, { resamples: 300, seed: 4 }), a, "same seed, same band");
  assert.notDeepEqual(rocBand(small.labels, small.scores, { resamples: 300, seed: 5 }).lo, a.lo);
  assert.equal(a.fpr.length, 51);
  assert.ok(a.lo.every((v, i) => v <= a.hi[i]));
  assert.equal(a.hi[a.hi.length - 1], 1);
  const roc = rocCurve(small.labels, small.scores);
  const inside = a.fpr.filter((f, i) => tprAt(roc, f) >= a.lo[i] - 1e-9 && tprAt(roc, f) <= a.hi[i] + 1e-9).length;
  assert.ok(inside >= 0.9 * a.fpr.length, `the point estimate lies in its own band at ${inside}/${a.fpr.length} points`);
  const b = rocBand(big.labels, big.scores, { resamples: 300, seed: 4 });
  const width = (x: typeof a) => x.hi.slice(5, 45).reduce((s, v, i) => s + v - x.lo[i + 5], 0);
  assert.ok(width(b) < width(a) / 2, `20x the data gives a much narrower band (${width(b)} vs ${width(a)})`);
});
