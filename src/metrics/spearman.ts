import { createRng } from "../util/rng";
import { quantileSorted } from "./bootstrap";

/**
 * Ranks 1..n with ties given their average rank (scipy.stats.rankdata's "average"). Written here
 * because simple-statistics' `sampleRankCorrelation` ranks ties by position, which gives 1 for
 * x = [1, 1, 2], y = [1, 2, 3] where scipy's Spearman gives 0.866.
 */
export function averageRanks(x: ArrayLike<number>): number[] {
  const idx = Array.from({ length: x.length }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const r = new Array<number>(x.length);
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && x[idx[j + 1]] === x[idx[i]]) j++;
    const avg = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) r[idx[k]] = avg;
    i = j + 1;
  }
  return r;
}

function pearson(a: number[], b: number[]): number {
  const n = a.length;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

/**
 * Spearman's rank correlation: the Pearson correlation of the average ranks (scipy's
 * `spearmanr`). NaN when either side is constant. Inputs must be finite and equally long.
 */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new Error(`spearman: ${x.length} x values but ${y.length} y values`);
  if (x.length < 2) throw new Error(`spearman: needs at least 2 pairs (got ${x.length})`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) throw new Error(`spearman: pair ${i} is not finite (${x[i]}, ${y[i]})`);
  }
  return pearson(averageRanks(x), averageRanks(y));
}

/** Spearman's rho with a percentile bootstrap interval over the pairs. */
export interface SpearmanWithCI {
  value: number;
  lo: number;
  hi: number;
  n: number;
  resamples: number;
}

/**
 * Spearman's rho with a seeded percentile bootstrap interval: pairs are drawn with replacement
 * (resamples in which one side is constant are skipped). With ~10 pairs the interval is wide;
 * that width is the point of reporting it.
 */
export function spearmanWithCI(x: ArrayLike<number>, y: ArrayLike<number>, opts: { resamples?: number; seed?: number; alpha?: number } = {}): SpearmanWithCI {
  const value = spearman(x, y);
  const B = opts.resamples ?? 2000;
  const alpha = opts.alpha ?? 0.05;
  const rng = createRng(opts.seed ?? 0, "spearman-bootstrap");
  const n = x.length;
  const draws: number[] = [];
  const bx = new Array<number>(n);
  const by = new Array<number>(n);
  for (let r = 0; r < B; r++) {
    for (let i = 0; i < n; i++) {
      const k = Math.floor(rng.next() * n);
      bx[i] = x[k];
      by[i] = y[k];
    }
    const v = pearson(averageRanks(bx), averageRanks(by));
    if (Number.isFinite(v)) draws.push(v);
  }
  draws.sort((a, b) => a - b);
  return { value, lo: draws.length ? quantileSorted(draws, alpha / 2) : NaN, hi: draws.length ? quantileSorted(draws, 1 - alpha / 2) : NaN, n, resamples: draws.length };
}
