/*
 * Worker-thread entry that trains one cross-validation fold for `naslung worker` (loaded by
 * piscina). Training runs off the worker's main thread so that BullMQ keeps renewing the job's
 * lock while the fold trains. Each thread initialises its own tfjs backend and keeps the last
 * dataset it loaded.
 */
import * as fs from "fs";
import * as path from "path";
import { initBackend } from "../backend/select";
import type { NoduleDataset } from "../data/sample";
import { loadDatasetByName } from "../train/datasets";
import type { TrainConfig } from "../train/config";
import { planSplit, trainFold } from "../train/crossValidate";
import { FOLD_FILES, foldSplitHash, FoldJobResult } from "./foldJobs";
import { dataFingerprint } from "./versions";

/** What the worker's main thread sends: the checked config (with this machine's data paths) and the fold. */
export interface FoldThreadTask {
  config: TrainConfig;
  fold: { index: number; id: number };
  split: string;
  /** The coordinator's data version: this machine's data must have the same fingerprint. */
  data: string;
  /** This job's scratch folder on this machine (a retried job resumes from its checkpoints). */
  scratch: string;
}

let memo: { key: string; dataset: Promise<NoduleDataset> } | null = null;

/** A fold's outcome in the thread: its files, or why this machine cannot train it. */
export type FoldThreadOutcome = Omit<FoldJobResult, "host" | "seconds"> | { refused: string } | { dataError: string };

/**
 * Loads this machine's data (in the thread, so that a long load never blocks the worker's lock
 * renewal), refuses other data, trains the fold into `task.scratch` and returns result.json with
 * the fold's other files.
 */
export default async function trainFoldInThread(task: FoldThreadTask): Promise<FoldThreadOutcome> {
  const { config } = task;
  await initBackend({ backend: config.backend, quiet: true });
  const key = JSON.stringify([config.dataset, config.datasetOptions]);
  if (memo?.key !== key) memo = { key, dataset: loadDatasetByName(config.dataset, config.datasetOptions, "job config") };
  let dataset: NoduleDataset;
  try {
    dataset = await memo.dataset;
  } catch (e) {
    memo = null;
    return { dataError: (e as Error).message };
  }
  const mine = dataFingerprint(dataset);
  if (mine !== task.data) return { refused: `the coordinator's data has fingerprint ${task.data}, this worker's ${mine}; give the worker the same data folder (--data)` };
  const split = planSplit(dataset.samples, config);
  const fold = split.folds.find((f) => f.index === task.fold.index && f.id === task.fold.id);
  if (!fold) throw new Error(`fold ${task.fold.id} (index ${task.fold.index}) is not in this machine's split of ${dataset.name}`);
  if (foldSplitHash(fold) !== task.split) throw new Error(`fold ${task.fold.id}: this machine's split of ${dataset.name} differs from the coordinator's`);
  const dir = path.join(task.scratch, `fold-${fold.id}`);
  const result = await trainFold({ samples: new Map(dataset.samples.map((s) => [s.id, s])), config: { ...config, progress: "none" }, fold, folds: split.folds.length, dir });
  const files = Object.fromEntries(FOLD_FILES.map((f) => [f, fs.readFileSync(path.join(dir, f)).toString("base64")])) as FoldJobResult["files"];
  return { result, files };
}
