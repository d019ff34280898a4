import { createRng } from "../util/rng";
import { archCost } from "./cost";
import type { Evaluate } from "./executor";
import type { CandidateResult } from "./log";

/** Options of the analytic evaluator. */
export interface AnalyticEvaluatorOptions {
  /** Spread of the per-candidate accuracy noise (default 0.01). */
  noise?: number;
  /** Simulated training time per candidate in ms (lets tests kill a search mid-candidate). */
  delayMs?: number;
  /** Up to this many ms more, a seeded share per candidate: candidates of unequal training time,
   * so that parallel slots finish out of proposal order. */
  delaySpreadMs?: number;
  /** Latency per conv MMAC and per conv op (ms), the synthetic "hardware". */
  msPerMMac?: number;
  msPerOp?: number;
}

/**
 * A cheap deterministic stand-in for "train, validate, time" that obeys the POP partial-order
 * assumption up to a little seeded noise: accuracy rises with capacity with diminishing returns
 * (0.6 + 0.3 * (1 - exp(-MMACs/400)) + noise), latency is linear in conv MACs and op count. It
 * exercises the search engine in tests and benchmarks without training networks; the real
 * evaluator (`trainEvaluator`) trains ConvRes models on a fold.
 */
export function createEvaluator(opts: AnalyticEvaluatorOptions = {}): Evaluate {
  const noise = opts.noise ?? 0.01;
  const msPerMMac = opts.msPerMMac ?? 0.02;
  const msPerOp = opts.msPerOp ?? 0.05;
  return async (c) => {
    const delay = (opts.delayMs ?? 0) + (opts.delaySpreadMs ? opts.delaySpreadMs * createRng(c.seed, `analytic-delay:${c.id}`).next() : 0);
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const cost = archCost(c.arch);
    const mmacs = cost.convMacs / 1e6;
    const rng = createRng(c.seed, `analytic:${c.id}`);
    const accuracy = Math.min(1, Math.max(0, 0.6 + 0.3 * (1 - Math.exp(-mmacs / 400)) + noise * rng.normal()));
    const ms = 0.5 + msPerMMac * mmacs + msPerOp * cost.convOps;
    const stats = (batch: number, m: number) => ({ batch, medianMs: m, minMs: m, maxMs: m, repeats: 1, warmup: 0 });
    const result: CandidateResult = {
      params: cost.convParams,
      flops: 2 * cost.convMacs,
      val: { accuracy, auc: Math.min(1, accuracy + 0.05) },
      latency: { backend: "analytic", inputSize: 32, batch1: stats(1, ms), batch32: stats(32, 32 * ms * 0.6) },
      extra: { evaluator: "analytic" },
    };
    return result;
  };
}
