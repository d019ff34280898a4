import { test } from "node:test";
import assert from "node:assert/strict";
import { aggregateMalignancy, labelFromMalignancy } from "../../src/data/labels";

test("reference rule: mean > 3 malignant, < 3 benign, == 3 dropped", () => {
  assert.equal(labelFromMalignancy([5, 4, 5, 5]), 1); // LIDC-IDRI-0001: 4.75
  assert.equal(labelFromMalignancy([4, 3, 1]), 0); // the DeepLung crop sample: 2.67
  assert.equal(labelFromMalignancy([3, 3, 3]), null);
  assert.equal(labelFromMalignancy([2, 4]), null);
  assert.equal(labelFromMalignancy([3, 4]), 1);
  assert.equal(labelFromMalignancy([]), null);
  // Readers without a rating are ignored, not counted as 0.
  assert.equal(labelFromMalignancy([undefined, 4, NaN]), 1);
  // Floating-point means that are 3 up to rounding are ties.
  assert.equal(labelFromMalignancy([2.9, 3.1, 3]), null);
});

test("configurable: tie handling (pylidc lists count 3 as benign), threshold, aggregate, min readers", () => {
  assert.equal(labelFromMalignancy([3, 3], { tie: "benign" }), 0);
  assert.equal(labelFromMalignancy([3, 3], { tie: "malignant" }), 1);
  assert.equal(labelFromMalignancy([3, 4], { threshold: 3.5 }), null);
  assert.equal(labelFromMalignancy([1, 1, 5], { rule: "median" }), 0);
  assert.equal(labelFromMalignancy([1, 1, 5], { rule: "max" }), 1);
  assert.equal(labelFromMalignancy([5], { minReaders: 2 }), null);
  assert.equal(aggregateMalignancy([1, 2, 3, 4]), 2.5);
  assert.equal(aggregateMalignancy([4, 1, 3, 2], "median"), 2.5);
  assert.equal(aggregateMalignancy([undefined]), undefined);
  assert.throws(() => aggregateMalignancy([1], "mode" as never), /unknown rule "mode"/);
});
