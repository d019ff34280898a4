import * as fs from "fs";
import { appendLineDurable, readJsonLines } from "../util/atomic";
import type { LatencyResult } from "./latency";
import { inSpace, parseSearchId, searchId, SearchArch, SearchSpaceConfig } from "./space";

/** The search strategies: Partial Order Pruning, or the uniform random-search baseline. */
export type SearchStrategy = "pop" | "random";

/** What an evaluator returns for one trained candidate. */
export interface CandidateResult {
  /** Trainable parameters of the built model. */
  params: number;
  /** Forward FLOPs for one sample (the models area's `flops()`). */
  flops: number;
  /** Metrics on the inner validation split (never the test fold): accuracy, auc, ... */
  val: Record<string, number>;
  latency: LatencyResult;
  /** Anything else worth keeping (epochs run, best epoch, train loss, ...). */
  extra?: Record<string, unknown>;
}

/** One line of the search log: one trained candidate. */
export interface SearchRecord extends CandidateResult {
  v: 1;
  strategy: SearchStrategy;
  /** Seed of the whole search (proposals are drawn from it). */
  searchSeed: number;
  /** Readable architecture id (`searchId`), unique within a log. */
  id: string;
  arch: SearchArch;
  /** Index of the proposal that chose this candidate. */
  proposal: number;
  /** Seed the candidate was trained with (derived from the search seed and the id). */
  seed: number;
  /** The validation metric on the accuracy axis of the front (absent in early logs: "accuracy"). */
  objective?: string;
  /** Its value (`val[objective]`); the field name is kept so readers need not know the metric. */
  accuracy: number;
  /** Wall time of training + validation + latency for this candidate, seconds. */
  wallSeconds: number;
  /** Worker thread id that trained it (null in-process). */
  worker: number | null;
  finishedAt: string;
}

/** Appends one record as a single durable line (O_APPEND write + fsync; see util/atomic). */
export function appendSearchRecord(file: string, rec: SearchRecord): void {
  appendLineDurable(file, JSON.stringify(rec));
}

/**
 * Cuts a torn last line (a crash in the middle of an append) off a log, so the next append
 * starts on a fresh line instead of gluing a record onto the fragment. Returns the bytes removed.
 */
export function repairTornTail(file: string): number {
  if (!fs.existsSync(file)) return 0;
  const buf = fs.readFileSync(file);
  if (buf.length === 0 || buf[buf.length - 1] === 0x0a) return 0;
  const keep = buf.lastIndexOf(0x0a) + 1;
  fs.truncateSync(file, keep);
  return buf.length - keep;
}

/**
 * Reads a search log, checking that every record belongs to this search (same strategy, seed and
 * space) and that no architecture appears twice; errors name the file, the line and the field.
 * A torn last line (a kill mid-append) is skipped by `readJsonLines`.
 */
export function readSearchLog(
  file: string,
  expect: { strategy: SearchStrategy; searchSeed: number; space: SearchSpaceConfig; objective?: string },
): SearchRecord[] {
  const recs = readJsonLines<SearchRecord>(file);
  const seen = new Map<string, SearchRecord>();
  const out: SearchRecord[] = [];
  recs.forEach((r, i) => {
    const where = `${file}: record ${i + 1}`;
    if (!r || typeof r !== "object" || r.v !== 1) throw new Error(`${where}: not a naslung search record (v: 1 expected)`);
    if (r.strategy !== expect.strategy || r.searchSeed !== expect.searchSeed) {
      throw new Error(
        `${where}: written by a different search (strategy ${r.strategy}, seed ${r.searchSeed}; this one is ${expect.strategy}, seed ${expect.searchSeed}); use another log file`,
      );
    }
    const objective = r.objective ?? "accuracy";
    if (expect.objective !== undefined && objective !== expect.objective) {
      throw new Error(`${where}: ranks candidates by validation ${objective}, this search by ${expect.objective}; use another log file`);
    }
    if (typeof r.id !== "string" || searchId(parseSearchId(r.id)) !== searchId(r.arch)) throw new Error(`${where}: id "${r.id}" does not match its arch`);
    if (!inSpace(expect.space, r.arch)) throw new Error(`${where}: architecture ${r.id} is outside the configured search space`);
    if (!(typeof r.accuracy === "number" && Number.isFinite(r.accuracy))) throw new Error(`${where}: accuracy missing or not a number`);
    if (!(r.latency && typeof r.latency.batch1?.medianMs === "number")) throw new Error(`${where}: latency.batch1.medianMs missing`);
    const first = seen.get(r.id);
    if (first) {
      // The same candidate trained twice (e.g. two searches that shared a log before it was
      // locked): training is deterministic given arch and seed, so an identical result is the
      // same record and is dropped; a different one means the log is not one search's.
      if (first.seed === r.seed && JSON.stringify(first.val) === JSON.stringify(r.val) && first.accuracy === r.accuracy) return;
      throw new Error(`${where}: architecture ${r.id} appears twice with different results (first ${first.accuracy}, now ${r.accuracy})`);
    }
    seen.set(r.id, r);
    out.push(r);
  });
  return out;
}
