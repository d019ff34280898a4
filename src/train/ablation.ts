/**
 * One-factor-at-a-time ablations of the training recipe, run as successive halving.
 *
 * An ablation config names a base training config and variants, each a set of dotted overrides
 * that changes one factor (loss, optimizer, schedule, input scaling, augmentation, capacity).
 * Stage 1 trains every variant on a cheap budget (few folds, few epochs); each later stage keeps
 * the best `keep` variants of the previous one **ranked by inner-validation AUC** (the test
 * folds never choose) and trains them on a larger budget. Every variant is reported beside the
 * ruler (a size feature such as the nodule diameter) on exactly the same test readings: pooled
 * out-of-fold AUC with its 95% bootstrap interval, and the paired bootstrap interval of the
 * difference to the ruler.
 *
 * Each variant-stage is an ordinary run folder (`<outDir>/s<stage>-<variant>/`), so a killed
 * ablation resumes where it stopped (finished folds are reused, a fold resumes from its last
 * checkpoint), and the results file is rewritten atomically after every variant.
 */
import * as fs from "fs";
import * as path from "path";
import type { NoduleDataset, NoduleSample } from "../data/sample";
import { auc } from "../metrics/auc";
import { pairedAucDifference, PairedAucDifference } from "../metrics/pairedAuc";
import { writeJsonAtomic } from "../util/atomic";
import { gitCommit } from "../util/provenance";
import { RawTrainConfig, resolveTrainConfig, TrainConfig } from "./config";
import { parseInput, safeName, z } from "../util/schema";
import { loadDatasetByName } from "./datasets";
import type { FoldResult } from "./crossValidate";
import { runTraining } from "./run";
import { calibrateRun } from "./rescore";

/** One variant: a name, the factor it changes, and the dotted config overrides that change it. */
export interface AblationVariant {
  name: string;
  /** The factor this variant changes (loss, optimizer, input, augmentation, capacity, ...). */
  factor: string;
  /** Dotted key -> value overrides of the base config, e.g. {"optimizer.name": "sgd"}. */
  set: Record<string, unknown>;
  /** What the variant tests, in words. */
  note?: string;
}

/** One budget of the successive halving. */
export interface AblationStage {
  epochs: number;
  /** Test folds run (0-based indices of the split). */
  folds: number[];
  /** How many variants (best inner-validation AUC first) go on to the next stage; null = all. */
  keep: number | null;
}

/** An ablation study (configs/ablation-*.json). */
export interface AblationConfig {
  name: string;
  description: string;
  /** The training config every variant starts from (partial; defaults filled in). */
  base: RawTrainConfig;
  variants: AblationVariant[];
  stages: AblationStage[];
  /** The no-training ruler: a numeric sample meta key (`diameter`, `truthDiameterMm`). */
  ruler: { name: string; metaKey: string };
  /** Folder of the run folders. */
  outDir: string;
  /** Results JSON, rewritten after every variant. */
  resultsFile: string;
  bootstrapResamples: number;
}

/** One variant at one stage, as written to the results file. */
export interface AblationRow {
  variant: string;
  factor: string;
  set: Record<string, unknown>;
  note: string;
  stage: number;
  epochs: number;
  folds: number[];
  runDir: string;
  /** Mean over folds of the inner-validation AUC of the selected checkpoint (what ranks variants). */
  valAuc: number;
  /** Pooled out-of-fold test AUC and the ruler on the same readings, with the paired difference. */
  test: PairedAucDifference;
  /** Mean of the per-fold test AUCs (ranking within folds only). */
  meanFoldAuc: number;
  bestEpochs: number[];
  /** Per fold: inner-validation AUC and training loss per epoch (learning curves). */
  curves: Array<{ fold: number; valAuc: number[]; valLoss: number[]; trainLoss: number[] }>;
  trainSeconds: number;
  /** Every test reading's out-of-fold P(malignant) (4 decimals) and ruler value, for ensembles and comparisons. */
  outOfFold: { ids: string[]; labels: number[]; probabilities: number[]; ruler: number[] };
  /**
   * The same predictions Platt-calibrated per fold on that fold's inner validation split (monotone
   * per fold: per-fold AUCs unchanged; the pooled AUC then ranks the folds on one scale), beside
   * the ruler, and the change it makes to the pooled AUC.
   */
  calibrated?: { test: PairedAucDifference; change: { delta: number; lo: number; hi: number }; probabilities: number[] };
}

/** The results file of an ablation. */
export interface AblationResults {
  format: "naslung-ablation/1";
  name: string;
  description: string;
  dataset: { name: string; source: string; synthetic: boolean; samples: number; malignant: number };
  ruler: { name: string; metaKey: string };
  base: TrainConfig;
  stages: Array<AblationStage & { index: number; variants: string[]; promoted: string[] }>;
  rows: AblationRow[];
  gitCommit: string;
  updatedAt: string;
  /** True once every stage has finished. */
  complete: boolean;
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Applies dotted overrides to a config object (a copy). */
export function withOverrides(base: Json, set: Record<string, unknown>): Json {
  const out = JSON.parse(JSON.stringify(base)) as Json;
  for (const [key, value] of Object.entries(set)) {
    const keys = key.split(".");
    let node = out;
    for (const k of keys.slice(0, -1)) {
      if (!isObj(node[k])) node[k] = {};
      node = node[k] as Json;
    }
    node[keys[keys.length - 1]] = value;
  }
  return out;
}

const variantSchema = z
  .object({
    name: safeName,
    factor: z.string().min(1, "must name the factor the variant changes"),
    set: z
      .record(z.unknown())
      .default({})
      .superRefine((set, ctx) => {
        for (const k of Object.keys(set))
          if (["epochs", "folds.run", "seed"].includes(k)) ctx.addIssue({ code: "custom", path: [k], message: "is set by the stage (epochs, folds) or the base config (seed), not by a variant" });
      }),
    note: z.string().default(""),
  })
  .strict();

/** The schema of an ablation config (configs/ablation-*.json). */
export const ablationConfigSchema = z
  .object({
    name: safeName,
    description: z.string().default(""),
    base: z.record(z.unknown()),
    variants: z.array(variantSchema).min(1, "must be a non-empty list"),
    stages: z
      .array(
        z
          .object({
            epochs: z.number().int("must be a positive integer").positive("must be a positive integer"),
            folds: z.array(z.number().int().nonnegative()).min(1, "must be a non-empty list of fold indices"),
            keep: z.number().int("must be null or a positive integer").positive("must be null or a positive integer").nullable().default(null),
          })
          .strict(),
      )
      .min(1, "must be a non-empty list of {epochs, folds, keep}"),
    ruler: z.object({ name: z.string().min(1), metaKey: z.string().min(1) }).strict(),
    outDir: z.string().min(1, "must be a path"),
    resultsFile: z.string().min(1, "must be a path"),
    bootstrapResamples: z.number().int().min(10, "must be an integer >= 10").default(1000),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.variants.forEach((v, i) => {
      if (seen.has(v.name)) ctx.addIssue({ code: "custom", path: ["variants", i, "name"], message: `"${v.name}" appears twice` });
      seen.add(v.name);
    });
  });

/**
 * Validates an ablation config object; errors name the file and key. The base and every
 * variant's config are resolved as training configs here, so a bad override is named before any
 * training starts.
 */
export function resolveAblationConfig(raw: unknown, where = "ablation config"): AblationConfig {
  const c = parseInput(ablationConfigSchema, raw, where);
  resolveTrainConfig(c.base, `${where} (key \`base\`)`);
  c.variants.forEach((v, i) => resolveTrainConfig(withOverrides(c.base, v.set), `${where} (variants[${i}] "${v.name}")`));
  return c as AblationConfig;
}

/** Reads and validates an ablation config file. */
export function loadAblationConfig(file: string): AblationConfig {
  if (!fs.existsSync(file)) throw new Error(`${file}: ablation config not found`);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: invalid JSON (${(e as Error).message})`);
  }
  return resolveAblationConfig(raw, file);
}

/** The ruler's value of every sample (a numeric meta field); names the first sample without one. */
export function rulerValues(dataset: NoduleDataset, metaKey: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of dataset.samples) {
    const v = s.meta?.[metaKey];
    if (typeof v !== "number" || !Number.isFinite(v)) {
      throw new Error(`dataset ${dataset.name}: sample "${s.id}" has no numeric meta.${metaKey} (the ablation's ruler)`);
    }
    out.set(s.id, v);
  }
  return out;
}

/** The resolved training config of one variant at one stage. */
export function variantConfig(c: AblationConfig, v: AblationVariant, stage: AblationStage): TrainConfig {
  const raw = withOverrides(c.base as Json, { ...v.set, epochs: stage.epochs, "folds.run": stage.folds, name: `${c.name}-${v.name}`, bootstrapResamples: c.bootstrapResamples });
  return resolveTrainConfig(raw, `ablation ${c.name}, variant ${v.name}`);
}

/** Builds one results row from a finished variant-stage's fold results. */
export function ablationRow(
  folds: FoldResult[],
  ruler: Map<string, number>,
  info: { variant: AblationVariant; stage: number; epochs: number; runDir: string; resamples: number; seed: number },
): AblationRow {
  const ids = folds.flatMap((f) => f.test.ids);
  const labels = folds.flatMap((f) => f.test.labels);
  const probs = folds.flatMap((f) => f.test.probabilities);
  const r = ids.map((id) => {
    const v = ruler.get(id);
    if (v === undefined) throw new Error(`${info.runDir}: test sample "${id}" has no ruler value`);
    return v;
  });
  const foldAuc = folds.map((f) => f.val.auc);
  return {
    variant: info.variant.name,
    factor: info.variant.factor,
    set: info.variant.set,
    note: info.variant.note ?? "",
    stage: info.stage,
    epochs: info.epochs,
    folds: folds.map((f) => f.index),
    runDir: info.runDir,
    valAuc: foldAuc.reduce((a, b) => a + b, 0) / foldAuc.length,
    test: pairedAucDifference(labels, probs, r, { resamples: info.resamples, seed: info.seed }),
    meanFoldAuc: meanOf(folds.map((f) => foldTestAuc(f))),
    bestEpochs: folds.map((f) => f.bestEpoch),
    curves: folds.map((f) => ({ fold: f.index, valAuc: f.history.map((h) => h.valAuc), valLoss: f.history.map((h) => h.valLoss), trainLoss: f.history.map((h) => h.trainLoss) })),
    trainSeconds: folds.reduce((a, f) => a + f.seconds, 0),
    outOfFold: { ids, labels, probabilities: probs.map((p) => Math.round(p * 1e4) / 1e4), ruler: r },
  };
}

function meanOf(v: number[]): number {
  const f = v.filter(Number.isFinite);
  return f.reduce((a, b) => a + b, 0) / (f.length || NaN);
}

function foldTestAuc(f: FoldResult): number {
  return auc(f.test.labels, f.test.probabilities);
}

/** The variants promoted from a stage: the best `keep` by inner-validation AUC (ties: name order). */
export function promote(rows: AblationRow[], keep: number | null): string[] {
  const ranked = rows.slice().sort((a, b) => b.valAuc - a.valAuc || a.variant.localeCompare(b.variant));
  return (keep === null ? ranked : ranked.slice(0, keep)).map((r) => r.variant);
}

/** Options of `runAblation`. */
export interface RunAblationOptions {
  /** Use this dataset instead of loading the base config's (notebooks, tests). */
  dataset?: NoduleDataset;
  /** Only these variants (all stages); default all. */
  only?: string[];
  log?: (line: string) => void;
}

/**
 * Runs (or resumes) an ablation: every stage in order, the variants the previous stage promoted,
 * each as a resumable run folder; the results file is rewritten after every variant so that a
 * long study can be read (and plotted) while it runs.
 */
export async function runAblation(c: AblationConfig, opts: RunAblationOptions = {}): Promise<AblationResults> {
  const log = opts.log ?? ((s: string) => console.log(s));
  const base = resolveTrainConfig(c.base, `ablation ${c.name} base`);
  const dataset = opts.dataset ?? (await loadDatasetByName(base.dataset, base.datasetOptions, `ablation ${c.name}`));
  const ruler = rulerValues(dataset, c.ruler.metaKey);
  const results: AblationResults = {
    format: "naslung-ablation/1",
    name: c.name,
    description: c.description,
    dataset: {
      name: dataset.name,
      source: dataset.source,
      synthetic: dataset.synthetic,
      samples: dataset.samples.length,
      malignant: dataset.samples.filter((s: NoduleSample) => s.label === 1).length,
    },
    ruler: c.ruler,
    base,
    stages: [],
    rows: [],
    gitCommit: gitCommit(),
    updatedAt: new Date().toISOString(),
    complete: false,
  };
  const save = () => {
    results.updatedAt = new Date().toISOString();
    writeJsonAtomic(c.resultsFile, results);
  };
  let alive = c.variants.map((v) => v.name).filter((n) => !opts.only || opts.only.includes(n));
  if (opts.only) for (const n of opts.only) if (!c.variants.some((v) => v.name === n)) throw new Error(`ablation ${c.name}: no variant "${n}" (have ${c.variants.map((v) => v.name).join(", ")})`);
  for (let si = 0; si < c.stages.length; si++) {
    const stage = c.stages[si];
    const entry = { index: si, ...stage, variants: alive.slice(), promoted: [] as string[] };
    results.stages.push(entry);
    const rows: AblationRow[] = [];
    for (const name of alive) {
      const v = c.variants.find((x) => x.name === name) as AblationVariant;
      const config = variantConfig(c, v, stage);
      const runDir = path.join(c.outDir, `s${si}-${v.name}`);
      log(`ablation ${c.name}: stage ${si + 1}/${c.stages.length} (${stage.epochs} epochs, folds ${stage.folds.join(",")}), variant ${v.name} [${v.factor}]`);
      // A variant may change the data itself (e.g. the cohort size): it then trains, and is held
      // to its ruler, on its own dataset.
      const own = config.dataset !== base.dataset || JSON.stringify(config.datasetOptions) !== JSON.stringify(base.datasetOptions);
      const vData = own ? await loadDatasetByName(config.dataset, config.datasetOptions, `ablation ${c.name}, variant ${v.name}`) : dataset;
      const res = await runTraining({ config, runDir, dataset: vData });
      const row = ablationRow(res.folds, own ? rulerValues(vData, c.ruler.metaKey) : ruler, { variant: v, stage: si, epochs: stage.epochs, runDir, resamples: c.bootstrapResamples, seed: base.seed });
      const cal = calibrateRun(runDir, vData, { resamples: c.bootstrapResamples, seed: base.seed });
      const byId = new Map(cal.ids.map((id, i) => [id, cal.calibrated[i]]));
      const cp = row.outOfFold.ids.map((id) => byId.get(id) as number);
      row.calibrated = {
        test: pairedAucDifference(row.outOfFold.labels, cp, row.outOfFold.ruler, { resamples: c.bootstrapResamples, seed: base.seed }),
        change: { delta: cal.comparison.delta, lo: cal.comparison.lo, hi: cal.comparison.hi },
        probabilities: cp.map((p) => Math.round(p * 1e4) / 1e4),
      };
      rows.push(row);
      results.rows.push(row);
      save();
      log(`  val AUC ${row.valAuc.toFixed(3)}; test AUC ${row.test.a.value.toFixed(3)} [${row.test.a.lo.toFixed(3)}, ${row.test.a.hi.toFixed(3)}] vs ${c.ruler.name} ${row.test.b.value.toFixed(3)} (delta ${row.test.delta.toFixed(3)} [${row.test.lo.toFixed(3)}, ${row.test.hi.toFixed(3)}])`);
    }
    entry.promoted = si < c.stages.length - 1 ? promote(rows, stage.keep) : [];
    alive = entry.promoted;
    save();
  }
  results.complete = true;
  save();
  return results;
}

/** Reads a results file written by `runAblation`. */
export function readAblationResults(file: string): AblationResults {
  if (!fs.existsSync(file)) throw new Error(`${file}: ablation results not found (run \`naslung ablate --config <file>\`)`);
  const r = JSON.parse(fs.readFileSync(file, "utf8")) as AblationResults;
  if (r.format !== "naslung-ablation/1") throw new Error(`${file}: key \`format\`: expected "naslung-ablation/1" (got ${JSON.stringify(r.format)})`);
  return r;
}

/**
 * Table rows of an ablation: one per variant and stage, with the inner-validation AUC that ranked
 * it, the pooled test AUC [95% CI], the ruler on the same readings and the paired difference.
 */
export function ablationTableRows(r: AblationResults, digits = 3): Array<Record<string, unknown>> {
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(digits) : "n/a");
  return r.rows.map((x) => ({
    stage: x.stage + 1,
    variant: x.variant,
    factor: x.factor,
    epochs: x.epochs,
    folds: x.folds.join(","),
    "val AUC (ranks)": f(x.valAuc),
    "test AUC [95% CI]": `${f(x.test.a.value)} [${f(x.test.a.lo)}, ${f(x.test.a.hi)}]`,
    [`${r.ruler.name} (same readings)`]: f(x.test.b.value),
    "delta [95% CI]": `${x.test.delta >= 0 ? "+" : ""}${f(x.test.delta)} [${f(x.test.lo)}, ${f(x.test.hi)}]`,
    "mean fold AUC": f(x.meanFoldAuc),
    "Platt-calibrated AUC": x.calibrated ? f(x.calibrated.test.a.value) : "",
    "best epochs": x.bestEpochs.join(","),
  }));
}
