import type { NoduleSample } from "../data/sample";
import { createRng } from "../util/rng";

/** One cross-validation fold: indices into the sample list. */
export interface Fold {
  /** 0-based position in the fold list. */
  index: number;
  /** The predefined fold id (LUNA16 subset / protocol fold) when folds come from the data. */
  id: number;
  train: number[];
  test: number[];
}

/** How folds were made, for the run record. */
export type FoldScheme = "predefined" | "grouped-stratified";

/**
 * Cross-validation folds. With scheme `auto` (default): when every sample carries `fold` (LUNA16 subsets 0..9, or the
 * protocol's fold) those are the test folds, in ascending id order. Otherwise samples are split
 * into `k` folds by `group` (patient / exam / series: a group never spans two folds), seeded, and
 * stratified: groups are dealt largest first to the fold that keeps each class's share closest
 * to 1/k (a greedy StratifiedGroupKFold). Scheme `grouped` ignores predefined folds (e.g. a
 * 2-fold run on a cohort that ships 10), `predefined` requires them.
 */
export function makeFolds(
  samples: NoduleSample[],
  opts: { k: number; seed: number; scheme?: "auto" | "predefined" | "grouped" },
): { scheme: FoldScheme; folds: Fold[] } {
  if (!samples.length) throw new Error("folds: no samples");
  const want = opts.scheme ?? "auto";
  const withFold = samples.filter((s) => s.fold !== undefined && s.fold !== null).length;
  if (want === "predefined" && withFold !== samples.length) {
    throw new Error(`folds: scheme "predefined" but only ${withFold} of ${samples.length} samples have a fold`);
  }
  if (withFold === samples.length && want !== "grouped") {
    const ids = [...new Set(samples.map((s) => s.fold as number))].sort((a, b) => a - b);
    if (ids.length < 2) throw new Error(`folds: every sample has fold ${ids[0]}; need at least two predefined folds`);
    checkGroupsWithinFolds(samples);
    const folds = ids.map((id, index) => {
      const test: number[] = [];
      const train: number[] = [];
      samples.forEach((s, i) => (s.fold === id ? test : train).push(i));
      return { index, id, train, test };
    });
    return { scheme: "predefined", folds };
  }
  if (withFold > 0 && want !== "grouped") {
    throw new Error(`folds: ${withFold} of ${samples.length} samples have a predefined fold; either all or none must`);
  }
  const assignment = groupedStratifiedAssignment(samples, Array.from(samples.keys()), opts.k, createRng(opts.seed, "folds"));
  const folds: Fold[] = Array.from({ length: opts.k }, (_, f) => ({ index: f, id: f, train: [], test: [] }));
  samples.forEach((_, i) => {
    for (const fold of folds) (assignment[i] === fold.index ? fold.test : fold.train).push(i);
  });
  if (folds.some((f) => f.test.length === 0)) {
    throw new Error(`folds: ${opts.k} folds but only ${new Set(samples.map((s) => s.group)).size} groups; lower folds.k`);
  }
  return { scheme: "grouped-stratified", folds };
}

/** Throws when a group appears in two predefined folds (patient leakage across folds). */
function checkGroupsWithinFolds(samples: NoduleSample[]): void {
  const seen = new Map<string, number>();
  for (const s of samples) {
    const f = seen.get(s.group);
    if (f !== undefined && f !== s.fold) {
      throw new Error(`folds: group "${s.group}" appears in predefined folds ${f} and ${s.fold} (leak across folds)`);
    }
    seen.set(s.group, s.fold as number);
  }
}

/**
 * Assigns each listed sample (by index) to one of `k` parts, whole groups at a time. Returns an
 * array indexed like `samples` (entries not in `indices` are -1).
 */
export function groupedStratifiedAssignment(samples: NoduleSample[], indices: number[], k: number, rng: ReturnType<typeof createRng>): number[] {
  const groups = new Map<string, number[]>();
  for (const i of indices) {
    const g = samples[i].group;
    if (g === undefined || g === null || g === "") throw new Error(`folds: sample "${samples[i].id}" has no group`);
    if (!groups.has(g)) groups.set(g, []);
    (groups.get(g) as number[]).push(i);
  }
  // Shuffle first so equal-sized groups are dealt in a seeded order; the stable sort keeps it.
  const list = rng.shuffle([...groups.entries()]).sort((a, b) => b[1].length - a[1].length);
  const total = [0, 0];
  for (const i of indices) total[samples[i].label]++;
  const counts = Array.from({ length: k }, () => [0, 0]);
  const out = new Array<number>(samples.length).fill(-1);
  for (const [, members] of list) {
    const add = [0, 0];
    for (const i of members) add[samples[i].label]++;
    let best = 0;
    let bestCost = Infinity;
    for (let f = 0; f < k; f++) {
      // Cost: how far this fold's class shares would overshoot 1/k, plus its size as tie-break.
      let cost = 0;
      for (const c of [0, 1]) if (total[c]) cost += Math.max(0, (counts[f][c] + add[c]) / total[c] - 1 / k) + (counts[f][c] + add[c]) / total[c] / 1000;
      if (cost < bestCost - 1e-12) {
        bestCost = cost;
        best = f;
      }
    }
    counts[best][0] += add[0];
    counts[best][1] += add[1];
    for (const i of members) out[i] = best;
  }
  return out;
}

/**
 * Splits a training fold into inner-train and inner-validation parts by group (stratified,
 * seeded): about `fraction` of the samples go to validation, used for early stopping and
 * checkpoint choice so the test fold stays untouched until the end.
 */
export function innerSplit(samples: NoduleSample[], trainIdx: number[], opts: { fraction: number; seed: number }): { train: number[]; val: number[] } {
  const k = Math.max(2, Math.round(1 / opts.fraction));
  const assignment = groupedStratifiedAssignment(samples, trainIdx, k, createRng(opts.seed, "inner-split"));
  const train: number[] = [];
  const val: number[] = [];
  for (const i of trainIdx) (assignment[i] === 0 ? val : train).push(i);
  if (!val.length || !train.length) {
    throw new Error(`inner split: ${trainIdx.length} training samples in ${new Set(trainIdx.map((i) => samples[i].group)).size} groups cannot give a validation split`);
  }
  return { train, val };
}
