import { createRng } from "../util/rng";
import { auc } from "./auc";
import { quantileSorted } from "./bootstrap";
import { checkBinaryInputs } from "./confusion";

/** AUC of one score with a stratified percentile bootstrap interval. */
export interface AucWithCI {
  value: number;
  lo: number;
  hi: number;
  n: number;
}

/** AUC(a) - AUC(b) on the same samples, with its paired bootstrap interval. */
export interface PairedAucDifference {
  a: AucWithCI;
  b: AucWithCI;
  /** AUC(a) - AUC(b). */
  delta: number;
  lo: number;
  hi: number;
  /** Share of resamples in which a ranks better than b. */
  winRate: number;
  resamples: number;
}

/**
 * Compares two scores of the same samples (a network's probabilities and a ruler such as the
 * nodule diameter) by the difference of their AUCs, with a stratified paired percentile
 * bootstrap: every resample draws the same samples for both scores, so the interval reflects
 * only how differently they rank those samples. Seeded; classes keep their sizes.
 */
export function pairedAucDifference(
  labels: ArrayLike<number>,
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  opts: { resamples?: number; seed?: number; alpha?: number } = {},
): PairedAucDifference {
  checkBinaryInputs(labels, a);
  checkBinaryInputs(labels, b);
  const B = opts.resamples ?? 1000;
  const alpha = opts.alpha ?? 0.05;
  const rng = createRng(opts.seed ?? 0, "paired-auc");
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < labels.length; i++) (labels[i] === 1 ? pos : neg).push(i);
  if (!pos.length || !neg.length) throw new Error(`pairedAucDifference: needs both classes (${pos.length} positive, ${neg.length} negative)`);
  const n = labels.length;
  const l = new Float64Array(n);
  const sa = new Float64Array(n);
  const sb = new Float64Array(n);
  const da: number[] = [];
  const db: number[] = [];
  const dd: number[] = [];
  let wins = 0;
  for (let r = 0; r < B; r++) {
    let k = 0;
    const take = (i: number) => {
      l[k] = labels[i];
      sa[k] = a[i];
      sb[k] = b[i];
      k++;
    };
    for (let j = 0; j < pos.length; j++) take(pos[rng.int(0, pos.length - 1)]);
    for (let j = 0; j < neg.length; j++) take(neg[rng.int(0, neg.length - 1)]);
    const x = auc(l, sa);
    const y = auc(l, sb);
    da.push(x);
    db.push(y);
    dd.push(x - y);
    if (x > y) wins++;
  }
  const ci = (v: number[]) => {
    const s = v.sort((p, q) => p - q);
    return { lo: quantileSorted(s, alpha / 2), hi: quantileSorted(s, 1 - alpha / 2) };
  };
  const va = auc(labels, a);
  const vb = auc(labels, b);
  return {
    a: { value: va, ...ci(da), n },
    b: { value: vb, ...ci(db), n },
    delta: va - vb,
    ...ci(dd),
    winRate: wins / B,
    resamples: B,
  };
}
