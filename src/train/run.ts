import * as fs from "fs";
import * as path from "path";
import { initBackend, describeBackend } from "../backend/select";
import { removeStaleTemps, writeJsonAtomic } from "../util/atomic";
import { acquireLock } from "../util/lock";
import { gitCommit, repoRoot } from "../util/provenance";
import type { NoduleDataset } from "../data/sample";
import { resolveTrainConfig, TrainConfig } from "./config";
import { crossValidate, CrossValidateOptions, FoldResult, SplitRecord } from "./crossValidate";
import { loadDatasetByName } from "./datasets";
import { resolveConfig } from "../models/registry";
import type { RunMetrics } from "./evaluate";

/** run.json: provenance of a training run. */
export interface RunRecord {
  id: string;
  name: string;
  seed: number;
  gitCommit: string;
  configFile: string | null;
  backend: string;
  node: string;
  dataset: { name: string; source: string; synthetic: boolean; samples: number; malignant: number };
  startedAt: string;
  /** Each time the run was resumed, with the code version that continued it. */
  resumedAt: Array<{ at: string; gitCommit: string }>;
  /** `running` while a process trains it (or after a crash), `finished`, or `failed` with the error. */
  status?: "running" | "finished" | "failed";
  error?: { message: string; at: string };
  finishedAt?: string;
}

/**
 * Claims a new run folder atomically: `mkdir` without `recursive` fails if the folder exists, so
 * two runs started in the same second get `<id>` and `<id>-2` instead of sharing one folder.
 */
export function claimRunDir(wanted: string): string {
  fs.mkdirSync(path.dirname(wanted), { recursive: true });
  for (let k = 1; k < 1000; k++) {
    const dir = k === 1 ? wanted : `${wanted}-${k}`;
    try {
      fs.mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
  }
  throw new Error(`${wanted}: could not claim a new run folder (999 siblings exist)`);
}

/** One process trains a run at a time: the folder's `run.lock` (see util/lock). */
export function lockRunDir(runDir: string): () => void {
  return acquireLock(path.join(runDir, "run.lock"), `run ${runDir}`);
}

/** Default folder holding runs (`<repo>/runs`, git-ignored). */
export function defaultRunsRoot(): string {
  return process.env.NASLUNG_RUNS ?? path.join(repoRoot, "runs");
}

/** A new run id: UTC timestamp, config name and seed (e.g. 20261126-013000-demo-s0). */
export function newRunId(config: TrainConfig, now = new Date()): string {
  const t = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${t}-${config.name}-s${config.seed}`;
}

/** Options of `runTraining`. */
export interface RunTrainingOptions {
  /** A new run: the resolved config (and the file it came from, for the record). */
  config?: TrainConfig;
  configFile?: string;
  /** Continue the run in this directory (its config.json is used). */
  resumeDir?: string;
  runsRoot?: string;
  /**
   * A fixed run folder for a new run (instead of runs/<timestamped id>): continued when it already
   * holds a run (its config.json must match `config`), created otherwise. For drivers that own a
   * layout of runs, such as the ablation runner.
   */
  runDir?: string;
  /** Use this dataset instead of loading `config.dataset` (notebooks, tests). */
  dataset?: NoduleDataset;
  arch?: CrossValidateOptions["arch"];
  onEpoch?: CrossValidateOptions["onEpoch"];
  onFold?: CrossValidateOptions["onFold"];
  /** Train the folds elsewhere (e.g. on queue workers, `queueFoldRunner`); default in this process. */
  foldRunner?: CrossValidateOptions["foldRunner"];
}

/**
 * Runs (or resumes) a cross-validated training run in `runs/<id>/`: config.json (resolved), run.json
 * (seed, git commit, backend, dataset), folds.json, fold-<id>/ (checkpoints, history, result),
 * metrics.json. Resuming re-reads config.json and continues where the run stopped.
 */
export async function runTraining(opts: RunTrainingOptions): Promise<{ runDir: string; split: SplitRecord; folds: FoldResult[]; metrics: RunMetrics }> {
  let config: TrainConfig;
  let runDir: string;
  let record: RunRecord | null = null;
  if (opts.resumeDir) {
    runDir = opts.resumeDir;
    const cfgFile = path.join(runDir, "config.json");
    if (!fs.existsSync(cfgFile)) throw new Error(`${runDir}: not a naslung run (no config.json)`);
    config = resolveTrainConfig(JSON.parse(fs.readFileSync(cfgFile, "utf8")), cfgFile);
    const runFile = path.join(runDir, "run.json");
    if (fs.existsSync(runFile)) record = JSON.parse(fs.readFileSync(runFile, "utf8")) as RunRecord;
  } else {
    if (!opts.config) throw new Error("runTraining: give a config or a run directory to resume");
    config = opts.config;
    runDir = opts.runDir ?? path.join(opts.runsRoot ?? defaultRunsRoot(), newRunId(config));
    const cfgFile = path.join(runDir, "config.json");
    // The architecture is checked before anything is written (a bad arch leaves no run folder).
    if (!opts.arch) {
      try {
        resolveConfig(config.arch, { attention: config.attention, head: config.head });
      } catch (e) {
        throw new Error(`${opts.configFile ?? "config"}: key \`arch\`: ${(e as Error).message}`);
      }
    }
    if (opts.runDir && fs.existsSync(cfgFile)) {
      // Resolved again, so that keys added to the config schema since (with their defaults) compare equal.
      const old = resolveTrainConfig(JSON.parse(fs.readFileSync(cfgFile, "utf8")), cfgFile);
      if (JSON.stringify(old) !== JSON.stringify(config)) throw new Error(`${cfgFile}: this run folder holds a run of a different config; remove it or choose another folder`);
      const runFile = path.join(runDir, "run.json");
      if (fs.existsSync(runFile)) record = JSON.parse(fs.readFileSync(runFile, "utf8")) as RunRecord;
    }
  }
  const backend = await initBackend({ backend: config.backend, quiet: config.progress === "none" });
  // Data errors also come before any folder exists.
  const dataset = opts.dataset ?? (await loadDatasetByName(config.dataset, config.datasetOptions, opts.configFile ?? "config"));
  if (opts.resumeDir || opts.runDir) fs.mkdirSync(runDir, { recursive: true });
  else runDir = claimRunDir(runDir);
  const release = lockRunDir(runDir);
  // Temporary halves of files whose writer was killed mid-write are never read; tidy them away.
  removeStaleTemps(runDir);
  try {
    return await trainInRunDir(runDir, config, dataset, record, backend, opts);
  } finally {
    release();
  }
}

async function trainInRunDir(
  runDir: string,
  config: TrainConfig,
  dataset: NoduleDataset,
  record: RunRecord | null,
  backend: Awaited<ReturnType<typeof initBackend>>,
  opts: RunTrainingOptions,
): Promise<{ runDir: string; split: SplitRecord; folds: FoldResult[]; metrics: RunMetrics }> {
  if (!record) {
    record = {
      id: path.basename(runDir),
      name: config.name,
      seed: config.seed,
      gitCommit: gitCommit(),
      configFile: opts.configFile ? path.resolve(opts.configFile) : null,
      backend: describeBackend(backend),
      node: process.version,
      dataset: {
        name: dataset.name,
        source: dataset.source,
        synthetic: dataset.synthetic,
        samples: dataset.samples.length,
        malignant: dataset.samples.filter((s) => s.label === 1).length,
      },
      startedAt: new Date().toISOString(),
      resumedAt: [],
    };
    writeJsonAtomic(path.join(runDir, "config.json"), config);
  } else {
    record.resumedAt.push({ at: new Date().toISOString(), gitCommit: gitCommit() });
  }
  record.status = "running";
  delete record.error;
  writeJsonAtomic(path.join(runDir, "run.json"), record);
  try {
    const res = await crossValidate({ dataset, config, runDir, arch: opts.arch, onEpoch: opts.onEpoch, onFold: opts.onFold, foldRunner: opts.foldRunner });
    record.status = "finished";
    record.finishedAt = new Date().toISOString();
    writeJsonAtomic(path.join(runDir, "run.json"), record);
    return { runDir, ...res };
  } catch (e) {
    // The folder stays (finished folds and the last good checkpoints resume), marked failed.
    record.status = "failed";
    record.error = { message: (e as Error).message, at: new Date().toISOString() };
    writeJsonAtomic(path.join(runDir, "run.json"), record);
    throw e;
  }
}
