import * as os from "os";
import * as path from "path";
import { Piscina } from "piscina";
import type { CandidateResult } from "./log";
import type { SearchArch } from "./space";

/** A candidate handed to an evaluator: train it, validate it, time it. */
export interface Candidate {
  id: string;
  arch: SearchArch;
  /** Seed for everything random in this candidate's training. */
  seed: number;
  proposal: number;
}

/** Trains and scores one candidate (on the inner validation split, never the test fold). */
export type Evaluate = (c: Candidate) => Promise<CandidateResult>;

/**
 * How a worker thread builds its evaluator: it `require`s `module` (an absolute path, or a path
 * relative to src/search in the compiled tree) and awaits `module[exportName](options)`, which
 * returns an `Evaluate`. Options travel by structured clone, so they are plain data.
 */
export interface EvaluatorSpec {
  module: string;
  exportName?: string;
  options?: unknown;
}

/** Runs candidates, up to `slots` at a time. */
export interface Executor {
  readonly slots: number;
  run(c: Candidate): Promise<CandidateResult & { worker: number | null }>;
  close(): Promise<void>;
}

/** Resolves an evaluator spec's module path (relative paths are relative to this folder). */
export function resolveEvaluatorModule(spec: EvaluatorSpec): string {
  return path.isAbsolute(spec.module) ? spec.module : path.resolve(__dirname, spec.module);
}

/** Builds the evaluator a spec names, in the calling thread. */
export async function loadEvaluator(spec: EvaluatorSpec): Promise<Evaluate> {
  const file = resolveEvaluatorModule(spec);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const mod = require(file) as Record<string, unknown>;
  const name = spec.exportName ?? "createEvaluator";
  const factory = mod[name];
  if (typeof factory !== "function") throw new Error(`evaluator module ${file}: no exported function "${name}"`);
  return (await (factory as (o: unknown) => Evaluate | Promise<Evaluate>)(spec.options)) as Evaluate;
}

/** Runs candidates in the calling thread, `slots` at a time (1 = sequential and deterministic). */
export function inProcessExecutor(evaluate: Evaluate, slots = 1): Executor {
  return {
    slots,
    run: async (c) => ({ ...(await evaluate(c)), worker: null }),
    close: async () => undefined,
  };
}

/** Default worker count: one per core. */
export function defaultWorkers(): number {
  return Math.max(1, typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length);
}

/**
 * Runs candidates on a pool of `threads` worker threads (piscina), one candidate per thread at a
 * time. Each worker loads its own copy of tfjs and initialises its own backend when it builds
 * the evaluator (the evaluator factory calls `initBackend`), so workers share no tensors.
 */
export function workerExecutor(spec: EvaluatorSpec, threads = defaultWorkers()): Executor {
  const pool = new Piscina({
    filename: path.join(__dirname, "worker.js"),
    minThreads: threads,
    maxThreads: threads,
    concurrentTasksPerWorker: 1,
    idleTimeout: 60_000,
    workerData: { ...spec, module: resolveEvaluatorModule(spec) },
  });
  return {
    slots: threads,
    run: (c) => pool.run(c) as Promise<CandidateResult & { worker: number | null }>,
    close: () => pool.destroy(),
  };
}
