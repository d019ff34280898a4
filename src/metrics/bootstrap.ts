import { createRng } from "../util/rng";
import { binaryMetrics, METRIC_NAMES, MetricName } from "./binary";
import { checkBinaryInputs } from "./confusion";

/** A percentile confidence interval. */
export interface Interval {
  lo: number;
  hi: number;
}

export interface BootstrapOptions {
  /** Resamples (default 1000). */
  resamples?: number;
  seed?: number;
  /** 1 - coverage (0.05 for a 95% interval). */
  alpha?: number;
  /** Resample within each class, keeping class sizes fixed (default true). */
  stratified?: boolean;
  threshold?: number;
}

/** The q-quantile (0..1) of sorted finite values, linear interpolation (numpy's default). */
export function quantileSorted(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Percentile bootstrap confidence intervals for every metric. Seeded; stratified by class by
 * default, so every resample has both classes and AUC is always defined. Resamples where a
 * metric is undefined (NaN) are left out of that metric's interval.
 */
export function bootstrapIntervals(
  labels: ArrayLike<number>,
  probs: ArrayLike<number>,
  opts: BootstrapOptions = {},
): Record<MetricName, Interval> {
  checkBinaryInputs(labels, probs);
  const B = opts.resamples ?? 1000;
  const alpha = opts.alpha ?? 0.05;
  const stratified = opts.stratified ?? true;
  const rng = createRng(opts.seed ?? 0, "bootstrap");
  const n = labels.length;
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < n; i++) (labels[i] === 1 ? pos : neg).push(i);
  const draws: Record<string, number[]> = Object.fromEntries(METRIC_NAMES.map((m) => [m, []]));
  const l = new Float64Array(n);
  const p = new Float64Array(n);
  for (let b = 0; b < B; b++) {
    let k = 0;
    const take = (i: number) => {
      l[k] = labels[i];
      p[k] = probs[i];
      k++;
    };
    if (stratified) {
      for (let j = 0; j < pos.length; j++) take(pos[rng.int(0, pos.length - 1)]);
      for (let j = 0; j < neg.length; j++) take(neg[rng.int(0, neg.length - 1)]);
    } else {
      for (let j = 0; j < n; j++) take(rng.int(0, n - 1));
    }
    const m = binaryMetrics(l, p, opts.threshold ?? 0.5);
    for (const name of METRIC_NAMES) if (Number.isFinite(m[name])) draws[name].push(m[name]);
  }
  const out = {} as Record<MetricName, Interval>;
  for (const name of METRIC_NAMES) {
    const s = draws[name].sort((a, b) => a - b);
    out[name] = { lo: quantileSorted(s, alpha / 2), hi: quantileSorted(s, 1 - alpha / 2) };
  }
  return out;
}
