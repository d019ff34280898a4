import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadSeries, readDicom, SeriesError } from "../../src/io/dicom";
import { voxelToWorld } from "../../src/io/volume";
import { sharedDataDir } from "../../src/util/provenance";

const base = path.join(sharedDataDir(), "lung-pet-ct-dx-sample");
const A1 = path.join(base, "Lung_Dx-A0001", "2.000000-5mm-40805");
const A2 = path.join(base, "Lung_Dx-A0002", "2.000000-ThoraxRoutine-B70f-62919");
const a2Files = fs.readdirSync(A2).sort();

/** A temp folder populated with links (or given bytes) under chosen names. */
function folder(entries: [string, string | Buffer][]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-series-"));
  for (const [name, src] of entries) {
    if (typeof src === "string") fs.symlinkSync(src, path.join(dir, name));
    else fs.writeFileSync(path.join(dir, name), src);
  }
  return dir;
}
const a2 = (name: string) => path.join(A2, name);

test("Lung-PET-CT-Dx A0001 (Philips, implicit VR): 64 slices, 5 mm from positions, sorted along the normal", () => {
  const { volume, report, slices } = loadSeries(A1);
  assert.deepEqual(volume.shape, [64, 512, 512]);
  assert.deepEqual(volume.spacing, [5, 0.841796875, 0.841796875]);
  assert.deepEqual(volume.direction, [1, 0, 0, 0, 1, 0, 0, 0, 1]);
  assert.equal(slices[0].position[2], -439);
  assert.equal(slices[63].position[2], -124);
  for (let i = 1; i < slices.length; i++) assert.equal(slices[i].location - slices[i - 1].location, 5);
  assert.deepEqual(volume.origin, slices[0].position);
  // InstanceNumber runs the other way here (1-64.dcm is the lowest slice): sorting used positions.
  assert.equal(slices[0].instanceNumber, 64);
  assert.equal(path.basename(slices[0].file), "1-64.dcm");
  assert.equal(report.seriesInstanceUID, "1.3.6.1.4.1.14519.5.2.1.6655.2359.257508444832901632590301540805");
  assert.deepEqual(report.problems, []);
  assert.equal(report.sliceThickness, 5);
  // HU: air at -1024 (stored 0), max stored 4000 - 1024; slice z of voxel k matches its position.
  let min = Infinity;
  let max = -Infinity;
  for (const v of volume.data) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  assert.deepEqual([min, max], [-1024, 2976]);
  assert.deepEqual(voxelToWorld(volume, [0, 0, 10]), slices[10].position);
  // Every annotated slice of the collection is in the series.
  const uids = new Set(slices.map((s) => s.sopInstanceUID));
  const ann = fs.readdirSync(path.join(base, "Lung_Dx-A0001", "annotations")).map((f) => f.replace(/\.xml$/, ""));
  assert.equal(ann.length, 11);
  for (const u of ann) assert.ok(uids.has(u), u);
});

test("Lung-PET-CT-Dx A0002 (Siemens, explicit VR): 30 slices, 8 mm, z 80..312, HU of a voxel = stored - 1024", () => {
  const { volume, slices, report } = loadSeries(A2);
  assert.deepEqual(volume.shape, [30, 512, 512]);
  assert.deepEqual(volume.spacing, [8, 0.646484375, 0.646484375]);
  assert.deepEqual([slices[0].position[2], slices[29].position[2]], [80, 312]);
  assert.deepEqual(report.transferSyntaxes, ["1.2.840.10008.1.2.1"]);
  const k = 17;
  const img = readDicom(slices[k].file);
  const plane = volume.data.subarray(k * 512 * 512, (k + 1) * 512 * 512);
  const stored = img.stored(0);
  for (const i of [0, 70000, 131328, 262143]) assert.equal(plane[i], stored[i] - 1024);
});

test("file names and InstanceNumbers do not matter: shuffled names give the identical volume", () => {
  const ref = loadSeries(A2);
  const names = [...a2Files].reverse();
  const dir = folder(a2Files.map((f, i) => [`x${String((i * 7919) % 101).padStart(3, "0")}_${names[i]}`, a2(f)]));
  const got = loadSeries(dir);
  assert.deepEqual(got.volume.origin, ref.volume.origin);
  assert.deepEqual(got.slices.map((s) => s.sopInstanceUID), ref.slices.map((s) => s.sopInstanceUID));
  assert.deepEqual(got.volume.data, ref.volume.data);
  fs.rmSync(dir, { recursive: true });
});

test("a missing slice is a gap: strict throws SeriesError naming the folder, lenient keeps the longest even run", () => {
  const dir = folder(a2Files.filter((f) => f !== "1-11.dcm").map((f) => [f, a2(f)]));
  assert.throws(() => loadSeries(dir), (e: unknown) => {
    assert.ok(e instanceof SeriesError);
    assert.equal(e.code, "gap");
    assert.match(e.message, new RegExp(`^${dir}: gap: 1 gap\\(s\\).*16\\.000 mm`));
    return true;
  });
  const { volume, report } = loadSeries(dir, { lenient: true });
  assert.equal(report.problems[0].code, "gap");
  assert.equal(volume.shape[0] + report.skipped.length, 29);
  assert.equal(volume.shape[0], Math.max(...[10, 19]), "longest run either side of the gap");
  assert.equal(volume.spacing[0], 8);
  fs.rmSync(dir, { recursive: true });
});

test("the same slice twice is a duplicate; lenient keeps one", () => {
  const dir = folder([...a2Files.map((f): [string, string] => [f, a2(f)]), ["copy-of-1-05.dcm", a2("1-05.dcm")]]);
  assert.throws(() => loadSeries(dir), (e: unknown) => e instanceof SeriesError && e.code === "duplicate-slice");
  const { volume, report } = loadSeries(dir, { lenient: true });
  assert.equal(volume.shape[0], 30);
  assert.deepEqual(report.skipped.map((s) => s.code), ["duplicate-slice"]);
  fs.rmSync(dir, { recursive: true });
});

test("two series in one folder: strict refuses, lenient loads the larger, seriesUID picks one", () => {
  const a1Files = fs.readdirSync(A1).sort().slice(20, 23);
  const dir = folder([...a2Files.map((f): [string, string] => [f, a2(f)]), ...a1Files.map((f): [string, string] => [`a1-${f}`, path.join(A1, f)])]);
  assert.throws(() => loadSeries(dir), (e: unknown) => e instanceof SeriesError && e.code === "mixed-series" && /2 series in one folder/.test(e.message));
  const lenient = loadSeries(dir, { lenient: true });
  assert.equal(lenient.volume.shape[0], 30);
  assert.deepEqual(lenient.report.otherSeries, [{ seriesInstanceUID: "1.3.6.1.4.1.14519.5.2.1.6655.2359.257508444832901632590301540805", files: 3 }]);
  assert.equal(lenient.report.skipped.length, 3);
  const picked = loadSeries(dir, { seriesUID: "1.3.6.1.4.1.14519.5.2.1.6655.2359.257508444832901632590301540805" });
  assert.deepEqual(picked.volume.shape, [3, 512, 512]);
  assert.equal(picked.volume.spacing[0], 5);
  fs.rmSync(dir, { recursive: true });
});

test("a slice moved 2 mm along z makes the spacing uneven", () => {
  const moved = withSliceZ(fs.readFileSync(a2("1-15.dcm")), 2);
  const dir = folder(a2Files.map((f): [string, string | Buffer] => [f, f === "1-15.dcm" ? moved : a2(f)]));
  assert.throws(() => loadSeries(dir), (e: unknown) => e instanceof SeriesError && e.code === "uneven-spacing" && /median step 8\.000 mm/.test(e.message));
  const { volume, report } = loadSeries(dir, { lenient: true });
  assert.equal(report.problems[0].code, "uneven-spacing");
  assert.ok(volume.shape[0] >= 14 && volume.shape[0] < 30);
  fs.rmSync(dir, { recursive: true });
});

test("non-DICOM files are ignored and listed; a truncated DICOM file fails strict and is skipped by lenient", () => {
  const cut = fs.readFileSync(a2(a2Files[0])).subarray(0, 200000);
  const dir = folder([...a2Files.slice(1).map((f): [string, string] => [f, a2(f)]), ["README.txt", Buffer.from("notes\n")], [a2Files[0], cut]]);
  assert.throws(() => loadSeries(dir), (e: unknown) => {
    assert.ok(e instanceof SeriesError);
    assert.equal(e.code, "unreadable-file");
    assert.ok(e.problems[0].files[0].endsWith(a2Files[0]));
    return true;
  });
  const { volume, report } = loadSeries(dir, { lenient: true });
  assert.equal(volume.shape[0], 29);
  assert.deepEqual(report.skipped.map((s) => [path.basename(s.file), s.code]).sort(), [[a2Files[0], "unreadable-file"], ["README.txt", "not-dicom"]]);
  fs.rmSync(dir, { recursive: true });
});

for (const [what, bytes, at] of [
  ["empty last", Buffer.alloc(0), "last"],
  ["random-bytes last", Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)), "last"],
  ["empty middle", Buffer.alloc(0), "middle"],
] as const) {
  test(`an ${what} *.dcm file is unreadable-file, named (strict throws, lenient reports it)`, () => {
    const sorted = a2Files.slice();
    const victim = at === "last" ? sorted[sorted.length - 1] : sorted[14];
    const dir = folder(sorted.map((f): [string, string | Buffer] => [f, f === victim ? bytes : a2(f)]));
    assert.throws(() => loadSeries(dir), (e: unknown) => {
      assert.ok(e instanceof SeriesError);
      assert.equal(e.code, "unreadable-file", e.message);
      assert.ok(e.problems[0].files[0].endsWith(victim), e.message);
      assert.match(e.message, new RegExp(victim.replace(".", "\\.")));
      return true;
    });
    const { report } = loadSeries(dir, { lenient: true });
    assert.ok(report.problems.some((p) => p.code === "unreadable-file" && p.files[0].endsWith(victim)));
    fs.rmSync(dir, { recursive: true });
  });
}

test("an empty folder is a named SeriesError", () => {
  const dir = folder([]);
  assert.throws(() => loadSeries(dir), (e: unknown) => e instanceof SeriesError && e.code === "empty" && e.message.startsWith(dir));
  fs.rmSync(dir, { recursive: true });
});

test("a tilted stack (in-plane offsets growing with z): strict refuses, lenient keeps every slice and reports it", () => {
  const dir = folder(a2Files.map((f, i): [string, Buffer] => [f, withPosition(fs.readFileSync(a2(f)), 1, (v) => v + 0.1 * i)]));
  assert.throws(() => loadSeries(dir), (e: unknown) => e instanceof SeriesError && e.code === "inconsistent-geometry" && /offset in-plane .* up to 2\.90 mm/.test(e.message));
  const { volume, report } = loadSeries(dir, { lenient: true });
  assert.equal(volume.shape[0], 30);
  assert.deepEqual(report.skipped, []);
  assert.equal(report.problems[0].files.length, 29);
  fs.rmSync(dir, { recursive: true });
});

/** Adds `dz` mm to the z of ImagePositionPatient in an explicit-VR LE file, keeping the value length. */
function withSliceZ(bytes: Buffer, dz: number): Buffer {
  return withPosition(bytes, 2, (v) => v + dz);
}

/** Rewrites one coordinate of ImagePositionPatient (explicit VR LE), keeping the value length. */
function withPosition(bytes: Buffer, axis: number, f: (v: number) => number): Buffer {
  const b = Buffer.from(bytes);
  const p = b.indexOf(Buffer.from([0x20, 0x00, 0x32, 0x00, 0x44, 0x53])); // (0020,0032) DS
  const len = b.readUInt16LE(p + 6);
  const parts = b.toString("latin1", p + 8, p + 8 + len).trim().split("\\");
  parts[axis] = String(+f(Number(parts[axis])).toFixed(6));
  const text = parts.join("\\");
  assert.ok(text.length <= len);
  b.write(text.padEnd(len, " "), p + 8, "latin1");
  return b;
}
