import { createRng } from "../util/rng";
import { rocCurve, RocCurve } from "./auc";
import { quantileSorted } from "./bootstrap";
import { checkBinaryInputs } from "./confusion";

/** A pointwise confidence band of a ROC curve: sensitivity bounds at fixed false positive rates. */
export interface RocBand {
  fpr: number[];
  lo: number[];
  hi: number[];
  resamples: number;
  alpha: number;
}

/** The highest sensitivity a ROC curve reaches at false positive rate <= `f` (its step-function value at f). */
export function tprAt(roc: RocCurve, f: number): number {
  let best = 0;
  for (let i = 0; i < roc.fpr.length; i++) if (roc.fpr[i] <= f + 1e-12 && roc.tpr[i] > best) best = roc.tpr[i];
  return best;
}

/**
 * Pointwise percentile bootstrap band of the ROC curve by vertical averaging (Fawcett 2006, §8.1;
 * Macskassy & Provost 2004): class-stratified resamples of (label, score), each resample's ROC
 * read at a fixed grid of false positive rates, and the alpha/2 and 1-alpha/2 quantiles of the
 * sensitivities there. Seeded; the same resampling as the metric intervals (`bootstrapIntervals`).
 */
export function rocBand(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  opts: { resamples?: number; seed?: number; alpha?: number; points?: number } = {},
): RocBand {
  checkBinaryInputs(labels, scores);
  const B = opts.resamples ?? 1000;
  const alpha = opts.alpha ?? 0.05;
  const m = opts.points ?? 51;
  const fpr = Array.from({ length: m }, (_, i) => i / (m - 1));
  const rng = createRng(opts.seed ?? 0, "roc-band");
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < labels.length; i++) (labels[i] === 1 ? pos : neg).push(i);
  const draws = fpr.map(() => new Array<number>(B));
  const l: number[] = [];
  const s: number[] = [];
  for (let b = 0; b < B; b++) {
    l.length = 0;
    s.length = 0;
    for (const group of [pos, neg]) {
      for (let k = 0; k < group.length; k++) {
        const i = group[Math.floor(rng.next() * group.length)];
        l.push(labels[i]);
        s.push(scores[i]);
      }
    }
    const roc = rocCurve(l, s);
    fpr.forEach((f, j) => (draws[j][b] = tprAt(roc, f)));
  }
  const lo: number[] = [];
  const hi: number[] = [];
  for (const d of draws) {
    d.sort((a, b) => a - b);
    lo.push(quantileSorted(d, alpha / 2));
    hi.push(quantileSorted(d, 1 - alpha / 2));
  }
  return { fpr, lo, hi, resamples: B, alpha };
}
