import { Queue } from "bullmq";
import { awaitJob, JobPhase, naslungJobOptions } from "./awaitJob";
import type { EvaluatorConfig } from "../search/config";
import type { Candidate, Executor } from "../search/executor";
import type { CandidateResult } from "../search/log";
import { CandidateJob, candidateJobId, MACHINE_LOCAL_DATA_KEYS, parseCandidateJobResult } from "./jobs";
import type { QueueTarget } from "./queueUrl";

export type { JobPhase } from "./awaitJob";

/** Counts of this coordinator's jobs by phase, and the workers connected to the queue. */
export interface QueueProgress {
  pending: number;
  active: number;
  done: number;
  failed: number;
  workers: string[];
}

/** Options of `queueExecutor`. */
export interface QueueExecutorOptions {
  target: QueueTarget;
  /** Jobs in flight at once (the search's `executor.slots`): how many candidates POP keeps pending. */
  slots: number;
  search: { name: string; searchSeed: number };
  /** The resolved evaluator; machine-local data keys are removed before it goes into a job. */
  evaluator: EvaluatorConfig;
  versions: { code: string; data: string | null };
  /** Attempts per job before it is failed (retries cover dead workers and refused versions). */
  attempts?: number;
  /** How often a pending job's state is read (ms). */
  pollMs?: number;
}

/** The names of the workers connected to a queue (BullMQ keeps them in the Redis client name). */
export async function workerNames(queue: Queue): Promise<string[]> {
  const ws = (await queue.getWorkers()) as Array<{ name?: string; rawname?: string; addr?: string }>;
  return ws.map((w) => (w.rawname?.includes(":w:") ? w.rawname.slice(w.rawname.indexOf(":w:") + 3) : (w.name ?? w.addr ?? "?"))).sort();
}

/** The evaluator as it travels: everything but the coordinator's own paths. */
export function jobEvaluator(e: EvaluatorConfig): Record<string, unknown> {
  const out = JSON.parse(JSON.stringify(e, (_k, v) => (v === Infinity ? undefined : v))) as Record<string, unknown>;
  if (out.kind === "train") {
    const data = (out.data ?? {}) as Record<string, unknown>;
    if (data.module !== undefined) throw new Error("search --queue: evaluator.data.module cannot be used on a queue (workers load datasets by name, never code from a job)");
    const options = { ...((data.options ?? {}) as Record<string, unknown>) };
    for (const k of MACHINE_LOCAL_DATA_KEYS) delete options[k];
    out.data = { ...data, options };
  }
  return out;
}

/**
 * An `Executor` whose candidates are BullMQ jobs on a Redis queue, trained by `naslung worker`
 * processes on any machine. The search loop (`runSearch`) is unchanged: it still proposes,
 * appends every result to its log and prunes, so the log, the resume and the front are those of
 * an in-process search. Each job's id is a function of the evaluator, code and data versions and
 * the candidate (`candidateJobId`): a restarted coordinator that proposes a candidate already
 * queued, running or finished picks up that job instead of adding work, and a candidate whose job
 * failed before this coordinator started is retried once. A job that vanished (Redis restarted
 * without persistence) is queued again. Job states are polled (`pollMs`), which survives
 * reconnects without relying on event streams.
 */
export function queueExecutor(opts: QueueExecutorOptions): Executor & { progress(): Promise<QueueProgress>; queue: Queue } {
  const queue = new Queue(opts.target.queueName, { connection: opts.target.connection });
  queue.on("error", () => undefined); // connection errors are retried by ioredis; states are re-polled
  const evaluator = jobEvaluator(opts.evaluator);
  const phases = new Map<string, JobPhase>();
  const attempts = opts.attempts ?? 3;
  const pollMs = opts.pollMs ?? 250;
  let closed = false;

  const run = async (c: Candidate): Promise<CandidateResult & { worker: number | null; wallSeconds: number }> => {
    const payload: CandidateJob = {
      v: 1,
      kind: "search-candidate",
      search: opts.search,
      candidate: { id: c.id, arch: c.arch, seed: c.seed, proposal: c.proposal },
      evaluator: evaluator as CandidateJob["evaluator"],
      versions: opts.versions,
    };
    const id = candidateJobId(payload);
    const raw = await awaitJob({
      queue,
      name: "candidate",
      id,
      payload,
      jobOptions: naslungJobOptions(attempts),
      pollMs,
      onPhase: (p) => phases.set(id, p),
      closed: () => closed,
      what: `candidate ${c.id}`,
    });
    const r = parseCandidateJobResult(raw, `job ${id} (candidate ${c.id}) result`);
    const { host, seconds, worker, ...result } = r;
    return { ...result, extra: { ...(result.extra ?? {}), queueWorker: host }, worker, wallSeconds: seconds };
  };

  return {
    slots: opts.slots,
    run,
    queue,
    async progress() {
      const n = (p: JobPhase) => [...phases.values()].filter((x) => x === p).length;
      const workers = await workerNames(queue);
      return { pending: n("pending"), active: n("active"), done: n("done"), failed: n("failed"), workers };
    },
    async close() {
      closed = true;
      await queue.close();
    },
  };
}

/**
 * A running (or finished) search's jobs on a queue, counted by phase, with the workers
 * connected: what `naslung search --queue … --status` prints.
 */
export async function queueStatus(target: QueueTarget, searchName: string): Promise<QueueProgress & { total: number }> {
  const queue = new Queue(target.queueName, { connection: target.connection });
  try {
    const by: Record<JobPhase, number> = { pending: 0, active: 0, done: 0, failed: 0 };
    const states: Array<[string, JobPhase]> = [["waiting", "pending"], ["delayed", "pending"], ["prioritized", "pending"], ["active", "active"], ["completed", "done"], ["failed", "failed"]];
    for (const [state, phase] of states) {
      const jobs = await queue.getJobs([state as "waiting"]);
      by[phase] += jobs.filter((j) => (j?.data as CandidateJob | undefined)?.search?.name === searchName).length;
    }
    const workers = await workerNames(queue);
    return { ...by, total: by.pending + by.active + by.done + by.failed, workers };
  } finally {
    await queue.close();
  }
}
