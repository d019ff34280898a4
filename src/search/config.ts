import { checkDatasetOptions } from "../train/datasets";
import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "../util/provenance";
import type { LatencyOptions } from "./latency";
import type { SearchStrategy } from "./log";
import type { SearchBudget } from "./pop";
import { resolveSpace, SearchSpaceConfig } from "./space";
import type { TrainEvaluatorOptions } from "./trainEvaluator";
import type { AnalyticEvaluatorOptions } from "./analyticEvaluator";

/** Which evaluator trains the candidates. */
export type EvaluatorConfig =
  | ({ kind: "train" } & TrainEvaluatorOptions)
  | ({ kind: "analytic" } & AnalyticEvaluatorOptions);

/** A search run as written in `configs/search*.json`; `resolveSearchConfig` fills defaults. */
export interface SearchConfig {
  name: string;
  seed: number;
  backend: string;
  space: SearchSpaceConfig;
  /** Strategies to run, in order, each with the same budget and its own log ("pop", "random"). */
  strategies: SearchStrategy[];
  budget: Required<SearchBudget>;
  /** Validation metric on the front's accuracy axis: accuracy (default), auc, f1, ... */
  objective: string;
  /** Worker threads training candidates concurrently; 0 = in the calling thread; "auto" = one per core. */
  workers: number | "auto";
  /** Folder of the logs (`<name>-<strategy>.jsonl`), relative to the repository root. */
  outDir: string;
  evaluator: EvaluatorConfig;
}

/** Defaults: the paper's space, POP then random search, a small budget, the synthetic cohort. */
export const DEFAULT_SEARCH_CONFIG: SearchConfig = {
  name: "search",
  seed: 7,
  backend: "auto",
  space: resolveSpace({}),
  strategies: ["pop", "random"],
  budget: { maxCandidates: 12, maxSeconds: 900, patience: 8 },
  objective: "accuracy",
  workers: "auto",
  outDir: "runs/search",
  evaluator: {
    kind: "train",
    data: { dataset: "demo", options: {} },
    folds: { k: 5, fold: 0, seed: 7, innerValFraction: 0.25 },
    train: { epochs: 3, batchSize: 8, earlyStopping: { patience: null, selectBy: "accuracy" } },
    latency: { batchSizes: [1, 32], warmup: 1, repeats: 5, maxMsPerBatch: 5000 } as LatencyOptions,
  },
};

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

function fail(where: string, key: string, problem: string): never {
  throw new Error(`${where}: key \`${key}\`: ${problem}`);
}

function checkKeys(obj: Json, allowed: string[], where: string, prefix: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) fail(where, prefix + k, `unknown key (known: ${allowed.join(", ")})`);
  }
}

function posInt(v: unknown, where: string, key: string, allowZero = false): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < (allowZero ? 0 : 1)) fail(where, key, `expected a ${allowZero ? "non-negative" : "positive"} integer, got ${JSON.stringify(v)}`);
  return v;
}

/**
 * Validates a search config (from JSON) and fills defaults. Errors name the file (`where`), the
 * key and the problem. The evaluator's `train` block is checked by the trainer when it runs.
 */
export function resolveSearchConfig(raw: unknown, where = "search config"): SearchConfig {
  if (!isObj(raw)) throw new Error(`${where}: expected a JSON object`);
  const d = DEFAULT_SEARCH_CONFIG;
  checkKeys(raw, ["name", "seed", "backend", "space", "strategies", "budget", "objective", "workers", "outDir", "evaluator", "description"], where, "");
  const name = raw.name ?? d.name;
  if (typeof name !== "string" || !/^[\w.-]+$/.test(name)) fail(where, "name", `expected a file-name-safe string, got ${JSON.stringify(name)}`);
  const seed = raw.seed === undefined ? d.seed : posInt(raw.seed, where, "seed", true);
  const backend = raw.backend ?? d.backend;
  if (typeof backend !== "string") fail(where, "backend", "expected a string");
  const space = resolveSpace(raw.space ?? {}, `${where}: key \`space\``);
  const strategies = (raw.strategies ?? d.strategies) as unknown;
  if (!Array.isArray(strategies) || !strategies.length || strategies.some((s) => s !== "pop" && s !== "random") || new Set(strategies).size !== strategies.length) {
    fail(where, "strategies", `expected a non-empty list of distinct "pop" / "random", got ${JSON.stringify(strategies)}`);
  }
  const b = (raw.budget ?? {}) as unknown;
  if (!isObj(b)) fail(where, "budget", "expected an object");
  checkKeys(b, ["maxCandidates", "maxSeconds", "patience"], where, "budget.");
  const budget = {
    maxCandidates: b.maxCandidates === undefined ? d.budget.maxCandidates : posInt(b.maxCandidates, where, "budget.maxCandidates"),
    maxSeconds: b.maxSeconds === undefined || b.maxSeconds === null ? (b.maxSeconds === null ? Infinity : d.budget.maxSeconds) : (b.maxSeconds as number),
    patience: b.patience === undefined ? d.budget.patience : posInt(b.patience, where, "budget.patience"),
  };
  if (!(typeof budget.maxSeconds === "number" && budget.maxSeconds > 0)) fail(where, "budget.maxSeconds", `expected a positive number of seconds or null, got ${JSON.stringify(b.maxSeconds)}`);
  const objective = raw.objective ?? d.objective;
  const METRICS = ["accuracy", "auc", "f1", "sensitivity", "specificity", "precision"];
  if (typeof objective !== "string" || !METRICS.includes(objective)) fail(where, "objective", `expected one of ${METRICS.join(", ")}, got ${JSON.stringify(objective)}`);
  const workers = raw.workers ?? d.workers;
  if (workers !== "auto") posInt(workers, where, "workers", true);
  const outDir = raw.outDir ?? d.outDir;
  if (typeof outDir !== "string" || !outDir) fail(where, "outDir", "expected a folder path");
  const e = (raw.evaluator ?? d.evaluator) as unknown;
  if (!isObj(e)) fail(where, "evaluator", "expected an object");
  let evaluator: EvaluatorConfig;
  if (e.kind === "analytic") {
    checkKeys(e, ["kind", "noise", "delayMs", "msPerMMac", "msPerOp"], where, "evaluator.");
    evaluator = e as unknown as EvaluatorConfig;
  } else if (e.kind === "train" || e.kind === undefined) {
    checkKeys(e, ["kind", "data", "folds", "subsample", "train", "model", "latency", "backend"], where, "evaluator.");
    const de = d.evaluator as { kind: "train" } & TrainEvaluatorOptions;
    const folds = { ...de.folds, ...(isObj(e.folds) ? e.folds : {}) };
    if (e.folds !== undefined && !isObj(e.folds)) fail(where, "evaluator.folds", "expected an object");
    if (isObj(e.folds)) checkKeys(e.folds, ["k", "fold", "seed", "innerValFraction"], where, "evaluator.folds.");
    posInt(folds.k, where, "evaluator.folds.k");
    posInt(folds.fold, where, "evaluator.folds.fold", true);
    if (folds.fold >= folds.k) fail(where, "evaluator.folds.fold", `must be below folds.k (${folds.k})`);
    if (!(folds.innerValFraction > 0 && folds.innerValFraction < 1)) fail(where, "evaluator.folds.innerValFraction", "expected a fraction in (0, 1)");
    const data = (e.data ?? de.data) as unknown;
    if (!isObj(data)) fail(where, "evaluator.data", "expected an object");
    checkKeys(data, ["dataset", "options", "module", "exportName"], where, "evaluator.data.");
    if (data.dataset !== undefined && typeof data.dataset !== "string") fail(where, "evaluator.data.dataset", "expected a dataset name (demo, lidc-slices)");
    if (data.options !== undefined && !isObj(data.options)) fail(where, "evaluator.data.options", "expected an object");
    if (data.module === undefined) checkDatasetOptions((data.dataset as string | undefined) ?? "demo", data.options ?? {}, where, "evaluator.data.options");
    if (e.train !== undefined && !isObj(e.train)) fail(where, "evaluator.train", "expected an object (a partial training config)");
    if (e.latency !== undefined && !isObj(e.latency)) fail(where, "evaluator.latency", "expected an object");
    if (isObj(e.latency)) checkKeys(e.latency, ["inputSize", "batchSizes", "warmup", "repeats", "maxMsPerBatch", "minRepeats", "seed"], where, "evaluator.latency.");
    // null: no subsampling (lets an override drop a file's subsample)
    if (e.subsample !== undefined && e.subsample !== null) {
      if (!isObj(e.subsample)) fail(where, "evaluator.subsample", "expected { train?, val? }");
      checkKeys(e.subsample, ["train", "val"], where, "evaluator.subsample.");
      for (const k of ["train", "val"]) if (e.subsample[k] !== undefined) posInt(e.subsample[k], where, `evaluator.subsample.${k}`);
      if (e.subsample.train !== undefined && (e.subsample.train as number) < 2) fail(where, "evaluator.subsample.train", "needs at least 2 samples (one per class)");
    }
    evaluator = {
      kind: "train",
      subsample: e.subsample === null ? undefined : ((e.subsample as TrainEvaluatorOptions["subsample"]) ?? undefined),
      data: data as unknown as TrainEvaluatorOptions["data"],
      folds,
      train: { ...de.train, ...((e.train as Json | undefined) ?? {}) },
      model: (e.model as TrainEvaluatorOptions["model"]) ?? {},
      latency: { ...de.latency, ...((e.latency as Json | undefined) ?? {}) },
      backend: (e.backend as string | undefined) ?? backend,
    };
  } else {
    fail(where, "evaluator.kind", `expected "train" or "analytic", got ${JSON.stringify(e.kind)}`);
  }
  return { name, seed, backend, space, strategies: strategies as SearchStrategy[], budget, objective, workers: workers as number | "auto", outDir, evaluator };
}

/** Reads and resolves a search config file; errors name the file. */
export function loadSearchConfig(file: string): SearchConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: cannot read search config (${(e as Error).message})`);
  }
  return resolveSearchConfig(raw, file);
}

/** The log file of one strategy of a search config (absolute). */
export function searchLogFile(cfg: SearchConfig, strategy: SearchStrategy): string {
  return path.resolve(repoRoot, cfg.outDir, `${cfg.name}-${strategy}.jsonl`);
}
