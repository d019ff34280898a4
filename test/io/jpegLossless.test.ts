import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { readDicom } from "../../src/io/dicom";
import { losslessDataDir, storedStats } from "./samples";

// jpeg-lossless-decoder-js's own tests assert the same CRC (3476557349) for sel1..sel7: the seven
// files are one MR knee image compressed with prediction selection values 1-7.
const SELECTIONS = [1, 2, 3, 4, 5, 6, 7];

/** The selection value written in the JPEG scan header (SOS, Ss byte: T.81 H.1.2.2 / Table H.1). */
function selectionValue(file: string): number {
  const b = fs.readFileSync(file);
  const sos = b.indexOf(Buffer.from([0xff, 0xda]));
  const ns = b[sos + 4];
  return b[sos + 5 + 2 * ns];
}

test("JPEG lossless selection values 1-7 all decode to the identical image", () => {
  const files = SELECTIONS.map((s) => path.join(losslessDataDir, `jpeg_lossless_sel${s}.dcm`));
  assert.deepEqual(files.map(selectionValue), SELECTIONS, "each file really uses its predictor");
  const ref = readDicom(files[0]);
  assert.equal(ref.transferSyntax, "1.2.840.10008.1.2.4.57");
  const refPixels = ref.stored(0);
  assert.deepEqual([ref.rows, ref.columns], [256, 256]);
  for (const f of files.slice(1)) assert.deepEqual(readDicom(f).stored(0), refPixels, path.basename(f));
  // Golden statistics of that image (also what DCMTK's dcmdjpeg gives for sel1).
  assert.deepEqual(storedStats([refPixels]), { min: 1024, max: 1284, sum: 71152622 });
});

test("multi-frame 8-bit JPEG lossless (XA, 12 frames) splits into frames and decodes each", () => {
  const img = readDicom(path.join(losslessDataDir, "jpeg_lossless_sel1-8bit.dcm"));
  assert.equal(img.frames, 12);
  assert.equal(img.bitsAllocated, 8);
  const frames = img.storedFrames();
  assert.equal(frames.length, 12);
  for (const f of frames) assert.equal(f.length, img.rows * img.columns);
  assert.notDeepEqual(frames[0], frames[11], "frames differ");
  assert.deepEqual(storedStats(frames), { min: 2, max: 163, sum: 121900507 });
});
