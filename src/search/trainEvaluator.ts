import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend/select";
import type { NoduleDataset, NoduleSample } from "../data/sample";
import type { ConvResConfig } from "../models/config";
import { flopsOf } from "../models/complexity";
import type { TrainConfig } from "../train/config";
import { loadDatasetByName } from "../train/datasets";
import { innerSplit, makeFolds } from "../train/folds";
import { trainModel } from "../train/trainer";
import { createRng, Rng } from "../util/rng";
import { archCost } from "./cost";
import type { Evaluate } from "./executor";
import { LatencyOptions, measureLatency } from "./latency";
import type { CandidateResult } from "./log";

/**
 * Where the candidates' data comes from: a dataset a training config can name (`demo`, the
 * embedded SYNTHETIC cohort; `lidc-slices`, real LIDC readings; options passed through, see
 * train/datasets.ts), or any module exporting a function that returns a NoduleDataset.
 */
export interface SearchDataSpec {
  /** Dataset name (default `demo`); ignored when `module` is given. */
  dataset?: string;
  options?: Record<string, unknown>;
  /** Absolute path of a module exporting `exportName(options)` -> NoduleDataset. */
  module?: string;
  exportName?: string;
}

/** Options of the real evaluator (plain data: they are cloned into each worker thread). */
export interface TrainEvaluatorOptions {
  data: SearchDataSpec;
  /** Cross-validation folds and which fold's training part the search uses. */
  folds: { k: number; fold: number; seed: number; innerValFraction: number };
  /**
   * Scaled-down budgets: keep at most this many inner-train / inner-validation samples (a seeded
   * subset with both classes in proportion). Every candidate sees the same subset.
   */
  subsample?: { train?: number; val?: number };
  /** Short-budget training config (epochs, batch size, ...); `arch` is the candidate. */
  train: Partial<TrainConfig>;
  /** Model parts the search does not vary. */
  model?: { attention?: ConvResConfig["attention"]; head?: ConvResConfig["head"] };
  latency?: LatencyOptions;
  /** Backend request (`auto`, `cpu`, ...); NASLUNG_BACKEND still wins. */
  backend?: string;
  /**
   * Also return every epoch's record (losses, validation scores, lr; not its wall time) as
   * `extra.history`. Off by default, so search logs keep one small line per candidate; tests
   * use it to compare whole trainings bit for bit.
   */
  history?: boolean;
}

/** The inner split of one fold: what a candidate trains on and is scored on. */
export interface SearchSplit {
  train: NoduleSample[];
  val: NoduleSample[];
  /** Test-fold size, for the record only: its samples are never handed to the evaluator. */
  heldOutTest: number;
  source: string;
  synthetic: boolean;
}

/** Loads the dataset a spec names. */
export async function loadSearchDataset(spec: SearchDataSpec): Promise<NoduleDataset> {
  if (spec.module) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mod = require(spec.module) as Record<string, unknown>;
    const name = spec.exportName ?? "dataset";
    const f = mod[name];
    if (typeof f !== "function") throw new Error(`search data: module ${spec.module} has no exported function "${name}"`);
    return (await (f as (o: unknown) => unknown)(spec.options ?? {})) as NoduleDataset;
  }
  return loadDatasetByName(spec.dataset ?? "demo", spec.options ?? {}, "search config evaluator.data");
}

/**
 * The search's data split: the training part of fold `folds.fold` divided by group into
 * inner-train and inner-validation (the trainer's `makeFolds` + `innerSplit`). Candidates are
 * trained on the first and scored on the second; the test fold is left out entirely, unlike the
 * reference, which selects on the test fold.
 */
export function searchSplit(ds: NoduleDataset, folds: TrainEvaluatorOptions["folds"], subsample: TrainEvaluatorOptions["subsample"] = {}): SearchSplit {
  const { folds: all } = makeFolds(ds.samples, { k: folds.k, seed: folds.seed });
  const f = all[folds.fold];
  if (!f) throw new Error(`search folds.fold: ${folds.fold} is outside 0..${all.length - 1}`);
  const inner = innerSplit(ds.samples, f.train, { fraction: folds.innerValFraction, seed: folds.seed });
  const rng = createRng(folds.seed, "search-subsample");
  return {
    train: stratifiedSubset(inner.train.map((i) => ds.samples[i]), subsample?.train, rng),
    val: stratifiedSubset(inner.val.map((i) => ds.samples[i]), subsample?.val, rng),
    heldOutTest: f.test.length,
    source: ds.source,
    synthetic: ds.synthetic,
  };
}

/** At most `n` samples, both classes kept in proportion (at least one of each present), seeded. */
export function stratifiedSubset(samples: NoduleSample[], n: number | undefined, rng: Rng): NoduleSample[] {
  if (n === undefined || n >= samples.length) return samples;
  const pos = rng.shuffle(samples.filter((s) => s.label === 1));
  const neg = rng.shuffle(samples.filter((s) => s.label === 0));
  let nPos = Math.round((n * pos.length) / samples.length);
  if (pos.length && nPos === 0) nPos = 1;
  if (neg.length && nPos === n) nPos = n - 1;
  const keep = new Set([...pos.slice(0, nPos), ...neg.slice(0, n - nPos)]);
  return samples.filter((s) => keep.has(s));
}

/**
 * The real candidate evaluator: initialises this thread's backend, loads the data once, and for
 * each candidate trains a ConvRes network with the short budget on the inner-train split, takes
 * the selected epoch's validation metrics, and measures latency (`measureLatency`) on the same
 * backend. Used in-process or as the `createEvaluator` of a worker thread.
 */
export async function createEvaluator(opts: TrainEvaluatorOptions): Promise<Evaluate> {
  await initBackend({ backend: opts.backend, quiet: true });
  const ds = await loadSearchDataset(opts.data);
  const split = searchSplit(ds, opts.folds, opts.subsample);
  return async (c) => {
    const cfg: ConvResConfig = {
      stem: c.arch.stem,
      stages: c.arch.stages,
      attention: opts.model?.attention ?? "reference",
      head: opts.model?.head ?? "asoftmax",
    };
    const t0 = Date.now();
    const res = await trainModel({
      arch: cfg,
      train: split.train,
      val: split.val,
      config: { progress: "none", prefetch: "inline", ...opts.train, attention: cfg.attention, head: cfg.head },
      seed: c.seed,
    });
    const trainSeconds = (Date.now() - t0) / 1000;
    try {
      const t1 = Date.now();
      const net = res.model as unknown as { apply(x: tf.Tensor5D, o: { training: boolean }): { logits: tf.Tensor } };
      const latency = await measureLatency((x) => net.apply(x, { training: false }).logits, { seed: c.seed, ...opts.latency });
      const m = res.val.metrics;
      const result: CandidateResult = {
        params: res.model.paramCount(),
        flops: flopsOf(cfg),
        val: { accuracy: m.accuracy, sensitivity: m.sensitivity, specificity: m.specificity, precision: m.precision, f1: m.f1, auc: m.auc },
        latency,
        extra: {
          epochs: res.history.length,
          bestEpoch: res.bestEpoch,
          stoppedEarly: res.stoppedEarly,
          trainSeconds,
          latencySeconds: (Date.now() - t1) / 1000,
          trainSize: split.train.length,
          valSize: split.val.length,
          convMacs: archCost(c.arch).convMacs,
          ...(opts.history ? { history: res.history.map(({ seconds: _wall, ...rec }) => rec) } : {}),
        },
      };
      return result;
    } finally {
      res.model.dispose();
    }
  };
}
