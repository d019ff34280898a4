import * as fs from "fs";
import * as path from "path";
import { Queue } from "bullmq";
import type { NoduleDataset } from "../data/sample";
import type { FoldResult, FoldRunner, FoldTask } from "../train/crossValidate";
import { writeFileAtomic, writeJsonAtomic } from "../util/atomic";
import { awaitJob, JobPhase, naslungJobOptions } from "./awaitJob";
import { workerNames } from "./coordinator";
import { FOLD_FILES, FoldJob, foldJobId, foldSplitHash, jobTrainConfig, parseFoldJobResult } from "./foldJobs";
import type { QueueTarget } from "./queueUrl";
import { codeVersion, dataFingerprint } from "./versions";

/** Options of `queueFoldRunner`. */
export interface QueueFoldRunnerOptions {
  target: QueueTarget;
  /** Attempts per fold before it is failed (retries cover dead workers and refused versions). */
  attempts?: number;
  pollMs?: number;
  /** One line per fold state change (queued, running, done on which worker). */
  log?: (line: string) => void;
}

/**
 * A `FoldRunner` whose folds are BullMQ jobs trained by `naslung worker` processes: each job
 * carries the resolved config (without this machine's paths), the fold and the code and data
 * versions; the worker trains the fold with the same `trainFold` as an in-process run and sends
 * back result.json, both checkpoints and history.json, which land in the run folder (atomically,
 * result.json last), so the folder is the one an in-process run leaves. Job ids are functions of
 * the work (`foldJobId`): a restarted `train --queue` picks up its folds' jobs where they are.
 */
export function queueFoldRunner(opts: QueueFoldRunnerOptions): FoldRunner & { close(): Promise<void>; progress(): Promise<{ phases: Record<JobPhase, number>; workers: string[] }> } {
  const queue = new Queue(opts.target.queueName, { connection: opts.target.connection });
  queue.on("error", () => undefined); // ioredis reconnects; states are re-polled
  const log = opts.log ?? ((l: string) => console.error(l));
  const fingerprints = new WeakMap<NoduleDataset, string>();
  const phases = new Map<string, JobPhase>();
  let closed = false;

  const run = async (task: FoldTask): Promise<FoldResult> => {
    let data = fingerprints.get(task.dataset);
    if (!data) {
      data = dataFingerprint(task.dataset);
      fingerprints.set(task.dataset, data);
    }
    const payload: FoldJob = {
      v: 1,
      kind: "cv-fold",
      run: { name: task.config.name },
      config: jobTrainConfig(task.config),
      fold: { index: task.fold.index, id: task.fold.id },
      split: foldSplitHash(task.fold),
      versions: { code: codeVersion(), data },
    };
    const id = foldJobId(payload);
    const what = `${task.config.name} fold ${task.fold.id}`;
    let last: JobPhase | null = null;
    const raw = await awaitJob({
      queue,
      name: "fold",
      id,
      payload,
      jobOptions: naslungJobOptions(opts.attempts ?? 3),
      pollMs: opts.pollMs ?? 500,
      onPhase: (p) => {
        phases.set(id, p);
        if (p !== last && p !== "done") log(`${what}: ${p} (job ${id})`);
        last = p;
      },
      closed: () => closed,
      what,
    }).catch((e: Error) => {
      throw new Error(`${what}: ${e.message}`);
    });
    const r = parseFoldJobResult(raw, `job ${id} (${what}) result`);
    if (r.result.index !== task.fold.index || r.result.id !== task.fold.id || JSON.stringify(r.result.test.ids) !== JSON.stringify(task.fold.test)) {
      throw new Error(`job ${id}: the worker returned another fold's result`);
    }
    fs.mkdirSync(task.dir, { recursive: true });
    for (const f of FOLD_FILES) writeFileAtomic(path.join(task.dir, f), Buffer.from(r.files[f], "base64"));
    writeJsonAtomic(path.join(task.dir, "result.json"), r.result);
    log(`${what}: done on ${r.host} in ${r.seconds.toFixed(1)} s (best epoch ${r.result.bestEpoch})`);
    return r.result;
  };

  return {
    run,
    async progress() {
      const counts: Record<JobPhase, number> = { pending: 0, active: 0, done: 0, failed: 0 };
      for (const p of phases.values()) counts[p]++;
      return { phases: counts, workers: await workerNames(queue) };
    },
    async close() {
      closed = true;
      await queue.close();
    },
  };
}
