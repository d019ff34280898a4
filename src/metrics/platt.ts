import { fitLogistic, predictLogistic, LogisticModel } from "../benchmark/logistic";

/** Platt scaling of probabilities: p' = sigmoid(a * logit(p) + b), fitted by logistic regression. */
export interface PlattScaling {
  /** The one-feature logistic model on logit(p) (standardised inside). */
  model: LogisticModel;
  /** Samples it was fitted on. */
  n: number;
}

const logit = (p: number) => {
  const q = Math.min(1 - 1e-6, Math.max(1e-6, p));
  return Math.log(q / (1 - q));
};

/**
 * Fits Platt scaling (Platt 1999; Niculescu-Mizil & Caruana 2005) of a model's probabilities on a
 * held-out set — in naslung always the inner validation split, never a test fold. A monotone map:
 * it leaves the ranking within one model (its AUC) unchanged, but puts the models of different
 * folds on one probability scale, so that their pooled out-of-fold predictions can be ranked
 * together (and thresholded at 0.5). Lightly L2-regularised so that a separable or tiny
 * validation split still gives a finite fit.
 */
export function fitPlatt(labels: ArrayLike<number>, probs: ArrayLike<number>): PlattScaling {
  if (labels.length !== probs.length || labels.length < 2) throw new Error(`fitPlatt: ${labels.length} labels and ${probs.length} probabilities (need >= 2, equal)`);
  const X = Array.from(probs, (p) => [logit(p)]);
  const y = Array.from(labels);
  if (!y.includes(1) || !y.includes(0)) throw new Error("fitPlatt: the calibration set needs both classes");
  return { model: fitLogistic(X, y, { features: ["logit(p)"], l2: 1e-2 }), n: y.length };
}

/** Applies a fitted Platt scaling. */
export function applyPlatt(s: PlattScaling, probs: ArrayLike<number>): Float64Array {
  return predictLogistic(s.model, Array.from(probs, (p) => [logit(p)]));
}
