import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { writeCohort, PatientTruth } from "../../src/data/synthetic/cohort";
import { demoCohortDir, demoDataset, listCohort, prepareDataset } from "../../src/data/pipeline";
import { slowTests } from "../../src/util/provenance";
import { cacheKey, readCropCache, writeCropCache, stableJson } from "../../src/data/cache";
import type { NoduleDataset } from "../../src/data/sample";

const root = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-pipeline-"));
const cohort = path.join(root, "cohort");
const cache = path.join(root, "cache");
// A small cohort: 3 patients, small matrices, so the whole round trip takes seconds.
writeCohort(cohort, { patients: 3, seed: 5, matrix: 112, zExtentMm: 60 });
const truths = listCohort(cohort).map((p) => JSON.parse(fs.readFileSync(p.truth!, "utf8")) as PatientTruth);

test.after(() => fs.rmSync(root, { recursive: true, force: true }));

test("DICOM + XML -> crops: one sample per labelled nodule, labels equal the generator's truth", async () => {
  const ds = await prepareDataset(cohort, { cacheDir: cache });
  assert.equal(ds.synthetic, true);
  assert.match(ds.source, /SYNTHETIC/);
  assert.equal(ds.cacheHit, false);
  const expected = truths.flatMap((t) => t.nodules.filter((n) => n.readerLabel !== null).map((n) => `${t.patientId}#${n.index}:${n.readerLabel}`));
  const got = ds.samples.map((s) => `${s.group}#${s.meta!.truthIndex}:${s.label}`);
  assert.deepEqual([...got].sort(), [...expected].sort());
  assert.ok(ds.samples.length >= 8, `${ds.samples.length} samples`);
  for (const s of ds.samples) {
    assert.equal(s.size, 32);
    assert.equal(s.crop.length, 32 ** 3);
    assert.ok(s.crop.every((v) => v >= 0 && v <= 1), `${s.id} crop outside [0,1]`);
    assert.ok(s.mask && s.mask.length === 32 ** 3);
    // The nodule mask covers the crop centre (clusters are centred on the nodule).
    const m = s.mask!;
    let inside = 0;
    for (let k = 14; k < 18; k++) for (let j = 14; j < 18; j++) for (let i = 14; i < 18; i++) inside += m[(k * 32 + j) * 32 + i];
    assert.ok(inside > 32, `${s.id}: mask misses the centre (${inside}/64)`);
    // Nodule voxels are brighter than the lung around them.
    let inMean = 0;
    let n = 0;
    for (let i = 0; i < m.length; i++) if (m[i]) (inMean += s.crop[i]), n++;
    assert.ok(inMean / n > 0.5, `${s.id}: mean inside nodule ${inMean / n}`);
    assert.equal(s.group, s.id.split(":")[0]);
    assert.ok(s.fold !== undefined && s.fold >= 0 && s.fold < 10);
  }
  // Folds group patients.
  for (const g of new Set(ds.samples.map((s) => s.group))) assert.equal(new Set(ds.samples.filter((s) => s.group === g).map((s) => s.fold)).size, 1);
  // Dropped nodules are the == 3 ties.
  const ties = truths.flatMap((t) => t.nodules.filter((n) => n.readers.length && n.readerLabel === null));
  assert.equal(ds.stats!.dropped.length, ties.length);
});

test("a rerun reuses the cache; a changed config or changed input builds a new one", async () => {
  const a = await prepareDataset(cohort, { cacheDir: cache });
  const b = await prepareDataset(cohort, { cacheDir: cache });
  assert.equal(b.cacheHit, true);
  assert.deepEqual(b.samples.map((s) => s.id), a.samples.map((s) => s.id));
  assert.deepEqual(Array.from(b.samples[0].crop), Array.from(a.samples[0].crop));
  assert.deepEqual(Array.from(b.samples[0].mask!), Array.from(a.samples[0].mask!));
  assert.deepEqual(b.samples[0].meta, a.samples[0].meta);

  const modern = await prepareDataset(cohort, { cacheDir: cache, preprocess: "modern" });
  assert.equal(modern.cacheHit, false);
  let s = 0;
  let q = 0;
  let n = 0;
  for (const x of modern.samples) for (const v of x.crop) (s += v), (q += v * v), n++;
  assert.ok(Math.abs(s / n) < 1e-3 && Math.abs(q / n - 1) < 1e-3, "modern crops are z-scored over the dataset");
  assert.ok(modern.stats!.zscore!.mean < -300, "z-score stats are in HU");

  const truthFile = listCohort(cohort)[0].truth!;
  const orig = fs.readFileSync(truthFile, "utf8");
  fs.writeFileSync(truthFile, orig + "\n");
  try {
    assert.equal((await prepareDataset(cohort, { cacheDir: cache })).cacheHit, false);
  } finally {
    fs.writeFileSync(truthFile, orig);
  }
  assert.equal((await prepareDataset(cohort, { cacheDir: cache })).cacheHit, true);
});

test("annotations of another series are a named error; a bad layout is a named error", async () => {
  const bad = path.join(root, "bad");
  const [p0, p1] = listCohort(cohort);
  fs.mkdirSync(path.join(bad, "P"), { recursive: true });
  fs.cpSync(p0.seriesDir, path.join(bad, "P", "series"), { recursive: true });
  fs.copyFileSync(p1.xml, path.join(bad, "P", "annotations.xml"));
  await assert.rejects(prepareDataset(bad, { cacheDir: null }), /annotations\.xml: annotations are for series .* but .* holds series/);
  fs.rmSync(path.join(bad, "P", "series"), { recursive: true });
  assert.throws(() => listCohort(bad), /has annotations\.xml but no series\/ folder/);
  assert.throws(() => listCohort(path.join(root, "nope")), /does not exist/);
});

test("crop cache format: round trip, sizes checked, keys stable under key order", () => {
  const dir = path.join(root, "fmt");
  const ds: NoduleDataset = {
    name: "t",
    source: "unit test",
    synthetic: true,
    samples: [
      { id: "a", label: 1, group: "g1", fold: 2, size: 2, crop: new Float32Array([1, 2, 3, 4, 5, 6, 7, 8]), mask: new Uint8Array([1, 0, 0, 0, 0, 0, 0, 1]), meta: { d: 1 } },
      { id: "b", label: 0, group: "g2", size: 2, crop: new Float32Array(8).fill(0.5) },
    ],
  };
  writeCropCache(dir, ds, "k", { x: 1 });
  const { dataset, index } = readCropCache(dir);
  assert.equal(index.count, 2);
  assert.deepEqual(Array.from(dataset.samples[0].crop), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(Array.from(dataset.samples[0].mask!), [1, 0, 0, 0, 0, 0, 0, 1]);
  assert.equal(dataset.samples[1].mask, undefined);
  assert.equal(dataset.samples[1].fold, undefined);
  assert.equal(dataset.samples[0].fold, 2);
  assert.equal(fs.readFileSync(path.join(dir, "index.csv"), "utf8").split("\n")[1], "a,1,g1,2,0,1");
  fs.writeFileSync(path.join(dir, "crops.f32"), Buffer.alloc(10));
  assert.throws(() => readCropCache(dir), /crops\.f32: 10 bytes, index says 2 crops/);
  assert.equal(cacheKey({ a: 1, b: [1, { c: 2, d: 3 }] }), cacheKey({ b: [1, { d: 3, c: 2 }], a: 1 }));
  assert.notEqual(cacheKey({ a: 1 }), cacheKey({ a: 2 }));
  assert.equal(stableJson({ b: 1, a: undefined }), '{"b":1}');
  assert.equal(fs.readdirSync(root).filter((f) => f.includes(".tmp-")).length, 0);
});

test("slow: the default cohort (40 patients) round-trips with labels equal to the generator's truth", { skip: !slowTests() }, async () => {
  const ds = await demoDataset();
  const dir = demoCohortDir();
  const truth = listCohort(dir).map((p) => JSON.parse(fs.readFileSync(p.truth!, "utf8")) as PatientTruth);
  const expected = truth.flatMap((t) => t.nodules.filter((n) => n.readerLabel !== null).map((n) => `${t.patientId}#${n.index}:${n.readerLabel}`));
  assert.deepEqual(ds.samples.map((s) => `${s.group}#${s.meta!.truthIndex}:${s.label}`).sort(), expected.sort());
  assert.ok(ds.samples.length > 150);
});

test("the TCIA LIDC-IDRI layout (<patient>/<study>/<series>/ with the XML inside) gives the same crops", async () => {
  const tcia = path.join(root, "tcia");
  for (const p of listCohort(cohort)) {
    const dst = path.join(tcia, p.patientId, "1.2.3-study", "3000566-series");
    fs.cpSync(p.seriesDir, dst, { recursive: true });
    fs.copyFileSync(p.xml, path.join(dst, "069.xml"));
  }
  // A radiograph-like series without LIDC annotations is skipped.
  const cxr = path.join(tcia, "SYN-0001", "1.2.3-study", "cxr");
  fs.mkdirSync(cxr, { recursive: true });
  fs.writeFileSync(path.join(cxr, "1.dcm"), "x");
  fs.writeFileSync(path.join(cxr, "notes.xml"), "<other/>");
  const listed = listCohort(tcia);
  assert.deepEqual(listed.map((p) => p.id), ["SYN-0001/1.2.3-study/3000566-series", "SYN-0002/1.2.3-study/3000566-series", "SYN-0003/1.2.3-study/3000566-series"]);
  assert.deepEqual(listed.map((p) => p.patientId), ["SYN-0001", "SYN-0002", "SYN-0003"]);
  const a = await prepareDataset(cohort, { cacheDir: cache });
  const b = await prepareDataset(tcia, { cacheDir: null });
  assert.equal(b.synthetic, false); // no cohort.json: provenance unknown
  assert.equal(b.samples.length, a.samples.length);
  a.samples.forEach((s, i) => {
    const t = b.samples[i];
    assert.equal(t.id, s.id.replace(":", "/1.2.3-study/3000566-series:"));
    assert.equal(t.group, s.group);
    assert.equal(t.label, s.label);
    assert.equal(t.fold, s.fold);
    assert.deepEqual(Array.from(t.crop), Array.from(s.crop));
  });
});
