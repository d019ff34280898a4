import type { NoduleSample } from "../data/sample";
import { auc } from "../metrics/auc";
import { bootstrapIntervals } from "../metrics/bootstrap";
import type { EnsembleEvaluation } from "./evaluate";

/** One row of a run's summary: a network, an ensemble or the no-training ruler, by AUC. */
export interface SummaryEntry {
  name: string;
  kind: "member" | "ensemble" | "ruler";
  auc: number;
  /** 95% stratified bootstrap interval of the AUC. */
  aucCI: [number, number];
  /** Test samples the AUC is computed on (the same pooled test folds for every row). */
  n: number;
}

/**
 * Every member and ensemble of an evaluation by pooled test AUC, with the ruler (a numeric sample
 * meta field such as the true nodule diameter, `truthDiameterMm`) scored on exactly the same
 * pooled test samples, so that a network is always read beside what a ruler knows.
 */
export function summaryWithRuler(
  ev: EnsembleEvaluation,
  samples: NoduleSample[],
  ruler: { name: string; metaKey: string },
  bootstrap: { resamples: number; seed: number },
): SummaryEntry[] {
  const byId = new Map(samples.map((s) => [s.id, s]));
  const labels = ev.samples.map((s) => s.label);
  const values = ev.samples.map((s) => {
    const v = byId.get(s.id)?.meta?.[ruler.metaKey];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error(`summary: test sample "${s.id}" has no numeric meta.${ruler.metaKey} (the ruler "${ruler.name}")`);
    return v;
  });
  const ci = bootstrapIntervals(labels, values, bootstrap).auc;
  const row = (name: string, kind: SummaryEntry["kind"], m: { value: number; lo: number; hi: number }): SummaryEntry => ({ name, kind, auc: m.value, aucCI: [m.lo, m.hi], n: ev.n });
  return [
    ...ev.members.map((m) => row(m.name, "member", m.report.metrics.auc)),
    ...ev.ensembles.map((e) => row(e.name, "ensemble", e.report.metrics.auc)),
    row(ruler.name, "ruler", { value: auc(labels, values), lo: ci.lo, hi: ci.hi }),
  ];
}

/** Table rows of a summary (AUC [95% CI], and each row's difference to the ruler). */
export function summaryTableRows(entries: SummaryEntry[], digits = 3): Array<Record<string, unknown>> {
  const ruler = entries.find((e) => e.kind === "ruler");
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(digits) : "n/a");
  return entries.map((e) => ({
    kind: e.kind,
    name: e.name,
    "AUC [95% CI]": `${f(e.auc)} [${f(e.aucCI[0])}, ${f(e.aucCI[1])}]`,
    "vs ruler": ruler && e !== ruler ? `${e.auc - ruler.auc >= 0 ? "+" : ""}${f(e.auc - ruler.auc)}` : "",
    n: e.n,
  }));
}
