import { SearchConfig, searchLogFile } from "./config";
import { defaultWorkers, EvaluatorSpec, Executor, inProcessExecutor, loadEvaluator, workerExecutor } from "./executor";
import { readSearchLog, SearchRecord, SearchStrategy } from "./log";
import { runSearch, SearchResult, SearchState } from "./pop";
import { loadSearchDataset } from "./trainEvaluator";

/** The evaluator a config names, as a spec a worker thread can load. */
export function evaluatorSpec(cfg: Pick<SearchConfig, "evaluator">): EvaluatorSpec {
  const { kind, ...options } = cfg.evaluator;
  return { module: kind === "analytic" ? "./analyticEvaluator" : "./trainEvaluator", options };
}

/** Worker threads a config asks for (`auto` = one per core; 0 = in the calling thread). */
export function workerCount(cfg: SearchConfig): number {
  return cfg.workers === "auto" ? defaultWorkers() : cfg.workers;
}

/** Builds the executor of a config: a worker pool, or the calling thread when workers is 0. */
export async function createExecutor(cfg: SearchConfig): Promise<Executor> {
  const n = workerCount(cfg);
  const spec = evaluatorSpec(cfg);
  return n > 0 ? workerExecutor(spec, n) : inProcessExecutor(await loadEvaluator(spec), 1);
}

/**
 * Runs every strategy of a config in turn (POP, then the random baseline with the same budget),
 * each resuming its own log; an architecture a previous strategy already trained (same seed) is
 * logged from that result instead of being trained again. One executor (and so one set of worker threads, each with its data
 * loaded and backend initialised once) serves all strategies.
 */
export async function runConfiguredSearch(
  cfg: SearchConfig,
  opts: {
    strategies?: SearchStrategy[];
    onRecord?: (rec: SearchRecord, state: SearchState) => void | Promise<void>;
    /** Runs the candidates instead of this process's threads (e.g. a queue's workers); closed at the end. */
    executor?: Executor;
  } = {},
): Promise<Partial<Record<SearchStrategy, SearchResult>>> {
  // Prepare the data once here so the worker threads all hit the dataset cache.
  if (!opts.executor && cfg.evaluator.kind === "train" && workerCount(cfg) > 0) await loadSearchDataset(cfg.evaluator.data);
  const executor = opts.executor ?? (await createExecutor(cfg));
  const out: Partial<Record<SearchStrategy, SearchResult>> = {};
  try {
    for (const strategy of opts.strategies ?? cfg.strategies) {
      const reuse = (["pop", "random"] as const)
        .filter((o) => o !== strategy)
        .flatMap((o) => readSearchLog(searchLogFile(cfg, o), { strategy: o, searchSeed: cfg.seed, space: cfg.space, objective: cfg.objective }));
      out[strategy] = await runSearch({
        reuse,
        space: cfg.space,
        strategy,
        seed: cfg.seed,
        logFile: searchLogFile(cfg, strategy),
        executor,
        budget: cfg.budget,
        objective: cfg.objective,
        onRecord: opts.onRecord,
      });
    }
  } finally {
    await executor.close();
  }
  return out;
}

/**
 * Picks `count` models from a front (sorted by latency) spread evenly from the fastest to the
 * most accurate, e.g. for an ensemble of searched models (the reference ensembles several).
 */
export function chooseFromFront<T>(front: readonly T[], count = 3): T[] {
  if (front.length <= count) return [...front];
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(front[Math.round((i * (front.length - 1)) / (count - 1))]);
  return [...new Set(out)];
}

/** One table row per record: the numbers the notebook and CLI show. */
export function recordRow(r: SearchRecord): Record<string, unknown> {
  return {
    id: r.id,
    "val acc": r.val.accuracy,
    "val auc": r.val.auc,
    "params (k)": r.params / 1e3,
    MFLOP: r.flops / 1e6,
    "ms @1": r.latency.batch1.medianMs,
    "ms @32": r.latency.batch32?.medianMs ?? null,
    backend: r.latency.backend,
    "wall s": r.wallSeconds,
  };
}
