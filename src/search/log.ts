import * as fs from "fs";
import { appendLineDurable } from "../util/atomic";
import { finite, parseInput, safeInt, z } from "../util/schema";
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

const fraction = () => finite().min(0, "must be a fraction in [0, 1]").max(1, "must be a fraction in [0, 1]");
const latencyStats = z
  .object({ batch: safeInt().min(1), medianMs: finite().nonnegative(), minMs: finite().nonnegative(), maxMs: finite().nonnegative(), repeats: safeInt().nonnegative(), warmup: safeInt().nonnegative() })
  .strict();
const widths = z.array(safeInt().min(1));

/** The latency block of a record (`measureLatency`'s result). */
export const latencyResultSchema = z.object({ backend: z.string(), inputSize: safeInt().min(1), batch1: latencyStats, batch32: latencyStats.optional() }).strict();

/** What an evaluator returns for one candidate (`CandidateResult`), as a schema. */
export const candidateResultSchema = z
  .object({
    params: safeInt().nonnegative(),
    flops: finite().nonnegative(),
    val: z.record(fraction().nullable()),
    latency: latencyResultSchema,
    extra: z.record(z.unknown()).optional(),
  })
  .strict();

/** One line of a search log as `appendSearchRecord` writes it (every field the readers use). */
const recordSchema = z
  .object({
    v: z.literal(1),
    strategy: z.enum(["pop", "random"]),
    searchSeed: safeInt(),
    id: z.string(),
    arch: z.object({ stem: z.tuple([safeInt().min(1), safeInt().min(1)]), stages: z.tuple([widths, widths, widths]) }).strict(),
    proposal: safeInt().nonnegative(),
    seed: safeInt().nonnegative(),
    objective: z.string().optional(),
    accuracy: fraction(),
    params: safeInt().nonnegative(),
    flops: finite().nonnegative(),
    // Validation metrics (null where undefined, e.g. AUC with one class).
    val: z.record(fraction().nullable()),
    latency: latencyResultSchema,
    extra: z.record(z.unknown()).optional(),
    wallSeconds: finite().nonnegative(),
    worker: z.union([safeInt().nonnegative(), z.null()]),
    finishedAt: z.string().refine((t) => !Number.isNaN(Date.parse(t)), "must be an ISO date"),
  })
  .strict()
  .superRefine((r, ctx) => {
    const objective = r.objective ?? "accuracy";
    if (r.val[objective] !== r.accuracy) ctx.addIssue({ code: "custom", path: ["accuracy"], message: `must equal val.${objective} (${r.val[objective]})` });
  });

/**
 * The records of a JSON-lines log. A last line without its newline is a torn append (a kill in
 * the middle of `appendLineDurable`, which writes line and newline in one call) and is skipped;
 * any other line that is not JSON (the last one included, once its newline was written) is
 * corruption and an error naming the file and line.
 */
function readLogLines(file: string): Array<{ line: number; value: unknown }> {
  if (!fs.existsSync(file)) return [];
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const out: Array<{ line: number; value: unknown }> = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    if (!l) continue;
    try {
      out.push({ line: i + 1, value: JSON.parse(l) });
    } catch (e) {
      if (i === lines.length - 1) break;
      throw new Error(`${file}:${i + 1}: corrupt JSON line (${(e as Error).message})`);
    }
  }
  return out;
}

/**
 * Reads a search log, checking every record against the record schema and that it belongs to
 * this search (same strategy, seed and space) and that no architecture appears twice; errors
 * name the file, the record (and line) and the field. A torn last line (a kill mid-append) is
 * skipped.
 */
export function readSearchLog(
  file: string,
  expect: { strategy: SearchStrategy; searchSeed: number; space: SearchSpaceConfig; objective?: string },
): SearchRecord[] {
  const lines = readLogLines(file);
  const seen = new Map<string, SearchRecord>();
  const out: SearchRecord[] = [];
  lines.forEach(({ line, value }, i) => {
    const where = `${file}: record ${i + 1}`;
    const v = value as { v?: unknown } | null;
    if (!v || typeof v !== "object" || Array.isArray(v) || v.v !== 1) throw new Error(`${where}: not a naslung search record (v: 1 expected)`);
    const r = parseInput(recordSchema, value, `${where} (line ${line})`) as SearchRecord;
    if (r.strategy !== expect.strategy || r.searchSeed !== expect.searchSeed) {
      throw new Error(
        `${where}: written by a different search (strategy ${r.strategy}, seed ${r.searchSeed}; this one is ${expect.strategy}, seed ${expect.searchSeed}); use another log file`,
      );
    }
    const objective = r.objective ?? "accuracy";
    if (expect.objective !== undefined && objective !== expect.objective) {
      throw new Error(`${where}: ranks candidates by validation ${objective}, this search by ${expect.objective}; use another log file`);
    }
    let idArch: string | null = null;
    try {
      idArch = searchId(parseSearchId(r.id));
    } catch {
      // reported below
    }
    if (idArch !== searchId(r.arch)) throw new Error(`${where}: id "${r.id}" does not match its arch`);
    if (!inSpace(expect.space, r.arch)) throw new Error(`${where}: architecture ${r.id} is outside the configured search space`);
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
