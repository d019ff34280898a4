import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { writeMetaImage } from "../../src/io/metaimage";
import type { Volume } from "../../src/io/volume";
import { worldToVoxel } from "../../src/io/volume";
import { indexLidcDicom, indexLuna16, loadScan, planReferenceSet, prepareReferenceSet, referenceNodules } from "../../src/data/referenceSet";
import type { ReferenceNodule } from "../../src/data/referenceSet";
import { petCtCases, readPetCtBoxes, locateBoxes } from "../../src/data/petct";
import { loadSeries, readDicom } from "../../src/io/dicom";
import { repoRoot, sharedDataDir, slowTests } from "../../src/util/provenance";
import { generatePatient, writePatient } from "../../src/data/synthetic/cohort";
import { clusterReads, geometryFromVolume } from "../../src/data/cluster";
import { readLidcXml } from "../../src/io/lidcXml";

const UID = "1.3.6.1.4.1.14519.5.2.1.6279.6001.100398138793540579077826395208"; // the crop-sample series (LUNA16 subset5)

test("referenceNodules: DeepLung's 1004 with world centres, ratings and LIDC patient ids", () => {
  const r = referenceNodules();
  assert.equal(r.length, 1004);
  assert.equal(r.filter((n) => n.label === 1).length, 450);
  assert.ok(r.every((n) => n.patientId && /^LIDC-IDRI-\d{4}$/.test(n.patientId)));
  const s = r.find((n) => n.id === `${UID}-155`)!;
  assert.deepEqual(s.scores, [4, 3, 1]);
  assert.deepEqual(s.worldXYZ.map((v) => Math.round(v * 100) / 100), [69.64, -140.94, 876.37]);
});

/**
 * A small chest-like phantom .mhd around a series' nodules: air outside, a 40 HU body wall,
 * -800 HU lung inside it (so the reference lung mask finds a lung), a 40 HU ball at each nodule.
 */
function phantomFor(nodules: ReferenceNodule[]): Volume {
  const lo = [0, 1, 2].map((k) => Math.min(...nodules.map((n) => n.worldXYZ[k])) - [60, 60, 30][k]);
  const hi = [0, 1, 2].map((k) => Math.max(...nodules.map((n) => n.worldXYZ[k])) + [60, 60, 30][k]);
  const sp = [2, 1.25, 1.25]; // [dz, dy, dx]
  const shape: [number, number, number] = [Math.ceil((hi[2] - lo[2]) / sp[0]), Math.ceil((hi[1] - lo[1]) / sp[1]), Math.ceil((hi[0] - lo[0]) / sp[2])];
  const v: Volume = { data: new Float32Array(shape[0] * shape[1] * shape[2]), shape, spacing: sp as [number, number, number], origin: [lo[0], lo[1], lo[2]], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
  for (let z = 0; z < shape[0]; z++)
    for (let y = 0; y < shape[1]; y++)
      for (let x = 0; x < shape[2]; x++) {
        const w = [lo[0] + x * sp[2], lo[1] + y * sp[1], lo[2] + z * sp[0]];
        const d = [w[0] - lo[0], hi[0] - w[0], w[1] - lo[1], hi[1] - w[1], w[2] - lo[2], hi[2] - w[2]];
        const inXY = Math.min(d[0], d[1], d[2], d[3]);
        let hu = inXY < 10 ? -1000 : inXY < 25 || Math.min(d[4], d[5]) < 8 ? 40 : -800;
        for (const n of nodules) if (Math.hypot(w[0] - n.worldXYZ[0], w[1] - n.worldXYZ[1], w[2] - n.worldXYZ[2]) <= Math.max(3, n.diameterMm / 2)) hu = 40;
        v.data[(z * shape[1] + y) * shape[2] + x] = hu;
      }
  return v;
}

function lunaTree(): { root: string; luna: string; nodules: ReferenceNodule[] } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "refset-"));
  const luna = path.join(root, "luna16");
  const nodules = referenceNodules().filter((n) => n.seriesUid === UID);
  writeMetaImage(path.join(luna, "subset5", `${UID}.mhd`), phantomFor(nodules), { elementType: "MET_SHORT" });
  // A series that is not in the reference list is ignored.
  writeMetaImage(path.join(luna, "subset0", "1.2.3.4.mhd"), { data: new Float32Array(8), shape: [2, 2, 2], spacing: [1, 1, 1], origin: [0, 0, 0], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] });
  return { root, luna, nodules };
}

test("LUNA16 index + plan: subset folders give the folds; absent series are reported", () => {
  const { root, luna, nodules } = lunaTree();
  const idx = indexLuna16(luna);
  assert.deepEqual([...idx.keys()].sort(), ["1.2.3.4", UID]);
  assert.equal(idx.get(UID)!.subset, 5);
  assert.equal(idx.get("1.2.3.4")!.subset, 0);
  const plan = planReferenceSet(referenceNodules(), idx);
  assert.equal(plan.items.length, nodules.length);
  assert.ok(plan.items.every((it) => it.fold === 5 && it.source.kind === "mhd"));
  assert.equal(plan.missing.length, 1004 - nodules.length);
  assert.equal(plan.seriesFound, 1);
  assert.equal(plan.seriesMissing, 543);
  fs.mkdirSync(path.join(luna, "copy"));
  fs.copyFileSync(path.join(luna, "subset5", `${UID}.mhd`), path.join(luna, "copy", `${UID}.mhd`));
  assert.throws(() => indexLuna16(luna), /series 1\.3\.6.*208 found twice/);
  assert.throws(() => indexLuna16(path.join(root, "nope")), /nope: LUNA16 folder does not exist/);
  fs.rmSync(root, { recursive: true });
});

test("prepareReferenceSet: crops centred on each nodule's world position, cached, folds = subsets", async () => {
  const { root, luna, nodules } = lunaTree();
  const plan = planReferenceSet(referenceNodules(), indexLuna16(luna));
  const cache = path.join(root, "cache");
  const ds = await prepareReferenceSet(plan, { preprocess: "modern", cacheDir: cache });
  assert.equal(ds.synthetic, false);
  assert.equal(ds.cacheHit, false);
  assert.equal(ds.samples.length, nodules.length);
  for (const s of ds.samples) {
    const n = nodules.find((x) => x.id === s.id)!;
    assert.equal(s.label, n.label);
    assert.equal(s.group, UID);
    assert.equal(s.fold, 5);
    // The ball sits at the crop centre: the centre voxel is brighter than the cube's corner.
    const c = s.crop[(16 * 32 + 16) * 32 + 16];
    assert.ok(c > s.crop[0] + 1, `${s.id}: centre ${c} vs corner ${s.crop[0]}`);
  }
  const again = await prepareReferenceSet(plan, { preprocess: "modern", cacheDir: cache });
  assert.equal(again.cacheHit, true);
  assert.deepEqual(again.samples.map((s) => [s.id, s.label, s.fold, s.crop[16400]]), ds.samples.map((s) => [s.id, s.label, s.fold, s.crop[16400]]));
  // The reference variant (window, lung mask, 1 mm): the ball is kept (it is inside the lung mask)
  // at its window value (40 + 1200) / 1800 * 255 / 255 = 0.69, the lung around it at 0.22.
  const ref = await prepareReferenceSet(plan, { cacheDir: null });
  for (const s of ref.samples) {
    assert.ok(s.crop.every((v) => v >= 0 && v <= 1));
    assert.ok(Math.abs(s.crop[(16 * 32 + 16) * 32 + 16] - 0.69) < 0.03, `${s.id}: centre ${s.crop[(16 * 32 + 16) * 32 + 16]}`);
    assert.ok(Math.abs(s.crop[(16 * 32 + 16) * 32 + 2] - 0.22) < 0.03, `${s.id}: lung ${s.crop[(16 * 32 + 16) * 32 + 2]}`);
  }
  fs.rmSync(root, { recursive: true });
});

test("LIDC DICOM index: series folders keyed by SeriesInstanceUID (real Lung-PET-CT-Dx series)", () => {
  const { series, unreadable } = indexLidcDicom(path.join(sharedDataDir(), "lung-pet-ct-dx-sample"));
  assert.deepEqual(unreadable, []);
  const uids = [...series.keys()].sort();
  assert.equal(uids.length, 2);
  assert.match(uids[0], /\.241981550240354690198744362919$/);
  assert.match(uids[1], /\.257508444832901632590301540805$/);
  assert.ok([...series.values()].every((s) => s.kind === "dicom" && fs.existsSync(s.path)));
  // None of them is in the LIDC reference list.
  assert.equal(planReferenceSet(referenceNodules(), undefined, series).items.length, 0);
});

test("prepare from a real DICOM series (reference preprocessing) crops at a tumour's world centre", { skip: !slowTests() }, async () => {
  const c = petCtCases()[1];
  const { volume, slices, report } = loadSeries(c.seriesDir);
  const box = locateBoxes(volume, slices, readPetCtBoxes(c.annotationsDir))[3];
  const nod: ReferenceNodule = { id: "petct-0", seriesUid: report.seriesInstanceUID, worldXYZ: box.centreWorld, diameterMm: 40, label: 1, scores: [5], deeplungZyx: [0, 0, 0] };
  const { series } = indexLidcDicom(path.dirname(c.seriesDir));
  const ds = await prepareReferenceSet(planReferenceSet([nod], undefined, series), { cacheDir: null });
  assert.equal(ds.samples.length, 1);
  const s = ds.samples[0];
  assert.equal(s.fold, undefined);
  // The centre keeps the tumour's own window value ((HU + 1200) / 1800 * 255, not the 170 of
  // masked-out tissue), and the cube also holds lung (window value < 0.4) next to the tumour.
  const [vx, vy, vz] = worldToVoxel(volume, box.centreWorld).map(Math.round);
  const hu = volume.data[(vz * volume.shape[1] + vy) * volume.shape[2] + vx];
  const centre = s.crop[(16 * 32 + 16) * 32 + 16] * 255;
  assert.ok(Math.abs(centre - ((hu + 1200) / 1800) * 255) < 10, `centre ${centre}, HU ${hu}`);
  assert.ok(Math.abs(centre - 170) > 1);
  assert.ok(s.crop.filter((v) => v < 0.4).length > 500);
  assert.ok(s.crop.filter((v) => Math.abs(v * 255 - 170) < 0.01).length < 0.1 * s.crop.length);
});

test("LIDC DICOM + XML (SYNTHETIC patient written as files): crops plus our own XML clustering cross-check", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "refset-xml-"));
  const p = generatePatient(1, { seed: 5, matrix: 128, zExtentMm: 80 });
  writePatient(root, p);
  const { series } = indexLidcDicom(root);
  const src = series.get(p.truth.seriesInstanceUid)!;
  assert.ok(src, "series indexed");
  assert.equal(src.xml, path.join(root, p.truth.patientId, "annotations.xml"));
  // Reference list = the generator's truth (label = truth class), as DeepLung's list is for LIDC.
  const nodules: ReferenceNodule[] = p.truth.nodules.map((n) => ({
    id: `${p.truth.seriesInstanceUid}-${n.index}`,
    seriesUid: p.truth.seriesInstanceUid,
    worldXYZ: n.center,
    diameterMm: n.diameterMm,
    label: n.malignant ? 1 : 0,
    scores: [],
    deeplungZyx: [0, 0, 0],
  }));
  const plan = planReferenceSet(nodules, undefined, series);
  assert.ok(plan.items.every((it) => it.annotations === src.xml));
  const ds = await prepareReferenceSet(plan, { cacheDir: null });
  assert.equal(ds.samples.length, nodules.length);
  const check = ds.stats!.xmlCheck as { series: number; nodules: number; matched: number; labelAgree: number };
  const marked = clusterReads(readLidcXml(src.xml!).sessions, geometryFromVolume(loadSeries(src.path).volume)).length;
  const agree = ds.samples.filter((s) => (s.meta!.xml as { label: number } | null)?.label === s.label).length;
  assert.deepEqual(check, { series: 1, nodules: nodules.length, matched: marked, labelAgree: agree });
  // The simulated readers are noisy (a mean of exactly 3 drops a nodule), but mostly right.
  assert.ok(agree >= marked - 1, `${agree} of ${marked} labels agree`);
  for (const s of ds.samples) {
    const x = s.meta!.xml as { distanceMm: number; readers: number } | null;
    if (x) assert.ok(x.distanceMm < 3 && x.readers >= 1, `${s.id}: ${JSON.stringify(x)}`);
  }
  fs.rmSync(root, { recursive: true });
});

test("prepareReferenceSet: a series that lost slices is reported, and refused above the dropped-slice threshold", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "refset-gap-"));
  const p = generatePatient(1, { seed: 5, matrix: 128, zExtentMm: 80 });
  writePatient(root, p);
  const { series } = indexLidcDicom(root);
  const src = series.get(p.truth.seriesInstanceUid)!;
  const files = fs.readdirSync(src.path).filter((f) => f.endsWith(".dcm")).sort((a, b) => readDicom(path.join(src.path, a)).imagePositionPatient![2] - readDicom(path.join(src.path, b)).imagePositionPatient![2]);
  // A slice missing at 80% of the stack: lenient loading keeps the longest even run (~80%).
  fs.rmSync(path.join(src.path, files[Math.floor(files.length * 0.8)]));
  const nodules: ReferenceNodule[] = p.truth.nodules.map((n) => ({ id: `${p.truth.seriesInstanceUid}-${n.index}`, seriesUid: p.truth.seriesInstanceUid, worldXYZ: n.center, diameterMm: n.diameterMm, label: n.malignant ? 1 : 0, scores: [], deeplungZyx: [0, 0, 0] }));
  const plan = planReferenceSet(nodules, undefined, series);
  const seen: string[] = [];
  const refused = await prepareReferenceSet(plan, { cacheDir: null, onSeriesNote: (n) => seen.push(n.failed ?? "warning") });
  assert.equal(refused.samples.length, 0, "the series' nodules are left out");
  const notes = refused.stats!.seriesNotes as Array<{ failed?: string; dropped: number; problems: string[]; path: string }>;
  assert.equal(notes.length, 1);
  assert.equal(notes[0].path, src.path);
  assert.match(notes[0].failed!, /image slices dropped \(\d+\.\d% > 5\.0%\)/);
  assert.ok(notes[0].problems.some((x) => x.startsWith("gap:")), notes[0].problems.join("; "));
  assert.equal(refused.stats!.failedSeries, 1);
  assert.deepEqual(seen, [notes[0].failed]);
  const kept = await prepareReferenceSet(plan, { cacheDir: null, maxDroppedFraction: 0.5 });
  assert.equal(kept.samples.length, nodules.length);
  const k = (kept.stats!.seriesNotes as Array<{ failed?: string; dropped: number }>)[0];
  assert.equal(k.failed, undefined);
  assert.ok(k.dropped >= 1);
  assert.equal(k.dropped + loadScan(src).volume.shape[0], files.length - 1, "every remaining slice is either kept or counted as dropped");
  fs.rmSync(root, { recursive: true });
});

test("naslung prepare: CLI prints a JSON summary; missing arguments fail with one line", () => {
  const { root, luna } = lunaTree();
  const main = path.join(__dirname, "..", "..", "src", "cli", "main.js");
  const r = spawnSync(process.execPath, [main, "prepare", "--luna", luna, "--cache", path.join(root, "cache"), "--preprocess", "modern"], { encoding: "utf8", cwd: repoRoot });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!);
  assert.equal(out.referenceNodules, 1004);
  assert.equal(out.seriesFound, 1);
  assert.deepEqual(out.foldsBySubset, { "5": out.matched });
  assert.equal(out.samples, out.matched);
  assert.equal(out.synthetic, false);
  const dry = spawnSync(process.execPath, [main, "prepare", "--luna", luna, "--dry-run"], { encoding: "utf8", cwd: repoRoot });
  assert.equal(dry.status, 0, dry.stderr);
  assert.equal(JSON.parse(dry.stdout).samples, undefined);
  const bad = spawnSync(process.execPath, [main, "prepare"], { encoding: "utf8", cwd: repoRoot });
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /give --luna <dir> and\/or --lidc <dir>/);
  fs.rmSync(root, { recursive: true });
});
