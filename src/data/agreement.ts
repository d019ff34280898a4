import type { NoduleCluster } from "./cluster";

/**
 * How much radiologists agree, over clustered nodules: for each pair of readers, how often both
 * marked a nodule that either marked (detection Jaccard), and on nodules both rated, the mean
 * absolute difference and exact agreement of their malignancy ratings, plus Cohen's weighted
 * (linear) kappa of those ratings.
 */
export type ReaderPairAgreement = {
  a: string;
  b: string;
  eitherMarked: number;
  bothMarked: number;
  detectionJaccard: number;
  meanAbsDiff: number;
  exactAgreement: number;
  weightedKappa: number;
};

/** Per-reader summary. */
export type ReaderSummary = {
  reader: string;
  marked: number;
  meanMalignancy: number;
};

/** Linear-weighted Cohen's kappa of paired ratings on a 1..K scale (NaN with fewer than 2 pairs). */
export function weightedKappa(x: number[], y: number[], k = 5): number {
  const n = x.length;
  if (n < 2 || y.length !== n) return NaN;
  const w = (i: number, j: number) => 1 - Math.abs(i - j) / (k - 1);
  const pa = new Array<number>(k).fill(0);
  const pb = new Array<number>(k).fill(0);
  let po = 0;
  for (let t = 0; t < n; t++) {
    pa[x[t] - 1] += 1 / n;
    pb[y[t] - 1] += 1 / n;
    po += w(x[t], y[t]) / n;
  }
  let pe = 0;
  for (let i = 1; i <= k; i++) for (let j = 1; j <= k; j++) pe += pa[i - 1] * pb[j - 1] * w(i, j);
  return pe === 1 ? 1 : (po - pe) / (1 - pe);
}

/** Pairwise and per-reader agreement over clusters (see the interface docs). */
export function readerAgreement(clusters: NoduleCluster[]): { readers: ReaderSummary[]; pairs: ReaderPairAgreement[]; readersPerNodule: number[] } {
  const names = [...new Set(clusters.flatMap((c) => c.readers))].sort();
  const readers = names.map((r) => {
    const s = clusters.map((c) => c.malignancy[r]).filter((v): v is number => typeof v === "number");
    return { reader: r, marked: clusters.filter((c) => c.readers.includes(r)).length, meanMalignancy: s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN };
  });
  const pairs: ReaderPairAgreement[] = [];
  for (let i = 0; i < names.length; i++)
    for (let j = i + 1; j < names.length; j++) {
      const a = names[i];
      const b = names[j];
      const either = clusters.filter((c) => c.readers.includes(a) || c.readers.includes(b));
      const both = clusters.filter((c) => c.readers.includes(a) && c.readers.includes(b));
      const xs: number[] = [];
      const ys: number[] = [];
      for (const c of both) {
        const x = c.malignancy[a];
        const y = c.malignancy[b];
        if (typeof x === "number" && typeof y === "number") {
          xs.push(x);
          ys.push(y);
        }
      }
      pairs.push({
        a,
        b,
        eitherMarked: either.length,
        bothMarked: both.length,
        detectionJaccard: either.length ? both.length / either.length : NaN,
        meanAbsDiff: xs.length ? xs.reduce((s, x, t) => s + Math.abs(x - ys[t]), 0) / xs.length : NaN,
        exactAgreement: xs.length ? xs.filter((x, t) => x === ys[t]).length / xs.length : NaN,
        weightedKappa: weightedKappa(xs, ys),
      });
    }
  return { readers, pairs, readersPerNodule: clusters.map((c) => c.readers.length) };
}

/** One row of the nodule/label table of a patient. */
export interface NoduleTableRow {
  nodule: string;
  readers: number;
  scores: string;
  meanMalignancy: number | null;
  label: string;
  diameterMm: number;
  centroid: string;
  [extra: string]: unknown;
}

/**
 * The nodule/label table of clustered nodules: who rated what, the mean rating and the label the
 * rule gives (benign / malignant / dropped). `truth` (synthetic cohort) adds the generator's
 * true class and diameter, matched by `match`.
 */
export function noduleTableRows(
  clusters: NoduleCluster[],
  labelOf: (scores: number[]) => 0 | 1 | null,
  truthOf?: (c: NoduleCluster) => { malignant: boolean; diameterMm: number } | undefined,
): NoduleTableRow[] {
  return clusters.map((c) => {
    const l = labelOf(c.scores);
    const row: NoduleTableRow = {
      nodule: String(c.id),
      readers: c.readers.length,
      scores: c.scores.join(" "),
      meanMalignancy: c.scores.length ? c.scores.reduce((a, b) => a + b, 0) / c.scores.length : null,
      label: l === null ? "dropped (=3)" : l === 1 ? "malignant" : "benign",
      diameterMm: c.diameterMm,
      centroid: c.centroid.map((v) => v.toFixed(1)).join(", "),
    };
    const t = truthOf?.(c);
    if (truthOf) {
      row.trueClass = t ? (t.malignant ? "malignant" : "benign") : "-";
      row.trueDiameterMm = t ? t.diameterMm : null;
    }
    return row;
  });
}
