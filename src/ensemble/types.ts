/**
 * Predictions of one model on one split, the input of every ensemble function. `probs[i]` is
 * P(malignant) for sample `ids[i]`, whose true label is `labels[i]`.
 */
export interface SplitPredictions {
  ids: string[];
  labels: Array<0 | 1>;
  probs: number[];
}

/**
 * One fold of one member: predictions on the fold's inner VALIDATION split (used to choose
 * ensemble members) and on its TEST split (scored once, after the choice is made).
 */
export interface FoldPredictions {
  fold: number;
  validation: SplitPredictions;
  test: SplitPredictions;
}

/** A candidate ensemble member (e.g. one Pareto-front model trained on every fold). */
export interface MemberPredictions {
  name: string;
  folds: FoldPredictions[];
  /** Free-form facts shown beside the member (config id, params, latency, run dir ...). */
  meta?: Record<string, unknown>;
}

/** How an ensemble turns member probabilities into one prediction. */
export type VoteRule = "hard" | "soft";

/**
 * What a hard vote does when the malignant and benign votes are equal (only possible with an
 * even number of voters): `soft` decides by the mean probability (>= 0.5 malignant), `benign`
 * or `malignant` always choose that class. The reference uses an odd number of models, so it
 * never ties.
 */
export type TieRule = "soft" | "benign" | "malignant";

/** Checks one split's arrays line up and hold valid values; `where` names the source. */
export function checkSplit(p: SplitPredictions, where: string): void {
  if (!p || !Array.isArray(p.ids) || !Array.isArray(p.labels) || !Array.isArray(p.probs)) {
    throw new Error(`${where}: expected {ids, labels, probs} arrays`);
  }
  if (p.ids.length !== p.labels.length || p.ids.length !== p.probs.length) {
    throw new Error(`${where}: ${p.ids.length} ids, ${p.labels.length} labels and ${p.probs.length} probs (lengths must match)`);
  }
  for (let i = 0; i < p.ids.length; i++) {
    if (p.labels[i] !== 0 && p.labels[i] !== 1) throw new Error(`${where}: labels[${i}] = ${p.labels[i]} (expected 0 or 1)`);
    const v = p.probs[i];
    if (typeof v !== "number" || !(v >= 0 && v <= 1)) throw new Error(`${where}: probs[${i}] = ${v} (expected a probability in [0, 1])`);
  }
}
