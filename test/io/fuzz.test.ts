import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { readDicom, DicomError } from "../../src/io/dicom";
import { createRng } from "../../src/util/rng";
import { sharedDataDir, slowTests } from "../../src/util/provenance";
import { allSampleFiles } from "./samples";

/**
 * Random truncations and byte flips of the shared real DICOM files (every dicom-samples file, one
 * slice of each Lung-PET-CT-Dx series). Every case must end in a decoded image of the declared size
 * or a DicomError: anything else thrown (TypeError, RangeError, a string from a library, a WASM
 * abort) fails, and so would a hang (the test's timeout) or a huge allocation (the decode limit).
 */
const files = [
  ...allSampleFiles(),
  path.join(sharedDataDir(), "lung-pet-ct-dx-sample", "Lung_Dx-A0001", "2.000000-5mm-40805", "1-30.dcm"),
  path.join(sharedDataDir(), "lung-pet-ct-dx-sample", "Lung_Dx-A0002", "2.000000-ThoraxRoutine-B70f-62919", "1-15.dcm"),
];
const CASES = slowTests() ? 3000 : 300;

test(`fuzz: ${CASES} seeded truncations and byte flips end in an image or a DicomError`, { timeout: 600_000 }, () => {
  const rng = createRng(20261126, "dicom-fuzz");
  const originals = files.map((f) => fs.readFileSync(f));
  const outcomes = new Map<string, number>();
  for (let c = 0; c < CASES; c++) {
    const k = rng.int(0, files.length - 1);
    const src = originals[k];
    const mode = rng.int(0, 2);
    let bytes: Buffer;
    let what: string;
    if (mode === 0) {
      const n = rng.int(0, src.length - 1);
      bytes = Buffer.from(src.subarray(0, n));
      what = `truncated to ${n}`;
    } else {
      bytes = Buffer.from(src);
      // mode 1 aims at the header (first 1.5 kB, where lengths and sizes live), mode 2 anywhere.
      const span = mode === 1 ? Math.min(src.length, 1536) : src.length;
      const flips = rng.int(1, 8);
      const at: number[] = [];
      for (let i = 0; i < flips; i++) {
        const p = rng.int(0, span - 1);
        bytes[p] = rng.int(0, 255);
        at.push(p);
      }
      what = `bytes ${at.join(",")} changed`;
    }
    const name = `${path.basename(files[k])} case ${c} (${what})`;
    let outcome: string;
    try {
      const img = readDicom(bytes, { name });
      const frames = img.storedFrames();
      assert.equal(frames.length, img.frames, name);
      for (const f of frames) assert.equal(f.length, img.rows * img.columns * img.samplesPerPixel, name);
      if (img.samplesPerPixel === 1) assert.equal(img.hu(0).length, img.rows * img.columns);
      outcome = "decoded";
    } catch (e) {
      if (!(e instanceof DicomError)) assert.fail(`${name}: escaped as ${e instanceof Error ? `${e.name}: ${e.message}` : typeof e} ${String(e)}`);
      assert.ok(e.message.startsWith(name), e.message);
      assert.ok(!e.message.includes("\n"));
      outcome = e.code;
    }
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  // No lying length made us allocate big: the whole run stays far below the 1 GiB decode limit.
  const maxRssMiB = process.resourceUsage().maxRSS / 1024;
  assert.ok(maxRssMiB < 1024, `peak RSS ${maxRssMiB.toFixed(0)} MiB`);
  // Both ends are exercised: some mutants still decode, most are refused with a reason.
  assert.ok((outcomes.get("decoded") ?? 0) > CASES / 10, JSON.stringify([...outcomes]));
  assert.ok((outcomes.get("truncated") ?? 0) > CASES / 10, JSON.stringify([...outcomes]));
  assert.ok((outcomes.get("corrupt") ?? 0) > 0, JSON.stringify([...outcomes]));
});
