import { test } from "node:test";
import assert from "node:assert/strict";
import { cropStart, extractCrop } from "../../src/preprocess/crop";
import type { Volume } from "../../src/io/volume";
import { voxelToWorld } from "../../src/io/volume";

function indexVolume(n: number): Volume {
  const data = new Float32Array(n * n * n).map((_, i) => i);
  return { data, shape: [n, n, n], spacing: [1, 1, 1], origin: [-5, 3, 100], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
}

test("a crop centred inside the volume copies voxels [c - size/2, c + size/2)", () => {
  const v = indexVolume(40);
  const centre = voxelToWorld(v, [20, 21, 22]);
  assert.deepEqual(cropStart(v, centre, 32), [4, 5, 6]);
  const c = extractCrop(v, centre, 32, 170);
  assert.equal(c.length, 32 ** 3);
  // Crop voxel (x=0,y=0,z=0) is volume voxel (4,5,6); (16,16,16) is the centre.
  assert.equal(c[0], (6 * 40 + 5) * 40 + 4);
  assert.equal(c[(16 * 32 + 16) * 32 + 16], (22 * 40 + 21) * 40 + 20);
  // Fractional centres round to the nearest voxel.
  assert.deepEqual(cropStart(v, voxelToWorld(v, [20.4, 20.6, 21.5]), 32), [4, 5, 6]);
});

test("a crop at the corner is padded with the pad value exactly where it leaves the volume", () => {
  const v = indexVolume(20);
  const c = extractCrop(v, voxelToWorld(v, [0, 0, 0]), 32, 170);
  let padded = 0;
  for (let k = 0; k < 32; k++)
    for (let j = 0; j < 32; j++)
      for (let i = 0; i < 32; i++) {
        const x = i - 16;
        const y = j - 16;
        const z = k - 16;
        const inside = x >= 0 && y >= 0 && z >= 0 && x < 20 && y < 20 && z < 20;
        const val = c[(k * 32 + j) * 32 + i];
        if (inside) assert.equal(val, (z * 20 + y) * 20 + x);
        else {
          assert.equal(val, 170);
          padded++;
        }
      }
  assert.equal(padded, 32 ** 3 - 16 ** 3);
  // Entirely outside: all padding.
  assert.ok(extractCrop(v, [1000, 1000, 1000], 8, -1).every((x) => x === -1));
});

test("bad crop requests are named errors", () => {
  const v = indexVolume(4);
  assert.throws(() => extractCrop(v, [NaN, 0, 0]), /not finite/);
  assert.throws(() => extractCrop(v, [0, 0, 0], 0), /positive integer/);
});

test("subVolume keeps geometry: a crop of the sub-volume equals the crop of the whole", async () => {
  const { subVolume } = await import("../../src/preprocess/crop");
  const v = indexVolume(40);
  const centre = voxelToWorld(v, [20, 21, 22]);
  const sub = subVolume(v, centre, 18);
  assert.ok(sub.shape[0] < 40);
  assert.deepEqual(sub.origin, voxelToWorld(v, [2, 3, 4]));
  assert.deepEqual(Array.from(extractCrop(sub, centre, 32, -1)), Array.from(extractCrop(v, centre, 32, -1)));
  assert.throws(() => subVolume(v, [1e6, 0, 0], 5), /outside the volume/);
});
