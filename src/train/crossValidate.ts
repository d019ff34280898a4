import * as fs from "fs";
import * as path from "path";
import type { NoduleDataset, NoduleSample } from "../data/sample";
import { writeJsonAtomic } from "../util/atomic";
import { killPoint } from "../util/killPoint";
import { deriveSeed } from "../util/seed";
import type { MetricValues } from "../metrics/binary";
import type { EpochRecord } from "./checkpoint";
import type { TrainConfig } from "./config";
import { FoldScheme, innerSplit, makeFolds } from "./folds";
import type { ArchSpec } from "./net";
import { predictProbabilities } from "./predict";
import { applyPlatt, fitPlatt } from "../metrics/platt";
import { trainModel } from "./trainer";
import { evaluateRun, RunMetrics } from "./evaluate";

/** The data split of a cross-validated run (folds.json): sample ids per fold and part. */
export interface SplitRecord {
  scheme: FoldScheme;
  folds: Array<{ index: number; id: number; train: string[]; val: string[]; test: string[] }>;
}

/** What one fold leaves in `fold-<id>/result.json`. */
export interface FoldResult {
  index: number;
  id: number;
  bestEpoch: number;
  epochsRun: number;
  stoppedEarly: boolean;
  history: EpochRecord[];
  /** Inner-validation metrics of the selected checkpoint. */
  val: MetricValues;
  /**
   * The test fold, scored once with the selected checkpoint. With `calibration: "platt"`,
   * `probabilities` are calibrated on the inner validation split and `uncalibrated` keeps the
   * network's own outputs.
   */
  test: { ids: string[]; labels: number[]; probabilities: number[]; uncalibrated?: number[] };
  /** The Platt scaling applied (fitted on `val`), when the config asks for it. */
  calibration?: { n: number; weight: number; bias: number; skipped?: string };
  seconds: number;
}

/** Options of `crossValidate`. */
export interface CrossValidateOptions {
  dataset: NoduleDataset;
  config: TrainConfig;
  runDir: string;
  /** Defaults to `config.arch` (with `config.attention` / `config.head`). */
  arch?: ArchSpec;
  /** Called after every epoch of every fold (after its checkpoint is written). */
  onEpoch?: (fold: number, rec: EpochRecord, history: EpochRecord[]) => void | Promise<void>;
  /** Called when a fold finishes (or is found finished on resume). */
  onFold?: (res: FoldResult) => void | Promise<void>;
  /**
   * Trains the unfinished folds elsewhere (e.g. `queueFoldRunner`: jobs for `naslung worker`s),
   * all at once; the runner writes each fold's folder, result.json last. Default: in this
   * process, one fold after another.
   */
  foldRunner?: FoldRunner;
}

/** One fold to train, as handed to a `FoldRunner`. */
export interface FoldTask {
  config: TrainConfig;
  /** The run's dataset (a runner sends only its identity: workers load their own copy). */
  dataset: NoduleDataset;
  split: SplitRecord;
  fold: SplitRecord["folds"][number];
  /** Where the fold's files go (`<run>/fold-<id>`). */
  dir: string;
}

/** Trains folds somewhere else and leaves each one's files in `task.dir`, as `trainFold` would. */
export interface FoldRunner {
  run(task: FoldTask): Promise<FoldResult>;
}

/** Splits the dataset: test folds, then a grouped inner validation split of each training part. */
export function planSplit(samples: NoduleSample[], config: TrainConfig): SplitRecord {
  const { scheme, folds } = makeFolds(samples, { k: config.folds.k, seed: config.seed, scheme: config.folds.scheme });
  return {
    scheme,
    folds: folds.map((f) => {
      const inner = innerSplit(samples, f.train, { fraction: config.folds.innerValFraction, seed: deriveSeed(config.seed, `inner:${f.id}`) });
      const ids = (ix: number[]) => ix.map((i) => samples[i].id);
      return { index: f.index, id: f.id, train: ids(inner.train), val: ids(inner.val), test: ids(f.test) };
    }),
  };
}

/**
 * Cross-validated training into `runDir`: the split goes to folds.json; each fold trains in
 * `fold-<id>/` with checkpoints every epoch, chooses its epoch on the inner validation split,
 * then scores its test fold once and writes result.json. Finished folds are skipped and an
 * interrupted fold resumes from its checkpoint, so calling this again on the same directory
 * completes the run with the same numbers. Ends with `evaluateRun` (metrics.json).
 */
export async function crossValidate(opts: CrossValidateOptions): Promise<{ split: SplitRecord; folds: FoldResult[]; metrics: RunMetrics }> {
  const { dataset, config, runDir } = opts;
  const byId = new Map(dataset.samples.map((s) => [s.id, s]));
  if (byId.size !== dataset.samples.length) throw new Error(`dataset ${dataset.name}: sample ids are not unique`);
  const splitFile = path.join(runDir, "folds.json");
  const split = planSplit(dataset.samples, config);
  if (fs.existsSync(splitFile)) {
    const old = JSON.parse(fs.readFileSync(splitFile, "utf8")) as SplitRecord;
    if (JSON.stringify(old) !== JSON.stringify(split)) throw new Error(`${splitFile}: the dataset or fold settings changed since this run started; cannot resume`);
  } else {
    writeJsonAtomic(splitFile, split);
  }
  const run = config.folds.run ?? split.folds.map((f) => f.index);
  for (const r of run) {
    if (r >= split.folds.length) throw new Error(`config key \`folds.run\`: fold ${r} does not exist (${split.folds.length} folds, 0-based)`);
  }
  const results = new Map<number, FoldResult>();
  const pending: SplitRecord["folds"] = [];
  for (const f of split.folds.filter((x) => run.includes(x.index))) {
    const resultFile = path.join(runDir, `fold-${f.id}`, "result.json");
    if (fs.existsSync(resultFile)) {
      const done = JSON.parse(fs.readFileSync(resultFile, "utf8")) as FoldResult;
      results.set(f.index, done);
      if (opts.onFold) await opts.onFold(done);
    } else {
      pending.push(f);
    }
  }
  const finish = async (res: FoldResult) => {
    killPoint("cv:fold");
    results.set(res.index, res);
    if (opts.onFold) await opts.onFold(res);
  };
  if (opts.foldRunner) {
    if (opts.arch) throw new Error("crossValidate: a fold runner trains `config.arch`; an architecture object cannot be sent to it");
    const runner = opts.foldRunner;
    // Folds are independent (each has its own derived seed), so they run at once; each result
    // lands in the run folder the moment it arrives.
    await Promise.all(pending.map(async (f) => finish(await runner.run({ config, dataset, split, fold: f, dir: path.join(runDir, `fold-${f.id}`) }))));
  } else {
    for (const f of pending) {
      await finish(await trainFold({ samples: byId, config, fold: f, folds: split.folds.length, dir: path.join(runDir, `fold-${f.id}`), arch: opts.arch, onEpoch: opts.onEpoch }));
    }
  }
  const ordered = split.folds.filter((x) => results.has(x.index)).map((x) => results.get(x.index) as FoldResult);
  const metrics = evaluateRun(runDir, { resamples: config.bootstrapResamples, seed: config.seed });
  return { split, folds: ordered, metrics };
}

/** Options of `trainFold`. */
export interface TrainFoldOptions {
  /** The dataset's samples by id. */
  samples: Map<string, NoduleSample>;
  config: TrainConfig;
  fold: SplitRecord["folds"][number];
  /** How many folds the split has (for the progress label). */
  folds: number;
  /** The fold's folder (`<run>/fold-<id>`): checkpoints, history.json, result.json. */
  dir: string;
  arch?: ArchSpec;
  onEpoch?: CrossValidateOptions["onEpoch"];
}

/**
 * Trains one fold of a cross-validated run in `dir` (resuming from its checkpoints), chooses the
 * epoch on the inner validation split, scores the test fold once with that checkpoint (Platt
 * scaled on the validation split when the config asks) and writes result.json, the fold's
 * "finished" marker. The same function trains a fold in-process and on a queue worker.
 */
export async function trainFold(opts: TrainFoldOptions): Promise<FoldResult> {
  const { config, fold: f, dir } = opts;
  const pick = (ids: string[]) =>
    ids.map((id) => {
      const s = opts.samples.get(id);
      if (!s) throw new Error(`fold ${f.id}: sample ${id} is not in the dataset`);
      return s;
    });
  const t0 = Date.now();
  const tr = await trainModel({
    arch: opts.arch ?? config.arch,
    train: pick(f.train),
    val: pick(f.val),
    config,
    seed: deriveSeed(config.seed, `fold:${f.id}`),
    runDir: dir,
    label: `fold ${f.index + 1}/${opts.folds}`,
    onEpoch: opts.onEpoch ? (rec, h) => opts.onEpoch?.(f.index, rec, h) : undefined,
  });
  // The test fold is touched here, once, with the checkpoint the validation split chose.
  const test = pick(f.test);
  const probabilities = predictProbabilities(tr.model, test, config.evalBatchSize, config.tta);
  tr.model.dispose();
  // A validation split with one class cannot be calibrated on: the fold keeps its raw outputs
  // and says so in result.json (tiny cohorts only; the protocol splits are stratified).
  const oneClass = new Set(tr.val.labels).size < 2;
  const platt = config.calibration === "platt" && !oneClass ? fitPlatt(tr.val.labels, tr.val.probabilities) : null;
  const res: FoldResult = {
    index: f.index,
    id: f.id,
    bestEpoch: tr.bestEpoch,
    epochsRun: tr.history.length,
    stoppedEarly: tr.stoppedEarly,
    history: tr.history,
    val: tr.val.metrics,
    test: {
      ids: test.map((s) => s.id),
      labels: test.map((s) => s.label),
      probabilities: Array.from(platt ? applyPlatt(platt, probabilities) : probabilities),
      ...(platt ? { uncalibrated: Array.from(probabilities) } : {}),
    },
    ...(platt ? { calibration: { n: platt.n, weight: platt.model.weights[0], bias: platt.model.bias } } : {}),
    ...(config.calibration === "platt" && !platt ? { calibration: { n: tr.val.labels.length, weight: 1, bias: 0, skipped: "the inner validation split holds one class" } } : {}),
    seconds: (Date.now() - t0) / 1000,
  };
  writeJsonAtomic(path.join(dir, "result.json"), res);
  return res;
}
