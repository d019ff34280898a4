import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { generatePatient, writeCohort, readCohortManifest, patientPaths, SYNTHETIC_READERS } from "../../src/data/synthetic";
import { sampleNoduleShape, shapeDistance } from "../../src/data/synthetic/shape";
import { createRng } from "../../src/util/rng";
import { readLidcXml } from "../../src/io/lidcXml";
import { loadSeries } from "../../src/io/dicom/series";
import { labelFromMalignancy } from "../../src/data/labels";
import { worldToVoxel } from "../../src/io/volume";

// Small patients keep the test quick; the anatomy scales with the field of view.
const SMALL = { matrix: 96, zExtentMm: 40, seed: 3 };

const hash = (a: Float32Array) => crypto.createHash("sha1").update(Buffer.from(a.buffer, a.byteOffset, a.byteLength)).digest("hex");

test("a patient is deterministic in (seed, index) and differs across seeds", () => {
  const a = generatePatient(0, SMALL);
  const b = generatePatient(0, SMALL);
  assert.equal(hash(a.volume.data), hash(b.volume.data));
  assert.deepEqual(a.truth, b.truth);
  const c = generatePatient(0, { ...SMALL, seed: 4 });
  assert.notEqual(hash(a.volume.data), hash(c.volume.data));
  assert.equal(a.truth.synthetic, true);
  assert.match(a.truth.note, /SYNTHETIC/);
});

test("nodule look depends on malignancy: sizes, lobes/spicules, calcification", () => {
  const rng = createRng(1, "shapes");
  const benign = Array.from({ length: 300 }, () => sampleNoduleShape(rng, [0, 0, 0], false));
  const malignant = Array.from({ length: 300 }, () => sampleNoduleShape(rng, [0, 0, 0], true));
  assert.ok(benign.every((s) => s.diameter >= 4 && s.diameter <= 10));
  assert.ok(malignant.every((s) => s.diameter >= 8 && s.diameter <= 25));
  assert.ok(benign.every((s) => s.spicules.length === 0 && s.heterogeneityHu === 0));
  assert.ok(malignant.every((s) => s.lobes.length >= 3 && s.heterogeneityHu > 0));
  const calcified = benign.filter((s) => s.calcification).length / benign.length;
  assert.ok(calcified > 0.2 && calcified < 0.45, `calcified fraction ${calcified}`);
  assert.ok(malignant.filter((s) => s.spicules.length).length > 150);
  assert.ok(benign.every((s) => !s.calcification || s.calcification.hu >= 350));
  // The SDF is negative at the centre and positive far away.
  assert.ok(shapeDistance(benign[0], 0, 0, 0) < 0 && shapeDistance(benign[0], 50, 0, 0) > 0);
});

test("the rendered CT has the expected densities: lungs ~-850, nodules solid, outside air", () => {
  const p = generatePatient(1, SMALL);
  const v = p.volume;
  const [nz, ny, nx] = v.shape;
  assert.equal(v.data[0], Math.max(-1024, v.data[0])); // clamped range
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of v.data) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  assert.ok(lo >= -1024 && hi <= 3071);
  // Mean of a corner patch ~ air; mean at each nodule centre ~ solid (> -300 HU).
  let air = 0;
  for (let j = 0; j < 4; j++) for (let i = 0; i < 4; i++) air += v.data[((nz >> 1) * ny + j) * nx + i] / 16;
  assert.ok(air < -950, `air ${air}`);
  for (const n of p.truth.nodules) {
    if (n.partSolid) continue;
    const [x, y, z] = worldToVoxel(v, n.center).map(Math.round);
    assert.ok(v.data[(z * ny + y) * nx + x] > -300, `nodule ${n.index} centre ${v.data[(z * ny + y) * nx + x]} HU`);
  }
});

test("four readers disagree realistically and the truth label follows the reference rule", () => {
  let marks = 0;
  let possible = 0;
  let agree = 0;
  let labelled = 0;
  for (let i = 0; i < 4; i++) {
    const p = generatePatient(i, SMALL);
    assert.equal(p.sessions.length, 4);
    assert.deepEqual(p.sessions.map((s) => s.radiologistId), SYNTHETIC_READERS.map((r) => r.id));
    for (const n of p.truth.nodules) {
      possible += 4;
      marks += n.readers.length;
      assert.equal(n.readerLabel, n.readers.length ? labelFromMalignancy(n.readerMalignancy) : null);
      if (n.readerLabel !== null) {
        labelled++;
        if (n.readerLabel === (n.malignant ? 1 : 0)) agree++;
      }
    }
    for (const s of p.sessions)
      for (const r of s.nodules) {
        assert.ok(r.characteristics.malignancy! >= 1 && r.characteristics.malignancy! <= 5);
        for (const roi of r.rois) {
          assert.ok(roi.points.length >= 4);
          assert.deepEqual(roi.points[0], roi.points[roi.points.length - 1]); // closed outline
        }
      }
  }
  // Readers see most nodules but not all; labels mostly but not always recover the truth.
  assert.ok(marks / possible > 0.7 && marks / possible < 1, `seen fraction ${marks / possible}`);
  assert.ok(agree / labelled > 0.85, `agreement ${agree}/${labelled}`);
});

test("writeCohort writes valid DICOM series, LIDC XML and truth, labelled SYNTHETIC", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-synth-"));
  const m = writeCohort(dir, { ...SMALL, patients: 1 });
  assert.equal(m.synthetic, true);
  assert.deepEqual(readCohortManifest(dir)?.patients, ["SYN-0001"]);
  assert.match(fs.readFileSync(path.join(dir, "README.md"), "utf8"), /SYNTHETIC/);
  const paths = patientPaths(dir, "SYN-0001");
  const { volume, report } = loadSeries(paths.series);
  const truth = JSON.parse(fs.readFileSync(paths.truth, "utf8"));
  assert.equal(report.seriesInstanceUID, truth.seriesInstanceUid);
  assert.match(report.seriesDescription, /SYNTHETIC/);
  assert.deepEqual(volume.shape, truth.grid.shape);
  for (let i = 0; i < 3; i++) assert.ok(Math.abs(volume.origin[i] - truth.grid.origin[i]) < 1e-6);
  const p = generatePatient(0, SMALL);
  // Stored as int16 after rounding: HU within 0.5.
  let worst = 0;
  for (let i = 0; i < volume.data.length; i += 97) worst = Math.max(worst, Math.abs(volume.data[i] - p.volume.data[i]));
  assert.ok(worst <= 0.5, `HU error ${worst}`);
  const xml = readLidcXml(paths.xml);
  assert.equal(xml.header.seriesInstanceUid, truth.seriesInstanceUid);
  assert.equal(xml.sessions.length, 4);
  if (spawnSync("dcmdump", ["--version"]).status === 0) {
    const f = path.join(paths.series, fs.readdirSync(paths.series)[0]);
    const r = spawnSync("dcmdump", ["-dc", f], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr.trim(), "");
    assert.match(r.stdout, /SYNTHETIC/);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
