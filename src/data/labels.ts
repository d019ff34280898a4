/**
 * Benign/malignant labels from radiologists' malignancy ratings (LIDC: 1 = highly unlikely ..
 * 5 = highly suspicious).
 *
 * The NAS-Lung / DeepLung reference rule: mean rating > 3 malignant, < 3 benign, exactly 3
 * dropped (verified on all 1004 rows of DeepLung's `annotationdetclssgm_doctor.csv`). pylidc-based
 * lists (e.g. ../shared/data/lidc-pylidc-nodule-info) instead count a mean of 3 as benign:
 * `{ tie: "benign" }` reproduces that.
 */

/** How the readers' ratings are combined before thresholding. */
export type MalignancyAggregate = "mean" | "median" | "max" | "min";

export interface LabelRule {
  /** Combination of the ratings (default "mean", the reference's). */
  rule?: MalignancyAggregate;
  /** Ratings above it are malignant, below benign (default 3). */
  threshold?: number;
  /** What a combined rating equal to the threshold becomes (default "drop": no label). */
  tie?: "drop" | "benign" | "malignant";
  /** Fewer valid ratings than this gives no label (default 1). */
  minReaders?: number;
}

/** The reference rule: mean > 3 malignant, < 3 benign, == 3 dropped. */
export const REFERENCE_LABEL_RULE: Required<LabelRule> = { rule: "mean", threshold: 3, tie: "drop", minReaders: 1 };

/** Combines ratings (undefined / NaN entries, i.e. readers who gave none, are ignored). */
export function aggregateMalignancy(scores: Array<number | undefined>, rule: MalignancyAggregate = "mean"): number | undefined {
  const v = scores.filter((s): s is number => typeof s === "number" && Number.isFinite(s));
  if (v.length === 0) return undefined;
  switch (rule) {
    case "mean":
      return v.reduce((a, b) => a + b, 0) / v.length;
    case "median": {
      const s = [...v].sort((a, b) => a - b);
      const m = s.length >> 1;
      return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
    }
    case "max":
      return Math.max(...v);
    case "min":
      return Math.min(...v);
    default:
      throw new Error(`aggregateMalignancy: unknown rule "${rule as string}" (use mean, median, max or min)`);
  }
}

/**
 * Label of one nodule from its readers' malignancy ratings: 1 malignant, 0 benign, null dropped
 * (tie with the threshold under `tie: "drop"`, or too few ratings).
 * Default = the reference rule: `labelFromMalignancy([5,4,5,5]) === 1`, `([3,3,3]) === null`.
 */
export function labelFromMalignancy(scores: Array<number | undefined>, options: LabelRule = {}): 0 | 1 | null {
  const o = { ...REFERENCE_LABEL_RULE, ...options };
  const valid = scores.filter((s) => typeof s === "number" && Number.isFinite(s));
  if (valid.length < Math.max(1, o.minReaders)) return null;
  const m = aggregateMalignancy(valid, o.rule)!;
  // Ratings are small integers: compare with a tolerance so a mean like 3.0000000001 is a tie.
  const d = m - o.threshold;
  if (Math.abs(d) < 1e-9) return o.tie === "drop" ? null : o.tie === "benign" ? 0 : 1;
  return d > 0 ? 1 : 0;
}
