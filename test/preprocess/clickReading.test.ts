import { test } from "node:test";
import assert from "node:assert/strict";
import { readingFromClick } from "../../src/preprocess/clickReading";
import { windowValue } from "../../src/preprocess/window";
import { nonZeroBBox, placeInCube, LIDC_SLICE_PX, LIDC_SLICES_CUBE } from "../../src/data/lidcCube";
import type { Volume } from "../../src/io/volume";

const SHAPE: [number, number, number] = [30, 100, 100];
const SPACING: [number, number, number] = [2.5, 0.7, 0.7];
const CENTRE: [number, number, number] = [15, 50, 50];
const R = 5;
const LUNG = -800;

const r2 = (z: number, y: number, x: number, c = CENTRE) => (z - c[0]) ** 2 + (y - c[1]) ** 2 + (x - c[2]) ** 2;
const inSphere = (z: number, y: number, x: number, c = CENTRE) => r2(z, y, x, c) <= R * R;
/** HU inside the sphere: 600 at the centre (above the window) down to -450 at the rim (above -500). */
const sphereHu = (z: number, y: number, x: number, c = CENTRE) => 600 - 210 * Math.sqrt(r2(z, y, x, c));

/** A -800 HU volume with a sphere of radius 5 voxels (HU falling off from the centre) and optional extra tissue. */
function volume(extra?: (z: number, y: number, x: number) => number | undefined, shape = SHAPE, centre = CENTRE): Volume {
  const [nz, ny, nx] = shape;
  const data = new Float32Array(nz * ny * nx);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        let v = inSphere(z, y, x, centre) ? sphereHu(z, y, x, centre) : LUNG;
        const e = extra?.(z, y, x);
        if (e !== undefined && !inSphere(z, y, x, centre)) v = e;
        data[(z * ny + y) * nx + x] = v;
      }
  return { data, shape, spacing: SPACING, origin: [-10, 20, -300], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
}

function sphereVoxels(): number {
  let n = 0;
  for (let z = -R; z <= R; z++) for (let y = -R; y <= R; y++) for (let x = -R; x <= R; x++) if (z * z + y * y + x * x <= R * R) n++;
  return n;
}

const nonZero = (a: Uint8Array) => a.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0);

test("a sphere in lung: the stack is [slices,64,64] holding exactly the sphere, windowed to 1..255", () => {
  const hu = volume();
  const r = readingFromClick(hu, CENTRE);
  const n = sphereVoxels();
  assert.equal(n, 515); // the lattice sphere of radius 5
  assert.deepEqual(r.seed, CENTRE);
  assert.equal(r.voxels, n);
  assert.deepEqual(r.stack.shape, [2 * R + 1, LIDC_SLICE_PX, LIDC_SLICE_PX]);
  assert.equal(nonZero(r.stack.data), n);
  assert.equal(r.touchesBox, false);
  assert.deepEqual(r.extentMm, [11 * SPACING[0], 11 * SPACING[1], 11 * SPACING[2]]);
  // Every voxel of the stack: series voxel (z0+k, y0+j, x0+i), box 64 px centred on the click.
  const z0 = CENTRE[0] - R, y0 = CENTRE[1] - LIDC_SLICE_PX / 2, x0 = CENTRE[2] - LIDC_SLICE_PX / 2;
  const [, ny, nx] = SHAPE;
  let clipped = 0;
  for (let k = 0; k < 2 * R + 1; k++)
    for (let j = 0; j < LIDC_SLICE_PX; j++)
      for (let i = 0; i < LIDC_SLICE_PX; i++) {
        const z = z0 + k, y = y0 + j, x = x0 + i;
        const got = r.stack.data[(k * LIDC_SLICE_PX + j) * LIDC_SLICE_PX + i];
        if (!inSphere(z, y, x)) {
          assert.equal(got, 0, `voxel ${[z, y, x]} outside the sphere`);
          continue;
        }
        const v = hu.data[(z * ny + y) * nx + x];
        const want = Math.max(1, windowValue(v, [-1000, 400], true));
        assert.equal(got, want, `voxel ${[z, y, x]} (${v} HU)`);
        assert.ok(got >= 1 && got <= 255);
        if (got === 255) clipped++;
      }
  assert.ok(clipped > 0, "the centre (600 HU) is above the window and clipped to 255");
});

test("tissue below the window is kept as 1, not dropped as background", () => {
  // Window [0, 400]: the sphere's rim (-450..0 HU) maps to 0, which would read as background.
  const r = readingFromClick(volume(), CENTRE, { window: [0, 400] });
  assert.equal(nonZero(r.stack.data), sphereVoxels());
  assert.ok(r.stack.data.some((v) => v === 1));
});

test("a click elsewhere on the sphere gives the same reading", () => {
  const a = readingFromClick(volume(), CENTRE);
  const b = readingFromClick(volume(), [CENTRE[0] + 2, CENTRE[1] - 1, CENTRE[2] + 3]);
  assert.deepEqual(b.seed, [CENTRE[0] + 2, CENTRE[1] - 1, CENTRE[2] + 3]);
  assert.equal(b.voxels, a.voxels);
  // The box follows the click, so compare the segment after centring in the cube.
  assert.deepEqual(placeInCube(b.stack).cube, placeInCube(a.stack).cube);
});

test("a sphere touching a tissue slab that runs to the box edge: touchesBox", () => {
  // A 3-voxel slab x = 55..57 over every y and z: touches the sphere's rim at x = 55.
  const slab = (_z: number, _y: number, x: number) => (x >= CENTRE[2] + R && x <= CENTRE[2] + R + 2 ? 40 : undefined);
  const r = readingFromClick(volume(slab), CENTRE);
  assert.equal(r.touchesBox, true);
  assert.ok(r.voxels > sphereVoxels(), "the region grew into the slab");
  // The same sphere with one voxel of lung between it and the slab (not connected) does not leak.
  const apart = (_z: number, _y: number, x: number) => (x >= CENTRE[2] + R + 2 && x <= CENTRE[2] + R + 4 ? 40 : undefined);
  const s = readingFromClick(volume(apart), CENTRE);
  assert.equal(s.touchesBox, false);
  assert.equal(s.voxels, sphereVoxels());
});

test("a region reaching the image border (not the box edge) does not count as touching the box", () => {
  // A 20 x 40 x 40 image: the 64 px box is clamped to the image, and the slab ends at the image edge.
  const shape: [number, number, number] = [20, 40, 40];
  const c: [number, number, number] = [10, 20, 20];
  const slab = (_z: number, _y: number, x: number) => (x >= c[2] + R && x <= c[2] + R + 2 ? 40 : undefined);
  const r = readingFromClick(volume(slab, shape, c), c);
  assert.equal(r.touchesBox, false);
  assert.deepEqual(r.stack.shape, [20, LIDC_SLICE_PX, LIDC_SLICE_PX]);
  // The segment is the sphere plus the whole slab (20 x 40 x 3 voxels, less those inside the sphere).
  let slabVoxels = 0;
  for (let z = 0; z < 20; z++) for (let y = 0; y < 40; y++) for (let x = c[2] + R; x <= c[2] + R + 2; x++) if (!inSphere(z, y, x, c)) slabVoxels++;
  assert.equal(r.voxels, sphereVoxels() + slabVoxels);
  assert.equal(nonZero(r.stack.data), r.voxels);
});

test("a click 2 voxels off the sphere in lung: the seed moves onto the sphere", () => {
  const click: [number, number, number] = [CENTRE[0], CENTRE[1], CENTRE[2] + R + 2];
  const r = readingFromClick(volume(), click);
  assert.deepEqual(r.seed, [CENTRE[0], CENTRE[1], CENTRE[2] + R]);
  assert.equal(r.voxels, sphereVoxels());
  assert.equal(nonZero(r.stack.data), sphereVoxels());
});

test("a click far in air, or outside the series, throws a clear error", () => {
  const hu = volume();
  assert.throws(() => readingFromClick(hu, [15, 10, 10]), /no tissue above -500 HU/);
  assert.throws(() => readingFromClick(hu, [CENTRE[0], CENTRE[1], CENTRE[2] + R + 4]), /no tissue above/); // 4 > searchRadius 3
  assert.throws(() => readingFromClick(hu, [30, 50, 50]), /outside the series/);
  assert.throws(() => readingFromClick(hu, [15, -1, 50]), /outside the series/);
  assert.throws(() => readingFromClick(hu, [15, 50, 100]), /outside the series/);
});

test("placeInCube centres the clicked sphere at voxel (16,16,16) of the 32^3 cube", () => {
  const r = readingFromClick(volume(), CENTRE);
  const { cube, centre } = placeInCube(r.stack);
  const n = LIDC_SLICES_CUBE;
  const h = n / 2;
  assert.equal(h, 16);
  // The sphere's centre (600 HU -> 255) sits at the cube's centre voxel.
  assert.equal(cube[(h * n + h) * n + h], 1);
  assert.deepEqual(centre, [R, LIDC_SLICE_PX / 2, LIDC_SLICE_PX / 2]);
  // Its non-zero voxels span 16 +- 5 on every axis, and all of it fits.
  const bytes = new Uint8Array(cube.length);
  cube.forEach((v, i) => (bytes[i] = v > 0 ? 1 : 0));
  assert.deepEqual(nonZeroBBox({ data: bytes, shape: [n, n, n] }), [h - R, h + R, h - R, h + R, h - R, h + R]);
  assert.equal(nonZero(bytes), sphereVoxels());
  // Each cube voxel is the series voxel at the same offset from the sphere centre, /255.
  const hu = volume();
  const [, ny, nx] = SHAPE;
  for (const [dz, dy, dx] of [[0, 0, 0], [1, -2, 3], [-4, 0, 2], [0, 5, 0]]) {
    const v = hu.data[((CENTRE[0] + dz) * ny + CENTRE[1] + dy) * nx + CENTRE[2] + dx];
    assert.equal(cube[((h + dz) * n + h + dy) * n + h + dx], Math.fround(Math.max(1, windowValue(v, [-1000, 400], true)) / 255));
  }
});

test("the seed is looked for inside the box only: tissue within the search radius but beyond halfDepth slices is not a seed", () => {
  // The sphere spans z 10..20; a click at z 7 with halfDepth 1 boxes slices 6..8, which hold no
  // tissue, so the reading cannot be grown there (it used to seed at z 9 outside the box and
  // return one voxel and an all-zero stack).
  assert.throws(() => readingFromClick(volume(), [7, CENTRE[1], CENTRE[2]], { halfDepth: 1 }), /no tissue above -500 HU within 3 voxels/);
  const r = readingFromClick(volume(), [8, CENTRE[1], CENTRE[2]], { halfDepth: 3 });
  assert.deepEqual(r.seed, [10, CENTRE[1], CENTRE[2]], "a seed inside the box (slices 5..11) is still found");
  assert.equal(r.stack.shape[0], 2, "the region stays in the box: the sphere's slices 10 and 11");
});
