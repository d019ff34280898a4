import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend/select";
import type { NoduleDataset, NoduleSample } from "../data/sample";
import type { ConvResConfig } from "../models/config";
import { flopsOf } from "../models/complexity";
import type { TrainConfig } from "../train/config";
import { innerSplit, makeFolds } from "../train/folds";
import { trainModel } from "../train/trainer";
import { archCost } from "./cost";
import type { Evaluate } from "./executor";
import { LatencyOptions, measureLatency } from "./latency";
import type { CandidateResult } from "./log";

/**
 * Where the candidates' data comes from: the embedded synthetic cohort (`demo`, the data area's
 * `demoDataset(options)`), or any module exporting a function that returns a NoduleDataset (or
 * samples), e.g. a real LIDC loader.
 */
export type SearchDataSpec =
  | { source: "demo"; options?: Record<string, unknown> }
  | { source: "module"; module: string; exportName: string; options?: unknown };

/** Options of the real evaluator (plain data: they are cloned into each worker thread). */
export interface TrainEvaluatorOptions {
  data: SearchDataSpec;
  /** Cross-validation folds and which fold's training part the search uses. */
  folds: { k: number; fold: number; seed: number; innerValFraction: number };
  /** Short-budget training config (epochs, batch size, ...); `arch` is the candidate. */
  train: Partial<TrainConfig>;
  /** Model parts the search does not vary. */
  model?: { attention?: ConvResConfig["attention"]; head?: ConvResConfig["head"] };
  latency?: LatencyOptions;
  /** Backend request (`auto`, `cpu`, ...); NASLUNG_BACKEND still wins. */
  backend?: string;
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
  let out: unknown;
  if (spec.source === "demo") {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const demo = require("../data/demo") as { demoDataset(o?: unknown): NoduleDataset | Promise<NoduleDataset> };
    out = await demo.demoDataset(spec.options ?? {});
  } else if (spec.source === "module") {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mod = require(spec.module) as Record<string, unknown>;
    const f = mod[spec.exportName];
    if (typeof f !== "function") throw new Error(`search data: module ${spec.module} has no exported function "${spec.exportName}"`);
    out = await (f as (o: unknown) => unknown)(spec.options);
  } else {
    throw new Error(`search data: unknown source ${JSON.stringify((spec as { source?: unknown }).source)} (expected "demo" or "module")`);
  }
  if (Array.isArray(out)) return { name: "samples", source: "samples", synthetic: false, samples: out as NoduleSample[] };
  return out as NoduleDataset;
}

/**
 * The search's data split: the training part of fold `folds.fold` divided by group into
 * inner-train and inner-validation (the trainer's `makeFolds` + `innerSplit`). Candidates are
 * trained on the first and scored on the second; the test fold is left out entirely, unlike the
 * reference, which selects on the test fold.
 */
export function searchSplit(ds: NoduleDataset, folds: TrainEvaluatorOptions["folds"]): SearchSplit {
  const { folds: all } = makeFolds(ds.samples, { k: folds.k, seed: folds.seed });
  const f = all[folds.fold];
  if (!f) throw new Error(`search folds.fold: ${folds.fold} is outside 0..${all.length - 1}`);
  const inner = innerSplit(ds.samples, f.train, { fraction: folds.innerValFraction, seed: folds.seed });
  return {
    train: inner.train.map((i) => ds.samples[i]),
    val: inner.val.map((i) => ds.samples[i]),
    heldOutTest: f.test.length,
    source: ds.source,
    synthetic: ds.synthetic,
  };
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
  const split = searchSplit(ds, opts.folds);
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
      config: { progress: "none", prefetch: "inline", bootstrapResamples: 0, ...opts.train, attention: cfg.attention, head: cfg.head },
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
        },
      };
      return result;
    } finally {
      res.model.dispose();
    }
  };
}
