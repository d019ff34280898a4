import { rocBandFigure } from "../plot/roc";
import { rocBand } from "../metrics/rocBand";
import type { LidcBenchmarkResults, MethodResult } from "./lidcBenchmark";
import { baseLayout, Figure } from "../plot/figure";

/**
 * The paper's LIDC-IDRI results (Jiang et al. 2021, Table: 10-fold CV on 1,004 consensus nodules
 * from LUNA16 CT at 1 mm; percentages). Blank where the paper gives no figure.
 */
export const PAPER_LIDC_RESULTS: Array<{ method: string; accuracy: number; sensitivity?: number; specificity?: number; f1?: number; paramsM: number }> = [
  { method: "NASLung ensemble (paper)", accuracy: 90.77, sensitivity: 85.37, specificity: 95.04, f1: 89.29, paramsM: 16.84 },
  { method: "NASLung best single model (paper)", accuracy: 88.83, paramsM: 0.14 },
  { method: "DeepLung (paper's comparison)", accuracy: 90.44, paramsM: 141.57 },
  { method: "AE-DPN (paper's comparison)", accuracy: 90.24, paramsM: 678.69 },
];

const pct = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? "—" : v.toFixed(2));

/** "88.1 [85.2, 90.6]" in percent from a metric with CI. */
function pctCI(m: { value: number; lo: number; hi: number }): string {
  if (!Number.isFinite(m.value)) return "n/a";
  return `${(100 * m.value).toFixed(2)} [${(100 * m.lo).toFixed(1)}, ${(100 * m.hi).toFixed(1)}]`;
}

/**
 * Rows in the paper's table format (Accu., Sens., Spec., F1 in %, params in millions): ours on
 * the 697 shared LIDC readings (pooled out-of-fold, 95% bootstrap CI) followed by the paper's
 * numbers, every row labelled with its dataset and protocol because the two are not comparable.
 */
export function paperFormatRows(r: LidcBenchmarkResults): Array<Record<string, unknown>> {
  const ours = r.methods.map((m: MethodResult) => ({
    method: m.method,
    data: `${r.dataset.samples} LIDC readings, 5-fold (ours)`,
    "Accu. %": pctCI(m.pooled.metrics.accuracy),
    "Sens. %": pctCI(m.pooled.metrics.sensitivity),
    "Spec. %": pctCI(m.pooled.metrics.specificity),
    "F1 %": pctCI(m.pooled.metrics.f1),
    AUC: Number.isFinite(m.pooled.metrics.auc.value) ? m.pooled.metrics.auc.value.toFixed(3) : "n/a",
    "params (M)": m.params === null ? "—" : (m.params / 1e6).toFixed(3),
  }));
  const paper = PAPER_LIDC_RESULTS.map((p) => ({
    method: p.method,
    data: "1,004 LIDC nodules, 10-fold (paper)",
    "Accu. %": pct(p.accuracy),
    "Sens. %": pct(p.sensitivity),
    "Spec. %": pct(p.specificity),
    "F1 %": pct(p.f1),
    AUC: "—",
    "params (M)": p.paramsM.toFixed(2),
  }));
  return [...ours, ...paper];
}

/** Per-fold table: one row per method and fold (accuracy, sensitivity, specificity, F1, AUC). */
export function perFoldRows(r: LidcBenchmarkResults): Array<Record<string, unknown>> {
  return r.methods.flatMap((m) =>
    m.perFold.map((f) => ({ method: m.method, fold: f.id, accuracy: f.metrics.accuracy, sensitivity: f.metrics.sensitivity, specificity: f.metrics.specificity, f1: f.metrics.f1, auc: f.metrics.auc })),
  );
}

/** Pooled out-of-fold ROC curves of every method on the real readings. */
export function lidcRocFigure(r: LidcBenchmarkResults): Figure {
  // Bands for the comparison that matters: the soft-vote ensemble against the two rulers.
  const banded = (m: LidcBenchmarkResults["methods"][number]) => m.kind === "baseline" || (m.kind === "ensemble" && /soft/.test(m.method));
  const order = [...r.methods.filter((m) => m.kind === "ensemble"), ...r.methods.filter((m) => m.kind === "baseline"), ...r.methods.filter((m) => m.kind === "network")];
  return rocBandFigure(
    order.map((m) => ({
      name: m.method,
      roc: m.pooled.roc,
      auc: m.pooled.metrics.auc,
      band: banded(m) && m.outOfFold ? rocBand(m.outOfFold.labels, m.outOfFold.probabilities, { seed: r.config.seed, resamples: 1000 }) : undefined,
      style: m.kind === "ensemble" ? (/soft/.test(m.method) ? "thick" : "dotted") : m.kind === "baseline" ? "thick" : "thin",
    })),
    `Real LIDC readings (n = ${r.dataset.samples}): pooled out-of-fold ROC`,
    { note: "Shaded: pointwise 95% bootstrap bands (class-stratified, 1000 resamples) of the soft-vote ensemble and the rulers; brackets: AUC 95% CI." },
  );
}

/** Validation AUC per epoch of each network's folds (learning curves), from the run folders' histories. */
export function learningCurveFigure(curves: Array<{ name: string; fold: number; valAuc: number[]; trainLoss: number[] }>): Figure {
  return {
    data: curves.map((c) => ({
      type: "scatter",
      mode: "lines+markers",
      name: `${c.name} fold ${c.fold}`,
      x: c.valAuc.map((_, i) => i + 1),
      y: c.valAuc,
      line: { width: 1.2 },
      marker: { size: 4 },
    })),
    layout: baseLayout("Inner-validation AUC per epoch (real LIDC readings)", {
      xaxis: { title: { text: "epoch" } },
      yaxis: { title: { text: "validation AUC" } },
    }),
  };
}
