import type { Job, JobsOptions, Queue } from "bullmq";

/** Where a job stands, as its submitter last saw it. */
export type JobPhase = "pending" | "active" | "done" | "failed";

/** Options of `awaitJob`. */
export interface AwaitJobOptions {
  queue: Queue;
  /** The job's name on the queue ("candidate", "fold"). */
  name: string;
  /** A deterministic id: equal ids mean equal work (see `candidateJobId`, `foldJobId`). */
  id: string;
  payload: unknown;
  jobOptions: JobsOptions;
  /** How often the job's state is read (ms). */
  pollMs: number;
  /** Called on every poll with the job's phase. */
  onPhase?: (p: JobPhase) => void;
  /** True once the submitter is closing: the wait ends with an error. */
  closed?: () => boolean;
  /** A job already failed when this submitter first sees it is retried once (default true). */
  retryFailed?: boolean;
  /** What the job is, for error messages ("candidate s1.2", "fold 3 of run x"). */
  what: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Adds a job unless one with its id exists, then polls its state until it completes and returns
 * its return value. BullMQ refuses a second job with an existing id, so a restarted submitter
 * picks up a job that is queued, running or finished instead of adding work; a job that failed
 * before this submitter started is retried once; a job that vanished (Redis restarted without
 * persistence) is added again. Polling, not event streams, so that reconnects lose nothing.
 */
export async function awaitJob(o: AwaitJobOptions): Promise<unknown> {
  const add = () => o.queue.add(o.name, o.payload, { ...o.jobOptions, jobId: o.id });
  const existing = await o.queue.getJob(o.id);
  if (!existing) await add();
  else if ((o.retryFailed ?? true) && (await existing.getState()) === "failed") await existing.retry("failed");
  o.onPhase?.("pending");
  for (;;) {
    if (o.closed?.()) throw new Error(`${o.what}: closed while its job ${o.id} was pending`);
    const j: Job | undefined = await o.queue.getJob(o.id);
    if (!j) {
      await add();
      continue;
    }
    const state = await j.getState();
    if (state === "completed") {
      // Read the job again: `j` was fetched before its state, so a job that completed in between
      // carries no return value yet (BullMQ writes both in one step, so a fresh read has it).
      const done = await o.queue.getJob(o.id);
      if (!done || done.returnvalue === null || done.returnvalue === undefined) {
        await sleep(o.pollMs);
        continue;
      }
      o.onPhase?.("done");
      return done.returnvalue;
    }
    if (state === "failed") {
      o.onPhase?.("failed");
      throw new Error(`job ${o.id} failed after ${j.attemptsMade} attempt(s): ${j.failedReason}`);
    }
    o.onPhase?.(state === "active" ? "active" : "pending");
    await sleep(o.pollMs);
  }
}

/** Job options shared by every naslung job: bounded attempts, finished jobs kept for a month. */
export function naslungJobOptions(attempts: number): JobsOptions {
  return {
    attempts,
    backoff: { type: "fixed", delay: 1000 },
    // Kept for a month so a restarted submitter finds finished work; then Redis forgets it.
    removeOnComplete: { age: 30 * 86400 },
    removeOnFail: { age: 30 * 86400 },
  };
}
