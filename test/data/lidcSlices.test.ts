import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { decode } from "fast-png";
import { readSampleCache, writeSampleCache } from "../../src/data/sampleCache";
import {
  lidcSlicesCacheKey,
  lidcSliceFold,
  lidcSlicesDir,
  loadLidcSlices,
  nonZeroBBox,
  placeInCube,
  radiomicsTable,
  readSliceStack,
} from "../../src/data/lidcSlices";
import type { NoduleSample } from "../../src/data/sample";

const DIR = lidcSlicesDir();

/** Rank AUC (Mann-Whitney, ties 1/2). */
function auc(scores: number[], labels: number[]): number {
  let s = 0;
  let np = 0;
  let nn = 0;
  scores.forEach((p, i) => {
    if (labels[i] !== 1) return;
    np++;
    scores.forEach((q, j) => {
      if (labels[j] !== 0) return;
      s += p > q ? 1 : p === q ? 0.5 : 0;
    });
  });
  nn = labels.filter((l) => l === 0).length;
  return s / (np * nn);
}

function cubeBBox(s: NoduleSample): number[] | null {
  const n = s.size;
  const b = [Infinity, -Infinity, Infinity, -Infinity, Infinity, -Infinity];
  for (let z = 0; z < n; z++)
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++)
        if (s.crop[(z * n + y) * n + x] !== 0) {
          b[0] = Math.min(b[0], z); b[1] = Math.max(b[1], z);
          b[2] = Math.min(b[2], y); b[3] = Math.max(b[3], y);
          b[4] = Math.min(b[4], x); b[5] = Math.max(b[5], x);
        }
  return b[0] === Infinity ? null : b;
}

test("the 697 real readings: counts, labels from folders, exam groups, protocol folds, radiomics join", () => {
  const ds = loadLidcSlices();
  assert.equal(ds.synthetic, false);
  assert.equal(ds.samples.length, 697); // SOURCE.md: this copy holds 697 of the 882 readings
  assert.equal(ds.samples.filter((s) => s.label === 0).length, 492);
  assert.equal(ds.samples.filter((s) => s.label === 1).length, 205);
  assert.equal(new Set(ds.samples.map((s) => s.group)).size, 399);
  assert.equal(new Set(ds.samples.map((s) => s.id)).size, 697);
  assert.deepEqual(ds.skipped, []);
  // Folds: sha1(exam)[0:8] mod 5 (values checked against Python's hashlib).
  assert.equal(lidcSliceFold("53453eb2e4b05911cd6db137"), 1);
  assert.equal(lidcSliceFold("53454253e4b05911cd6db2f0"), 3);
  const sizes = [0, 0, 0, 0, 0];
  const mal = [0, 0, 0, 0, 0];
  const foldOfExam = new Map<string, number>();
  for (const s of ds.samples) {
    sizes[s.fold!]++;
    mal[s.fold!] += s.label;
    assert.equal(s.fold, lidcSliceFold(s.group));
    if (foldOfExam.has(s.group)) assert.equal(foldOfExam.get(s.group), s.fold);
    foldOfExam.set(s.group, s.fold!);
  }
  assert.deepEqual(sizes, [167, 133, 139, 106, 152]);
  assert.deepEqual(mal, [48, 43, 48, 27, 39]);
  // Meta joined from the radiomics CSV; diameter alone ranks the readings with AUC 0.893 (PROTOCOL.md).
  const d = ds.samples.map((s) => s.meta!.diameter as number);
  assert.ok(d.every(Number.isFinite));
  assert.equal(Math.round(auc(d, ds.samples.map((s) => s.label)) * 1000) / 1000, 0.893);
  const s0 = ds.samples.find((s) => s.id === "53453eb2e4b05911cd6db137/8")!;
  assert.ok(s0, "reading 53453eb2e4b05911cd6db137/8");
  assert.equal((s0.meta!.radiomics as Record<string, number>)["energy_N"], 3729448.0);
  assert.ok([1, 2, 4, 5].includes(s0.meta!.malignancy as number));
});

test("cube placement invariants on every real reading", () => {
  const ds = loadLidcSlices();
  let cut = 0;
  for (const s of ds.samples) {
    assert.equal(s.size, 32);
    assert.equal(s.crop.length, 32 ** 3);
    let sum = 0;
    for (const v of s.crop) {
      assert.ok(v >= 0 && v <= 1);
      assert.equal(Math.fround(Math.round(v * 255) / 255), v);
      sum += Math.round(v * 255);
    }
    const b = cubeBBox(s)!;
    assert.ok(b, `${s.id}: empty cube`);
    const src = s.meta!.bbox as number[];
    const c = s.meta!.centre as number[];
    const fits = [0, 1, 2].every((k) => src[2 * k] - c[k] >= -16 && src[2 * k + 1] - c[k] <= 15);
    if (fits) {
      // Nothing lost, and the non-zero box is centred at 16 exactly as the protocol says.
      assert.deepEqual([0, 1, 2].map((k) => Math.floor((b[2 * k] + b[2 * k + 1]) / 2)), [16, 16, 16], s.id);
      assert.deepEqual([0, 1, 2].map((k) => b[2 * k + 1] - b[2 * k]), [0, 1, 2].map((k) => src[2 * k + 1] - src[2 * k]), s.id);
    } else {
      cut++;
      // Large nodules are cut symmetrically around the source bbox centre.
      for (let k = 0; k < 3; k++) assert.ok(b[2 * k] >= 0 && b[2 * k + 1] <= 31);
    }
    assert.ok(sum > 0);
  }
  assert.equal(cut, 35); // readings larger than the 32^3 cube
});

test("slices stack in numeric order (0,1,...,10,11, not 0,1,10,11,2) and placement matches a direct computation", () => {
  const rdir = path.join(DIR, "images", "benigno", "53454017e4b05911cd6db1c2", "115165");
  const st = readSliceStack(rdir);
  assert.equal(st.shape[0], 17);
  assert.deepEqual(st.shape.slice(1), [64, 64]);
  for (let k = 0; k < 17; k++) {
    const png = decode(fs.readFileSync(path.join(rdir, `${k}.png`)));
    assert.equal(png.channels, 1);
    assert.deepEqual(st.data.subarray(k * 4096, (k + 1) * 4096), png.data as Uint8Array, `slice ${k}`);
  }
  const bb = nonZeroBBox(st)!;
  const { cube, centre } = placeInCube(st);
  assert.deepEqual(centre, [Math.floor((bb[0] + bb[1]) / 2), Math.floor((bb[2] + bb[3]) / 2), Math.floor((bb[4] + bb[5]) / 2)]);
  // Voxel (z,y,x) of the cube is source voxel (z,y,x) - 16 + centre.
  for (const [z, y, x] of [[16, 16, 16], [10, 20, 5], [0, 0, 0], [31, 31, 31], [16, 3, 28]]) {
    const [sz, sy, sx] = [z - 16 + centre[0], y - 16 + centre[1], x - 16 + centre[2]];
    const inside = sz >= 0 && sz < 17 && sy >= 0 && sy < 64 && sx >= 0 && sx < 64;
    assert.equal(cube[(z * 32 + y) * 32 + x], inside ? Math.fround(st.data[(sz * 64 + sy) * 64 + sx] / 255) : 0);
  }
});

test("radiomicsTable: 697 rows, features exclude the label-bearing columns", () => {
  const t = radiomicsTable();
  assert.equal(t.ids.length, 697);
  assert.equal(t.labels.filter((l) => l === 1).length, 205);
  assert.ok(!t.featureNames.includes("malignancy") && !t.featureNames.includes("class") && !t.featureNames.includes("exam_id"));
  assert.ok(t.featureNames.includes("diameter") && t.featureNames.includes("energy_N"));
  assert.equal(t.featureNames.length, 72);
  assert.ok(t.features.every((r) => r.length === 72 && r.every(Number.isFinite)));
  assert.deepEqual([...new Set(t.malignancy)].sort(), [1, 2, 4, 5]);
});

/** A small copy of the dataset (3 readings) to exercise the cache and bad input. */
function miniCopy(): { dir: string; cache: string } {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "lidcslices-"));
  const dir = path.join(tmp, "data");
  const picks: Array<[string, string, string]> = [
    ["benigno", "53454017e4b05911cd6db1c2", "115165"],
    ["benigno", "53453eb2e4b05911cd6db137", "8"],
    ["maligno", "53454253e4b05911cd6db2f0", "Nodule 004"],
  ];
  const csv = fs.readFileSync(path.join(DIR, "radiomics_solidNodules.csv"), "utf8").split("\n");
  const keep = [csv[0]];
  for (const [c, e, r] of picks) {
    fs.cpSync(path.join(DIR, "images", c, e, r), path.join(dir, "images", c, e, r), { recursive: true });
    keep.push(...csv.filter((l) => l.startsWith(`${e},${r},`)));
  }
  fs.writeFileSync(path.join(dir, "radiomics_solidNodules.csv"), keep.join("\n") + "\n");
  return { dir, cache: path.join(tmp, "cache") };
}

test("cache: written atomically, reused, invalidated when a source file changes, rebuilt when corrupt", () => {
  const { dir, cache } = miniCopy();
  const a = loadLidcSlices(dir, { cacheDir: cache });
  assert.equal(a.samples.length, 3);
  const files = fs.readdirSync(cache);
  assert.equal(files.length, 1);
  assert.match(files[0], /^lidc-slices-[0-9a-f]{12}\.bin$/);
  const nocache = loadLidcSlices(dir, { cacheDir: false });
  const b = loadLidcSlices(dir, { cacheDir: cache });
  assert.deepEqual(b, a);
  assert.deepEqual(nocache, a);
  // Overwrite the cache under the same key with altered cubes: the loader must return them,
  // which proves a hit is served from the cache and not re-decoded.
  const cf = path.join(cache, files[0]);
  const key = lidcSlicesCacheKey(dir);
  const hit = readSampleCache(cf, key)!;
  assert.ok(hit);
  const altered = hit.samples.map((s) => ({ ...s, crop: new Float32Array(s.crop.length).fill(1) }));
  writeSampleCache(cf, key, altered, hit.extra);
  assert.ok(loadLidcSlices(dir, { cacheDir: cache }).samples.every((s) => s.crop.every((v) => v === 1)));
  assert.equal(readSampleCache(cf, "other-key"), undefined);
  // Change a source slice: the key changes and the cube is rebuilt from the new bytes.
  const sl = path.join(dir, "images", "benigno", "53453eb2e4b05911cd6db137", "8", "0.png");
  const other = path.join(dir, "images", "benigno", "53454017e4b05911cd6db1c2", "115165", "8.png");
  fs.copyFileSync(other, sl);
  const c = loadLidcSlices(dir, { cacheDir: cache });
  const id = "53453eb2e4b05911cd6db137/8";
  assert.notDeepEqual(c.samples.find((s) => s.id === id)!.crop, a.samples.find((s) => s.id === id)!.crop);
  assert.deepEqual(c, loadLidcSlices(dir, { cacheDir: false }));
  // A truncated cache file is ignored and rewritten.
  fs.writeFileSync(cf, fs.readFileSync(cf).subarray(0, 100));
  assert.deepEqual(loadLidcSlices(dir, { cacheDir: cache }), c);
  assert.ok(fs.statSync(cf).size > 100);
  fs.rmSync(path.dirname(dir), { recursive: true });
});

test("bad input: corrupt PNG, missing slice, class/CSV mismatch name the file; lenient mode lists skips", () => {
  const { dir } = miniCopy();
  const rdir = path.join(dir, "images", "benigno", "53454017e4b05911cd6db1c2", "115165");
  fs.writeFileSync(path.join(rdir, "3.png"), Buffer.from("not a png"));
  assert.throws(() => loadLidcSlices(dir, { cacheDir: false }), /115165\/3\.png: cannot decode PNG/);
  const lenient = loadLidcSlices(dir, { cacheDir: false, lenient: true });
  assert.equal(lenient.samples.length, 2);
  assert.equal(lenient.skipped.length, 1);
  assert.match(lenient.skipped[0].reason, /3\.png: cannot decode PNG/);
  fs.rmSync(path.join(rdir, "3.png"));
  assert.throws(() => loadLidcSlices(dir, { cacheDir: false }), /115165: slices are not numbered 0\.\.15 \(missing 3\.png\)/);
  fs.rmSync(rdir, { recursive: true });
  fs.renameSync(path.join(dir, "images", "maligno"), path.join(dir, "images", "benigno-tmp"));
  fs.renameSync(path.join(dir, "images", "benigno-tmp", "53454253e4b05911cd6db2f0"), path.join(dir, "images", "benigno", "53454253e4b05911cd6db2f0"));
  assert.throws(() => loadLidcSlices(dir, { cacheDir: false }), /Nodule 004: folder says benigno but .*radiomics_solidNodules\.csv line for .* says MALIGNANT/);
  assert.throws(() => loadLidcSlices(path.join(dir, "nope"), { cacheDir: false }), /nope: no images\/ folder/);
  fs.rmSync(path.dirname(dir), { recursive: true });
});
