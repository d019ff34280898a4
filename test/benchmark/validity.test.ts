import { test } from "node:test";
import assert from "node:assert/strict";
import { finalStage, softVoteRows, validityTable, validityTableRows } from "../../src/benchmark/validity";
import { readAblationResults } from "../../src/train/ablation";
import { ablationCurvesFigure, ablationForestFigure } from "../../src/plot/ablation";
import { auc } from "../../src/metrics/auc";
import { DEFAULT_VALIDITY_INPUTS } from "../../src/benchmark/validity";

test("the validity table sets every network beside its ruler on the same committed out-of-fold readings", () => {
  const rows = validityTable(DEFAULT_VALIDITY_INPUTS, { resamples: 200 });
  const lidc = readAblationResults(DEFAULT_VALIDITY_INPUTS.lidc);
  const { best, rows: last } = finalStage(lidc);
  // The best single network is the final stage's best by inner-validation AUC, not by test AUC.
  assert.equal(best.valAuc, Math.max(...last.map((r) => r.valAuc)));
  const real = rows.filter((r) => r.dataset.startsWith("697"));
  assert.deepEqual(real.map((r) => r.kind), ["ruler", "ruler", "network", "network", "ensemble"]);
  assert.equal(real[0].auc, auc(best.outOfFold.labels, best.outOfFold.ruler));
  assert.equal(real[2].auc, auc(best.outOfFold.labels, best.outOfFold.probabilities));
  assert.equal(real[4].auc, auc(best.outOfFold.labels, softVoteRows(last, true).probabilities));
  for (const r of rows) {
    assert.ok(r.lo <= r.auc && r.auc <= r.hi, JSON.stringify(r));
    assert.equal(r.n, r.dataset.startsWith("697") ? 697 : 189);
    if (r.kind !== "ruler") assert.ok(r.vsDiameter && Math.abs(r.vsDiameter.delta - (r.auc - rows.find((x) => x.dataset === r.dataset && x.kind === "ruler")!.auc)) < 1e-12);
  }
  assert.equal(real[2].met, real[2].auc > 0.907);
  assert.equal(validityTableRows(rows).length, rows.length);
});

test("ablation figures draw every variant of a stage, with the paired interval", () => {
  const r = readAblationResults(DEFAULT_VALIDITY_INPUTS.lidc);
  const f = ablationForestFigure(r, 0);
  const stage0 = r.rows.filter((x) => x.stage === 0);
  assert.equal((f.data[0].x as number[]).length, stage0.length);
  const ex = f.data[0].error_x as { array: number[]; arrayminus: number[] };
  assert.ok(ex.array.every((v) => v >= 0) && ex.arrayminus.every((v) => v >= 0));
  assert.equal(ablationCurvesFigure(r, 1).data.length, r.rows.filter((x) => x.stage === 1).length);
  assert.throws(() => ablationForestFigure(r, 5), /stage 6 has no finished rows/);
});
