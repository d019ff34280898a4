import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { encode } from "fast-png";
import { readDicom } from "../../src/io/dicom/read";
import { assembleSeries, loadSeries } from "../../src/io/dicom/series";
import { readSliceStack } from "../../src/data/lidcSlices";
import { readDroppedFiles, DroppedFile } from "../../src/web/inputs";
import { sharedDataDir } from "../../src/util/provenance";

const A2 = path.join(sharedDataDir(), "lung-pet-ct-dx-sample", "Lung_Dx-A0002", "2.000000-ThoraxRoutine-B70f-62919");
const readings = path.join(sharedDataDir(), "lidc-solid-nodule-slices-64px", "images");

/** A folder's files as the page gets them: "<folder>/<name>" and bytes (no file system afterwards). */
function dropped(dir: string, folder = path.basename(dir)): DroppedFile[] {
  return fs
    .readdirSync(dir)
    .sort()
    .map((n) => ({ name: `${folder}/${n}`, bytes: new Uint8Array(fs.readFileSync(path.join(dir, n))) }));
}

/** assembleSeries over in-memory bytes, as the browser page calls it. */
function assembleFromBytes(files: DroppedFile[]) {
  const byName = new Map(files.map((f) => [f.name, f.bytes]));
  const names = [...byName.keys()].sort();
  return assembleSeries("dropped", names, (n) => readDicom(byName.get(n)!, { name: n }));
}

function sameVolume(a: ReturnType<typeof loadSeries>, b: ReturnType<typeof loadSeries>): void {
  assert.deepEqual(b.volume.shape, a.volume.shape);
  assert.deepEqual(b.volume.spacing, a.volume.spacing);
  assert.deepEqual(b.volume.origin, a.volume.origin);
  assert.deepEqual(b.volume.direction, a.volume.direction);
  assert.equal(b.volume.data.length, a.volume.data.length);
  const da = a.volume.data, db = b.volume.data;
  for (let i = 0; i < da.length; i++) if (!Object.is(da[i], db[i])) assert.fail(`voxel ${i}: ${db[i]} from bytes vs ${da[i]} from the folder`);
  // Same slice order: the same files (by name), SOP instances and positions.
  assert.deepEqual(
    b.slices.map((s) => path.basename(s.file)),
    a.slices.map((s) => path.basename(s.file)),
  );
  assert.deepEqual(
    b.slices.map((s) => [s.index, s.sopInstanceUID, s.instanceNumber, s.position, s.location]),
    a.slices.map((s) => [s.index, s.sopInstanceUID, s.instanceNumber, s.position, s.location]),
  );
  assert.equal(b.report.seriesInstanceUID, a.report.seriesInstanceUID);
  assert.deepEqual(b.report.sliceSpacing, a.report.sliceSpacing);
}

test("assembleSeries on a real series' bytes gives loadSeries' volume and slice order", () => {
  const disk = loadSeries(A2);
  assert.equal(disk.volume.shape[0], fs.readdirSync(A2).length);
  assert.ok(disk.volume.shape[0] > 1);
  const mem = assembleFromBytes(dropped(A2));
  sameVolume(disk, mem);
  assert.deepEqual(mem.report.problems, []);
  assert.deepEqual(mem.report.skipped, []);
  // The page's own entry point does the same.
  const page = readDroppedFiles(dropped(A2));
  assert.equal(page.kind, "dicom");
  if (page.kind !== "dicom") return;
  sameVolume(disk, page.series);
});

test("a non-DICOM text file among the dropped names is skipped as not-dicom", () => {
  const files = [...dropped(A2), { name: `${path.basename(A2)}/README.txt`, bytes: new TextEncoder().encode("Lung-PET-CT-Dx: a note, not an image\n") }];
  const mem = assembleFromBytes(files);
  const disk = loadSeries(A2);
  sameVolume(disk, mem);
  assert.equal(mem.report.filesSeen, disk.report.filesSeen + 1);
  assert.deepEqual(
    mem.report.skipped.map((s) => [s.file, s.code]),
    [[`${path.basename(A2)}/README.txt`, "not-dicom"]],
  );
  assert.match(mem.report.skipped[0].reason, /not a DICOM file/);
  assert.deepEqual(mem.report.problems, []);
});

test("readDroppedFiles: a real reading's PNGs give readSliceStack's stack", () => {
  const exam = fs.readdirSync(path.join(readings, "maligno")).sort()[0];
  const reading = fs.readdirSync(path.join(readings, "maligno", exam)).sort()[0];
  const dir = path.join(readings, "maligno", exam, reading);
  const want = readSliceStack(dir);
  // Dropped in reverse name order: slices are ordered by number, not by arrival.
  const got = readDroppedFiles(dropped(dir, reading).reverse());
  assert.equal(got.kind, "reading");
  if (got.kind !== "reading") return;
  assert.equal(got.where, reading);
  assert.deepEqual(got.stack.shape, want.shape);
  assert.ok(want.shape[0] > 9, "a reading with 10+ slices checks numeric order (10.png after 9.png)");
  assert.deepEqual(got.stack.data, want.data);
});

test("readDroppedFiles: mixed, non-DICOM and empty inputs are refused by name", () => {
  const exam = fs.readdirSync(path.join(readings, "benigno")).sort()[0];
  const reading = fs.readdirSync(path.join(readings, "benigno", exam)).sort()[0];
  const pngs = dropped(path.join(readings, "benigno", exam, reading), reading);
  const txt: DroppedFile = { name: `${reading}/notes.txt`, bytes: new TextEncoder().encode("radiologist's notes\n") };
  assert.throws(() => readDroppedFiles([...pngs, txt]), (e: Error) => e.message.includes(`${reading}/notes.txt`) && /not a PNG slice/.test(e.message));
  assert.throws(() => readDroppedFiles([txt]), (e: Error) => e.message.includes("notes.txt") && e.message.includes("not a DICOM file"));
  const zero = encode({ width: 64, height: 64, data: new Uint8Array(64 * 64), depth: 8, channels: 1 });
  assert.throws(() => readDroppedFiles([{ name: "blank/0.png", bytes: zero }]), /every voxel is 0/);
  assert.throws(() => readDroppedFiles([]), /no files dropped/);
});
