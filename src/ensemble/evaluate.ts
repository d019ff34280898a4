import { metricReport, MetricReport } from "../metrics/report";
import type { BootstrapOptions } from "../metrics/bootstrap";
import { alignTo, greedySelect, SelectionOptions, SelectionResult } from "./select";
import { checkSplit, MemberPredictions, TieRule, VoteRule } from "./types";
import { ensembleScores } from "./vote";

/** Which ensembles `evaluateEnsembles` builds and how. */
export interface EnsembleOptions {
  /** Greedy selection settings shared by the hard- and soft-vote selections. */
  selection?: Omit<SelectionOptions, "rule">;
  /** Tie rule for hard votes over an even number of members (default `soft`). */
  tie?: TieRule;
  /** Bootstrap settings for the confidence intervals (seeded; default 1000 resamples, seed 0). */
  bootstrap?: BootstrapOptions;
}

/** The members one ensemble uses in one fold. */
export interface FoldChoice {
  fold: number;
  members: string[];
  weights: number[];
  /** The selection record (absent for "all members" ensembles). */
  selection?: SelectionResult;
}

/** One ensemble definition: a vote rule and, per fold, its members. */
export interface EnsemblePlan {
  name: string;
  rule: VoteRule;
  /** `all`: every candidate (the reference); `greedy`: chosen on each fold's validation split. */
  choice: "all" | "greedy";
  folds: FoldChoice[];
}

/** Member and ensemble test metrics (bootstrap CIs) plus per-sample predictions and votes. */
export interface EnsembleEvaluation {
  /** Test samples pooled over folds (each sample is in exactly one test fold). */
  n: number;
  members: Array<{ name: string; meta?: Record<string, unknown>; report: MetricReport }>;
  ensembles: Array<EnsemblePlan & { report: MetricReport }>;
  /** Per test sample: label, every member's probability and every ensemble's score. */
  samples: Array<{
    id: string;
    fold: number;
    label: 0 | 1;
    members: Record<string, number>;
    ensembles: Record<string, number>;
  }>;
}

/** Checks the members cover the same folds; returns the fold numbers in order. */
function commonFolds(members: MemberPredictions[]): number[] {
  if (!members.length) throw new Error("ensemble: no members given");
  const folds = members[0].folds.map((f) => f.fold);
  for (const m of members) {
    if (!Array.isArray(m.folds) || !m.folds.length) throw new Error(`ensemble: member "${m.name}" has no folds`);
    const f = m.folds.map((x) => x.fold);
    if (f.length !== folds.length || f.some((x, i) => x !== folds[i])) {
      throw new Error(`ensemble: member "${m.name}" has folds [${f}] but "${members[0].name}" has [${folds}]`);
    }
  }
  return folds;
}

/**
 * Builds the ensemble plans from VALIDATION predictions only: hard and soft votes over all
 * members (the reference uses all, an odd number, with a hard vote) and greedy selections per
 * fold (see `greedySelect`). It never reads a member's test predictions; `evaluateEnsembles`
 * applies the plans to the test splits afterwards.
 */
export function planEnsembles(members: MemberPredictions[], opts: EnsembleOptions = {}): EnsemblePlan[] {
  const folds = commonFolds(members);
  const all = members.map((m) => m.name);
  const allFolds = folds.map((fold) => ({ fold, members: all.slice(), weights: all.map(() => 1) }));
  const plans: EnsemblePlan[] = [
    { name: "hard vote (all)", rule: "hard", choice: "all", folds: allFolds },
    { name: "soft vote (all)", rule: "soft", choice: "all", folds: allFolds },
  ];
  for (const rule of ["hard", "soft"] as const) {
    plans.push({
      name: `${rule} vote (greedy)`,
      rule,
      choice: "greedy",
      folds: folds.map((fold, k) => {
        const sel = greedySelect(
          members.map((m) => ({ name: m.name, validation: m.folds[k].validation })),
          { ...opts.selection, rule, tie: opts.tie },
        );
        return { fold, members: sel.members, weights: sel.weights, selection: sel };
      }),
    });
  }
  return plans;
}

/**
 * Scores every member and every planned ensemble on the pooled test folds, each with 95%
 * bootstrap confidence intervals (src/metrics). Plans come from `planEnsembles` (validation
 * only) unless given. Hard-vote scores are vote fractions (ties nudged by the tie rule), so
 * their AUC/ROC use the few levels a vote has.
 */
export function evaluateEnsembles(
  members: MemberPredictions[],
  opts: EnsembleOptions = {},
  plans: EnsemblePlan[] = planEnsembles(members, opts),
): EnsembleEvaluation {
  const folds = commonFolds(members);
  const byName = new Map(members.map((m) => [m.name, m]));
  const samples: EnsembleEvaluation["samples"] = [];
  const pooledLabels: Array<0 | 1> = [];
  const memberProbs = new Map(members.map((m) => [m.name, [] as number[]]));
  const ensembleProbs = new Map(plans.map((p) => [p.name, [] as number[]]));
  folds.forEach((fold, k) => {
    members.forEach((m) => checkSplit(m.folds[k].test, `member "${m.name}" fold ${fold} test predictions`));
    const ref = members[0].folds[k].test;
    const aligned = new Map(members.map((m) => [m.name, alignTo(ref.ids, ref.labels, m.folds[k].test, `member "${m.name}" fold ${fold} test`)]));
    const foldScores = new Map<string, number[]>();
    for (const plan of plans) {
      const choice = plan.folds.find((f) => f.fold === fold);
      if (!choice) throw new Error(`ensemble "${plan.name}": no members chosen for fold ${fold}`);
      const probs = choice.members.map((n) => {
        const p = aligned.get(n);
        if (!p || !byName.has(n)) throw new Error(`ensemble "${plan.name}": unknown member "${n}"`);
        return p;
      });
      foldScores.set(plan.name, ensembleScores(plan.rule, probs, { weights: choice.weights, tie: opts.tie }));
    }
    ref.ids.forEach((id, i) => {
      pooledLabels.push(ref.labels[i]);
      const s = { id, fold, label: ref.labels[i], members: {} as Record<string, number>, ensembles: {} as Record<string, number> };
      for (const m of members) {
        const p = aligned.get(m.name)![i];
        memberProbs.get(m.name)!.push(p);
        s.members[m.name] = p;
      }
      for (const plan of plans) {
        const v = foldScores.get(plan.name)![i];
        ensembleProbs.get(plan.name)!.push(v);
        s.ensembles[plan.name] = v;
      }
      samples.push(s);
    });
  });
  const boot = { resamples: 1000, seed: 0, ...opts.bootstrap };
  return {
    n: pooledLabels.length,
    members: members.map((m) => ({ name: m.name, meta: m.meta, report: metricReport(pooledLabels, memberProbs.get(m.name)!, boot) })),
    ensembles: plans.map((p) => ({ ...p, report: metricReport(pooledLabels, ensembleProbs.get(p.name)!, boot) })),
    samples,
  };
}

/**
 * How each member voted on one sample (P >= 0.5 = malignant) and what the ensembles said:
 * the "which models voted how" part of a per-nodule report.
 */
export function votesForSample(
  ev: EnsembleEvaluation,
  id: string,
): { id: string; label: 0 | 1; votes: Array<{ member: string; prob: number; vote: "malignant" | "benign" }>; ensembles: Record<string, number> } {
  const s = ev.samples.find((x) => x.id === id);
  if (!s) throw new Error(`ensemble: no test sample "${id}"`);
  const votes = Object.entries(s.members).map(([member, prob]) => ({ member, prob, vote: (prob >= 0.5 ? "malignant" : "benign") as "malignant" | "benign" }));
  return { id, label: s.label, votes, ensembles: s.ensembles };
}

