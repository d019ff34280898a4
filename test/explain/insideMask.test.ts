import { test } from "node:test";
import assert from "node:assert/strict";
import { massInside, maskFraction, shuffledMassInside, summariseInsideMask } from "../../src/explain/insideMask";
import { noduleCentre, orthoSlices } from "../../src/explain/slices";

test("mass inside: hand case", () => {
  assert.equal(massInside([1, 3, 0, 4], [1, 0, 0, 1]), 5 / 8);
  assert.ok(Number.isNaN(massInside([0, 0], [1, 0])));
  assert.throws(() => massInside([1, -1], [1, 0]), /map\[1\] = -1/);
  assert.throws(() => massInside([1], [1, 0]), /1 voxels, mask 2/);
});

test("the mask volume fraction is the mean inside-mass of shuffled maps", () => {
  const mask = Uint8Array.from({ length: 1000 }, (_, i) => (i % 10 < 2 ? 1 : 0));
  const map = Float32Array.from({ length: 1000 }, (_, i) => (i * 7919) % 13);
  assert.equal(maskFraction(mask), 0.2);
  const s = shuffledMassInside(map, mask, 400, 1);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  assert.ok(Math.abs(mean - 0.2) < 0.01, `shuffled mean ${mean}`);
  assert.deepEqual(shuffledMassInside(map, mask, 3, 1), s.slice(0, 3), "seeded");
});

test("summary: a map focused on the mask beats the baseline, a uniform map equals it", () => {
  const masks: Uint8Array[] = [];
  const focused: Float32Array[][] = [];
  for (let k = 0; k < 6; k++) {
    const mask = Uint8Array.from({ length: 100 }, (_, i) => (i >= 10 * k && i < 10 * k + 10 ? 1 : 0));
    masks.push(mask);
    focused.push([Float32Array.from(mask, (m) => (m ? 0.9 : 0.1)), new Float32Array(100).fill(0.5)]);
  }
  const [f, u] = summariseInsideMask(["focused", "uniform"], focused, masks, { resamples: 200 });
  assert.equal(f.n, 6);
  assert.ok(Math.abs(f.meanBaseline - 0.1) < 1e-12);
  assert.ok(Math.abs(f.meanInside - 0.09 / (0.09 + 0.09)) < 1e-6);
  assert.ok(f.ci.lo > 0 && f.winRate === 1 && f.ratio > 4);
  assert.ok(Math.abs(u.meanDifference) < 1e-9 && u.winRate === 0);
});

test("nodule centre is the mask centroid (cube centre without a mask) and slices pass through it", () => {
  const size = 8;
  const mask = new Uint8Array(size ** 3);
  for (const z of [2, 3]) for (const y of [5, 6]) mask[(z * size + y) * size + 1] = 1;
  assert.deepEqual(noduleCentre(mask, size), [3, 6, 1]); // centroid (2.5, 5.5, 1) rounds half up
  assert.deepEqual(noduleCentre(undefined, size), [4, 4, 4]);
  assert.deepEqual(noduleCentre(new Uint8Array(size ** 3), size), [4, 4, 4]);
  const cube = Float32Array.from({ length: size ** 3 }, (_, i) => i);
  const s = orthoSlices(cube, size, [3, 6, 1]);
  assert.equal(s.axial[2][5], (3 * size + 2) * size + 5); // row y=2, col x=5 at z=3
  assert.equal(s.coronal[4][7], (4 * size + 6) * size + 7); // row z=4, col x=7 at y=6
  assert.equal(s.sagittal[0][2], (0 * size + 2) * size + 1); // row z=0, col y=2 at x=1
  assert.throws(() => orthoSlices(cube, size, [8, 0, 0]), /outside the 8\^3 cube/);
  assert.throws(() => orthoSlices(cube, 9, [0, 0, 0]), /512 voxels, expected 9\^3/);
});
