import { test } from "node:test";
import assert from "node:assert/strict";
import { auc } from "../../src/metrics/auc";
import { summaryTableRows, summaryWithRuler } from "../../src/ensemble/summary";
import type { EnsembleEvaluation } from "../../src/ensemble/evaluate";
import type { NoduleSample } from "../../src/data/sample";

const ids = ["a", "b", "c", "d", "e", "f"];
const labels: Array<0 | 1> = [0, 0, 1, 1, 0, 1];
const diam = [3, 9, 8, 12, 5, 4];
const samples = ids.map((id, i) => ({ id, label: labels[i], meta: { truthDiameterMm: diam[i] } }) as unknown as NoduleSample);
const m = (v: number) => ({ value: v, lo: v / 2, hi: 1 });
const ev = {
  n: 6,
  members: [{ name: "net", report: { metrics: { auc: m(0.8) } } }],
  ensembles: [{ name: "soft vote (all)", report: { metrics: { auc: m(0.9) } } }],
  samples: ids.map((id, i) => ({ id, fold: 0, label: labels[i], members: {}, ensembles: {} })),
} as unknown as EnsembleEvaluation;

test("summaryWithRuler scores the ruler on the evaluation's own test nodules, beside members and ensembles", () => {
  const s = summaryWithRuler(ev, samples, { name: "true diameter", metaKey: "truthDiameterMm" }, { resamples: 200, seed: 1 });
  assert.deepEqual(s.map((x) => [x.kind, x.name]), [["member", "net"], ["ensemble", "soft vote (all)"], ["ruler", "true diameter"]]);
  assert.equal(s[2].auc, auc(labels, diam));
  assert.ok(s[2].aucCI[0] <= s[2].auc && s[2].auc <= s[2].aucCI[1]);
  assert.deepEqual(s[0].aucCI, [0.4, 1]);
  const rows = summaryTableRows(s);
  assert.equal(rows[0]["vs ruler"], (0.8 - s[2].auc >= 0 ? "+" : "") + (0.8 - s[2].auc).toFixed(3));
  assert.equal(rows[2]["vs ruler"], "");
});

test("summaryWithRuler names a test nodule without the ruler's value", () => {
  const bad = samples.map((x) => (x.id === "c" ? { ...x, meta: {} } : x));
  assert.throws(() => summaryWithRuler(ev, bad, { name: "true diameter", metaKey: "truthDiameterMm" }, { resamples: 10, seed: 1 }), /test sample "c" has no numeric meta\.truthDiameterMm/);
});
