import { checkDatasetOptions } from "../train/datasets";
import * as fs from "fs";
import * as path from "path";
import { resolveTrainConfig } from "../train/config";
import { repoRoot } from "../util/provenance";
import { finite, parseInput, safeInt, z } from "../util/schema";
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
  // Safe integers only: 1e308 passes Number.isInteger but counts nothing exactly.
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < (allowZero ? 0 : 1)) fail(where, key, `expected a ${allowZero ? "non-negative" : "positive"} integer, got ${JSON.stringify(v)}`);
  return v;
}

/** A key that is absent takes its default; `null` is a value (and an error unless a key allows it). */
const given = <T>(v: unknown, dflt: T): unknown => (v === undefined ? dflt : v);

const count = (min: number) => safeInt().min(min);
const analyticSchema = z
  .object({
    kind: z.literal("analytic"),
    noise: finite().nonnegative(),
    delayMs: finite().nonnegative(),
    msPerMMac: finite().nonnegative(),
    msPerOp: finite().nonnegative(),
  })
  .partial({ noise: true, delayMs: true, msPerMMac: true, msPerOp: true })
  .strict();
const foldsSchema = z
  .object({ k: count(2), fold: count(0), seed: count(0), innerValFraction: finite().gt(0, "expected a fraction in (0, 1)").lt(1, "expected a fraction in (0, 1)") })
  .strict();
const dataSchema = z.object({ dataset: z.string().min(1), options: z.record(z.unknown()), module: z.string().min(1), exportName: z.string().min(1) }).partial().strict();
const modelSchema = z.object({ attention: z.enum(["reference", "cbam", "none"]), head: z.enum(["asoftmax", "linear"]) }).partial().strict();
const latencySchema = z
  .object({
    inputSize: count(1),
    batchSizes: z.array(count(1)).min(1),
    warmup: count(0),
    repeats: count(1),
    maxMsPerBatch: finite().gt(0),
    minRepeats: count(1),
    seed: count(0),
  })
  .partial()
  .strict();
const subsampleSchema = z.object({ train: count(2), val: count(1) }).partial().strict();

/**
 * Validates a search config (from JSON) and fills defaults. Errors name the file (`where`), the
 * key and the problem. The evaluator's `train` block must be a partial training config that
 * `resolveTrainConfig` accepts (it is checked here, not when the first candidate trains).
 */
export function resolveSearchConfig(raw: unknown, where = "search config"): SearchConfig {
  if (!isObj(raw)) throw new Error(`${where}: expected a JSON object`);
  const d = DEFAULT_SEARCH_CONFIG;
  checkKeys(raw, ["name", "seed", "backend", "space", "strategies", "budget", "objective", "workers", "outDir", "evaluator", "description"], where, "");
  const name = given(raw.name, d.name);
  if (typeof name !== "string" || !/^[\w.-]+$/.test(name)) fail(where, "name", `expected a file-name-safe string, got ${JSON.stringify(name)}`);
  const seed = raw.seed === undefined ? d.seed : posInt(raw.seed, where, "seed", true);
  const backend = given(raw.backend, d.backend);
  if (typeof backend !== "string") fail(where, "backend", "expected a string");
  const space = resolveSpace(given(raw.space, {}), `${where}: key \`space\``);
  const strategies = given(raw.strategies, d.strategies);
  if (!Array.isArray(strategies) || !strategies.length || strategies.some((s) => s !== "pop" && s !== "random") || new Set(strategies).size !== strategies.length) {
    fail(where, "strategies", `expected a non-empty list of distinct "pop" / "random", got ${JSON.stringify(strategies)}`);
  }
  const b = given(raw.budget, {});
  if (!isObj(b)) fail(where, "budget", "expected an object");
  checkKeys(b, ["maxCandidates", "maxSeconds", "patience"], where, "budget.");
  const budget = {
    maxCandidates: b.maxCandidates === undefined ? d.budget.maxCandidates : posInt(b.maxCandidates, where, "budget.maxCandidates"),
    maxSeconds: b.maxSeconds === undefined || b.maxSeconds === null ? (b.maxSeconds === null ? Infinity : d.budget.maxSeconds) : (b.maxSeconds as number),
    patience: b.patience === undefined ? d.budget.patience : posInt(b.patience, where, "budget.patience"),
  };
  if (!(typeof budget.maxSeconds === "number" && budget.maxSeconds > 0)) fail(where, "budget.maxSeconds", `expected a positive number of seconds or null, got ${JSON.stringify(b.maxSeconds)}`);
  const objective = given(raw.objective, d.objective);
  const METRICS = ["accuracy", "auc", "f1", "sensitivity", "specificity", "precision"];
  if (typeof objective !== "string" || !METRICS.includes(objective)) fail(where, "objective", `expected one of ${METRICS.join(", ")}, got ${JSON.stringify(objective)}`);
  const workers = given(raw.workers, d.workers);
  if (workers !== "auto") posInt(workers, where, "workers", true);
  const outDir = given(raw.outDir, d.outDir);
  if (typeof outDir !== "string" || !outDir) fail(where, "outDir", "expected a folder path");
  const e = given(raw.evaluator, d.evaluator);
  if (!isObj(e)) fail(where, "evaluator", "expected an object");
  let evaluator: EvaluatorConfig;
  if (e.kind === "analytic") {
    evaluator = parseInput(analyticSchema, e, where, "evaluator") as EvaluatorConfig;
  } else if (e.kind === "train" || e.kind === undefined) {
    checkKeys(e, ["kind", "data", "folds", "subsample", "train", "model", "latency", "backend"], where, "evaluator.");
    const de = d.evaluator as { kind: "train" } & TrainEvaluatorOptions;
    if (e.folds !== undefined && !isObj(e.folds)) fail(where, "evaluator.folds", "expected an object");
    const folds = parseInput(foldsSchema, { ...de.folds, ...((e.folds as Json | undefined) ?? {}) }, where, "evaluator.folds");
    if (folds.fold >= folds.k) fail(where, "evaluator.folds.fold", `must be below folds.k (${folds.k})`);
    const data = given(e.data, de.data);
    if (!isObj(data)) fail(where, "evaluator.data", "expected an object");
    parseInput(dataSchema, data, where, "evaluator.data");
    if (data.module === undefined) checkDatasetOptions((data.dataset as string | undefined) ?? "demo", data.options ?? {}, where, "evaluator.data.options");
    if (e.train !== undefined && !isObj(e.train)) fail(where, "evaluator.train", "expected an object (a partial training config)");
    const train = { ...de.train, ...((e.train as Json | undefined) ?? {}) };
    try {
      resolveTrainConfig(train, where);
    } catch (err) {
      const m = (err as Error).message;
      throw new Error(m.startsWith(`${where}: key \``) ? `${where}: key \`evaluator.train.${m.slice(where.length + 7)}` : m);
    }
    const model = given(e.model, {});
    if (!isObj(model)) fail(where, "evaluator.model", "expected an object");
    parseInput(modelSchema, model, where, "evaluator.model");
    if (e.latency !== undefined && !isObj(e.latency)) fail(where, "evaluator.latency", "expected an object");
    parseInput(latencySchema, e.latency ?? {}, where, "evaluator.latency");
    if (e.backend !== undefined && typeof e.backend !== "string") fail(where, "evaluator.backend", "expected a backend name");
    // null: no subsampling (lets an override drop a file's subsample)
    if (e.subsample !== undefined && e.subsample !== null) {
      if (!isObj(e.subsample)) fail(where, "evaluator.subsample", "expected { train?, val? }");
      parseInput(subsampleSchema, e.subsample, where, "evaluator.subsample");
    }
    evaluator = {
      kind: "train",
      subsample: e.subsample === null ? undefined : ((e.subsample as TrainEvaluatorOptions["subsample"]) ?? undefined),
      data: data as unknown as TrainEvaluatorOptions["data"],
      folds,
      train,
      model: model as TrainEvaluatorOptions["model"],
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
