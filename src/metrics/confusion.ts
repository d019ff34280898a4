/** Counts of a binary confusion matrix (positive = malignant = 1). */
export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** Checks that labels and scores line up; names the argument at fault. */
export function checkBinaryInputs(labels: ArrayLike<number>, scores: ArrayLike<number>): void {
  if (labels.length !== scores.length) {
    throw new Error(`metrics: ${labels.length} labels but ${scores.length} scores`);
  }
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 0 && labels[i] !== 1) throw new Error(`metrics: labels[${i}] = ${labels[i]} (expected 0 or 1)`);
    if (!Number.isFinite(scores[i])) throw new Error(`metrics: scores[${i}] = ${scores[i]} is not finite`);
  }
}

/** Confusion counts predicting malignant when score >= threshold (0.5 on probabilities). */
export function confusion(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold = 0.5): Confusion {
  checkBinaryInputs(labels, scores);
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < labels.length; i++) {
    const pred = scores[i] >= threshold ? 1 : 0;
    if (labels[i] === 1) pred ? c.tp++ : c.fn++;
    else pred ? c.fp++ : c.tn++;
  }
  return c;
}

/** a / b, NaN when b = 0 (the metric is undefined, e.g. sensitivity with no positives). */
function ratio(a: number, b: number): number {
  return b === 0 ? NaN : a / b;
}

/** Accuracy (tp+tn)/n. */
export const accuracyOf = (c: Confusion) => ratio(c.tp + c.tn, c.tp + c.tn + c.fp + c.fn);
/** Sensitivity (recall, TPR) tp/(tp+fn). */
export const sensitivityOf = (c: Confusion) => ratio(c.tp, c.tp + c.fn);
/** Specificity (TNR) tn/(tn+fp). */
export const specificityOf = (c: Confusion) => ratio(c.tn, c.tn + c.fp);
/** Precision (PPV) tp/(tp+fp). */
export const precisionOf = (c: Confusion) => ratio(c.tp, c.tp + c.fp);
/** F1 = 2tp/(2tp+fp+fn), the harmonic mean of precision and sensitivity. */
export const f1Of = (c: Confusion) => ratio(2 * c.tp, 2 * c.tp + c.fp + c.fn);
