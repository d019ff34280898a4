import { createHash } from "crypto";
import type { EvaluatorConfig } from "../search/config";
import { resolveSearchConfig } from "../search/config";
import { candidateResultSchema } from "../search/log";
import type { CandidateResult } from "../search/log";
import { parseInput, safeInt, z } from "../util/schema";

/** Data-option keys that name places on a machine: never sent in a job, set by each worker. */
export const MACHINE_LOCAL_DATA_KEYS = ["dir", "cacheDir"] as const;

const widths = z.array(safeInt().min(1)).min(1);
const archSchema = z.object({ stem: z.tuple([safeInt().min(1), safeInt().min(1)]), stages: z.tuple([widths, widths, widths]) }).strict();

/** One candidate evaluation as a BullMQ job: what to train, for which search, by which code. */
export const candidateJobSchema = z
  .object({
    v: z.literal(1),
    kind: z.literal("search-candidate"),
    search: z.object({ name: z.string().regex(/^[\w.-]+$/), searchSeed: safeInt().nonnegative() }).strict(),
    candidate: z.object({ id: z.string().regex(/^s[\d.-]+$/), arch: archSchema, seed: safeInt().nonnegative(), proposal: safeInt().nonnegative() }).strict(),
    // Checked in full by the search config's evaluator schemas (`checkJobEvaluator`).
    evaluator: z.object({ kind: z.enum(["train", "analytic"]) }).passthrough(),
    versions: z.object({ code: z.string().regex(/^[0-9a-f]{16}$/), data: z.union([z.string().regex(/^[0-9a-f]{16}$/), z.null()]) }).strict(),
  })
  .strict();

/** A candidate job's payload. */
export type CandidateJob = z.infer<typeof candidateJobSchema>;

/** What a worker returns: the evaluator's result, the thread and the machine that trained it. */
export const candidateJobResultSchema = candidateResultSchema
  .extend({ worker: z.union([safeInt().nonnegative(), z.null()]), host: z.string(), seconds: z.number().nonnegative() })
  .strict();

/** A finished job's return value. */
export type CandidateJobResult = CandidateResult & { worker: number | null; host: string; seconds: number };

/**
 * The evaluator of a job payload, validated by exactly the schemas a search config file goes
 * through (so a worker accepts what `naslung search` would accept, nothing more), with the
 * machine-local data keys refused: data paths come from the worker's command line. A data
 * `module` (code to load) is never accepted from a payload.
 */
export function checkJobEvaluator(raw: Record<string, unknown>, where: string): EvaluatorConfig {
  if (raw.kind === "train") {
    const data = (raw.data ?? {}) as Record<string, unknown>;
    if (data.module !== undefined || data.exportName !== undefined) {
      throw new Error(`${where}: key \`evaluator.data.module\`: a data module is code and is never taken from a job; workers load datasets by name`);
    }
    const options = (data.options ?? {}) as Record<string, unknown>;
    for (const k of MACHINE_LOCAL_DATA_KEYS) {
      if (options[k] !== undefined) throw new Error(`${where}: key \`evaluator.data.options.${k}\`: paths are never taken from a job; give the worker --data / --cache-dir`);
    }
  }
  return resolveSearchConfig({ evaluator: raw }, where).evaluator;
}

/** Parses and checks a job payload; errors name the job and the key. */
export function parseCandidateJob(raw: unknown, where: string): CandidateJob & { evaluatorConfig: EvaluatorConfig } {
  const job = parseInput(candidateJobSchema, raw, where);
  return { ...job, evaluatorConfig: checkJobEvaluator(job.evaluator as Record<string, unknown>, where) };
}

/** Parses a worker's return value; errors name the job. */
export function parseCandidateJobResult(raw: unknown, where: string): CandidateJobResult {
  return parseInput(candidateJobResultSchema, raw, where) as CandidateJobResult;
}

/** Stable JSON (sorted keys, Infinity spelled out) for hashing job payloads. */
export function stableJson(v: unknown): string {
  const stable = stableJson;
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (v && typeof v === "object") return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`).join(",")}}`;
  return JSON.stringify(v === Infinity ? "Infinity" : v);
}

/**
 * The job id of a candidate: a hash of the search (name and seed), the evaluator, the code and
 * data versions, and the candidate (architecture and seed). A candidate's result depends only on
 * these, so equal ids mean equal work. BullMQ refuses to add a
 * second job with an existing id, which is what makes a restarted coordinator reuse a job that
 * is still running or already finished instead of training the candidate again.
 */
export function candidateJobId(job: CandidateJob): string {
  const key = createHash("sha256").update(stableJson({ s: job.search, e: job.evaluator, v: job.versions })).digest("hex").slice(0, 12);
  return `cand-${key}-${job.candidate.id}-${job.candidate.seed}`;
}
