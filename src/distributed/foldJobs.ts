import { createHash } from "crypto";
import type { FoldResult, SplitRecord } from "../train/crossValidate";
import { resolveTrainConfig, TrainConfig } from "../train/config";
import { parseInput, safeInt, z } from "../util/schema";
import { MACHINE_LOCAL_DATA_KEYS, stableJson } from "./jobs";

/** Files of a fold folder that travel back from a worker (result.json is sent as `result`). */
export const FOLD_FILES = ["best.ckpt", "last.ckpt", "history.json"] as const;

const hex16 = z.string().regex(/^[0-9a-f]{16}$/);

/** One cross-validation fold as a BullMQ job: the resolved training config, which fold, which code and data. */
export const foldJobSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal("cv-fold"),
    /** The run's name (for logs; the work is identified by the config, not the folder). */
    run: z.object({ name: z.string().regex(/^[\w.-]+$/) }).strict(),
    // Checked in full by the training config's own schema (`checkFoldJobConfig`).
    config: z.record(z.unknown()),
    fold: z.object({ index: safeInt().nonnegative(), id: safeInt().nonnegative() }).strict(),
    /** SHA-256 (16 hex) of the fold's train / val / test sample ids: the worker's split must match. */
    split: hex16,
    versions: z.object({ code: hex16, data: hex16 }).strict(),
  })
  .strict();

/** A fold job's payload. */
export type FoldJob = z.infer<typeof foldJobSchema>;

const num = z.number();
// Metric values (numbers, a confusion table): checked by shape where a reader relies on it.
const metricValues = z.record(z.unknown());
/** The fold result a worker returns (the shape of result.json), checked before it is written. */
const foldResultSchema = z
  .object({
    index: safeInt().nonnegative(),
    id: safeInt().nonnegative(),
    bestEpoch: safeInt().nonnegative(),
    epochsRun: safeInt().nonnegative(),
    stoppedEarly: z.boolean(),
    history: z.array(z.record(z.unknown())),
    val: metricValues,
    test: z
      .object({ ids: z.array(z.string()), labels: z.array(z.union([z.literal(0), z.literal(1)])), probabilities: z.array(num), uncalibrated: z.array(num).optional() })
      .strict(),
    calibration: z.object({ n: safeInt().nonnegative(), weight: num, bias: num, skipped: z.string().optional() }).strict().optional(),
    seconds: num.nonnegative(),
  })
  .strict();

/** What a worker returns for a fold: result.json, the fold's other files (base64) and where it ran. */
export const foldJobResultSchema = z
  .object({
    result: foldResultSchema,
    files: z.object({ "best.ckpt": z.string(), "last.ckpt": z.string(), "history.json": z.string() }).strict(),
    host: z.string(),
    seconds: num.nonnegative(),
  })
  .strict();

/** A finished fold job's return value. */
export interface FoldJobResult {
  result: FoldResult;
  files: Record<(typeof FOLD_FILES)[number], string>;
  host: string;
  seconds: number;
}

/** The identity of one fold's data split (hash of its sample ids by part). */
export function foldSplitHash(f: SplitRecord["folds"][number]): string {
  return createHash("sha256").update(stableJson({ train: f.train, val: f.val, test: f.test })).digest("hex").slice(0, 16);
}

/**
 * The config as it travels: without the machine-local dataset paths (each worker gives its own,
 * `naslung worker --data`) and without `progress`, which does not change a result.
 */
export function jobTrainConfig(c: TrainConfig): Record<string, unknown> {
  const out = JSON.parse(JSON.stringify(c)) as Record<string, unknown>;
  const options = { ...((out.datasetOptions ?? {}) as Record<string, unknown>) };
  for (const k of MACHINE_LOCAL_DATA_KEYS) delete options[k];
  out.datasetOptions = options;
  delete out.progress;
  return out;
}

/**
 * The training config of a job payload, validated by exactly the schema a config file goes
 * through, with machine-local paths refused (data paths come from the worker's command line).
 */
export function checkFoldJobConfig(raw: Record<string, unknown>, where: string): TrainConfig {
  const options = (raw.datasetOptions ?? {}) as Record<string, unknown>;
  for (const k of MACHINE_LOCAL_DATA_KEYS) {
    if (options[k] !== undefined) throw new Error(`${where}: key \`config.datasetOptions.${k}\`: paths are never taken from a job; give the worker --data / --cache-dir`);
  }
  if (raw.progress !== undefined) throw new Error(`${where}: key \`config.progress\`: not part of a job`);
  return resolveTrainConfig(raw, `${where} config`);
}

/** Parses and checks a fold job payload; errors name the job and the key. */
export function parseFoldJob(raw: unknown, where: string): FoldJob & { trainConfig: TrainConfig } {
  const job = parseInput(foldJobSchema, raw, where);
  return { ...job, trainConfig: checkFoldJobConfig(job.config, where) };
}

/** Parses a worker's return value for a fold; errors name the job. */
export function parseFoldJobResult(raw: unknown, where: string): FoldJobResult {
  return parseInput(foldJobResultSchema, raw, where) as unknown as FoldJobResult;
}

/**
 * The job id of a fold: a hash of the config, the split, and the code and data versions, plus the
 * fold id. A fold's result depends only on these, so two runs of one config share their jobs and
 * a restarted `naslung train --queue` reuses the jobs of its first start.
 */
export function foldJobId(job: FoldJob): string {
  const key = createHash("sha256").update(stableJson({ c: job.config, s: job.split, v: job.versions })).digest("hex").slice(0, 12);
  return `fold-${key}-${job.fold.id}`;
}
