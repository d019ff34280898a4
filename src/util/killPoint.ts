/**
 * Fault injection for the crash tests: named points in the writers and loops where a process can
 * be made to die by SIGKILL, exactly as `kill -9` or a power cut would stop it, with no chance
 * to clean up. Armed only by the environment:
 *
 *     NASLUNG_KILL_AT=<point>@<n>[,<point>@<n>...]
 *
 * kills the process the n-th time (1-based) that `point` is reached in a thread. Points in use:
 * `train:step` (after an optimizer step, mid-epoch), `train:best-saved` (between writing
 * best.ckpt and last.ckpt), `train:epoch` (after an epoch's checkpoint), `cv:fold` (after a
 * fold's result.json, before the next fold), `search:record` (after a search-log line),
 * `write:<file name>` (half of the file written to its temporary sibling) and
 * `append:<file name>` (half of a log line written). Unarmed, a point costs one map lookup.
 * The same idea as SQLite's crash-test hooks or etcd's gofail failpoints.
 */
const armed = parseKillSpec(process.env.NASLUNG_KILL_AT ?? "");
const hits = new Map<string, number>();

/** Parses `point@n,...`; a malformed spec is an error naming the variable, never ignored. */
export function parseKillSpec(spec: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const part of spec.split(",").map((s) => s.trim()).filter(Boolean)) {
    const at = part.lastIndexOf("@");
    const n = at > 0 ? Number(part.slice(at + 1)) : NaN;
    if (!Number.isSafeInteger(n) || n < 1) {
      throw new Error(`environment variable NASLUNG_KILL_AT: "${part}" must be <point>@<n> with n >= 1 (e.g. train:step@3)`);
    }
    out.set(part.slice(0, at), n);
  }
  return out;
}

/** True when `point` is armed at all (callers that must prepare a partial write ask first). */
export function killPointArmed(point: string): boolean {
  return armed.has(point);
}

/**
 * Counts a pass through `point`; on the armed pass runs `beforeKill` (e.g. write half a file)
 * and sends this process SIGKILL.
 */
export function killPoint(point: string, beforeKill?: () => void): void {
  const n = armed.get(point);
  if (n === undefined) return;
  const k = (hits.get(point) ?? 0) + 1;
  hits.set(point, k);
  if (k !== n) return;
  beforeKill?.();
  process.kill(process.pid, "SIGKILL");
}
