import * as fs from "fs";
import * as path from "path";
import { writeJsonAtomic } from "../util/atomic";
import { METRIC_NAMES, MetricName } from "../metrics/binary";
import { metricReport, MetricReport, metricRows } from "../metrics/report";
import type { FoldResult } from "./crossValidate";

/** metrics.json of a run: per-fold and pooled out-of-fold reports with bootstrap CIs. */
export interface RunMetrics {
  runDir: string;
  folds: Array<{ id: number; bestEpoch: number; report: MetricReport }>;
  /** All test-fold predictions pooled (each sample scored once, by the fold that held it out). */
  pooled: MetricReport;
  /** Mean and sample standard deviation of each metric across folds. */
  acrossFolds: Record<MetricName, { mean: number; sd: number }>;
  bootstrap: { resamples: number; seed: number; stratified: true; confidence: number };
}

/** Fold results found in a run directory (fold-<id>/result.json), in fold order. */
export function readFoldResults(runDir: string): FoldResult[] {
  if (!fs.existsSync(runDir)) throw new Error(`${runDir}: run directory not found`);
  const dirs = fs
    .readdirSync(runDir)
    .filter((d) => /^fold-\d+$/.test(d))
    .sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  const out: FoldResult[] = [];
  for (const d of dirs) {
    const f = path.join(runDir, d, "result.json");
    if (!fs.existsSync(f)) continue;
    try {
      out.push(JSON.parse(fs.readFileSync(f, "utf8")) as FoldResult);
    } catch (e) {
      throw new Error(`${f}: corrupt fold result (${(e as Error).message})`);
    }
  }
  return out;
}

/**
 * Scores a run from its saved test-fold predictions: per fold and pooled out-of-fold metrics
 * (accuracy, sensitivity, specificity, precision, F1, AUC) with seeded stratified percentile
 * bootstrap 95% CIs and ROC curves. Writes metrics.json atomically and returns it.
 */
export function evaluateRun(runDir: string, opts: { resamples?: number; seed?: number } = {}): RunMetrics {
  const folds = readFoldResults(runDir);
  if (!folds.length) throw new Error(`${runDir}: no finished folds (fold-*/result.json); train first or resume the run`);
  const boot = { resamples: opts.resamples ?? 1000, seed: opts.seed ?? 0 };
  const perFold = folds.map((f) => ({ id: f.id, bestEpoch: f.bestEpoch, report: metricReport(f.test.labels, f.test.probabilities, { ...boot, seed: boot.seed + f.id + 1 }) }));
  const labels = folds.flatMap((f) => f.test.labels);
  const probs = folds.flatMap((f) => f.test.probabilities);
  const pooled = metricReport(labels, probs, boot);
  const acrossFolds = {} as RunMetrics["acrossFolds"];
  for (const m of METRIC_NAMES) {
    const v = perFold.map((f) => f.report.metrics[m].value).filter(Number.isFinite);
    const mean = v.reduce((a, b) => a + b, 0) / (v.length || NaN);
    const sd = v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (v.length - 1)) : NaN;
    acrossFolds[m] = { mean, sd };
  }
  const out: RunMetrics = {
    runDir,
    folds: perFold,
    pooled,
    acrossFolds,
    bootstrap: { ...boot, stratified: true, confidence: 0.95 },
  };
  writeJsonAtomic(path.join(runDir, "metrics.json"), out);
  return out;
}

/** Table rows: one per fold plus the pooled out-of-fold row, each metric as value [95% CI]. */
export function runMetricRows(m: RunMetrics): Array<Record<string, unknown>> {
  return metricRows([...m.folds.map((f) => ({ name: `fold ${f.id}`, report: f.report })), { name: "pooled OOF", report: m.pooled }]);
}
