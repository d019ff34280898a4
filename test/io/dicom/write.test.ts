import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as dicomParser from "dicom-parser";
import { encodeCtSlice, formatDs, uidFromKey, writeCtSeries, CT_IMAGE_STORAGE, EXPLICIT_VR_LITTLE_ENDIAN } from "../../../src/io/dicom/write";
import { loadSeries } from "../../../src/io/dicom/series";
import type { Volume } from "../../../src/io/volume";

const hasDcmdump = spawnSync("dcmdump", ["--version"]).status === 0;

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "naslung-dcmwrite-"));
}

const series = {
  patientId: "SYN-TEST",
  studyInstanceUid: uidFromKey("study"),
  seriesInstanceUid: uidFromKey("series"),
  sliceThickness: 2.5,
};

function slice(hu: number[], rows = 2, columns = 3) {
  return encodeCtSlice({
    series,
    sopInstanceUid: uidFromKey("sop"),
    instanceNumber: 7,
    rows,
    columns,
    hu,
    position: [-10.5, 20.25, -300],
    orientation: [1, 0, 0, 0, 1, 0],
    pixelSpacing: [0.7, 0.8],
  });
}

test("formatDs keeps decimal strings within 16 characters", () => {
  assert.equal(formatDs(0.7), "0.7");
  assert.equal(formatDs(-1024), "-1024");
  assert.equal(formatDs(-57.45962718123456), "-57.45962718");
  for (const x of [Math.PI * 1e6, -1 / 3, 1e-9, 123456789.123456]) assert.ok(formatDs(x).length <= 16, formatDs(x));
  assert.throws(() => formatDs(NaN), /not a finite number/);
});

test("uidFromKey is deterministic, valid and at most 64 characters", () => {
  const a = uidFromKey("x");
  assert.equal(a, uidFromKey("x"));
  assert.notEqual(a, uidFromKey("y"));
  assert.match(a, /^2\.25\.(0|[1-9][0-9]*)$/);
  assert.ok(a.length <= 64);
});

test("Part 10 layout: preamble, DICM, group length covers group 2, dicom-parser reads every field", () => {
  const hu = [-1000, -850, 0, 40, 1000, 3071];
  const bytes = slice(hu);
  assert.equal(Buffer.from(bytes.subarray(128, 132)).toString("latin1"), "DICM");
  const ds = dicomParser.parseDicom(bytes);
  // (0002,0000) = bytes from the element after it to the end of group 2.
  const groupLength = ds.uint32("x00020000")!;
  const firstDataset = ds.elements["x00080005"].dataOffset - 8;
  assert.equal(132 + 12 + groupLength, firstDataset);
  assert.equal(ds.string("x00020010"), EXPLICIT_VR_LITTLE_ENDIAN);
  assert.equal(ds.string("x00080016"), CT_IMAGE_STORAGE);
  assert.equal(ds.string("x00020002"), CT_IMAGE_STORAGE);
  assert.equal(ds.string("x00020003"), ds.string("x00080018"));
  assert.equal(ds.string("x00080060"), "CT");
  assert.equal(ds.string("x00100020"), "SYN-TEST");
  assert.equal(ds.uint16("x00280010"), 2);
  assert.equal(ds.uint16("x00280011"), 3);
  assert.equal(ds.uint16("x00280100"), 16);
  assert.equal(ds.uint16("x00280103"), 1);
  assert.equal(ds.intString("x00200013"), 7);
  assert.deepEqual([0, 1, 2].map((i) => ds.floatString("x00200032", i)), [-10.5, 20.25, -300]);
  assert.deepEqual([0, 1].map((i) => ds.floatString("x00280030", i)), [0.7, 0.8]);
  assert.equal(ds.floatString("x00281052"), -1024);
  assert.equal(ds.floatString("x00281053"), 1);
  const px = ds.elements["x7fe00010"];
  const stored = new Int16Array(bytes.buffer.slice(bytes.byteOffset + px.dataOffset, bytes.byteOffset + px.dataOffset + px.length));
  assert.deepEqual(Array.from(stored, (v) => v - 1024), hu);
});

test("stored values are rounded and clamped to int16", () => {
  const bytes = slice([0.4, 0.6, -5000, 40000, -1024, 2], 1, 6);
  const ds = dicomParser.parseDicom(bytes);
  const px = ds.elements["x7fe00010"];
  const stored = new Int16Array(bytes.buffer.slice(bytes.byteOffset + px.dataOffset, bytes.byteOffset + px.dataOffset + px.length));
  assert.deepEqual(Array.from(stored), [1024, 1025, -3976, 32767, 0, 1026]);
  assert.throws(() => slice([1, 2, 3]), /3 pixels for a 2x3 slice/);
});

test("DCMTK dcmdump reads a written slice without warnings", { skip: !hasDcmdump && "dcmdump not installed" }, () => {
  const dir = tmpDir();
  const f = path.join(dir, "a.dcm");
  fs.writeFileSync(f, slice([-1000, -850, 0, 40, 1000, 3071]));
  const r = spawnSync("dcmdump", ["-dc", "+E", f], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr.trim(), "", r.stderr);
  assert.match(r.stdout, /\(0002,0010\) UI =LittleEndianExplicit/);
  assert.match(r.stdout, /\(0008,0016\) UI =CTImageStorage/);
  assert.match(r.stdout, /\(0028,0010\) US 2 /);
  assert.match(r.stdout, /\(7fe0,0010\) OW /);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("writeCtSeries -> loadSeries round-trips HU, geometry and slice order", () => {
  const dir = tmpDir();
  const [nz, ny, nx] = [4, 5, 6];
  const data = new Float32Array(nz * ny * nx).map((_, i) => (i * 37) % 2000 - 1000);
  const v: Volume = { data, shape: [nz, ny, nx], spacing: [1.25, 0.7, 0.8], origin: [-100.5, -80.25, -250], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] };
  // Descending instance numbers: the reader must sort by position, not InstanceNumber.
  const written = writeCtSeries(dir, v, series, { descendingInstances: true });
  assert.equal(written.length, nz);
  assert.equal(written[0].instanceNumber, nz);
  const { volume, report } = loadSeries(dir);
  assert.deepEqual(volume.shape, v.shape);
  for (let i = 0; i < 3; i++) {
    assert.ok(Math.abs(volume.spacing[i] - v.spacing[i]) < 1e-6);
    assert.ok(Math.abs(volume.origin[i] - v.origin[i]) < 1e-6);
  }
  assert.deepEqual(Array.from(volume.data), Array.from(data));
  assert.equal(report.seriesInstanceUID, series.seriesInstanceUid);
  if (hasDcmdump) execFileSync("dcmdump", ["-q", written[0].file]);
  fs.rmSync(dir, { recursive: true, force: true });
});
