import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { sharedDataDir } from "../../src/util/provenance";
import { inflateRawSync } from "../../src/web/shims/zlib";
import { instantiateEmscriptenSync } from "../../src/web/shims/wasmModule";

const samples = path.join(sharedDataDir(), "dicom-samples");

test("zlib shim: inflateRawSync gives node's bytes for a deflated real DICOM file", () => {
  for (const file of [path.join(samples, "pydicom", "CT_small.dcm"), path.join(samples, "lidc-idri-0001-single-slice", "000001.dcm")]) {
    const original = fs.readFileSync(file);
    const deflated = zlib.deflateRawSync(original);
    assert.ok(deflated.length < original.length);
    const ours = inflateRawSync(new Uint8Array(deflated.buffer, deflated.byteOffset, deflated.byteLength));
    const node = zlib.inflateRawSync(deflated);
    assert.equal(ours.length, node.length, path.basename(file));
    assert.ok(Buffer.from(ours.buffer, ours.byteOffset, ours.byteLength).equals(node), `${path.basename(file)}: bytes differ from node's`);
    assert.ok(node.equals(original));
    // A bound equal to the size passes, as in node.
    assert.equal(inflateRawSync(deflated, { maxOutputLength: original.length }).length, original.length);
    assert.equal(zlib.inflateRawSync(deflated, { maxOutputLength: original.length }).length, original.length);
  }
});

test("zlib shim: too small a maxOutputLength throws ERR_BUFFER_TOO_LARGE, as node does", () => {
  const original = fs.readFileSync(path.join(samples, "pydicom", "CT_small.dcm"));
  const deflated = zlib.deflateRawSync(original);
  const max = original.length - 1;
  assert.throws(() => zlib.inflateRawSync(deflated, { maxOutputLength: max }), (e: NodeJS.ErrnoException) => e.code === "ERR_BUFFER_TOO_LARGE");
  assert.throws(
    () => inflateRawSync(deflated, { maxOutputLength: max }),
    (e: Error & { code?: string }) => e.code === "ERR_BUFFER_TOO_LARGE" && e.message.includes(String(max)),
  );
});

test("wasmModule shim: JPEG-LS and JPEG 2000 codecs refuse in the page and point to naslung predict", () => {
  assert.throws(
    () => instantiateEmscriptenSync("@cornerstonejs/codec-charls/decodewasmjs"),
    (e: Error) => /JPEG-LS/.test(e.message) && /naslung predict/.test(e.message),
  );
  assert.throws(
    () => instantiateEmscriptenSync("@cornerstonejs/codec-openjpeg/decodewasmjs"),
    (e: Error) => /JPEG 2000/.test(e.message) && /naslung predict/.test(e.message),
  );
});

test("node shim: every member is a function that throws naming itself", () => {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const shim = require("../../src/web/shims/node") as Record<string, (...a: unknown[]) => unknown>;
  for (const name of ["readFileSync", "readdirSync", "createHash", "tmpdir", "execFileSync", "anyOtherName"]) {
    assert.equal(typeof shim[name], "function", name);
    assert.throws(
      () => shim[name]("x"),
      (e: Error) => e.message.includes(`node:${name}`) && /not available in the browser/.test(e.message),
      name,
    );
  }
  // `import * as fs` / default imports see the same proxy, not an ES module namespace.
  assert.equal((shim as unknown as Record<string, unknown>).default, shim);
  assert.equal((shim as unknown as Record<string, unknown>).__esModule, false);
  const viaDefault = (shim as unknown as { default: Record<string, () => unknown> }).default;
  assert.throws(() => viaDefault.existsSync(), /node:existsSync/);
});
