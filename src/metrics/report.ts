import { rocCurve, RocCurve } from "./auc";
import { binaryMetrics, METRIC_NAMES, MetricName } from "./binary";
import { bootstrapIntervals, BootstrapOptions, Interval } from "./bootstrap";
import type { Confusion } from "./confusion";

/** One metric with its bootstrap interval. */
export interface MetricWithCI extends Interval {
  value: number;
}

/** Everything reported for one set of predictions (a fold, or the pooled out-of-fold set). */
export interface MetricReport {
  n: number;
  positives: number;
  threshold: number;
  confusion: Confusion;
  metrics: Record<MetricName, MetricWithCI>;
  /** 1 - alpha of the intervals (0.95). */
  confidence: number;
  resamples: number;
  roc: RocCurve;
}

/** Metrics, 95% stratified bootstrap CIs and the ROC curve of probabilities against labels. */
export function metricReport(labels: ArrayLike<number>, probs: ArrayLike<number>, opts: BootstrapOptions = {}): MetricReport {
  const threshold = opts.threshold ?? 0.5;
  const point = binaryMetrics(labels, probs, threshold);
  const ci = bootstrapIntervals(labels, probs, opts);
  const metrics = {} as Record<MetricName, MetricWithCI>;
  for (const m of METRIC_NAMES) metrics[m] = { value: point[m], ...ci[m] };
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i];
  return {
    n: labels.length,
    positives,
    threshold,
    confusion: point.confusion,
    metrics,
    confidence: 1 - (opts.alpha ?? 0.05),
    resamples: opts.resamples ?? 1000,
    roc: rocCurve(labels, probs),
  };
}

/** "0.842 [0.790, 0.889]", or "n/a" for an undefined metric. */
export function formatWithCI(m: MetricWithCI, digits = 3): string {
  if (!Number.isFinite(m.value)) return "n/a";
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(digits) : "n/a");
  return `${f(m.value)} [${f(m.lo)}, ${f(m.hi)}]`;
}

/**
 * Table rows (for `nl.plot.showTable`, a danfojs DataFrame) with one row per named report and a
 * column per metric formatted as value [95% CI].
 */
export function metricRows(reports: Array<{ name: string; report: MetricReport }>, digits = 3): Array<Record<string, unknown>> {
  return reports.map(({ name, report }) => {
    const row: Record<string, unknown> = { set: name, n: report.n, malignant: report.positives };
    for (const m of METRIC_NAMES) row[m] = formatWithCI(report.metrics[m], digits);
    return row;
  });
}
