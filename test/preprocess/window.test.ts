import { test } from "node:test";
import assert from "node:assert/strict";
import { clipHu, meanStd, REFERENCE_WINDOW, windowHu, windowValue, zScoreInPlace } from "../../src/preprocess/window";
import { resolvePreprocess, DEFAULT_PREPROCESS } from "../../src/preprocess/config";

test("reference window [-1200, 600] -> 0..255 with uint8 flooring (DeepLung lumTrans)", () => {
  assert.deepEqual(REFERENCE_WINDOW, [-1200, 600]);
  assert.equal(windowValue(-1200), 0);
  assert.equal(windowValue(-2000), 0);
  assert.equal(windowValue(600), 255);
  assert.equal(windowValue(3000), 255);
  assert.equal(windowValue(-300), 127); // (900/1800)*255 = 127.5 -> 127
  assert.equal(windowValue(0), 170); // (1200/1800)*255 = 170: why the reference pads with 170
  assert.equal(windowValue(-850), 49); // 350/1800*255 = 49.58
  assert.equal(windowValue(-300, REFERENCE_WINDOW, false), 127.5);
  assert.deepEqual(Array.from(windowHu([-1200, -300, 600])), [0, 127, 255]);
  assert.throws(() => windowHu([0], [5, 5]), /lo < hi/);
});

test("clip and z-score", () => {
  assert.deepEqual(Array.from(clipHu([-2000, 0, 900], -1000, 400)), [-1000, 0, 400]);
  const { mean, std } = meanStd([new Float32Array([1, 2, 3]), new Float32Array([4, 5])]);
  assert.equal(mean, 3);
  assert.ok(Math.abs(std - Math.sqrt(2)) < 1e-12);
  const z = zScoreInPlace(new Float32Array([1, 3, 5]), 3, 2);
  assert.deepEqual(Array.from(z), [-1, 0, 1]);
});

test("preprocess config: defaults are the reference, bad fields are named, unknown keys ignored", () => {
  assert.equal(DEFAULT_PREPROCESS.padValue, 170);
  assert.equal(DEFAULT_PREPROCESS.cropSize, 32);
  assert.equal(DEFAULT_PREPROCESS.spacing, 1);
  const r = resolvePreprocess({ preprocess: "modern", ...({ onProgress: () => 0 } as object) });
  assert.equal(r.preprocess, "modern");
  assert.ok(!("onProgress" in r));
  assert.throws(() => resolvePreprocess({ preprocess: "fancy" as "modern" }), /"preprocess" must be "reference" or "modern"/);
  assert.throws(() => resolvePreprocess({ cropSize: 0 }), /"cropSize"/);
  assert.throws(() => resolvePreprocess({ window: [600, -1200] }), /"window"/);
});
