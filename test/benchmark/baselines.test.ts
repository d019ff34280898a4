import { test } from "node:test";
import assert from "node:assert/strict";
import { radiomicsTable, lidcSliceFold } from "../../src/data/lidcSlices";
import { diameterBaseline, radiomicsLogisticBaseline } from "../../src/benchmark/baselines";
import { auc } from "../../src/metrics/auc";

const table = radiomicsTable();

test("diameter alone ranks the 697 real readings with AUC 0.893 (PROTOCOL.md)", () => {
  const r = diameterBaseline(table);
  assert.equal(Math.round((r.notes.rawAuc as number) * 1000) / 1000, 0.893);
  // A monotone per-fold calibration keeps each fold's ranking, so fold AUCs equal raw-diameter AUCs.
  for (const f of r.folds) {
    const idx = f.test.ids.map((id) => table.ids.indexOf(id));
    assert.ok(Math.abs(auc(f.test.labels, f.test.probabilities) - auc(f.test.labels, idx.map((i) => table.diameter[i]))) < 1e-12);
  }
});

test("out-of-fold: every reading scored exactly once, by the exam-grouped fold that held it out", () => {
  const r = radiomicsLogisticBaseline(table);
  const ids = r.folds.flatMap((f) => f.test.ids);
  assert.equal(ids.length, table.ids.length);
  assert.equal(new Set(ids).size, table.ids.length);
  for (const f of r.folds) {
    for (const id of f.test.ids) assert.equal(lidcSliceFold(id.split("/")[0]), f.id);
  }
  const pooled = auc(r.folds.flatMap((f) => f.test.labels), r.folds.flatMap((f) => f.test.probabilities));
  assert.ok(pooled > 0.8, `radiomics logistic pooled AUC ${pooled}`);
  assert.ok(!table.featureNames.includes("malignancy") && !table.featureNames.includes("class"));
});
