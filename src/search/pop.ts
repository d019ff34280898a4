import * as fs from "fs";
import * as path from "path";
import { acquireLock } from "../util/lock";
import { createRng } from "../util/rng";
import { killPoint } from "../util/killPoint";
import { appendLineDurable } from "../util/atomic";
import { Candidate, Executor } from "./executor";
import { appendSearchRecord, readSearchLog, repairTornTail, SearchRecord, SearchStrategy } from "./log";
import { paretoFront, sameFront, TradeoffPoint } from "./pareto";
import { prunedBy, pruneState, PruneState, spaceTable, TrainedPoint } from "./prune";
import { sampleArch, SearchArch, SearchSpaceConfig, searchId, spaceSize } from "./space";

/** When a search stops (whichever comes first); a resumed search counts what its log holds. */
export interface SearchBudget {
  /** Trained candidates in all (default 50). */
  maxCandidates?: number;
  /** Summed candidate wall time in seconds (default unlimited). */
  maxSeconds?: number;
  /** Stop once the front is unchanged for this many consecutive trained candidates (default 10). */
  patience?: number;
}

export interface SearchOptions {
  space: SearchSpaceConfig;
  strategy: SearchStrategy;
  seed: number;
  /** The JSON-lines log; an existing one is resumed (its candidates are never retrained). */
  logFile: string;
  executor: Executor;
  budget?: SearchBudget;
  /**
   * Validation metric on the accuracy axis of the front (default "accuracy"; "auc" ranks
   * candidates better after very short training, when thresholded accuracy is often just the
   * majority class). Stored in each record as `objective`, its value as `accuracy`.
   */
  objective?: string;
  /** Uniform draws tried per proposal before falling back to enumerating what is left. */
  maxTries?: number;
  /**
   * Finished records of other searches with the same seed and evaluator (e.g. the POP log when
   * running the random baseline): a proposed architecture found here is logged from it instead of
   * being retrained, since its training seed and hence its result would be the same.
   */
  reuse?: readonly SearchRecord[];
  /** Called after each trained candidate is logged (live plots, progress). */
  onRecord?: (rec: SearchRecord, state: SearchState) => void | Promise<void>;
}

/** The search's state after a number of trained candidates. */
export interface SearchState {
  records: SearchRecord[];
  front: SearchRecord[];
  /** Consecutive trained candidates that left the front unchanged. */
  stable: number;
  secondsSpent: number;
}

export type StopReason = "patience" | "maxCandidates" | "maxSeconds" | "exhausted";

export interface SearchResult extends SearchState {
  stoppedBecause: StopReason;
  /** Candidates that were in the log before this call (resumed, not retrained). */
  resumed: number;
  /** Candidates trained by this call. */
  trainedNow: number;
}

/** A record as a point of the accuracy/latency trade-off (batch-1 median latency). */
export function tradeoffPoint(r: SearchRecord): TradeoffPoint & TrainedPoint {
  return { id: r.id, arch: r.arch, accuracy: r.accuracy, latency: r.latency.batch1.medianMs };
}

/** Replays records in log order: the front and the unchanged-front counter after each one. */
export function replayFront(records: readonly SearchRecord[]): SearchState {
  let front: SearchRecord[] = [];
  let stable = 0;
  let secondsSpent = 0;
  const seen: SearchRecord[] = [];
  for (const r of records) {
    seen.push(r);
    secondsSpent += r.wallSeconds;
    const next = paretoFront(seen.map((x) => ({ ...tradeoffPoint(x), rec: x }))).map((p) => p.rec);
    stable = sameFront(front.map(tradeoffPoint), next.map(tradeoffPoint)) ? stable + 1 : 0;
    front = next;
  }
  return { records: [...records], front, stable, secondsSpent };
}

/** Where a search log's failed candidates are recorded: `<log>.failed.jsonl` beside it. */
export function failedLogFile(logFile: string): string {
  return logFile.replace(/\.jsonl$/, "") + ".failed.jsonl";
}

/** The candidate training seed: a function of the search seed and the architecture only. */
export function candidateSeed(searchSeed: number, id: string): number {
  return createRng(searchSeed, `candidate:${id}`).seed32();
}

/**
 * Proposes the next untrained architecture: uniform over the space, rejecting trained, running
 * and (for POP) pruned ones. Proposal k draws from its own stream (`propose:k`), so a sequential
 * search resumed from its log proposes exactly what the uninterrupted one would have.
 */
export function proposeArch(
  space: SearchSpaceConfig,
  seed: number,
  k: number,
  taken: ReadonlySet<string>,
  prune: PruneState | null,
  maxTries = 2000,
): SearchArch | null {
  const rng = createRng(seed, `propose:${k}`);
  const ok = (a: SearchArch) => !taken.has(searchId(a)) && !(prune && prunedBy(prune, a));
  for (let t = 0; t < maxTries; t++) {
    const a = sampleArch(space, rng);
    if (ok(a)) return a;
  }
  // The unpruned remainder is rare: enumerate it and choose uniformly (still uniform over it).
  const rest = spaceTable(space).archs.filter(ok);
  return rest.length ? rest[Math.floor(rng.next() * rest.length)] : null;
}

/**
 * Architecture search by Partial Order Pruning (Li et al., CVPR 2019) or, with
 * `strategy: "random"`, the same loop without pruning (the baseline). Repeatedly: propose an
 * untrained, unpruned architecture uniformly at random; train and validate it and measure its
 * latency (the executor's evaluator, up to `executor.slots` at a time); append it to the log;
 * update the accuracy/latency front and the pruning rule. Results are taken in proposal order
 * (one that finishes early waits for the earlier ones), so the k-th proposal always sees the
 * results of proposals 0..k-slots: for deterministic candidate results the log is the same
 * whatever the number of workers, their speed or the order they finish in. Stops when the front is unchanged for
 * `patience` candidates or a budget is spent. The log is the state: kill the process at any time
 * and call again with the same options to continue; finished candidates are never retrained and
 * an unfinished one is simply proposed again.
 */
export async function runSearch(opts: SearchOptions): Promise<SearchResult> {
  const { logFile } = opts;
  // One writer per log: a second search into the same log is refused, not interleaved.
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const release = acquireLock(`${logFile}.lock`, `search log ${logFile}`);
  try {
    return await searchWithLog(opts);
  } finally {
    release();
  }
}

async function searchWithLog(opts: SearchOptions): Promise<SearchResult> {
  const { space, strategy, seed, logFile, executor } = opts;
  const maxCandidates = opts.budget?.maxCandidates ?? 50;
  const maxSeconds = opts.budget?.maxSeconds ?? Infinity;
  const patience = opts.budget?.patience ?? 10;
  const objective = opts.objective ?? "accuracy";
  const records = readSearchLog(logFile, { strategy, searchSeed: seed, space, objective });
  repairTornTail(logFile);
  const resumed = records.length;
  let state = replayFront(records);
  const taken = new Set(records.map((r) => r.id));
  let prune: PruneState | null = strategy === "pop" ? pruneState(records.map(tradeoffPoint)) : null;
  let proposals = records.length === 0 ? 0 : Math.max(...records.map((r) => r.proposal)) + 1;
  type Outcome = { cand: Candidate; rec?: SearchRecord; error?: unknown };
  // Candidates still training, and those finished but waiting for an earlier proposal's result:
  // results are taken in proposal order, so proposal k always sees the results of proposals
  // 0..k-slots, whatever the number of workers, their speed or the order they finish in.
  const running = new Map<string, Promise<Outcome>>();
  const finished = new Map<string, Outcome>();
  const order: string[] = [];
  const reuse = new Map((opts.reuse ?? []).filter((r) => (r.objective ?? "accuracy") === objective).map((r) => [r.id, r]));
  let exhausted = false;
  let failure: unknown = null;

  const stopReason = (): StopReason | null => {
    if (state.records.length + running.size + finished.size >= maxCandidates) return "maxCandidates";
    if (state.secondsSpent >= maxSeconds) return "maxSeconds";
    if (state.records.length > 0 && state.stable >= patience) return "patience";
    if (exhausted || taken.size >= spaceSize(space)) return "exhausted";
    return null;
  };

  const launch = (arch: SearchArch) => {
    const id = searchId(arch);
    const cand: Candidate = { id, arch, seed: candidateSeed(seed, id), proposal: proposals++ };
    taken.add(id);
    const t0 = Date.now();
    const prior = reuse.get(id);
    const work = prior && prior.seed === cand.seed
      ? Promise.resolve({ params: prior.params, flops: prior.flops, val: prior.val, latency: prior.latency, extra: { ...prior.extra, reusedFrom: prior.strategy }, worker: prior.worker, wallSeconds: prior.wallSeconds })
      : executor.run(cand);
    const p = work.then(
      (res) => {
        const { worker, wallSeconds, ...result } = res as typeof res & { wallSeconds?: number };
        const accuracy = result.val[objective];
        if (typeof accuracy !== "number" || !Number.isFinite(accuracy)) throw new Error(`candidate ${id}: evaluator returned no validation ${objective}`);
        const rec: SearchRecord = {
          v: 1,
          strategy,
          searchSeed: seed,
          id,
          arch,
          proposal: cand.proposal,
          seed: cand.seed,
          ...result,
          objective,
          accuracy,
          wallSeconds: wallSeconds ?? (Date.now() - t0) / 1000,
          worker,
          finishedAt: new Date().toISOString(),
        };
        return { cand, rec };
      },
    ).catch((error) => ({ cand, error }));
    running.set(id, p);
    order.push(id);
  };

  try {
    for (;;) {
      while (!failure && running.size + finished.size < executor.slots && stopReason() === null) {
        const arch = proposeArch(space, seed, proposals, taken, prune, opts.maxTries);
        if (!arch) {
          exhausted = true;
          break;
        }
        launch(arch);
      }
      if (order.length === 0) break;
      if (!finished.has(order[0])) {
        const settled = await Promise.race(running.values());
        running.delete(settled.cand.id);
        finished.set(settled.cand.id, settled);
        continue;
      }
      const done = finished.get(order[0]) as Outcome;
      finished.delete(order.shift() as string);
      if (done.error !== undefined) {
        const message = done.error instanceof Error ? done.error.message : String(done.error);
        // Failed candidates are kept beside the log (they are proposed again on a resume).
        appendLineDurable(failedLogFile(logFile), JSON.stringify({ v: 1, strategy, searchSeed: seed, id: done.cand.id, seed: done.cand.seed, proposal: done.cand.proposal, error: message, at: new Date().toISOString() }));
        failure ??= new Error(`candidate ${done.cand.id} failed: ${message}`);
        continue; // let the others finish and be logged before reporting
      }
      const rec = done.rec as SearchRecord;
      appendSearchRecord(logFile, rec);
      killPoint("search:record");
      const prevFront = state.front;
      const recordsNow = [...state.records, rec];
      const front = paretoFront(recordsNow.map((x) => ({ ...tradeoffPoint(x), rec: x }))).map((p) => p.rec);
      state = {
        records: recordsNow,
        front,
        stable: sameFront(prevFront.map(tradeoffPoint), front.map(tradeoffPoint)) ? state.stable + 1 : 0,
        secondsSpent: state.secondsSpent + rec.wallSeconds,
      };
      if (prune) prune = pruneState(state.records.map(tradeoffPoint));
      if (opts.onRecord) await opts.onRecord(rec, state);
    }
  } finally {
    await Promise.allSettled(running.values());
  }
  if (failure) throw failure;
  return { ...state, stoppedBecause: stopReason() ?? "exhausted", resumed, trainedNow: state.records.length - resumed };
}
