import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";
import { readDicom } from "../../src/io/dicom";
import { losslessDataDir, samplesDir } from "./samples";

/**
 * The real LIDC-IDRI slice re-encoded by DCMTK (an independent implementation) into every transfer
 * syntax we read must decode to exactly the original stored pixels. This is what exposed the two
 * jpeg-lossless-decoder-js defects worked around in codecs/jpegLossless.ts (SV5 last pixel, SV7
 * rounding), which the package's own MR test images do not trigger.
 */
const hasDcmtk = (() => {
  try {
    execFileSync("dcmcjpeg", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

const LIDC = path.join(samplesDir, "lidc-idri-0001-single-slice", "000001.dcm");

const ENCODINGS: [string, string, string[], string][] = [
  ...[1, 2, 3, 4, 5, 6, 7].map((sv): [string, string, string[], string] => [`jpeg-lossless-sv${sv}`, "dcmcjpeg", ["+el", "+sv", String(sv)], "1.2.840.10008.1.2.4.57"]),
  ["jpeg-lossless-sv1-70", "dcmcjpeg", ["+e1"], "1.2.840.10008.1.2.4.70"],
  ["rle", "dcmcrle", [], "1.2.840.10008.1.2.5"],
  ["jpeg-ls", "dcmcjpls", ["+el"], "1.2.840.10008.1.2.4.80"],
  ["big-endian", "dcmconv", ["+tb"], "1.2.840.10008.1.2.2"],
  ["deflated", "dcmconv", ["+td"], "1.2.840.10008.1.2.1.99"],
  ["implicit", "dcmconv", ["+ti"], "1.2.840.10008.1.2"],
];

test("DCMTK re-encodings of the real LIDC slice decode to the original pixels", { skip: !hasDcmtk && "DCMTK not installed" }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-reencode-"));
  const original = readDicom(LIDC);
  const ref = original.stored(0);
  for (const [name, tool, args, uid] of ENCODINGS) {
    const out = path.join(dir, `${name}.dcm`);
    execFileSync(tool, [...args, LIDC, out], { stdio: "ignore" });
    const img = readDicom(out);
    assert.equal(img.transferSyntax, uid, name);
    const got = img.stored(0);
    let diff = 0;
    for (let i = 0; i < ref.length; i++) if (got[i] !== ref[i]) diff++;
    assert.equal(diff, 0, `${name}: ${diff} pixel(s) differ`);
    assert.deepEqual(img.imagePositionPatient, original.imagePositionPatient, name);
    assert.equal(img.rescaleIntercept, -1024, name);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});

test("multi-frame: fragmented frames with and without a Basic Offset Table split and decode correctly", { skip: !hasDcmtk && "DCMTK not installed" }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-multiframe-"));
  const native = path.join(dir, "native.dcm");
  execFileSync("dcmdjpeg", [path.join(losslessDataDir, "jpeg_lossless_sel1-8bit.dcm"), native], { stdio: "ignore" });
  const ref = readDicom(native).storedFrames();
  assert.equal(ref.length, 12);
  // +fs 8: frames cut into 8 kB fragments; -ot: empty offset table (frames found by their SOI).
  const variants: [string, string, string[]][] = [
    ["jpeg-lossless-bot", "dcmcjpeg", ["+e1", "+fs", "8"]],
    ["jpeg-lossless-no-bot", "dcmcjpeg", ["+e1", "+fs", "8", "-ot"]],
    ["jpeg-ls-no-bot", "dcmcjpls", ["+fs", "8", "-ot"]],
    ["rle-bot", "dcmcrle", ["+fs", "8"]],
  ];
  for (const [name, tool, args] of variants) {
    const out = path.join(dir, `${name}.dcm`);
    execFileSync(tool, [...args, native, out], { stdio: "ignore" });
    const img = readDicom(out);
    assert.ok((img.dataSet.elements.x7fe00010.fragments ?? []).length > 12, `${name}: several fragments per frame`);
    assert.deepEqual(img.storedFrames(), ref, name);
  }
  fs.rmSync(dir, { recursive: true, force: true });
});
