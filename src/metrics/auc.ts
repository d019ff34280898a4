import { checkBinaryInputs } from "./confusion";

/**
 * Area under the ROC curve by the Mann-Whitney rank statistic: AUC = (R+ - n+(n+ + 1)/2) /
 * (n+ n-), with average ranks for tied scores, so a positive-negative tie counts 1/2 (the same
 * value as sklearn's trapezoidal roc_auc_score). NaN when either class is absent.
 */
export function auc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  checkBinaryInputs(labels, scores);
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0;
  let nPos = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]] === 1) {
        rankSumPos += avgRank;
        nPos++;
      }
    }
    i = j + 1;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** ROC curve points from (0,0) to (1,1), one per distinct threshold (sklearn drop_intermediate=False). */
export interface RocCurve {
  fpr: number[];
  tpr: number[];
  /** thresholds[i]: predict positive when score >= thresholds[i]; the first is +Infinity. */
  thresholds: number[];
}

/** The ROC curve of scores against binary labels. */
export function rocCurve(labels: ArrayLike<number>, scores: ArrayLike<number>): RocCurve {
  checkBinaryInputs(labels, scores);
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let P = 0;
  for (let i = 0; i < n; i++) P += labels[i];
  const N = n - P;
  const out: RocCurve = { fpr: [0], tpr: [0], thresholds: [Infinity] };
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < n; ) {
    const s = scores[order[i]];
    while (i < n && scores[order[i]] === s) {
      if (labels[order[i]] === 1) tp++;
      else fp++;
      i++;
    }
    out.fpr.push(N ? fp / N : NaN);
    out.tpr.push(P ? tp / P : NaN);
    out.thresholds.push(s);
  }
  return out;
}
