import { test } from "node:test";
import assert from "node:assert/strict";
import { flipCube, RandomFlip } from "../../src/augment/flip";
import { RandomPadCrop, shiftCube } from "../../src/augment/randomCrop";
import { RandomZeroOut } from "../../src/augment/zeroOut";
import { buildAugmentation, referenceAugment } from "../../src/augment/compose";
import { assembleBatch } from "../../src/augment/batch";
import { InlineBatchLoader, WorkerBatchLoader, augmentWorkerScript, prefetchBatches } from "../../src/augment/loader";
import { createRng } from "../../src/util/rng";

const n = 6;
const idx = (z: number, y: number, x: number) => (z * n + y) * n + x;
const ramp = () => Float32Array.from({ length: n ** 3 }, (_, i) => i);

test("flips mirror exactly one axis and are involutions", () => {
  const c = ramp();
  const fx = flipCube(c, n, "x");
  const fy = flipCube(c, n, "y");
  const fz = flipCube(c, n, "z");
  assert.equal(fx[idx(1, 2, 0)], c[idx(1, 2, n - 1)]);
  assert.equal(fy[idx(1, 0, 3)], c[idx(1, n - 1, 3)]);
  assert.equal(fz[idx(0, 2, 3)], c[idx(n - 1, 2, 3)]);
  for (const a of ["x", "y", "z"] as const) assert.deepEqual(flipCube(flipCube(c, n, a), n, a), c);
});

test("shiftCube moves content and fills the uncovered border", () => {
  const c = ramp();
  const s = shiftCube(c, n, -2, 0, -1, 170);
  // out[z][y][x] = in[z-2][y][x-1]
  assert.equal(s[idx(3, 4, 2)], c[idx(1, 4, 1)]);
  assert.equal(s[idx(1, 4, 2)], 170);
  assert.equal(s[idx(3, 4, 0)], 170);
  assert.deepEqual(shiftCube(c, n, 0, 0, 0, 0), c);
});

test("reference pad-crop: content shifts by 0..2 toward higher indices, low side filled with 170/255", () => {
  const t = new RandomPadCrop({ padding: 4, mode: "reference" });
  const c = ramp();
  const seenShifts = new Set<number>();
  for (let s = 0; s < 60; s++) {
    const out = t.setRng(createRng(s, "crop")).apply(c, n);
    // find where voxel (0,0,0)'s value went: the shift along x is its new x
    const at = out.indexOf(c[idx(0, 0, 0)]);
    if (at >= 0) seenShifts.add(at % n);
    // every voxel is either original content or the fill
    for (const v of out) assert.ok(v === Math.fround(170 / 255) || (Number.isInteger(v) && v >= 0));
    // nothing from the high side is ever padded: voxel (n-1,n-1,n-1) always holds content
    assert.notEqual(out[idx(n - 1, n - 1, n - 1)], Math.fround(170 / 255));
  }
  assert.deepEqual([...seenShifts].sort(), [0, 1, 2]);
});

test("symmetric pad-crop can shift both ways", () => {
  const t = new RandomPadCrop({ padding: 2, mode: "symmetric", fill: -1 });
  let low = false;
  let high = false;
  for (let s = 0; s < 40; s++) {
    const out = t.setRng(createRng(s, "crop")).apply(ramp(), n);
    if (out[idx(0, 0, 0)] === -1) low = true;
    if (out[idx(n - 1, n - 1, n - 1)] === -1) high = true;
  }
  assert.ok(low && high);
});

test("zero-out sets exactly one size^3 block", () => {
  const c = Float32Array.from({ length: n ** 3 }, () => 1);
  const out = new RandomZeroOut(2, 0).setRng(createRng(1, "z")).apply(c, n);
  assert.equal(out.filter((v) => v === 0).length, 8);
  assert.equal(c.filter((v) => v === 0).length, 0, "input untouched");
});

test("random flip is seeded and flips about half the time", () => {
  const f = new RandomFlip("x");
  let flips = 0;
  for (let s = 0; s < 200; s++) if (f.setRng(createRng(s, "f")).apply(ramp(), n)[0] !== 0) flips++;
  assert.ok(flips > 70 && flips < 130, `${flips}`);
});

test("pipeline output depends only on (seed, key); batches are reproducible", () => {
  const p = buildAugmentation(referenceAugment)!;
  const c = ramp();
  const a = p.reseed(5, "3:7").apply(c, n);
  p.reseed(5, "0:0").apply(c, n); // draws elsewhere do not matter
  assert.deepEqual(p.reseed(5, "3:7").apply(c, n), a);
  assert.notDeepEqual(p.reseed(5, "3:8").apply(c, n), a);
  assert.equal(buildAugmentation({ ...referenceAugment, enabled: false }), null);
  const src = { crops: [ramp(), ramp().map((v) => v * 2)], labels: [0, 1], n };
  const b1 = assembleBatch(src, [1, 0], { config: referenceAugment, seed: 1, epoch: 2, position: 4 });
  const b2 = assembleBatch(src, [1, 0], { config: referenceAugment, seed: 1, epoch: 2, position: 4 });
  assert.deepEqual(b1, b2);
  assert.deepEqual(Array.from(b1.labels), [1, 0]);
  assert.deepEqual(assembleBatch(src, [1], null).x, src.crops[1]);
  assert.throws(() => assembleBatch({ crops: [new Float32Array(5)], labels: [0], n }, [0], null), /sample 0 has 5 voxels/);
});

test("worker-thread loader gives the same bytes as inline assembly, in order", { skip: !augmentWorkerScript() }, async () => {
  const src = { crops: Array.from({ length: 6 }, (_, i) => ramp().map((v) => v + i)), labels: [0, 1, 0, 1, 0, 1], n };
  const opts = { augment: referenceAugment, seed: 3 };
  const reqs = [0, 2, 4].map((p) => ({ indices: [p, p + 1], epoch: 1, position: p, augment: true }));
  const inline = new InlineBatchLoader(src, opts);
  const worker = new WorkerBatchLoader(src, opts, augmentWorkerScript() as string);
  try {
    const a = [];
    for await (const b of prefetchBatches(inline, reqs)) a.push(b);
    const w = [];
    for await (const b of prefetchBatches(worker, reqs, 2)) w.push(b);
    assert.equal(w.length, 3);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(Array.from(w[i].x), Array.from(a[i].x));
      assert.deepEqual(w[i].indices, reqs[i].indices);
    }
  } finally {
    await worker.close();
  }
});
