/** A trained candidate reduced to what the accuracy/latency trade-off needs. */
export interface TradeoffPoint {
  id: string;
  /** Higher is better (validation accuracy by default). */
  accuracy: number;
  /** Lower is better (median batch-1 forward time in ms by default). */
  latency: number;
}

/** `a` dominates `b`: at least as accurate and at least as fast, strictly better in one. */
export function dominates(a: TradeoffPoint, b: TradeoffPoint): boolean {
  return a.accuracy >= b.accuracy && a.latency <= b.latency && (a.accuracy > b.accuracy || a.latency < b.latency);
}

/**
 * The accuracy/latency Pareto front: the points no other point dominates, sorted by latency
 * (so accuracy increases along it). Of exact ties in both values the first in input order is
 * kept, so the front is a deterministic function of the (ordered) trained set.
 */
export function paretoFront<T extends TradeoffPoint>(points: readonly T[]): T[] {
  const order = points.map((p, i) => ({ p, i }));
  // by latency, then higher accuracy first, then input order: a sweep keeps each point that
  // beats the best accuracy seen so far among faster (or equally fast) points.
  order.sort((x, y) => x.p.latency - y.p.latency || y.p.accuracy - x.p.accuracy || x.i - y.i);
  const front: T[] = [];
  let best = -Infinity;
  for (const { p } of order) {
    if (p.accuracy > best) {
      front.push(p);
      best = p.accuracy;
    }
  }
  return front;
}

/**
 * 2-D hypervolume of a front (area dominated by it inside the box bounded by `ref`: accuracy
 * above `ref.accuracy`, latency below `ref.latency`). A single number for "how good is the front"
 * that grows whenever the front improves; used to compare POP with random search.
 */
export function hypervolume(points: readonly TradeoffPoint[], ref: { accuracy: number; latency: number }): number {
  let area = 0;
  let prevAcc = ref.accuracy;
  for (const p of paretoFront(points)) {
    if (p.latency >= ref.latency || p.accuracy <= prevAcc) continue;
    area += (ref.latency - p.latency) * (p.accuracy - prevAcc);
    prevAcc = p.accuracy;
  }
  return area;
}

/** Whether two fronts hold the same ids (the POP stopping rule counts unchanged iterations). */
export function sameFront(a: readonly TradeoffPoint[], b: readonly TradeoffPoint[]): boolean {
  if (a.length !== b.length) return false;
  const ids = new Set(a.map((p) => p.id));
  return b.every((p) => ids.has(p.id));
}
