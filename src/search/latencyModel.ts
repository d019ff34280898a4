import { archCost, ArchCost } from "./cost";
import type { SearchArch } from "./space";

/** Predicts the latency (ms) of an untrained architecture from its analytic cost. */
export interface LatencyModel {
  /** Coefficients of ms = intercept + perMMac * convMacs/1e6 + perOp * convOps, all >= 0. */
  intercept: number;
  perMMac: number;
  perOp: number;
  /** Trained architectures the fit used. */
  n: number;
  predict(a: SearchArch | ArchCost): number;
}

function features(c: ArchCost): number[] {
  return [1, c.convMacs / 1e6, c.convOps];
}

/** Solves the normal equations of a least-squares fit on the chosen columns; null if singular. */
function leastSquares(X: number[][], y: number[], cols: number[]): number[] | null {
  const k = cols.length;
  const A = Array.from({ length: k }, () => new Array<number>(k + 1).fill(0));
  for (let r = 0; r < X.length; r++) {
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) A[i][j] += X[r][cols[i]] * X[r][cols[j]];
      A[i][k] += X[r][cols[i]] * y[r];
    }
  }
  for (let p = 0; p < k; p++) {
    let piv = p;
    for (let i = p + 1; i < k; i++) if (Math.abs(A[i][p]) > Math.abs(A[piv][p])) piv = i;
    if (Math.abs(A[piv][p]) < 1e-12 * Math.max(1, Math.abs(A[p][p]))) return null;
    [A[p], A[piv]] = [A[piv], A[p]];
    for (let i = 0; i < k; i++) {
      if (i === p) continue;
      const f = A[i][p] / A[p][p];
      for (let j = p; j <= k; j++) A[i][j] -= f * A[p][j];
    }
  }
  return A.map((row, i) => row[k] / row[i]);
}

/**
 * Fits a non-negative linear latency model on measured (architecture, ms) pairs by exhaustive
 * non-negative least squares over the 7 non-empty subsets of {intercept, MMACs, conv ops}: the
 * lowest-error subset whose coefficients are all >= 0 wins. Non-negativity keeps the prediction
 * monotone in the partial order (a narrower or shallower net is never predicted slower), which
 * is the POP assumption the pruning relies on. With no data it falls back to 1 ms per MMAC.
 */
export function fitLatencyModel(samples: ReadonlyArray<{ arch: SearchArch; latencyMs: number }>): LatencyModel {
  const X = samples.map((s) => features(archCost(s.arch)));
  const y = samples.map((s) => s.latencyMs);
  let best: { coef: number[]; sse: number } | null = null;
  for (let mask = 1; mask < 8; mask++) {
    const cols = [0, 1, 2].filter((c) => mask & (1 << c));
    if (cols.length > samples.length) continue;
    const beta = leastSquares(X, y, cols);
    if (!beta || beta.some((b) => !(b >= 0) || !Number.isFinite(b))) continue;
    const coef = [0, 0, 0];
    cols.forEach((c, i) => (coef[c] = beta[i]));
    let sse = 0;
    for (let r = 0; r < X.length; r++) {
      const e = X[r][0] * coef[0] + X[r][1] * coef[1] + X[r][2] * coef[2] - y[r];
      sse += e * e;
    }
    if (!best || sse < best.sse - 1e-12) best = { coef, sse };
  }
  const coef = best ? best.coef : [0, 1, 0];
  return {
    intercept: coef[0],
    perMMac: coef[1],
    perOp: coef[2],
    n: samples.length,
    predict(a) {
      const c = "convMacs" in a ? a : archCost(a);
      return coef[0] + (coef[1] * c.convMacs) / 1e6 + coef[2] * c.convOps;
    },
  };
}
