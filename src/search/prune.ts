import { archCost, ArchCost } from "./cost";
import { fitLatencyModel, LatencyModel } from "./latencyModel";
import { precedes } from "./order";
import { enumerateSpace, SearchArch, SearchSpaceConfig, searchId, spaceSize } from "./space";

/** A trained architecture as the pruning rule sees it. */
export interface TrainedPoint {
  id: string;
  arch: SearchArch;
  accuracy: number;
  /** Measured latency (ms). */
  latency: number;
}

/** A trained architecture whose sub-architectures may be pruned, with the latency they must beat. */
export interface Pruner {
  id: string;
  arch: SearchArch;
  /** Latency of the fastest trained model at least as accurate as this one (and faster). */
  threshold: number;
  /** That model's id. */
  by: string;
}

/** Everything needed to decide whether an untrained architecture is pruned. */
export interface PruneState {
  pruners: Pruner[];
  latencyModel: LatencyModel;
}

/**
 * Builds the pruning rule of Partial Order Pruning (Li et al., CVPR 2019, Sec. 3.3) from the
 * trained set. Under the partial-order assumption an architecture C narrower/shallower than a
 * trained B (C ≼ B) is no more accurate than B. If some trained A is at least as accurate as B and
 * faster than B (B is dominated), C is no more accurate than A, so C is dominated by A as soon as
 * it is not faster than A: C is pruned when `predictedLatency(C) >= latency(A)` for A the fastest
 * such model. Untrained latencies come from a non-negative linear model fitted on the measured
 * ones (`fitLatencyModel`). A trained model on the front prunes nothing: its sub-architectures are
 * the candidates that may extend the front to faster models.
 */
export function pruneState(trained: readonly TrainedPoint[]): PruneState {
  const byAcc = [...trained].sort((a, b) => b.accuracy - a.accuracy || a.latency - b.latency);
  const pruners: Pruner[] = [];
  // sweep from the most accurate down: `fastest` is the fastest model seen so far, all of which are
  // at least as accurate as the current one (ties in accuracy are seen before or with it).
  let i = 0;
  let fastest: TrainedPoint | null = null;
  while (i < byAcc.length) {
    let j = i;
    while (j < byAcc.length && byAcc[j].accuracy === byAcc[i].accuracy) j++;
    const group = byAcc.slice(i, j);
    for (const t of group) if (!fastest || t.latency < fastest.latency) fastest = t;
    for (const b of group) {
      if (fastest && fastest.id !== b.id && fastest.latency < b.latency) {
        pruners.push({ id: b.id, arch: b.arch, threshold: fastest.latency, by: fastest.id });
      }
    }
    i = j;
  }
  const latencyModel = fitLatencyModel(trained.map((t) => ({ arch: t.arch, latencyMs: t.latency })));
  return { pruners, latencyModel };
}

/** The pruner that prunes `arch`, or null if it survives. `cost` may be passed precomputed. */
export function prunedBy(state: PruneState, arch: SearchArch, cost?: ArchCost): Pruner | null {
  if (!state.pruners.length) return null;
  const pred = state.latencyModel.predict(cost ?? archCost(arch));
  for (const p of state.pruners) {
    if (pred >= p.threshold && precedes(arch, p.arch)) return p;
  }
  return null;
}

interface SpaceTable {
  archs: SearchArch[];
  ids: string[];
  costs: ArchCost[];
}
const tables = new Map<string, SpaceTable>();

/** The enumerated space with precomputed costs, cached per space (about 30 MB for 101,529). */
export function spaceTable(space: SearchSpaceConfig): SpaceTable {
  const key = JSON.stringify(space);
  let t = tables.get(key);
  if (!t) {
    const archs = [...enumerateSpace(space)];
    t = { archs, ids: archs.map(searchId), costs: archs.map((a) => archCost(a)) };
    tables.set(key, t);
  }
  return t;
}

/** How many untrained architectures of the space the rule prunes (and how many remain). */
export function countPruned(space: SearchSpaceConfig, state: PruneState, trainedIds: ReadonlySet<string>): { pruned: number; remaining: number; size: number } {
  const size = spaceSize(space);
  if (!state.pruners.length) return { pruned: 0, remaining: size - trainedIds.size, size };
  const t = spaceTable(space);
  let pruned = 0;
  for (let i = 0; i < t.archs.length; i++) {
    if (trainedIds.has(t.ids[i])) continue;
    if (prunedBy(state, t.archs[i], t.costs[i])) pruned++;
  }
  return { pruned, remaining: size - trainedIds.size - pruned, size };
}
