/*
 * Worker-thread entry of the parallel search (loaded by piscina from `workerExecutor`). The
 * evaluator, and with it this thread's own tfjs backend, is built once per thread.
 */
import { threadId, workerData } from "worker_threads";
import { Candidate, EvaluatorSpec, loadEvaluator } from "./executor";
import type { CandidateResult } from "./log";

const ready = loadEvaluator(workerData as EvaluatorSpec);
// an unobserved rejection here would crash the thread before the first task could report it
ready.catch(() => undefined);

/** Trains one candidate in this worker thread. */
export default async function evaluateInWorker(c: Candidate): Promise<CandidateResult & { worker: number }> {
  const evaluate = await ready;
  return { ...(await evaluate(c)), worker: threadId };
}
