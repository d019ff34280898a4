import type { TieRule } from "./types";

/** Checks a members x samples probability matrix is rectangular and non-empty. */
function checkMatrix(probs: ArrayLike<number>[], what: string): number {
  if (!probs.length) throw new Error(`${what}: no members to vote`);
  const n = probs[0].length;
  probs.forEach((p, m) => {
    if (p.length !== n) throw new Error(`${what}: member ${m} has ${p.length} predictions, member 0 has ${n}`);
  });
  return n;
}

/** Normalised non-negative member weights (all 1 when omitted); a selection's multiplicities. */
function memberWeights(count: number, weights: ArrayLike<number> | undefined, what: string): number[] {
  if (!weights) return new Array(count).fill(1);
  if (weights.length !== count) throw new Error(`${what}: ${weights.length} weights for ${count} members`);
  const w = Array.from(weights);
  if (w.some((x) => !(x >= 0)) || w.every((x) => x === 0)) throw new Error(`${what}: weights must be >= 0 and not all 0`);
  return w;
}

/**
 * Soft vote: the (weighted) mean of the members' P(malignant) per sample. Weights are
 * multiplicities (a member chosen twice by selection with replacement counts twice).
 */
export function softVote(probs: ArrayLike<number>[], weights?: ArrayLike<number>): number[] {
  const n = checkMatrix(probs, "softVote");
  const w = memberWeights(probs.length, weights, "softVote");
  const total = w.reduce((a, b) => a + b, 0);
  const out = new Array<number>(n).fill(0);
  for (let m = 0; m < probs.length; m++) for (let i = 0; i < n; i++) out[i] += (w[m] * probs[m][i]) / total;
  return out;
}

/** The result of a hard vote on every sample. */
export interface HardVoteResult {
  /** The ensemble's class per sample. */
  labels: Array<0 | 1>;
  /** Fraction of (weighted) votes for malignant, in [0, 1]; the ensemble's ROC score. */
  voteFraction: number[];
  /**
   * A score for threshold-0.5 metrics and ROC: the vote fraction, except that exact ties are
   * nudged by 1e-9 towards the class the tie rule chose, so `score >= 0.5` iff `labels == 1`.
   */
  scores: number[];
  /** Which samples were ties. */
  ties: boolean[];
}

/**
 * Hard (majority) vote, the reference NAS-Lung ensemble: each member votes malignant when its
 * P(malignant) >= threshold (0.5 = the argmax of two classes), the class with more votes wins.
 * With an even number of voters a tie is settled by `tie` (default `soft`: the mean probability
 * decides). `weights` count a member several times (selection with replacement).
 */
export function hardVote(
  probs: ArrayLike<number>[],
  opts: { threshold?: number; tie?: TieRule; weights?: ArrayLike<number> } = {},
): HardVoteResult {
  const n = checkMatrix(probs, "hardVote");
  const threshold = opts.threshold ?? 0.5;
  const tie = opts.tie ?? "soft";
  const w = memberWeights(probs.length, opts.weights, "hardVote");
  const total = w.reduce((a, b) => a + b, 0);
  const mean = softVote(probs, w);
  const out: HardVoteResult = { labels: [], voteFraction: [], scores: [], ties: [] };
  for (let i = 0; i < n; i++) {
    let malignant = 0;
    for (let m = 0; m < probs.length; m++) if (probs[m][i] >= threshold) malignant += w[m];
    const benign = total - malignant;
    const frac = malignant / total;
    const isTie = Math.abs(malignant - benign) < 1e-12 * total;
    let label: 0 | 1;
    if (!isTie) label = malignant > benign ? 1 : 0;
    else if (tie === "malignant") label = 1;
    else if (tie === "benign") label = 0;
    else label = mean[i] >= threshold ? 1 : 0;
    out.labels.push(label);
    out.voteFraction.push(frac);
    out.ties.push(isTie);
    out.scores.push(isTie ? (label === 1 ? 0.5 : 0.5 - 1e-9) : frac);
  }
  return out;
}

/**
 * Per-sample ensemble scores for a rule: soft = mean probability, hard = `hardVote().scores`.
 * Both satisfy `score >= 0.5` iff the ensemble says malignant, so they feed `metricReport`.
 */
export function ensembleScores(
  rule: "hard" | "soft",
  probs: ArrayLike<number>[],
  opts: { tie?: TieRule; weights?: ArrayLike<number> } = {},
): number[] {
  return rule === "soft" ? softVote(probs, opts.weights) : hardVote(probs, opts).scores;
}
