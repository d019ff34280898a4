import * as fs from "fs";
import * as path from "path";
import type { NoduleDataset } from "../data/sample";
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

const KEYS = ["name", "seed", "runs", "searchLog", "maxMembers", "members", "train", "selection", "tie", "bootstrapResamples", "out", "description"];

/**
 * Validates a raw ensemble config; errors name `where` (the file) and the key. Exactly one
 * member source (`runs`, `searchLog` or `members`) must be given; relative paths are resolved
 * against `baseDir` (the config file's folder).
 */
export function resolveEnsembleConfig(raw: unknown, where = "ensemble config", baseDir = process.cwd()): EnsembleConfig {
  const bad = (key: string, problem: string) => new Error(`${where}: key \`${key}\`: ${problem}`);
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw bad("(root)", "expected a JSON object");
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!KEYS.includes(k)) throw bad(k, `unknown key (known: ${KEYS.join(", ")})`);
  const sources = ["runs", "searchLog", "members"].filter((k) => r[k] !== undefined);
  if (sources.length !== 1) throw bad("runs|searchLog|members", `give exactly one member source (got ${sources.length ? sources.join(", ") : "none"})`);
  const name = r.name ?? "ensemble";
  if (typeof name !== "string" || !/^[A-Za-z0-9._-]+$/.test(name)) throw bad("name", "must be a string of letters, digits, . _ -");
  const seed = r.seed ?? 0;
  if (typeof seed !== "number" || !Number.isInteger(seed) || seed < 0) throw bad("seed", "must be a non-negative integer");
  const abs = (p: string) => path.resolve(baseDir, p);
  const cfg: EnsembleConfig = {
    name,
    seed,
    train: {},
    selection: { metric: "accuracy", maxSize: 7, withReplacement: false },
    tie: "soft",
    bootstrapResamples: 1000,
  };
  if (r.runs !== undefined) {
    if (!Array.isArray(r.runs) || !r.runs.length || !r.runs.every((x) => typeof x === "string")) throw bad("runs", "must be a non-empty list of run directories");
    cfg.runs = (r.runs as string[]).map(abs);
  }
  if (r.searchLog !== undefined) {
    if (typeof r.searchLog !== "string") throw bad("searchLog", "must be the path of a search log (.jsonl)");
    cfg.searchLog = abs(r.searchLog);
  }
  if (r.maxMembers !== undefined) {
    if (typeof r.maxMembers !== "number" || !Number.isInteger(r.maxMembers) || r.maxMembers < 1) throw bad("maxMembers", "must be a positive integer");
    cfg.maxMembers = r.maxMembers;
  }
  if (r.members !== undefined) {
    const ms = r.members;
    if (!Array.isArray(ms) || !ms.length) throw bad("members", "must be a non-empty list of {name, arch}");
    ms.forEach((m, i) => {
      const o = m as Record<string, unknown>;
      if (typeof o !== "object" || o === null || typeof o.name !== "string" || typeof o.arch !== "string") throw bad(`members[${i}]`, `expected {"name": string, "arch": string}, got ${JSON.stringify(m)}`);
    });
    cfg.members = (ms as Array<{ name: string; arch: string }>).map((m) => ({ name: m.name, arch: m.arch }));
  }
  if (r.train !== undefined) {
    // Validated by src/train (names the key); arch/name are set per member.
    resolveTrainConfig({ ...(r.train as object), seed }, `${where} (train)`);
    cfg.train = r.train as Partial<TrainConfig>;
  }
  if (r.selection !== undefined) {
    const s = r.selection as Record<string, unknown>;
    if (typeof s !== "object" || s === null) throw bad("selection", "expected an object");
    for (const k of Object.keys(s)) if (!["metric", "maxSize", "withReplacement"].includes(k)) throw bad(`selection.${k}`, "unknown key (known: metric, maxSize, withReplacement)");
    if (s.metric !== undefined && !METRIC_NAMES.includes(s.metric as MetricName)) throw bad("selection.metric", `must be one of ${METRIC_NAMES.join(", ")}`);
    if (s.maxSize !== undefined && !(typeof s.maxSize === "number" && Number.isInteger(s.maxSize) && s.maxSize >= 1)) throw bad("selection.maxSize", "must be a positive integer");
    if (s.withReplacement !== undefined && typeof s.withReplacement !== "boolean") throw bad("selection.withReplacement", "must be true or false");
    cfg.selection = { ...cfg.selection, ...(s as Partial<EnsembleConfig["selection"]>) };
  }
  if (r.tie !== undefined) {
    if (!["soft", "benign", "malignant"].includes(r.tie as string)) throw bad("tie", `must be "soft", "benign" or "malignant"`);
    cfg.tie = r.tie as TieRule;
  }
  if (r.bootstrapResamples !== undefined) {
    if (!(typeof r.bootstrapResamples === "number" && Number.isInteger(r.bootstrapResamples) && r.bootstrapResamples >= 1)) throw bad("bootstrapResamples", "must be a positive integer");
    cfg.bootstrapResamples = r.bootstrapResamples;
  }
  if (r.out !== undefined) {
    if (typeof r.out !== "string") throw bad("out", "must be a folder path");
    cfg.out = abs(r.out);
  }
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
