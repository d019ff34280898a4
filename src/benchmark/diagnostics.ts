import type { NoduleDataset } from "../data/sample";
import { auc } from "../metrics/auc";
import { baseLayout, Figure } from "../plot/figure";
import type { LidcBenchmarkResults, MethodResult } from "./lidcBenchmark";

/** One bin of a reliability diagram. */
export interface CalibrationBin {
  lo: number;
  hi: number;
  n: number;
  /** Mean predicted P(malignant) in the bin. */
  meanPredicted: number;
  /** Fraction of malignant readings in the bin. */
  observed: number;
}

/** Reliability diagram data with the two usual summaries. */
export interface Calibration {
  bins: CalibrationBin[];
  /** Expected calibration error: sum over bins of n_b / N * |observed - meanPredicted|. */
  ece: number;
  /** Brier score: mean squared error of the probabilities. */
  brier: number;
}

/**
 * Calibration of probabilities against binary labels with `bins` equal-width bins on [0, 1]
 * (the last bin is closed at 1; empty bins are dropped). ECE as in Guo et al. 2017, eq. 3.
 */
export function calibrationCurve(labels: ArrayLike<number>, probs: ArrayLike<number>, bins = 10): Calibration {
  if (labels.length !== probs.length) throw new Error(`calibrationCurve: ${labels.length} labels but ${probs.length} probabilities`);
  if (!labels.length) throw new Error("calibrationCurve: no samples");
  const n = new Array<number>(bins).fill(0), sp = new Array<number>(bins).fill(0), sy = new Array<number>(bins).fill(0);
  let brier = 0;
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    if (!(p >= 0 && p <= 1)) throw new Error(`calibrationCurve: probability ${i} is ${p} (outside [0, 1])`);
    const b = Math.min(bins - 1, Math.floor(p * bins));
    n[b]++;
    sp[b] += p;
    sy[b] += labels[i];
    brier += (p - labels[i]) ** 2;
  }
  const out: CalibrationBin[] = [];
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    if (!n[b]) continue;
    const bin = { lo: b / bins, hi: (b + 1) / bins, n: n[b], meanPredicted: sp[b] / n[b], observed: sy[b] / n[b] };
    ece += (n[b] / probs.length) * Math.abs(bin.observed - bin.meanPredicted);
    out.push(bin);
  }
  return { bins: out, ece, brier: brier / probs.length };
}

function requireOutOfFold(m: MethodResult): NonNullable<MethodResult["outOfFold"]> {
  if (!m.outOfFold) throw new Error(`benchmark results: method "${m.method}" has no out-of-fold scores (results written by an older naslung; rerun benchmark-lidc)`);
  return m.outOfFold;
}

/** Whether a method's scores are probabilities: everything but a hard-vote ensemble (vote fractions). */
export function scoresAreProbabilities(m: MethodResult): boolean {
  return m.notes?.vote !== "hard";
}

/** The methods worth calibrating: every network, the soft-vote ensemble and the baselines. */
function calibratedMethods(r: LidcBenchmarkResults): MethodResult[] {
  return r.methods.filter(scoresAreProbabilities);
}

/**
 * The bar for every network and ensemble: pooled AUC with its interval against the
 * diameter baseline's pooled AUC, and the mean per-fold AUCs of both (ranking within folds only).
 */
export function diameterVerdictRows(r: LidcBenchmarkResults): Array<Record<string, unknown>> {
  const diameter = r.methods.find((m) => m.method === "diameter");
  if (!diameter) throw new Error("benchmark results: no \"diameter\" baseline row");
  const d = diameter.pooled.metrics.auc.value;
  return r.methods
    .filter((m) => m.kind !== "baseline")
    .map((m) => {
      const a = m.pooled.metrics.auc;
      return {
        method: m.method,
        "pooled AUC": a.value,
        "AUC 95% CI": `[${a.lo.toFixed(3)}, ${a.hi.toFixed(3)}]`,
        "beats diameter (pooled)": a.value > d ? "yes" : "no",
        "CI above diameter": a.lo > d ? "yes" : "no",
        "mean per-fold AUC": meanFoldAuc(m),
        "diameter mean per-fold AUC": meanFoldAuc(diameter),
      };
    });
}

/** ECE and Brier score of each method's pooled out-of-fold probabilities. */
export function calibrationRows(r: LidcBenchmarkResults, bins = 10): Array<Record<string, unknown>> {
  return calibratedMethods(r).map((m) => {
    const o = requireOutOfFold(m);
    const c = calibrationCurve(o.labels, o.probabilities, bins);
    const meanP = o.probabilities.reduce((a, p) => a + p, 0) / o.probabilities.length;
    return { method: m.method, ECE: c.ece, Brier: c.brier, "mean P(malignant)": meanP, "malignant rate": o.labels.reduce((a, y) => a + y, 0) / o.labels.length };
  });
}

/** Reliability diagram of the pooled out-of-fold probabilities (diagonal = perfectly calibrated). */
export function calibrationFigure(r: LidcBenchmarkResults, bins = 10): Figure {
  const traces = calibratedMethods(r).map((m) => {
    const o = requireOutOfFold(m);
    const c = calibrationCurve(o.labels, o.probabilities, bins);
    return {
      type: "scatter",
      mode: "lines+markers",
      name: `${m.method} (ECE ${c.ece.toFixed(3)})`,
      x: c.bins.map((b) => b.meanPredicted),
      y: c.bins.map((b) => b.observed),
      text: c.bins.map((b) => `n = ${b.n}`),
      marker: { size: c.bins.map((b) => 5 + 0.8 * Math.sqrt(b.n)) },
      line: m.kind === "baseline" ? { width: 1.2, dash: "dot" } : { width: 1.8 },
    };
  });
  return {
    data: [...traces, { type: "scatter", mode: "lines", x: [0, 1], y: [0, 1], line: { color: "grey", dash: "dash", width: 1 }, showlegend: false }],
    layout: baseLayout("Calibration of the out-of-fold probabilities (real LIDC readings)", {
      width: 780,
      height: 560,
      xaxis: { title: { text: "mean predicted P(malignant) in bin" }, range: [0, 1] },
      yaxis: { title: { text: "observed malignant fraction" }, range: [0, 1.02] },
      legend: { x: 0.02, y: 0.98, bgcolor: "rgba(255,255,255,0.85)" },
    }),
  };
}

/** Number of non-zero (segmented) voxels in a reading's cube: the nodule's size as the network sees it. */
export function segmentedVoxels(crop: Float32Array): number {
  let n = 0;
  for (let i = 0; i < crop.length; i++) if (crop[i] > 0) n++;
  return n;
}

function metaNumber(s: NoduleDataset["samples"][number], key: string): number {
  const v = s.meta?.[key];
  if (typeof v !== "number") throw new Error(`reading ${s.id}: meta.${key} is ${JSON.stringify(v)} (expected a number; load with the radiomics CSV)`);
  return v;
}

/**
 * How much of the task one size number solves, on the same readings: AUC of the CSV's diameter
 * (pixels and mm) and of the segmented-voxel count in the network's 32^3 input. The last is
 * computable from the network's own input, so a network below it has not yet learned size.
 */
export function sizeOnlyAucRows(ds: NoduleDataset): Array<Record<string, unknown>> {
  const y = ds.samples.map((s) => s.label);
  const rows: Array<[string, number[]]> = [
    ["diameter (CSV, pixels)", ds.samples.map((s) => metaNumber(s, "diameter"))],
    ["diameter (CSV, mm)", ds.samples.map((s) => metaNumber(s, "diameterMm"))],
    ["segmented voxels in the 32³ input", ds.samples.map((s) => segmentedVoxels(s.crop))],
  ];
  return rows.map(([feature, v]) => ({ feature, AUC: auc(y, v) }));
}

/**
 * AUC of each method within diameter strata (quantiles of the CSV's diameter): how well a method
 * ranks nodules of similar size, i.e. what it knows beyond size. Diameter alone is near chance
 * within a narrow stratum by construction; a network that adds shape or texture is not.
 */
export function sizeStrataRows(r: LidcBenchmarkResults, ds: NoduleDataset, strata = 3): Array<Record<string, unknown>> {
  const diameter = new Map(ds.samples.map((s) => [s.id, metaNumber(s, "diameter")]));
  const sorted = [...diameter.values()].sort((a, b) => a - b);
  const cuts = Array.from({ length: strata - 1 }, (_, k) => sorted[Math.floor(((k + 1) * sorted.length) / strata)]);
  const stratumOf = (d: number) => cuts.filter((c) => d >= c).length;
  const methods = calibratedMethods(r);
  const rows: Array<Record<string, unknown>> = [];
  for (let k = 0; k < strata; k++) {
    const lo = k === 0 ? sorted[0] : cuts[k - 1];
    const hi = k === strata - 1 ? sorted[sorted.length - 1] : cuts[k];
    const row: Record<string, unknown> = { "diameter stratum (px)": `[${lo.toFixed(1)}, ${hi.toFixed(1)}${k === strata - 1 ? "]" : ")"}` };
    for (const m of methods) {
      const o = requireOutOfFold(m);
      const idx = o.ids.flatMap((id, i) => {
        const d = diameter.get(id);
        if (d === undefined) throw new Error(`sizeStrataRows: reading ${id} of method "${m.method}" is not in the dataset`);
        return stratumOf(d) === k ? [i] : [];
      });
      if (row.n === undefined) {
        row.n = idx.length;
        row["malignant %"] = (100 * idx.reduce((a, i) => a + o.labels[i], 0)) / idx.length;
      }
      row[m.method] = auc(idx.map((i) => o.labels[i]), idx.map((i) => o.probabilities[i]));
    }
    rows.push(row);
  }
  return rows;
}

/** Mean of a method's per-fold AUCs (ranking within folds only, free of cross-fold calibration shifts). */
export function meanFoldAuc(m: MethodResult): number {
  return m.perFold.reduce((a, f) => a + f.metrics.auc, 0) / m.perFold.length;
}

/**
 * Side-by-side AUCs of the methods that several benchmark runs share (e.g. 4 vs 16 training
 * epochs on the same folds): pooled and mean per-fold AUC per run, one row per method, in the
 * first run's order. Runs must cover the same readings.
 */
export function budgetComparisonRows(runs: Array<{ label: string; results: LidcBenchmarkResults }>): Array<Record<string, unknown>> {
  if (runs.length < 2) throw new Error("budgetComparisonRows: needs at least two runs");
  const n = runs[0].results.dataset.samples;
  for (const r of runs) {
    if (r.results.dataset.samples !== n) throw new Error(`budgetComparisonRows: run "${r.label}" has ${r.results.dataset.samples} readings, "${runs[0].label}" has ${n}`);
  }
  const shared = runs[0].results.methods.filter((m) => runs.every((r) => r.results.methods.some((x) => x.method === m.method)));
  return shared.map((m) => {
    const row: Record<string, unknown> = { method: m.method };
    for (const r of runs) {
      const x = r.results.methods.find((y) => y.method === m.method) as MethodResult;
      row[`pooled AUC, ${r.label}`] = x.pooled.metrics.auc.value;
      row[`mean fold AUC, ${r.label}`] = meanFoldAuc(x);
    }
    return row;
  });
}
