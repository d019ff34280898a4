import { test } from "node:test";
import assert from "node:assert/strict";
import { resizeTrilinear, normaliseMap, relativeDensity } from "../../src/explain/resize";

test("trilinear resize keeps a constant volume constant", () => {
  const out = resizeTrilinear(new Float32Array(8).fill(3), [2, 2, 2], [5, 7, 3]);
  assert.equal(out.length, 105);
  assert.ok(out.every((v) => Math.abs(v - 3) < 1e-6));
});

test("trilinear resize reproduces a linear ramp between voxel centres (align_corners=False)", () => {
  // 1-D along x: values 0, 1 at centres 0, 1 -> upsampled 2 -> 4: source coords -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped 1).
  const out = resizeTrilinear([0, 1], [1, 1, 2], [1, 1, 4]);
  assert.deepEqual(Array.from(out), [0, 0.25, 0.75, 1]);
  // Golden from torch.nn.functional.interpolate(torch.arange(8.).view(1,1,2,2,2), size=(4,4,4), mode="trilinear", align_corners=False)[0,0,1]:
  //   [[1.0,1.25,1.75,2.0],[1.5,1.75,2.25,2.5],[2.5,2.75,3.25,3.5],[3.0,3.25,3.75,4.0]]
  const cube = resizeTrilinear([0, 1, 2, 3, 4, 5, 6, 7], [2, 2, 2], [4, 4, 4]);
  const z1 = Array.from(cube.subarray(16, 32));
  assert.deepEqual(z1, [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4]);
});

test("trilinear resize to the same size is the identity, and a 4^3 map up to 32^3 keeps its peak central", () => {
  const v = Float32Array.from({ length: 27 }, (_, i) => i * 0.5);
  assert.deepEqual(Array.from(resizeTrilinear(v, [3, 3, 3], [3, 3, 3])), Array.from(v));
  const m = new Float32Array(64);
  for (const z of [1, 2]) for (const y of [1, 2]) for (const x of [1, 2]) m[(z * 4 + y) * 4 + x] = 1;
  const up = resizeTrilinear(m, [4, 4, 4], [32, 32, 32]);
  const at = (z: number, y: number, x: number) => up[(z * 32 + y) * 32 + x];
  assert.equal(at(15, 15, 15), 1);
  assert.equal(at(16, 16, 16), 1);
  assert.equal(at(0, 0, 0), 0);
  assert.ok(Math.abs(at(15, 16, 2) - at(16, 15, 29)) < 1e-6, "symmetric about the centre");
});

test("resize rejects a length that does not match the shape", () => {
  assert.throws(() => resizeTrilinear(new Float32Array(7), [2, 2, 2], [4, 4, 4]), /7 values for a \[2,2,2\] volume/);
  assert.throws(() => resizeTrilinear(new Float32Array(8), [2, 2, 2], [0, 4, 4]), /positive integers/);
});

test("normaliseMap rescales to [0, 1] and maps a constant to zeros", () => {
  assert.deepEqual(Array.from(normaliseMap([2, 4, 6])), [0, 0.5, 1]);
  assert.deepEqual(Array.from(normaliseMap([5, 5])), [0, 0]);
});

test("relativeDensity: value over the mean, so a uniform map is 1 everywhere (chance) and an all-zero map too", () => {
  assert.deepEqual(Array.from(relativeDensity([1, 1, 2, 4])), [0.5, 0.5, 1, 2]);
  assert.deepEqual(Array.from(relativeDensity([3, 3, 3])), [1, 1, 1]);
  assert.deepEqual(Array.from(relativeDensity([0, 0])), [1, 1]);
  // A nearly flat gate stays near chance (min-max scaling would stretch it to [0, 1]).
  const flat = relativeDensity([0.5, 0.501, 0.499, 0.5]);
  assert.ok(flat.every((v) => Math.abs(v - 1) < 0.01));
});
