import { test } from "node:test";
import assert from "node:assert/strict";
import { auc, rocCurve } from "../../src/metrics/auc";
import { binaryMetrics } from "../../src/metrics/binary";
import { bootstrapIntervals, quantileSorted } from "../../src/metrics/bootstrap";
import { confusion } from "../../src/metrics/confusion";
import { metricReport, metricRows, formatWithCI } from "../../src/metrics/report";
import { createRng } from "../../src/util/rng";

test("threshold metrics on a hand-computed case", () => {
  const y = [1, 1, 0, 0, 1, 0];
  const p = [0.9, 0.4, 0.6, 0.1, 0.8, 0.3];
  assert.deepEqual(confusion(y, p), { tp: 2, fn: 1, fp: 1, tn: 2 });
  const m = binaryMetrics(y, p);
  assert.equal(m.accuracy, 4 / 6);
  assert.equal(m.sensitivity, 2 / 3);
  assert.equal(m.specificity, 2 / 3);
  assert.equal(m.precision, 2 / 3);
  assert.equal(m.f1, 2 / 3);
  // threshold is inclusive: p = 0.5 predicts malignant
  assert.deepEqual(confusion([1, 0], [0.5, 0.5]), { tp: 1, fn: 0, fp: 1, tn: 0 });
  // undefined metrics are NaN, not 0
  assert.ok(Number.isNaN(binaryMetrics([0, 0], [0.1, 0.2]).sensitivity));
});

test("AUC: hand cases, ties count 1/2, matches scipy's Mann-Whitney U", () => {
  assert.equal(auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
  assert.equal(auc([0, 1], [0.5, 0.5]), 0.5);
  assert.equal(auc([0, 1], [0.9, 0.1]), 0);
  assert.ok(Number.isNaN(auc([1, 1], [0.2, 0.3])));
  // Golden value: python3 -c "import numpy as np; from scipy.stats import mannwhitneyu;
  //   y=np.array(Y); s=np.array(S); print(mannwhitneyu(s[y==1], s[y==0]).statistic/((y==1).sum()*(y==0).sum()))"
  const Y = [1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0];
  const S = [0.9, 0.2, 0.7, 0.7, 0.7, 0.1, 0.5, 0.5, 0.3, 0.4, 0.8, 0.6, 0.95, 0.05, 0.3, 0.5, 0.6, 0.2, 0.45, 0.15];
  assert.ok(Math.abs(auc(Y, S) - 0.7323232323232324) < 1e-12);
});

test("AUC equals a brute-force pair count and the trapezoidal area under the ROC curve", () => {
  const rng = createRng(3, "auc-test");
  for (let trial = 0; trial < 20; trial++) {
    const n = 5 + rng.int(0, 60);
    const y = Array.from({ length: n }, (_, i) => (i < 2 ? i : rng.int(0, 1)));
    const s = y.map((l) => Math.round((rng.next() + 0.3 * l) * 8) / 8); // coarse: many ties
    let pairs = 0;
    let wins = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++)
        if (y[i] === 1 && y[j] === 0) {
          pairs++;
          wins += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
        }
    const a = auc(y, s);
    assert.ok(Math.abs(a - wins / pairs) < 1e-12, `trial ${trial}`);
    const roc = rocCurve(y, s);
    let trap = 0;
    for (let k = 1; k < roc.fpr.length; k++) trap += ((roc.fpr[k] - roc.fpr[k - 1]) * (roc.tpr[k] + roc.tpr[k - 1])) / 2;
    assert.ok(Math.abs(a - trap) < 1e-12);
  }
});

test("ROC curve points match sklearn roc_curve(drop_intermediate=False)", () => {
  const r = rocCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]);
  assert.deepEqual(r.thresholds, [Infinity, 0.8, 0.4, 0.35, 0.1]);
  assert.deepEqual(r.fpr, [0, 0, 0.5, 0.5, 1]);
  assert.deepEqual(r.tpr, [0, 0.5, 0.5, 1, 1]);
});

test("percentile quantile interpolates like numpy", () => {
  assert.equal(quantileSorted([1, 2, 3, 4], 0.5), 2.5);
  assert.equal(quantileSorted([1, 2, 3, 4], 0.025), 1.075);
  assert.equal(quantileSorted([5], 0.9), 5);
});

test("bootstrap CIs are seeded, stratified, bracket the estimate and shrink with n", () => {
  const rng = createRng(9, "boot");
  const make = (n: number) => {
    const y = Array.from({ length: n }, (_, i) => i % 2);
    const p = y.map((l) => Math.min(1, Math.max(0, 0.5 + (l ? 0.15 : -0.15) + 0.25 * rng.normal())));
    return { y, p };
  };
  const small = make(40);
  const a = bootstrapIntervals(small.y, small.p, { seed: 1, resamples: 400 });
  const b = bootstrapIntervals(small.y, small.p, { seed: 1, resamples: 400 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, bootstrapIntervals(small.y, small.p, { seed: 2, resamples: 400 }));
  const point = binaryMetrics(small.y, small.p);
  for (const k of ["accuracy", "auc", "sensitivity"] as const) {
    assert.ok(a[k].lo <= point[k] && point[k] <= a[k].hi, `${k}: ${a[k].lo} <= ${point[k]} <= ${a[k].hi}`);
  }
  // stratified resampling keeps both classes: AUC is defined in every resample, and a perfect
  // classifier's interval is exactly [1, 1]
  const perfect = bootstrapIntervals([0, 1, 0, 1, 1], [0.1, 0.9, 0.2, 0.8, 0.7], { seed: 1, resamples: 200 });
  assert.deepEqual(perfect.auc, { lo: 1, hi: 1 });
  assert.deepEqual(perfect.accuracy, { lo: 1, hi: 1 });
  const big = make(800);
  const c = bootstrapIntervals(big.y, big.p, { seed: 1, resamples: 400 });
  assert.ok(c.auc.hi - c.auc.lo < a.auc.hi - a.auc.lo);
});

test("metric report and table rows", () => {
  const r = metricReport([1, 1, 0, 0, 1, 0], [0.9, 0.4, 0.6, 0.1, 0.8, 0.3], { seed: 1, resamples: 100 });
  assert.equal(r.n, 6);
  assert.equal(r.positives, 3);
  assert.equal(r.metrics.accuracy.value, 4 / 6);
  assert.equal(r.confidence, 0.95);
  const rows = metricRows([{ name: "fold 1", report: r }]);
  assert.equal(rows[0].set, "fold 1");
  assert.match(String(rows[0].accuracy), /^0\.667 \[\d\.\d{3}, \d\.\d{3}\]$/);
  assert.equal(formatWithCI({ value: NaN, lo: NaN, hi: NaN }), "n/a");
  assert.throws(() => metricReport([1, 2], [0.1, 0.2]), /labels\[1\] = 2/);
  assert.throws(() => metricReport([1], [0.1, 0.2]), /1 labels but 2 scores/);
});
