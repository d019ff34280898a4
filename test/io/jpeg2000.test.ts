import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "path";
import { readDicom } from "../../src/io/dicom";
import { decodeJpeg2000 } from "../../src/io/dicom/codecs/jpeg2000";
import { CodecError } from "../../src/io/dicom/codecs/frame";
import { instantiateEmscriptenSync } from "../../src/io/dicom/codecs/wasmModule";
import { samplesDir } from "./samples";

interface J2kEncoder {
  getDecodedBuffer(info: object): Uint8Array;
  setQuality(lossless: boolean, quantizationStep: number): void;
  encode(): void;
  getEncodedBuffer(): Uint8Array;
  delete(): void;
}

/** Reversible (lossless, .90) JPEG 2000 of the real LIDC slice via OpenJPEG's encoder from the same package. */
function encodeLossless(pixels: Int16Array, rows: number, columns: number): Uint8Array {
  const m = instantiateEmscriptenSync<{ J2KEncoder: new () => J2kEncoder }>("@cornerstonejs/codec-openjpeg/wasmjs", "@cornerstonejs/codec-openjpeg/wasm");
  const enc = new m.J2KEncoder();
  enc.getDecodedBuffer({ width: columns, height: rows, bitsPerSample: 16, componentCount: 1, isSigned: true, isUsingColorTransform: false }).set(new Uint8Array(pixels.buffer));
  enc.setQuality(true, 0);
  enc.encode();
  const out = enc.getEncodedBuffer().slice();
  enc.delete();
  return out;
}

test("JPEG 2000 lossless round trip of the real LIDC slice (signed 16-bit) is exact", () => {
  const img = readDicom(path.join(samplesDir, "lidc-idri-0001-single-slice", "000001.dcm"));
  const stored = img.stored(0);
  const encoded = encodeLossless(Int16Array.from(stored), 512, 512);
  assert.ok(encoded.length < 512 * 512 * 2, "compressed");
  const raw = decodeJpeg2000(encoded, { rows: 512, columns: 512, samplesPerPixel: 1, bitsAllocated: 16 });
  let diff = 0;
  for (let i = 0; i < stored.length; i++) if (((raw[i] << 16) >> 16) !== stored[i]) diff++;
  assert.equal(diff, 0);
  // A stream whose size disagrees with the header is refused before decoding.
  assert.throws(() => decodeJpeg2000(encoded, { rows: 256, columns: 512, samplesPerPixel: 1, bitsAllocated: 16 }), CodecError);
  // Truncated codestream: a CodecError, and the module stays usable afterwards.
  assert.throws(() => decodeJpeg2000(encoded.subarray(0, 100), { rows: 512, columns: 512, samplesPerPixel: 1, bitsAllocated: 16 }), CodecError);
  assert.equal(decodeJpeg2000(encoded, { rows: 512, columns: 512, samplesPerPixel: 1, bitsAllocated: 16 }).length, 512 * 512);
});
