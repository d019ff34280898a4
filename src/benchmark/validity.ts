/**
 * The validity table: do the networks beat what a ruler knows? For each dataset it sets the
 * no-training rulers (the nodule diameter; on the real readings also the radiomics logistic
 * regression) beside the best single network and the soft-vote ensemble of the ablation's final
 * stage, all on the same out-of-fold readings, with 95% bootstrap intervals and the paired
 * difference to the ruler. The "best single network" is the final-stage variant with the best
 * inner-validation AUC (the test folds never choose it); the ensemble averages every final-stage
 * variant's out-of-fold probabilities (no choice, so no selection on the test folds either).
 */
import * as path from "path";
import { pairedAucDifference } from "../metrics/pairedAuc";
import { repoRoot } from "../util/provenance";
import type { AblationResults, AblationRow } from "../train/ablation";
import { readAblationResults } from "../train/ablation";
import type { LidcBenchmarkResults } from "./lidcBenchmark";
import { readLidcBenchmarkResults } from "./lidcBenchmark";

/** One row of the validity table. */
export interface ValidityRow {
  dataset: string;
  method: string;
  kind: "ruler" | "network" | "ensemble";
  auc: number;
  lo: number;
  hi: number;
  n: number;
  /** Paired difference to the dataset's diameter ruler on the same readings (networks only). */
  vsDiameter: { delta: number; lo: number; hi: number } | null;
  /** The target this row is held to, in words, and whether it is met. */
  target: string;
  met: boolean | null;
}

/** The final stage's rows of an ablation, and the one chosen by inner-validation AUC. */
export function finalStage(r: AblationResults): { rows: AblationRow[]; best: AblationRow } {
  const last = Math.max(...r.rows.map((x) => x.stage));
  const rows = r.rows.filter((x) => x.stage === last);
  if (!rows.length) throw new Error(`ablation ${r.name}: no finished rows`);
  const best = rows.slice().sort((a, b) => b.valAuc - a.valAuc || a.variant.localeCompare(b.variant))[0];
  return { rows, best };
}

/** Soft vote (mean probability) of several rows' out-of-fold predictions on the same readings. */
export function softVoteRows(rows: AblationRow[], calibrated = false): { ids: string[]; labels: number[]; probabilities: number[] } {
  const first = rows[0].outOfFold;
  if (!first) throw new Error(`ablation row ${rows[0].variant}: no out-of-fold predictions (rerun \`naslung ablate\` to refresh the results file)`);
  const maps = rows.map((r) => {
    if (!r.outOfFold) throw new Error(`ablation row ${r.variant}: no out-of-fold predictions`);
    const p = calibrated ? r.calibrated?.probabilities : r.outOfFold.probabilities;
    if (!p) throw new Error(`ablation row ${r.variant}: no calibrated predictions (rerun \`naslung ablate\` to refresh the results file)`);
    return new Map(r.outOfFold.ids.map((id, i) => [id, p[i]]));
  });
  return {
    ids: first.ids,
    labels: first.labels,
    probabilities: first.ids.map((id) => {
      const v = maps.map((m) => m.get(id));
      if (v.some((p) => p === undefined)) throw new Error(`soft vote: reading ${id} is missing from a member's out-of-fold predictions`);
      return (v as number[]).reduce((a, b) => a + b, 0) / v.length;
    }),
  };
}


/**
 * Builds the validity rows of one dataset from an ablation's final stage, a per-reading ruler
 * (id -> value) and optional extra rulers given as out-of-fold probabilities (the radiomics
 * logistic regression of the LIDC benchmark, same protocol folds).
 */
export function validityRows(
  dataset: string,
  r: AblationResults,
  ruler: { name: string },
  opts: {
    extraRulers?: Array<{ name: string; outOfFold: { ids: string[]; probabilities: number[] } }>;
    targets: { network: { auc: number; text: string }; ensemble?: { auc: number; text: string } };
    resamples?: number;
    seed?: number;
  },
): ValidityRow[] {
  const { rows, best } = finalStage(r);
  const ens = softVoteRows(rows);
  const ids = ens.ids;
  const labels = ens.labels;
  const B = opts.resamples ?? 1000;
  const seed = opts.seed ?? 0;
  const diam = rows[0].outOfFold.ruler;
  if (!diam || diam.length !== ids.length) throw new Error(`ablation ${r.name}: row ${rows[0].variant} has no ruler values (rerun \`naslung ablate\` to refresh the results file)`);
  const net = new Map(best.outOfFold.ids.map((id, i) => [id, best.outOfFold.probabilities[i]]));
  const bestP = ids.map((id) => net.get(id) as number);
  const calibrated = rows.every((x) => x.calibrated);
  const out: ValidityRow[] = [];
  const d = pairedAucDifference(labels, diam, diam, { resamples: B, seed });
  out.push({ dataset, method: ruler.name, kind: "ruler", auc: d.a.value, lo: d.a.lo, hi: d.a.hi, n: ids.length, vsDiameter: null, target: "", met: null });
  for (const x of opts.extraRulers ?? []) {
    const m = new Map(x.outOfFold.ids.map((id, i) => [id, x.outOfFold.probabilities[i]]));
    const p = ids.map((id) => {
      const v = m.get(id);
      if (v === undefined) throw new Error(`validity ${dataset}: reading ${id} has no ${x.name} prediction`);
      return v;
    });
    const e = pairedAucDifference(labels, p, diam, { resamples: B, seed });
    out.push({ dataset, method: x.name, kind: "ruler", auc: e.a.value, lo: e.a.lo, hi: e.a.hi, n: ids.length, vsDiameter: { delta: e.delta, lo: e.lo, hi: e.hi }, target: "", met: null });
  }
  const add = (method: string, kind: "network" | "ensemble", p: number[], target: { auc: number; text: string }) => {
    const e = pairedAucDifference(labels, p, diam, { resamples: B, seed });
    out.push({
      dataset,
      method,
      kind,
      auc: e.a.value,
      lo: e.a.lo,
      hi: e.a.hi,
      n: ids.length,
      vsDiameter: { delta: e.delta, lo: e.lo, hi: e.hi },
      target: target.text,
      met: e.a.value > target.auc,
    });
  };
  const name = `best single network: ${best.variant} (${best.epochs} epochs; chosen on inner validation)`;
  add(`${name}, uncalibrated`, "network", bestP, opts.targets.network);
  if (calibrated) {
    const cm = new Map(best.outOfFold.ids.map((id, i) => [id, (best.calibrated as NonNullable<AblationRow["calibrated"]>).probabilities[i]]));
    add(`${name}, Platt-calibrated per fold on inner validation`, "network", ids.map((id) => cm.get(id) as number), opts.targets.network);
  }
  if (rows.length > 1 && opts.targets.ensemble) {
    const e = softVoteRows(rows, calibrated);
    add(`soft vote of ${rows.map((x) => x.variant).join(" + ")}${calibrated ? " (calibrated members)" : ""}`, "ensemble", e.probabilities, opts.targets.ensemble);
  }
  return out;
}

/** Files the validity table is built from (committed results). */
export interface ValidityInputs {
  synthetic: string;
  lidc: string;
  lidcBenchmark: string;
}

export const DEFAULT_VALIDITY_INPUTS: ValidityInputs = {
  synthetic: path.join(repoRoot, "data", "results", "ablation-synthetic.json"),
  lidc: path.join(repoRoot, "data", "results", "ablation-lidc.json"),
  lidcBenchmark: path.join(repoRoot, "data", "results", "lidc-benchmark.json"),
};

/**
 * The validity table from the committed ablation results: the synthetic cohort against its true
 * diameter, the 697 real readings against diameter and the radiomics logistic regression
 * (the LIDC benchmark's out-of-fold predictions, same protocol folds).
 */
export function validityTable(inputs: ValidityInputs = DEFAULT_VALIDITY_INPUTS, opts: { resamples?: number } = {}): ValidityRow[] {
  const syn = readAblationResults(inputs.synthetic);
  const lidc = readAblationResults(inputs.lidc);
  const bench: LidcBenchmarkResults = readLidcBenchmarkResults(inputs.lidcBenchmark);
  const radiomics = bench.methods.find((m) => m.method === "radiomics-logistic");
  if (!radiomics?.outOfFold) throw new Error(`${inputs.lidcBenchmark}: no radiomics-logistic out-of-fold predictions`);
  return [
    ...validityRows("synthetic cohort (SYNTHETIC)", syn, { name: "true diameter (ruler)" }, {
      targets: { network: { auc: 0.939, text: "> 0.939 (ruler; goal >= 0.97)" }, ensemble: { auc: 0.939, text: "> 0.939 (ruler)" } },
      resamples: opts.resamples,
    }),
    ...validityRows("697 real LIDC readings", lidc, { name: "diameter (ruler)" }, {
      extraRulers: [{ name: "radiomics logistic regression", outOfFold: radiomics.outOfFold }],
      targets: { network: { auc: 0.907, text: "> 0.907 (radiomics LR)" }, ensemble: { auc: 0.92, text: ">= 0.92 (goal)" } },
      resamples: opts.resamples,
    }),
  ];
}

/** Printable rows of the validity table. */
export function validityTableRows(rows: ValidityRow[], digits = 3): Array<Record<string, unknown>> {
  const f = (v: number) => v.toFixed(digits);
  return rows.map((r) => ({
    dataset: r.dataset,
    kind: r.kind,
    method: r.method,
    "AUC [95% CI]": `${f(r.auc)} [${f(r.lo)}, ${f(r.hi)}]`,
    "vs diameter [95% CI]": r.vsDiameter ? `${r.vsDiameter.delta >= 0 ? "+" : ""}${f(r.vsDiameter.delta)} [${f(r.vsDiameter.lo)}, ${f(r.vsDiameter.hi)}]` : "",
    target: r.target,
    met: r.met === null ? "" : r.met ? "yes" : "no",
    n: r.n,
  }));
}
