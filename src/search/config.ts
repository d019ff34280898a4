import { checkDatasetOptions } from "../train/datasets";
import * as fs from "fs";
import { parseInput, z } from "../util/schema";
import { resolveTrainConfig } from "../train/config";
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

const posInt = () => z.number().int("must be a positive integer").positive("must be a positive integer").safe("must be an integer below 2^53");
const nonNegInt = () => z.number().int("must be a non-negative integer").nonnegative("must be a non-negative integer").safe("must be an integer below 2^53");
const METRICS = ["accuracy", "auc", "f1", "sensitivity", "specificity", "precision"] as const;

const analyticEvaluatorSchema = z
  .object({ kind: z.literal("analytic"), noise: z.number().finite().nonnegative().optional(), delayMs: z.number().finite().nonnegative().optional(), delaySpreadMs: z.number().finite().nonnegative().optional(), msPerMMac: z.number().finite().optional(), msPerOp: z.number().finite().optional() })
  .strict();

const trainEvaluatorSchema = z
  .object({
    kind: z.literal("train").optional(),
    data: z
      .object({ dataset: z.string().min(1).optional(), options: z.record(z.unknown()).optional(), module: z.string().min(1).optional(), exportName: z.string().min(1).optional() })
      .strict()
      .optional(),
    folds: z
      .object({ k: posInt(), fold: nonNegInt(), seed: nonNegInt(), innerValFraction: z.number().gt(0, "must be a fraction in (0, 1)").lt(1, "must be a fraction in (0, 1)") })
      .partial()
      .strict()
      .optional(),
    // null: no subsampling (lets an override drop a file's subsample)
    subsample: z
      .object({ train: z.number().int("must be an integer >= 2").min(2, "needs at least 2 samples (one per class)").safe("must be an integer below 2^53"), val: posInt() })
      .partial()
      .strict()
      .nullable()
      .optional(),
    train: z.record(z.unknown()).optional(),
    model: z.object({ attention: z.enum(["reference", "cbam", "none"]), head: z.enum(["asoftmax", "linear"]) }).partial().strict().optional(),
    latency: z
      .object({ inputSize: posInt(), batchSizes: z.array(posInt()).min(1), warmup: nonNegInt(), repeats: posInt(), maxMsPerBatch: z.number().positive(), minRepeats: posInt(), seed: z.number().int() })
      .partial()
      .strict()
      .optional(),
    backend: z.string().optional(),
  })
  .strict();

/** The schema of a search config file (configs/search*.json); omitted keys take DEFAULT_SEARCH_CONFIG's values. */
export const searchConfigSchema = z
  .object({
    name: z.string().regex(/^[\w.-]+$/, "must be a file-name-safe string (letters, digits, . _ -)").optional(),
    description: z.string().optional(),
    seed: nonNegInt().optional(),
    backend: z.string().optional(),
    space: z.unknown().optional(),
    strategies: z
      .array(z.enum(["pop", "random"]))
      .min(1, "must be a non-empty list of distinct \"pop\" / \"random\"")
      .refine((a) => new Set(a).size === a.length, "must be a non-empty list of distinct \"pop\" / \"random\"")
      .optional(),
    budget: z
      .object({ maxCandidates: posInt(), maxSeconds: z.number().positive("must be a positive number of seconds or null").nullable(), patience: posInt() })
      .partial()
      .strict()
      .optional(),
    objective: z.enum(METRICS).optional(),
    workers: z.union([z.literal("auto"), nonNegInt()]).optional(),
    outDir: z.string().min(1, "must be a folder path").optional(),
    // Checked by the schema of its kind (analyticEvaluatorSchema / trainEvaluatorSchema).
    evaluator: z.record(z.unknown()).optional(),
  })
  .strict();

/**
 * Validates a search config (from JSON) and fills defaults. Errors name the file (`where`), the
 * key and the problem. The evaluator's `train` block is checked by the trainer when it runs.
 */
export function resolveSearchConfig(raw: unknown, where = "search config"): SearchConfig {
  if (raw !== null && typeof raw === "object" && !Array.isArray(raw)) {
    const k = (raw as Json).evaluator as Json | undefined;
    // A kind that is neither evaluator: one clear message instead of both union branches' issues.
    if (k && typeof k === "object" && k.kind !== undefined && k.kind !== "train" && k.kind !== "analytic") {
      throw new Error(`${where}: key \`evaluator.kind\`: must be "train" or "analytic" (got ${JSON.stringify(k.kind)})`);
    }
  }
  const c = parseInput(searchConfigSchema, raw, where);
  const d = DEFAULT_SEARCH_CONFIG;
  const rawEvaluator = c.evaluator ?? d.evaluator;
  const e = rawEvaluator.kind === "analytic" ? parseInput(analyticEvaluatorSchema, rawEvaluator, where, "evaluator") : parseInput(trainEvaluatorSchema, rawEvaluator, where, "evaluator");
  const backend = c.backend ?? d.backend;
  const space = resolveSpace(c.space === undefined ? {} : c.space, where); // null is a value (refused), not "absent"
  const budget = {
    maxCandidates: c.budget?.maxCandidates ?? d.budget.maxCandidates,
    maxSeconds: c.budget?.maxSeconds === null ? Infinity : (c.budget?.maxSeconds ?? d.budget.maxSeconds),
    patience: c.budget?.patience ?? d.budget.patience,
  };
  let evaluator: EvaluatorConfig;
  if (e.kind === "analytic") {
    evaluator = e as EvaluatorConfig;
  } else {
    const de = d.evaluator as { kind: "train" } & TrainEvaluatorOptions;
    const te = e as z.infer<typeof trainEvaluatorSchema>;
    const data = (te.data ?? de.data) as TrainEvaluatorOptions["data"];
    const folds = { ...de.folds, ...(te.folds ?? {}) };
    if (folds.fold >= folds.k) throw new Error(`${where}: key \`evaluator.folds.fold\`: must be below folds.k (${folds.k}) (got ${folds.fold})`);
    if (data.module === undefined) checkDatasetOptions(data.dataset ?? "demo", data.options ?? {}, where, "evaluator.data.options");
    // The candidates' training block is checked now, not when the first candidate trains.
    const train = { ...de.train, ...((te.train as Json | undefined) ?? {}) };
    try {
      resolveTrainConfig(train, where);
    } catch (err) {
      const m = (err as Error).message;
      throw new Error(m.startsWith(`${where}: key \``) ? `${where}: key \`evaluator.train.${m.slice(where.length + 7)}` : m);
    }
    evaluator = {
      kind: "train",
      subsample: te.subsample ?? undefined,
      data,
      folds,
      train,
      model: te.model ?? {},
      latency: { ...de.latency, ...(te.latency ?? {}) },
      backend: te.backend ?? backend,
    };
  }
  return {
    name: c.name ?? d.name,
    seed: c.seed ?? d.seed,
    backend,
    space,
    strategies: (c.strategies ?? d.strategies) as SearchStrategy[],
    budget,
    objective: c.objective ?? d.objective,
    workers: c.workers ?? d.workers,
    outDir: c.outDir ?? d.outDir,
    evaluator,
  };
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
