import { test } from "node:test";
import assert from "node:assert/strict";
import { resampleIsotropic, resampleTo, sampleTrilinear } from "../../src/preprocess/resample";
import type { Volume } from "../../src/io/volume";
import { voxelToWorld } from "../../src/io/volume";

/** A volume whose value is a linear function of the world position. */
function ramp(shape: [number, number, number], spacing: [number, number, number], origin: [number, number, number] = [10, -20, -300]): Volume {
  const [nz, ny, nx] = shape;
  const data = new Float32Array(nz * ny * nx);
  const v: Volume = { data, shape, spacing, origin, direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const [x, y, z] = voxelToWorld(v, [i, j, k]);
        data[(k * ny + j) * nx + i] = 2 * x - 3 * y + 0.5 * z;
      }
  return v;
}

test("resampling a linear ramp is exact (trilinear reproduces linear functions)", () => {
  const v = ramp([9, 11, 13], [2.5, 0.7, 0.8]);
  const r = resampleIsotropic(v, 1);
  const [nz, ny, nx] = r.shape;
  let worst = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const [x, y, z] = voxelToWorld(r, [i, j, k]);
        worst = Math.max(worst, Math.abs(r.data[(k * ny + j) * nx + i] - (2 * x - 3 * y + 0.5 * z)));
      }
  assert.ok(worst < 1e-3, `max error ${worst}`);
});

test("output geometry: floor((n-1)*s/t)+1 voxels, same origin and direction, target spacing", () => {
  const v = ramp([9, 11, 13], [2.5, 0.7, 0.8]);
  const r = resampleIsotropic(v, 1);
  // z: 8*2.5 = 20 mm -> 21 voxels; y: 10*0.7 = 7 -> 8; x: 12*0.8 = 9.6 -> 10.
  assert.deepEqual(r.shape, [21, 8, 10]);
  assert.deepEqual(r.spacing, [1, 1, 1]);
  assert.deepEqual(r.origin, v.origin);
  assert.deepEqual(r.direction, v.direction);
  // Exactly divisible extents keep the last input sample: 4 * 0.5 mm -> 3 voxels at 1 mm.
  assert.deepEqual(resampleTo(ramp([5, 5, 5], [0.5, 0.5, 0.5]), [1, 1, 1]).shape, [3, 3, 3]);
});

test("resampling to the same spacing is the identity; values at input samples are kept", () => {
  const v = ramp([4, 5, 6], [1, 1, 1]);
  const r = resampleIsotropic(v, 1);
  assert.deepEqual(Array.from(r.data), Array.from(v.data));
  // 2 mm -> 1 mm: every other output voxel is an input voxel.
  const w = ramp([3, 3, 3], [2, 2, 2]);
  const u = resampleIsotropic(w, 1);
  assert.deepEqual(u.shape, [5, 5, 5]);
  assert.equal(u.data[(2 * 5 + 2) * 5 + 2], w.data[(1 * 3 + 1) * 3 + 1]);
  // Midpoint is the average of its neighbours.
  assert.ok(Math.abs(u.data[1] - (w.data[0] + w.data[1]) / 2) < 1e-4);
});

test("sampleTrilinear matches the ramp inside and returns `outside` beyond the grid", () => {
  const v = ramp([4, 5, 6], [1.5, 1, 1]);
  const [x, y, z] = voxelToWorld(v, [2.3, 1.7, 1.25]);
  assert.ok(Math.abs(sampleTrilinear(v, 2.3, 1.7, 1.25, -1) - (2 * x - 3 * y + 0.5 * z)) < 1e-3);
  assert.equal(sampleTrilinear(v, -0.1, 0, 0, -7), -7);
  assert.equal(sampleTrilinear(v, 0, 0, 3.01, -7), -7);
});

test("bad target spacing is a named error", () => {
  assert.throws(() => resampleTo(ramp([2, 2, 2], [1, 1, 1]), [1, 0, 1]), /target spacing must be > 0/);
});
