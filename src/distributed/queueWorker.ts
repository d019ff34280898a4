import { Job, UnrecoverableError, Worker } from "bullmq";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Piscina } from "piscina";
import { mainThreadKernelThreads } from "../backend/native/addon";
import { DATASET_OPTION_SCHEMAS } from "../train/datasets";
import { resolveTrainConfig } from "../train/config";
import { FoldJobResult, parseFoldJob } from "./foldJobs";
import type { FoldThreadOutcome, FoldThreadTask } from "./foldThread";
import type { EvaluatorConfig } from "../search/config";
import { Executor, workerExecutor } from "../search/executor";
import { evaluatorSpec } from "../search/session";
import { loadSearchDataset, TrainEvaluatorOptions } from "../search/trainEvaluator";
import { CandidateJobResult, parseCandidateJob } from "./jobs";
import type { QueueTarget } from "./queueUrl";
import { codeVersion, dataFingerprint } from "./versions";

/** Options of `startQueueWorker` (what `naslung worker` takes on its command line). */
export interface QueueWorkerOptions {
  target: QueueTarget;
  /** Candidates trained at once, each in its own worker thread (default 1). */
  concurrency?: number;
  /** This machine's data folder: the `dir` of the dataset a job names (e.g. the LIDC slices). */
  data?: string;
  /** This machine's dataset cache folder. */
  cacheDir?: string;
  /** Where folds train before their files go back (default `<tmp>/naslung-worker`); a retried fold resumes there. */
  scratch?: string;
  /**
   * Seconds a job's lock lasts without renewal (BullMQ `lockDuration`; the stalled-job check runs
   * as often). A worker killed mid-job loses its lock after this long and the job goes to another
   * worker. Training runs in worker threads, so the lock is renewed while a candidate trains.
   */
  lockSeconds?: number;
  /** Messages (one line each) about jobs taken, finished, failed and refused. */
  log?: (line: string) => void;
}

/** A running queue worker. */
export interface QueueWorker {
  /** This worker's name on the queue (`naslung:<host>:<pid>`). */
  name: string;
  /** Resolves when the worker stopped (after `close`, or after refusing a job it cannot serve). */
  done: Promise<{ refused: string | null }>;
  close(): Promise<void>;
}

/** Stable key of a spec for the per-evaluator thread pools and data fingerprints. */
const keyOf = (v: unknown) => JSON.stringify(v);

/**
 * Starts a worker that takes candidate jobs (and cross-validation fold jobs, `processFoldJob`) from the queue, checks each payload with the search
 * config's own schemas (never executing anything from it beyond that), refuses jobs built by other
 * code or for other data, trains the candidate in a worker thread with the evaluator the job
 * names and its data from this machine's options, and returns the result. Errors of the job
 * itself (a payload that does not validate, missing data, an evaluator error: all deterministic
 * for a given config and seed) fail the job without retries (`UnrecoverableError`); a worker
 * whose code or data version differs fails the attempt (the job is retried by another worker)
 * and stops taking jobs, with a message saying why.
 */
export function startQueueWorker(opts: QueueWorkerOptions): QueueWorker {
  const log = opts.log ?? ((l: string) => console.error(l));
  const name = `naslung:${os.hostname()}:${process.pid}`;
  const concurrency = opts.concurrency ?? 1;
  const lockMs = Math.round((opts.lockSeconds ?? 30) * 1000);
  const pools = new Map<string, Executor>();
  const fingerprints = new Map<string, Promise<string>>();
  const myCode = codeVersion();
  let refused: string | null = null;
  let resolveDone: (v: { refused: string | null }) => void = () => undefined;
  const done = new Promise<{ refused: string | null }>((r) => (resolveDone = r));

  const localEvaluator = (e: EvaluatorConfig): EvaluatorConfig => {
    if (e.kind !== "train") return e;
    const options = { ...(e.data.options ?? {}), ...(opts.data ? { dir: opts.data } : {}), ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}) };
    return { ...e, data: { ...e.data, options } };
  };

  // Cross-validation folds (`naslung train --queue`): one thread pool; the threads load the data.
  let foldPool: Piscina | null = null;
  const scratchRoot = opts.scratch ?? path.join(os.tmpdir(), "naslung-worker");

  const processFoldJob = async (job: Job): Promise<FoldJobResult> => {
    const where = `job ${job.id}`;
    let p: ReturnType<typeof parseFoldJob>;
    try {
      p = parseFoldJob(job.data, where);
    } catch (e) {
      throw new UnrecoverableError((e as Error).message);
    }
    if (p.versions.code !== myCode) {
      const why = `${where}: the coordinator runs code version ${p.versions.code}, this worker ${myCode}; run the same build on both (git pull && scripts/setup.sh)`;
      refuse(why);
      throw new Error(why);
    }
    // This machine's data paths, for the datasets that take them.
    const shape = (DATASET_OPTION_SCHEMAS[p.trainConfig.dataset as keyof typeof DATASET_OPTION_SCHEMAS] as unknown as { shape: Record<string, unknown> }).shape;
    const local = { ...p.trainConfig.datasetOptions, ...(opts.data && "dir" in shape ? { dir: opts.data } : {}), ...(opts.cacheDir && "cacheDir" in shape ? { cacheDir: opts.cacheDir } : {}) };
    let config;
    try {
      config = resolveTrainConfig({ ...p.trainConfig, datasetOptions: local }, `${where} config (with this worker's --data)`);
    } catch (e) {
      throw new UnrecoverableError(`${where}: this worker cannot load the data (${(e as Error).message})`);
    }
    // Each fold thread gets its share of the cores' kernel threads; with `--concurrency 1` that is
    // what an in-process run on this machine uses, so the fold trains bit for bit as it would there.
    foldPool ??= new Piscina({
      filename: path.join(__dirname, "foldThread.js"),
      minThreads: 1,
      maxThreads: concurrency,
      concurrentTasksPerWorker: 1,
      idleTimeout: 60_000,
      workerData: { naslungNativeThreads: Math.max(1, Math.floor(mainThreadKernelThreads() / concurrency)) },
    });
    const scratch = path.join(scratchRoot, String(job.id));
    log(`${name}: ${p.run.name} fold ${p.fold.id} (job ${job.id}, attempt ${job.attemptsMade + 1})`);
    const t0 = Date.now();
    let out: FoldThreadOutcome;
    try {
      out = (await foldPool.run({ config, fold: p.fold, split: p.split, data: p.versions.data, scratch } satisfies FoldThreadTask)) as FoldThreadOutcome;
    } catch (e) {
      log(`${name}: fold ${p.fold.id} failed: ${(e as Error).message}`);
      throw new UnrecoverableError(`${p.run.name} fold ${p.fold.id} on ${name}: ${(e as Error).message}`);
    }
    if ("dataError" in out) throw new UnrecoverableError(`${where}: this worker cannot load the data (${out.dataError})`);
    if ("refused" in out) {
      const why = `${where}: ${out.refused}`;
      refuse(why);
      throw new Error(why);
    }
    const res = out;
    const seconds = (Date.now() - t0) / 1000;
    fs.rmSync(scratch, { recursive: true, force: true });
    log(`${name}: fold ${p.fold.id} done in ${seconds.toFixed(1)} s`);
    return { ...res, host: name, seconds };
  };

  let worker: Worker;
  const refuse = (why: string) => {
    refused ??= why;
    log(`${name}: refused: ${why}; this worker stops taking jobs`);
    setImmediate(() => void shutdown());
  };

  const processJob = async (job: Job): Promise<CandidateJobResult | FoldJobResult> => {
    if ((job.data as { kind?: unknown } | null)?.kind === "cv-fold") return processFoldJob(job);
    const where = `job ${job.id}`;
    let p: ReturnType<typeof parseCandidateJob>;
    try {
      p = parseCandidateJob(job.data, where);
    } catch (e) {
      throw new UnrecoverableError((e as Error).message);
    }
    if (p.versions.code !== myCode) {
      const why = `${where}: the coordinator runs code version ${p.versions.code}, this worker ${myCode}; run the same build on both (git pull && scripts/setup.sh)`;
      refuse(why);
      throw new Error(why);
    }
    const evaluator = localEvaluator(p.evaluatorConfig);
    if (evaluator.kind === "train" && p.versions.data !== null) {
      const data = (evaluator as TrainEvaluatorOptions).data;
      const k = keyOf(data);
      if (!fingerprints.has(k)) fingerprints.set(k, loadSearchDataset(data).then(dataFingerprint));
      let mine: string;
      try {
        mine = await (fingerprints.get(k) as Promise<string>);
      } catch (e) {
        fingerprints.delete(k);
        throw new UnrecoverableError(`${where}: this worker cannot load the data (${(e as Error).message})`);
      }
      if (mine !== p.versions.data) {
        const why = `${where}: the coordinator's data has fingerprint ${p.versions.data}, this worker's ${mine}; give the worker the same data folder (--data)`;
        refuse(why);
        throw new Error(why);
      }
    }
    const k = keyOf(evaluator);
    let pool = pools.get(k);
    if (!pool) {
      pool = workerExecutor(evaluatorSpec({ evaluator }), concurrency);
      pools.set(k, pool);
    }
    log(`${name}: ${p.search.name} candidate ${p.candidate.id} (job ${job.id}, attempt ${job.attemptsMade + 1})`);
    const t0 = Date.now();
    let res: Awaited<ReturnType<Executor["run"]>>;
    try {
      res = await pool.run(p.candidate);
    } catch (e) {
      log(`${name}: ${p.candidate.id} failed: ${(e as Error).message}`);
      throw new UnrecoverableError(`candidate ${p.candidate.id} on ${name}: ${(e as Error).message}`);
    }
    const seconds = (Date.now() - t0) / 1000;
    log(`${name}: ${p.candidate.id} done in ${seconds.toFixed(1)} s`);
    return { ...res, host: name, seconds };
  };

  worker = new Worker(opts.target.queueName, processJob, {
    connection: opts.target.connection,
    concurrency,
    name,
    lockDuration: lockMs,
    stalledInterval: lockMs,
    maxStalledCount: 2,
  });
  worker.on("error", (e) => log(`${name}: queue connection: ${e.message}`));

  let closing: Promise<void> | null = null;
  const shutdown = () => {
    closing ??= (async () => {
      await worker.close();
      await Promise.allSettled([...pools.values()].map((p) => p.close()));
      if (foldPool) await foldPool.destroy();
      resolveDone({ refused });
    })();
    return closing;
  };
  return { name, done, close: shutdown };
}
