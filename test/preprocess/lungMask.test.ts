import { test } from "node:test";
import assert from "node:assert/strict";
import { convexHull, dilate6, label3d, lungMask } from "../../src/preprocess/lungMask";
import { prepareVolume } from "../../src/preprocess/prepare";
import type { Volume } from "../../src/io/volume";

const NZ = 12;
const NY = 64;
const NX = 72;

/**
 * A phantom chest: air outside a soft-tissue body ellipse, two lung ellipses (-850 HU) with a
 * vessel (+40 HU blob) inside the left lung, a juxta-pleural nodule bulging from the chest wall
 * into the right lung, and a rib (+700 HU) in the wall next to the left lung.
 */
function phantom(): Volume {
  const data = new Float32Array(NZ * NY * NX);
  for (let k = 0; k < NZ; k++)
    for (let j = 0; j < NY; j++)
      for (let i = 0; i < NX; i++) {
        const x = i - 35.5;
        const y = j - 31.5;
        let v = (x / 34) ** 2 + (y / 29) ** 2 <= 1 ? 40 : -1000;
        if (k > 0 && k < NZ - 1) {
          if (((x + 16) / 11) ** 2 + (y / 20) ** 2 <= 1) v = -850;
          if (((x - 16) / 11) ** 2 + (y / 20) ** 2 <= 1) v = -850;
          if ((x + 16) ** 2 + y ** 2 <= 4) v = 40; // vessel
          if ((x - 27) ** 2 + y ** 2 <= 16) v = 40; // juxta-pleural nodule on the right wall
        }
        if ((x + 29) ** 2 + (y + 2) ** 2 <= 2) v = 700; // rib next to the left lung
        data[(k * NY + j) * NX + i] = v;
      }
  return { data, shape: [NZ, NY, NX], spacing: [2, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
}

const at = (m: Uint8Array | Float32Array, k: number, x: number, y: number) => m[(k * NY + Math.round(y + 31.5)) * NX + Math.round(x + 35.5)];

test("lung mask on a phantom: two lungs, not the air outside, holes filled, mediastinum excluded", () => {
  const { mask, components } = lungMask(phantom());
  assert.equal(components, 2);
  assert.equal(at(mask, 5, -16.5, 10.5), 1); // left lung
  assert.equal(at(mask, 5, 16.5, -10.5), 1); // right lung
  assert.equal(at(mask, 5, -16.5, 0.5), 1); // the vessel inside is filled
  assert.equal(at(mask, 5, -35.5, -31.5), 0); // outside air
  assert.equal(at(mask, 5, 0.5, 0.5), 0); // mediastinum between the lungs
  assert.equal(at(mask, 0, -16.5, 0.5), 0); // slice without lung
});

test("per-slice convex hull keeps a juxta-pleural nodule inside the mask (reference process_mask)", () => {
  const masks = lungMask(phantom());
  const hull = masks.convex;
  const noHull = lungMask(phantom(), { convexHull: false }).convex;
  assert.equal(masks.mask[(5 * NY + 32) * NX + Math.round(24.5 + 35.5)], 0); // `mask` is un-hulled (reference Mask)
  // The nodule's inner half, within the lung's convex outline.
  assert.equal(noHull[(5 * NY + 32) * NX + Math.round(24.5 + 35.5)], 0);
  assert.equal(hull[(5 * NY + 32) * NX + Math.round(24.5 + 35.5)], 1);
});

test("dilation uses the 6-neighbour cross: L1 ball of radius = iterations", () => {
  const m = new Uint8Array(11 * 11 * 11);
  m[(5 * 11 + 5) * 11 + 5] = 1;
  const d = dilate6(m, [11, 11, 11], 2);
  assert.equal(d.reduce((a, b) => a + b, 0), 25); // (2r+1)(2r^2+2r+3)/3 for r = 2
  assert.equal(d[(5 * 11 + 5) * 11 + 7], 1);
  assert.equal(d[(5 * 11 + 6) * 11 + 6], 1);
  assert.equal(d[(6 * 11 + 6) * 11 + 6], 0); // L1 distance 3
});

test("reference preprocessing: outside the dilated mask -> 170, bone in the ring -> 170, lungs windowed", () => {
  const v = phantom();
  const p = prepareVolume(v, { dilateIterations: 3 });
  const r = p.volume; // 1 mm isotropic
  assert.deepEqual(r.spacing, [1, 1, 1]);
  const w = (k: number, x: number, y: number) => r.data[(k * r.shape[1] + Math.round(y + 31.5)) * r.shape[2] + Math.round(x + 35.5)];
  assert.equal(w(10, -35.5, -31.5), 170); // air outside the body
  assert.equal(w(10, 0.5, 0.5), 170); // mediastinum, > 3 voxels from the lungs
  assert.equal(w(10, -16.5, 10.5), 49); // lung: floor((-850+1200)/1800*255)
  assert.equal(w(10, -29, -2), 170); // rib in the dilation ring: > 210 -> 170
  const m = prepareVolume(v, { preprocess: "modern" });
  assert.equal(m.pad, -1000);
  const mw = (k: number, x: number, y: number) => m.volume.data[(k * m.volume.shape[1] + Math.round(y + 31.5)) * m.volume.shape[2] + Math.round(x + 35.5)];
  assert.equal(mw(10, 0.5, 0.5), 40); // modern keeps the anatomy
  assert.equal(mw(10, -29, -2), 400); // clipped bone
});

test("no lungs is a named error; components and hull helpers", () => {
  const v = phantom();
  v.data.fill(40);
  assert.throws(() => lungMask(v), /no air region inside the body/);
  const bin = new Uint8Array([1, 1, 0, 0, 1, 0, 0, 0, 0]);
  const { sizes, touchesBorder } = label3d(bin, [1, 3, 3]);
  assert.deepEqual(sizes, [0, 3]);
  assert.deepEqual(touchesBorder, [false, true]);
  assert.deepEqual(
    convexHull([[0, 0], [2, 0], [1, 1], [2, 2], [0, 2], [1, 0]]),
    [[0, 0], [2, 0], [2, 2], [0, 2]],
  );
});
