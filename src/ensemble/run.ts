import * as fs from "fs";
import * as path from "path";
import type { NoduleDataset } from "../data/sample";
import { parseInput, safeName, z } from "../util/schema";
import { MetricName, METRIC_NAMES } from "../metrics/binary";
import { loadDatasetByName } from "../train/datasets";
import { resolveTrainConfig, TrainConfig } from "../train/config";
import { defaultRunsRoot } from "../train/run";
import { writeJsonAtomic } from "../util/atomic";
import { gitCommit } from "../util/provenance";
import { evaluateEnsembles, EnsembleEvaluation, planEnsembles } from "./evaluate";
import { crossValidatedMembers, frontMembers, MemberSpec } from "./members";
import { membersFromRuns } from "./runs";
import type { MemberPredictions, TieRule } from "./types";

/** `naslung ensemble --config <file>`: where the members come from and how to combine them. */
export interface EnsembleConfig {
  name: string;
  seed: number;
  /** Finished training runs sharing one split (runs/<id>/): one member each, no training. */
  runs?: string[];
  /** A search log: its accuracy/latency Pareto front (at most `maxMembers`) is trained. */
  searchLog?: string;
  maxMembers?: number;
  /** Explicit members to train: registry names or architecture strings. */
  members?: Array<{ name: string; arch: string }>;
  /** Training settings for members that are trained (partial TrainConfig: dataset, epochs, folds ...). */
  train: Partial<TrainConfig>;
  selection: { metric: MetricName; maxSize: number; withReplacement: boolean };
  tie: TieRule;
  bootstrapResamples: number;
  /** Output folder (default runs/ensemble-<name>-s<seed>). */
  out?: string;
}

/** The schema of an ensemble config (configs/ensemble-*.json). */
export const ensembleConfigSchema = z
  .object({
    name: safeName.default("ensemble"),
    description: z.string().optional(),
    seed: z.number().int("must be a non-negative integer").nonnegative("must be a non-negative integer").default(0),
    runs: z.array(z.string().min(1)).min(1, "must be a non-empty list of run directories").optional(),
    searchLog: z.string().min(1, "must be the path of a search log (.jsonl)").optional(),
    maxMembers: z.number().int("must be a positive integer").positive("must be a positive integer").optional(),
    members: z.array(z.object({ name: safeName, arch: z.string().min(1) }).strict()).min(1, "must be a non-empty list of {name, arch}").optional(),
    train: z.record(z.unknown()).optional(),
    selection: z
      .object({ metric: z.enum(METRIC_NAMES as unknown as [MetricName, ...MetricName[]]), maxSize: z.number().int().positive("must be a positive integer"), withReplacement: z.boolean() })
      .partial()
      .strict()
      .optional(),
    tie: z.enum(["soft", "benign", "malignant"]).default("soft"),
    bootstrapResamples: z.number().int().positive("must be a positive integer").default(1000),
    out: z.string().min(1, "must be a folder path").optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const sources = (["runs", "searchLog", "members"] as const).filter((k) => c[k] !== undefined);
    if (sources.length !== 1) ctx.addIssue({ code: "custom", path: ["runs|searchLog|members"], message: `give exactly one member source (got ${sources.length ? sources.join(", ") : "none"})` });
  });

/**
 * Validates a raw ensemble config; errors name `where` (the file) and the key. Exactly one
 * member source (`runs`, `searchLog` or `members`) must be given; relative paths are resolved
 * against `baseDir` (the config file's folder).
 */
export function resolveEnsembleConfig(raw: unknown, where = "ensemble config", baseDir = process.cwd()): EnsembleConfig {
  const r = parseInput(ensembleConfigSchema, raw, where);
  const abs = (p: string) => path.resolve(baseDir, p);
  // Validated by src/train (names the key); arch/name are set per member.
  if (r.train !== undefined) resolveTrainConfig({ ...r.train, seed: r.seed }, `${where} (train)`);
  const cfg: EnsembleConfig = {
    name: r.name,
    seed: r.seed,
    train: (r.train ?? {}) as Partial<TrainConfig>,
    selection: { metric: "accuracy", maxSize: 7, withReplacement: false, ...(r.selection ?? {}) },
    tie: r.tie as TieRule,
    bootstrapResamples: r.bootstrapResamples,
  };
  if (r.runs) cfg.runs = r.runs.map(abs);
  if (r.searchLog) cfg.searchLog = abs(r.searchLog);
  if (r.maxMembers !== undefined) cfg.maxMembers = r.maxMembers;
  if (r.members) cfg.members = r.members.map((m) => ({ name: m.name, arch: m.arch }));
  if (r.out) cfg.out = abs(r.out);
  return cfg;
}

/** Reads and validates an ensemble config file. */
export function loadEnsembleConfig(file: string): EnsembleConfig {
  if (!fs.existsSync(file)) throw new Error(`${file}: ensemble config not found`);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return resolveEnsembleConfig(raw, file, path.dirname(path.resolve(file)));
}

/** What `runEnsemble` returns (and writes to `<out>/metrics.json`). */
export interface EnsembleRunResult {
  outDir: string;
  members: MemberPredictions[];
  evaluation: EnsembleEvaluation;
  dataset: { name: string; synthetic: boolean } | null;
}

/**
 * The whole ensemble step: gets the members (finished runs, or trains the search log's Pareto
 * front / the listed architectures with src/train's cross-validation), plans the ensembles on
 * validation predictions only, scores members and ensembles on the pooled test folds with
 * bootstrap CIs, and writes `<out>/metrics.json` (config, provenance, members, ensembles, their
 * per-fold choices) and `<out>/predictions.json` (per test nodule: every member and ensemble).
 */
export async function runEnsemble(
  config: EnsembleConfig,
  opts: { dataset?: NoduleDataset; log?: (line: string) => void } = {},
): Promise<EnsembleRunResult> {
  const log = opts.log ?? ((l: string) => console.error(l));
  const outDir = config.out ?? path.join(defaultRunsRoot(), `ensemble-${config.name}-s${config.seed}`);
  let members: MemberPredictions[];
  let dataset: NoduleDataset | null = opts.dataset ?? null;
  if (config.runs) {
    members = (await membersFromRuns(config.runs, { dataset: dataset ?? undefined })).members;
  } else {
    const specs: Array<MemberSpec & { arch: string }> = config.searchLog
      ? frontMembers(config.searchLog, { maxMembers: config.maxMembers }).map((m) => ({ ...m, arch: String(m.arch) }))
      : (config.members ?? []).map((m) => ({ name: m.name, arch: m.arch }));
    log(`ensemble: ${specs.length} members: ${specs.map((s) => s.name).join(", ")}`);
    const train = resolveTrainConfig({ ...config.train, seed: config.seed }, "ensemble train config");
    dataset = dataset ?? (await loadDatasetByName(train.dataset, train.datasetOptions, "ensemble config (train.dataset)"));
    members = (await crossValidatedMembers({ dataset, members: specs, train: config.train, seed: config.seed, workDir: path.join(outDir, "members"), log })).members;
  }
  const options = { selection: config.selection, tie: config.tie, bootstrap: { resamples: config.bootstrapResamples, seed: config.seed } };
  const plans = planEnsembles(members, options);
  const evaluation = evaluateEnsembles(members, options, plans);
  const { samples, ...summary } = evaluation;
  const ds = dataset ? { name: dataset.name, synthetic: dataset.synthetic } : null;
  writeJsonAtomic(path.join(outDir, "metrics.json"), {
    config,
    gitCommit: gitCommit(),
    createdAt: new Date().toISOString(),
    dataset: ds,
    split: "pooled test folds",
    ...summary,
  });
  writeJsonAtomic(path.join(outDir, "predictions.json"), { dataset: ds, samples });
  return { outDir, members, evaluation, dataset: ds };
}
