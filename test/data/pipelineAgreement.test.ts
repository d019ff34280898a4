import { test } from "node:test";
import assert from "node:assert/strict";
import { readerAgreement, weightedKappa, noduleTableRows } from "../../src/data/agreement";
import type { NoduleCluster } from "../../src/data/cluster";
import { labelFromMalignancy } from "../../src/data/labels";

function cluster(id: number, malignancy: Record<string, number>): NoduleCluster {
  const readers = Object.keys(malignancy).sort();
  return {
    id,
    marks: [],
    readers,
    centroid: [id, 0, 0],
    diameterMm: 5 + id,
    malignancy,
    scores: readers.map((r) => malignancy[r]),
  };
}

test("weighted kappa: 1 for perfect agreement, 0 for chance, golden value", () => {
  assert.equal(weightedKappa([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]), 1);
  // Independent marginals give po = pe.
  assert.ok(Math.abs(weightedKappa([1, 1, 5, 5], [1, 5, 1, 5])) < 1e-12);
  // Hand-computed: x = [1,2,3], y = [1,3,3]; w = 1 - |i-j|/4.
  // po = (1 + 0.75 + 1)/3; pe = sum_ij pa_i pb_j w_ij with pa = 1/3 each of {1,2,3}, pb = {1: 1/3, 3: 2/3}.
  const po = 2.75 / 3;
  const pa = [1, 2, 3];
  const pb: Array<[number, number]> = [[1, 1 / 3], [3, 2 / 3]];
  let pe = 0;
  for (const i of pa) for (const [j, q] of pb) pe += (1 / 3) * q * (1 - Math.abs(i - j) / 4);
  assert.ok(Math.abs(weightedKappa([1, 2, 3], [1, 3, 3]) - (po - pe) / (1 - pe)) < 1e-12);
  assert.ok(Number.isNaN(weightedKappa([1], [1])));
});

test("reader agreement counts detections and rating differences per pair", () => {
  const cs = [cluster(0, { a: 1, b: 2 }), cluster(1, { a: 5, b: 5, c: 4 }), cluster(2, { c: 3 })];
  const { readers, pairs, readersPerNodule } = readerAgreement(cs);
  assert.deepEqual(readers.map((r) => [r.reader, r.marked]), [["a", 2], ["b", 2], ["c", 2]]);
  const ab = pairs.find((p) => p.a === "a" && p.b === "b")!;
  assert.equal(ab.bothMarked, 2);
  assert.equal(ab.detectionJaccard, 1);
  assert.equal(ab.meanAbsDiff, 0.5);
  assert.equal(ab.exactAgreement, 0.5);
  const ac = pairs.find((p) => p.a === "a" && p.b === "c")!;
  assert.equal(ac.eitherMarked, 3);
  assert.equal(ac.bothMarked, 1);
  assert.deepEqual(readersPerNodule, [2, 3, 1]);
});

test("nodule table rows carry the rule's label and the truth when given", () => {
  const cs = [cluster(0, { a: 1, b: 2 }), cluster(1, { a: 3, b: 3 }), cluster(2, { a: 5, b: 4 })];
  const rows = noduleTableRows(cs, (s) => labelFromMalignancy(s), (c) => ({ malignant: c.id === 2, diameterMm: 7 }));
  assert.deepEqual(rows.map((r) => r.label), ["benign", "dropped (=3)", "malignant"]);
  assert.equal(rows[0].meanMalignancy, 1.5);
  assert.equal(rows[2].trueClass, "malignant");
});
