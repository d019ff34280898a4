import { binaryMetrics, MetricName } from "../metrics/binary";
import { ensembleScores } from "./vote";
import type { SplitPredictions, TieRule, VoteRule } from "./types";
import { checkSplit } from "./types";

/** Options of greedy forward member selection. */
export interface SelectionOptions {
  /** The vote the chosen ensemble will use (the score being maximised is that ensemble's). */
  rule: VoteRule;
  /** Validation metric to maximise (default accuracy, the paper's headline metric). */
  metric?: MetricName;
  /** Largest ensemble, counting repeats (default 7; for hard votes rounded down to odd). */
  maxSize?: number;
  /**
   * Whether a member may be picked again (Caruana et al. 2004 "selection with replacement",
   * which acts as weighting and makes the greedy search less prone to overfit a small
   * validation set). Default false: every member at most once, like the reference's ensemble.
   */
  withReplacement?: boolean;
  /** Tie rule for hard votes (only reachable with replacement weights; sizes stay odd). */
  tie?: TieRule;
}

/** One accepted step of the selection. */
export interface SelectionStep {
  /** Members added in this step (one for soft votes, two for hard votes after the first). */
  added: string[];
  size: number;
  /** Validation value of the maximised metric after the step. */
  score: number;
  /** Validation Brier score of the mean probability (the tie-breaker: lower is better). */
  brier: number;
}

/** The chosen ensemble. */
export interface SelectionResult {
  rule: VoteRule;
  metric: MetricName;
  withReplacement: boolean;
  /** Chosen member names, each once. */
  members: string[];
  /** How many times each chosen member counts (all 1 without replacement). */
  weights: number[];
  /** Validation score of the chosen ensemble, and of the best single member (the start). */
  score: number;
  bestSingle: { name: string; score: number };
  steps: SelectionStep[];
}

/** Validation candidates aligned on the same samples; returns [names, probs matrix, labels]. */
export function alignValidation(candidates: Array<{ name: string; validation: SplitPredictions }>): {
  names: string[];
  probs: number[][];
  labels: Array<0 | 1>;
  ids: string[];
} {
  if (!candidates.length) throw new Error("ensemble selection: no candidate members");
  const names = candidates.map((c) => c.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`ensemble selection: member name "${dup}" appears twice`);
  candidates.forEach((c) => checkSplit(c.validation, `member "${c.name}" validation predictions`));
  const ref = candidates[0].validation;
  const probs = candidates.map((c) => alignTo(ref.ids, ref.labels, c.validation, `member "${c.name}" validation`));
  return { names, probs, labels: ref.labels.slice(), ids: ref.ids.slice() };
}

/**
 * `p`'s probabilities reordered to `ids`; an error naming `where` when a sample is missing or
 * its label disagrees (members must have been scored on the same samples).
 */
export function alignTo(ids: string[], labels: Array<0 | 1>, p: SplitPredictions, where: string): number[] {
  const index = new Map(p.ids.map((id, i) => [id, i]));
  if (index.size !== p.ids.length) throw new Error(`${where}: duplicate sample ids`);
  if (p.ids.length !== ids.length) throw new Error(`${where}: ${p.ids.length} samples, expected ${ids.length}`);
  return ids.map((id, k) => {
    const i = index.get(id);
    if (i === undefined) throw new Error(`${where}: no prediction for sample "${id}"`);
    if (p.labels[i] !== labels[k]) throw new Error(`${where}: sample "${id}" has label ${p.labels[i]}, another member says ${labels[k]}`);
    return p.probs[i];
  });
}

/**
 * Greedy forward ensemble selection (Caruana et al., ICML 2004) on VALIDATION predictions only:
 * start from the best single member, then repeatedly add the member (soft vote) or the pair of
 * members (hard vote, so the size stays odd and no vote can tie) that most improves the
 * ensemble's validation `metric`; stop when no addition improves it or `maxSize` is reached.
 * Candidates are compared by (metric, then lower Brier score of the mean probability), and an
 * addition must be strictly better on that pair, so the result's validation metric is never
 * below the best single member's. Input order breaks exact ties, so the result is deterministic.
 *
 * The function's input type carries validation predictions only; test predictions cannot
 * influence the choice (the reference, and the paper, pick models on the test fold).
 */
export function greedySelect(
  candidates: Array<{ name: string; validation: SplitPredictions }>,
  opts: SelectionOptions,
): SelectionResult {
  const { names, probs, labels } = alignValidation(candidates);
  const metric: MetricName = opts.metric ?? "accuracy";
  const withReplacement = opts.withReplacement ?? false;
  let maxSize = Math.max(1, Math.floor(opts.maxSize ?? 7));
  if (opts.rule === "hard" && maxSize % 2 === 0) maxSize -= 1;
  if (!withReplacement) maxSize = Math.min(maxSize, opts.rule === "hard" && names.length % 2 === 0 ? names.length - 1 : names.length);

  const evaluate = (counts: number[]): { score: number; brier: number } => {
    const idx = counts.map((c, i) => (c > 0 ? i : -1)).filter((i) => i >= 0);
    const p = idx.map((i) => probs[i]);
    const w = idx.map((i) => counts[i]);
    const s = ensembleScores(opts.rule, p, { weights: w, tie: opts.tie });
    const mean = ensembleScores("soft", p, { weights: w });
    let brier = 0;
    for (let i = 0; i < labels.length; i++) brier += (mean[i] - labels[i]) ** 2;
    const v = binaryMetrics(labels, s)[metric];
    return { score: Number.isFinite(v) ? v : -Infinity, brier: brier / labels.length };
  };
  const better = (a: { score: number; brier: number }, b: { score: number; brier: number }) =>
    a.score > b.score + 1e-12 || (Math.abs(a.score - b.score) <= 1e-12 && a.brier < b.brier - 1e-12);

  // Start: the best single member.
  let counts = new Array<number>(names.length).fill(0);
  let best: { score: number; brier: number } | null = null;
  let start = 0;
  for (let i = 0; i < names.length; i++) {
    const c = counts.slice();
    c[i] = 1;
    const e = evaluate(c);
    if (!best || better(e, best)) {
      best = e;
      start = i;
    }
  }
  counts[start] = 1;
  let current = best!;
  const steps: SelectionStep[] = [{ added: [names[start]], size: 1, ...current }];
  const bestSingle = { name: names[start], score: current.score };

  const stepSize = opts.rule === "hard" ? 2 : 1;
  let size = 1;
  while (size + stepSize <= maxSize) {
    const available = (i: number, c: number[]) => withReplacement || c[i] === 0;
    let bestAdd: { add: number[]; e: { score: number; brier: number } } | null = null;
    for (let i = 0; i < names.length; i++) {
      if (!available(i, counts)) continue;
      if (stepSize === 1) {
        const c = counts.slice();
        c[i]++;
        const e = evaluate(c);
        if (!bestAdd || better(e, bestAdd.e)) bestAdd = { add: [i], e };
        continue;
      }
      for (let j = withReplacement ? i : i + 1; j < names.length; j++) {
        if (!available(j, counts)) continue;
        const c = counts.slice();
        c[i]++;
        c[j]++;
        const e = evaluate(c);
        if (!bestAdd || better(e, bestAdd.e)) bestAdd = { add: [i, j], e };
      }
    }
    if (!bestAdd || !better(bestAdd.e, current)) break;
    counts = counts.slice();
    for (const i of bestAdd.add) counts[i]++;
    current = bestAdd.e;
    size += stepSize;
    steps.push({ added: bestAdd.add.map((i) => names[i]), size, ...current });
  }
  const chosen = counts.map((c, i) => (c > 0 ? i : -1)).filter((i) => i >= 0);
  return {
    rule: opts.rule,
    metric,
    withReplacement,
    members: chosen.map((i) => names[i]),
    weights: chosen.map((i) => counts[i]),
    score: current.score,
    bestSingle,
    steps,
  };
}
