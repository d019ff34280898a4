import type { SearchRecord } from "./log";
import { hypervolume, paretoFront } from "./pareto";
import { tradeoffPoint } from "./pop";
import { countPruned, pruneState } from "./prune";
import { SearchSpaceConfig, spaceSize } from "./space";

/** The state of a search after its first `trained` candidates. */
export interface SearchStep {
  trained: number;
  id: string;
  frontSize: number;
  /** Ids on the front after this candidate. */
  front: string[];
  hypervolume: number;
  /** Untrained architectures the POP rule excludes at this point (0 for random search). */
  pruned: number;
  /** Untrained architectures still eligible for sampling. */
  remaining: number;
  secondsSpent: number;
}

/**
 * Replays a log step by step: the front, its hypervolume (inside `ref`), and, for POP, how many
 * untrained architectures the rule prunes after each trained candidate (random search prunes
 * none, so its eligible pool only shrinks by what it trained). `pruneCounts: false` skips the
 * full-space count, which costs ~0.1 s per pruning model per step on the default space; `every`
 * keeps only every n-th step (and the last).
 */
export function searchHistory(
  records: readonly SearchRecord[],
  space: SearchSpaceConfig,
  ref: { accuracy: number; latency: number },
  opts: { pruneCounts?: boolean; every?: number } = {},
): SearchStep[] {
  const steps: SearchStep[] = [];
  const every = Math.max(1, opts.every ?? 1);
  let seconds = 0;
  for (let k = 1; k <= records.length; k++) {
    seconds += records[k - 1].wallSeconds;
    if (k % every !== 0 && k !== records.length) continue;
    const seen = records.slice(0, k);
    const pts = seen.map(tradeoffPoint);
    const trainedIds = new Set(seen.map((r) => r.id));
    const isPop = records[k - 1].strategy === "pop";
    const counts = isPop && opts.pruneCounts !== false ? countPruned(space, pruneState(pts), trainedIds) : null;
    const front = paretoFront(pts);
    steps.push({
      trained: k,
      id: records[k - 1].id,
      frontSize: front.length,
      front: front.map((p) => p.id),
      hypervolume: hypervolume(pts, ref),
      pruned: counts ? counts.pruned : 0,
      remaining: counts ? counts.remaining : -1,
      secondsSpent: seconds,
    });
  }
  // the eligible pool of random search (and of POP without counts): everything not yet trained
  const size = spaceSize(space);
  for (const s of steps) if (s.remaining < 0) s.remaining = size - s.trained;
  return steps;
}

/** A common hypervolume box for several logs: accuracy above `floor`, latency below the slowest seen x 1.1. */
export function hypervolumeRef(logs: ReadonlyArray<readonly SearchRecord[]>, floor = 0.5): { accuracy: number; latency: number } {
  let worst = 0;
  for (const l of logs) for (const r of l) worst = Math.max(worst, r.latency.batch1.medianMs);
  return { accuracy: floor, latency: worst * 1.1 || 1 };
}
