import { checkDatasetOptions } from "./datasets";
import { finite, parseInput, safeName, z } from "../util/schema";
import * as fs from "fs";
import { AugmentConfig, referenceAugment } from "../augment/compose";
import { resolveConfig } from "../models/registry";

/** Loss choices: A-Softmax with the margin (SphereFace), the reference's margin-free A-Softmax, softmax CE. */
export type LossName = "asoftmax" | "asoftmax-reference" | "softmax";
export type OptimizerName = "sgd" | "adam";
/**
 * Learning-rate schedules.
 * - `reference`: NAS-Lung main.py/mainsp.py `get_lr`: constant, then from epoch E - D + 1
 *   (1-based; 330 of 400 with D = 70) multiplied by (1 - 1/D) every epoch, i.e. a geometric
 *   decay to ~0.36x by the last epoch (not a linear ramp to zero).
 * - `constant`, `step` (x gamma at each milestone epoch), `cosine` (to minLr).
 */
export type ScheduleName = "reference" | "constant" | "step" | "cosine";

export interface OptimizerConfig {
  name: OptimizerName;
  lr: number;
  /** SGD momentum (reference 0.9). */
  momentum: number;
  /** Adam betas (reference's unused Adam: 0.5, 0.999). */
  beta1: number;
  beta2: number;
  /** L2 weight decay added to the gradients (reference: 0). */
  weightDecay: number;
}

export interface ScheduleConfig {
  name: ScheduleName;
  /** `reference`: number of decaying epochs D (70). */
  decayEpochs: number;
  /** `step`: 0-based epochs at which lr is multiplied by gamma. */
  milestones: number[];
  gamma: number;
  /** `cosine`: final learning rate. */
  minLr: number;
  /**
   * Linear warm-up over the first `warmupEpochs` epochs (epoch e < W trains at base * (e + 1) / W),
   * then the schedule runs over the remaining epochs. 0 = none (the reference).
   */
  warmupEpochs: number;
}

/** How crops are scaled before the network. */
export type Preprocessing = "none" | "standardize";

/** Everything that determines a training run. `resolveTrainConfig` fills the defaults. */
export interface TrainConfig {
  /** Short run name (used in the run id). */
  name: string;
  /** Free text describing the run (kept in config.json). */
  description: string;
  /** Dataset: `demo` (synthetic cohort) or `lidc-slices` (real LIDC readings); options go to the loader. */
  dataset: string;
  datasetOptions: Record<string, unknown>;
  /** Registry name (e.g. "model-1") or config string "[4,4,[8,8,8],[16,16,16],[32,32]]". */
  arch: string;
  attention: "reference" | "cbam" | "none";
  head: "asoftmax" | "linear";
  loss: LossName;
  /**
   * Class weighting of the loss: `none` (the reference), or `balanced`: each sample weighted by
   * N / (2 N_class) of the training fold, so both classes carry the same total weight.
   */
  classWeight: "none" | "balanced";
  /**
   * A-Softmax margin annealing (SphereFace): lambda = max(lambdaMin, lambdaBase (1 + gamma it)^-power),
   * it = optimizer step from 1. Defaults 5, 1500, 0.1, 1. lambdaBase = lambdaMin gives the full
   * (final) margin from the first step, which short runs need to show its effect.
   */
  asoftmax: { lambdaMin: number; lambdaBase: number; gamma: number; power: number };
  optimizer: OptimizerConfig;
  schedule: ScheduleConfig;
  epochs: number;
  batchSize: number;
  evalBatchSize: number;
  seed: number;
  /**
   * `standardize`: (x - mean) / std with mean and std of the training fold's crops (the
   * reference's Normalize(pixmean, pixstd), which it computes over all crops including the test
   * fold; we use the training fold only). `none`: crops as the dataset gives them.
   */
  preprocessing: Preprocessing;
  augment: AugmentConfig;
  folds: {
    /**
     * `auto`: the samples' predefined `fold` (LUNA16 subset / protocol fold) when every sample
     * has one, else grouped stratified k-fold; `grouped`: always k-fold by group; `predefined`.
     */
    scheme: "auto" | "grouped" | "predefined";
    /** Number of folds for grouped k-fold. */
    k: number;
    /** Which folds to run (0-based); null = all. */
    run: number[] | null;
    /** Fraction of each training fold (by group) held out for early stopping / checkpoint choice. */
    innerValFraction: number;
  };
  earlyStopping: {
    /** Epochs without improvement of the validation score before stopping; null = never stop. */
    patience: number | null;
    /** Validation score for checkpoint choice: AUC (ties: lower loss), accuracy, or loss. */
    selectBy: "auc" | "accuracy" | "loss";
  };
  backend: string;
  /** Where augmentation runs: a worker thread, inline (deferred), or auto (worker when built). */
  prefetch: "auto" | "worker" | "inline";
  /**
   * Test-time augmentation of the final predictions (the selected checkpoint on the inner
   * validation split and on the test fold): `none`, or `flips` (mean over the 8 mirrored cubes).
   * Checkpoint selection during training always scores the plain cube.
   */
  tta: "none" | "flips";
  /**
   * Calibration of each fold's test predictions: `none`, or `platt`: Platt scaling fitted on the
   * fold's inner validation split (never the test fold). Monotone per fold (per-fold AUC
   * unchanged); it puts the folds on one probability scale, which the pooled out-of-fold AUC and
   * thresholded metrics need.
   */
  calibration: "none" | "platt";
  /** Bootstrap resamples for metric CIs. */
  bootstrapResamples: number;
  /** Progress display: auto (bar in a TTY, live curve in a notebook, else one line per epoch). */
  progress: "auto" | "bar" | "log" | "none";
}

/**
 * A config as written by hand: any subset of keys, nested objects partial, shorthands allowed
 * (`augment: false`, `arch` as an array). `resolveTrainConfig` validates it.
 */
export type RawTrainConfig = { [K in keyof TrainConfig]?: unknown };

/**
 * The reference's training recipe (NAS-Lung mainsp.py + run_training.sh: SGD 0.01 momentum 0.9,
 * batch 8, 400 epochs with the geometric decay from epoch 330, A-Softmax, reference augmentation)
 * with our protocol. `configs/train-reference.json` names it for runs.
 */
export const REFERENCE_TRAIN_CONFIG: TrainConfig = {
  name: "run",
  description: "",
  dataset: "demo",
  datasetOptions: {},
  arch: "model-1",
  attention: "reference",
  head: "asoftmax",
  loss: "asoftmax",
  classWeight: "none",
  asoftmax: { lambdaMin: 5, lambdaBase: 1500, gamma: 0.1, power: 1 },
  optimizer: { name: "sgd", lr: 0.01, momentum: 0.9, beta1: 0.9, beta2: 0.999, weightDecay: 0 },
  schedule: { name: "reference", decayEpochs: 70, milestones: [], gamma: 0.1, minLr: 0, warmupEpochs: 0 },
  epochs: 400,
  batchSize: 8,
  evalBatchSize: 16,
  seed: 0,
  preprocessing: "standardize",
  augment: referenceAugment,
  folds: { scheme: "auto", k: 10, run: null, innerValFraction: 0.15 },
  earlyStopping: { patience: null, selectBy: "auc" },
  backend: "auto",
  prefetch: "auto",
  tta: "none",
  calibration: "none",
  bootstrapResamples: 1000,
  progress: "auto",
};

/**
 * Defaults: the naslung recipe, chosen by the one-factor ablations (configs/ablation-*.json,
 * notebook 07; variants ranked by inner-validation AUC only): Adam 0.002 with a cosine schedule,
 * batch 16, 16 epochs with the checkpoint chosen by inner-validation AUC, A-Softmax with the margin (m = 4; the margin-free reference loss tied it on inner validation), and each
 * fold's test predictions Platt-calibrated on its inner validation split (the size-only sanity set
 * showed the pooled AUC losing to the ruler by cross-fold calibration alone). Everything else as
 * the reference; `REFERENCE_TRAIN_CONFIG` is the reference recipe.
 */
export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  ...REFERENCE_TRAIN_CONFIG,
  loss: "asoftmax",
  optimizer: { name: "adam", lr: 0.002, momentum: 0.9, beta1: 0.9, beta2: 0.999, weightDecay: 0 },
  schedule: { name: "cosine", decayEpochs: 70, milestones: [], gamma: 0.1, minLr: 0, warmupEpochs: 0 },
  epochs: 16,
  batchSize: 16,
  calibration: "platt",
};

/** A config error naming the file and key. */
export class ConfigError extends Error {
  constructor(where: string, key: string, problem: string) {
    super(`${where}: key \`${key}\`: ${problem}`);
    this.name = "ConfigError";
  }
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

const FREE_FORM = new Set(["datasetOptions"]);
const SWITCHABLE = new Set(["augment", "augment.crop", "augment.zeroOut"]);

/** Recursively merges `raw` over `base`, rejecting unknown keys and wrong types by path. */
function merge(base: unknown, raw: unknown, key: string, where: string): unknown {
  if (raw === undefined) return base;
  if (isObj(base)) {
    // Sub-objects that may be switched off (`augment: false`, `augment.crop: false`) or on with
    // their defaults (`true`).
    if (SWITCHABLE.has(key) && typeof raw === "boolean") {
      if (key === "augment") return { ...base, enabled: raw };
      return raw ? base : false;
    }
    if (!isObj(raw)) throw new ConfigError(where, key, `expected an object, got ${JSON.stringify(raw)}`);
    if (FREE_FORM.has(key)) return raw;
    const out: Json = { ...base };
    for (const [k, v] of Object.entries(raw)) {
      const path = key ? `${key}.${k}` : k;
      if (!(k in base)) {
        throw new ConfigError(where, path, `unknown key (known: ${Object.keys(base).join(", ")})`);
      }
      out[k] = merge((base as Json)[k], v, path, where);
    }
    return out;
  }
  return raw;
}

const nonNeg = () => finite().nonnegative();
// Safe integers only: 1e308 and 2^53 + 2 are "integers" to Number.isInteger but count nothing exactly.
const nonNegInt = () => z.number().int("must be a non-negative integer").nonnegative("must be a non-negative integer").safe("must be an integer below 2^53");
const posInt = () => z.number().int("must be a positive integer").positive("must be a positive integer").safe("must be an integer below 2^53");
const fraction01 = () => finite().min(0, "must be in [0, 1]").max(1, "must be in [0, 1]");

/**
 * The schema of a resolved training config (after defaults are merged in): every key's type,
 * range and enum, and the rules between keys. One declaration, in the validation layer's format
 * (`<file>: key \`optimizer.lr\`: must be > 0 (got -1)`).
 */
export const trainConfigSchema = z
  .object({
    name: safeName,
    description: z.string(),
    dataset: z.string().min(1, "must be a dataset name (demo, lidc-slices, size-only)"),
    datasetOptions: z.record(z.unknown()),
    arch: z.string().min(1, "must be a registry name or a config string"),
    attention: z.enum(["reference", "cbam", "none"]),
    head: z.enum(["asoftmax", "linear"]),
    loss: z.enum(["asoftmax", "asoftmax-reference", "softmax"]),
    classWeight: z.enum(["none", "balanced"]),
    asoftmax: z.object({ lambdaMin: nonNeg(), lambdaBase: nonNeg(), gamma: nonNeg(), power: nonNeg() }).strict(),
    optimizer: z
      .object({
        name: z.enum(["sgd", "adam"]),
        lr: finite().gt(0, "must be a positive number"),
        momentum: finite().min(0).lt(1, "must be in [0, 1)"),
        beta1: finite().min(0).lt(1, "must be in [0, 1)"),
        beta2: finite().min(0).lt(1, "must be in [0, 1)"),
        weightDecay: nonNeg(),
      })
      .strict(),
    schedule: z
      .object({
        name: z.enum(["reference", "constant", "step", "cosine"]),
        decayEpochs: posInt(),
        milestones: z.array(nonNegInt()),
        gamma: nonNeg(),
        minLr: nonNeg(),
        warmupEpochs: nonNegInt(),
      })
      .strict(),
    epochs: posInt(),
    batchSize: posInt(),
    evalBatchSize: posInt(),
    seed: nonNegInt(),
    preprocessing: z.enum(["none", "standardize"]),
    augment: z
      .object({
        enabled: z.boolean(),
        crop: z.union([z.literal(false), z.object({ padding: nonNegInt(), fill: finite(), mode: z.enum(["reference", "symmetric"]) }).strict()]),
        flipProb: fraction01(),
        rotate90: fraction01(),
        zeroOut: z.union([z.literal(false), z.object({ size: nonNegInt(), value: finite() }).strict()]),
      })
      .strict(),
    folds: z
      .object({
        scheme: z.enum(["auto", "grouped", "predefined"]),
        k: z.number().int().min(2).safe(),
        run: z.array(nonNegInt()).min(1, "must be null or a non-empty list of fold indices").nullable(),
        innerValFraction: finite().gt(0, "must be in (0, 1)").lt(1, "must be in (0, 1)"),
      })
      .strict(),
    earlyStopping: z.object({ patience: posInt().nullable(), selectBy: z.enum(["auc", "accuracy", "loss"]) }).strict(),
    backend: z.string(),
    prefetch: z.enum(["auto", "worker", "inline"]),
    tta: z.enum(["none", "flips"]),
    calibration: z.enum(["none", "platt"]),
    bootstrapResamples: posInt(),
    progress: z.enum(["auto", "bar", "log", "none"]),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.loss !== "softmax" && c.head !== "asoftmax") ctx.addIssue({ code: "custom", path: ["loss"], message: `"${c.loss}" needs head "asoftmax" (got head "${c.head}")` });
    // The architecture must be one the model registry builds, or the error would come at training time.
    try {
      resolveConfig(c.arch, { attention: c.attention, head: c.head });
    } catch (e) {
      ctx.addIssue({ code: "custom", path: ["arch"], message: (e as Error).message });
    }
    if (c.epochs > 0 && c.schedule.warmupEpochs >= c.epochs) ctx.addIssue({ code: "custom", path: ["schedule", "warmupEpochs"], message: `must be smaller than epochs (${c.epochs})` });
  });

/**
 * Fills defaults into a raw config object and validates every key. Errors name `where` (the
 * config file) and the dotted key. Shorthands: `augment: false`; `arch` may be a registry name,
 * a config string, or a JSON array `[4,4,[8,8,8],[16,16,16],[32,32]]`.
 */
export function resolveTrainConfig(raw: unknown, where = "config"): TrainConfig {
  if (!isObj(raw)) throw new ConfigError(where, "(root)", "expected a JSON object");
  const r: Json = { ...raw };
  if (Array.isArray(r.arch)) r.arch = JSON.stringify(r.arch);
  const c = parseInput(trainConfigSchema, merge(JSON.parse(JSON.stringify(DEFAULT_TRAIN_CONFIG)), r, "", where), where) as TrainConfig;
  checkDatasetOptions(c.dataset, c.datasetOptions, where);
  return c;
}

/** Reads and resolves a JSON config file; parse errors name the file. */
export function loadTrainConfig(file: string): TrainConfig {
  if (!fs.existsSync(file)) throw new Error(`${file}: config file not found`);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: invalid JSON (${(e as Error).message})`);
  }
  return resolveTrainConfig(raw, file);
}
