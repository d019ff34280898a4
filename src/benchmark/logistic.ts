/**
 * L2-regularised logistic regression fitted by iteratively reweighted least squares (Newton's
 * method), on standardised features. Written here rather than taken from a library because the
 * npm options are either unmaintained or pull in a second tensor runtime; the whole method is
 * ~60 lines and its optimum is checked by a zero-gradient test.
 */
export interface LogisticModel {
  /** Feature names in the order of `weights`. */
  features: string[];
  /** Per-feature mean and standard deviation used to standardise inputs. */
  mean: number[];
  std: number[];
  /** Coefficients on standardised features and the intercept. */
  weights: number[];
  bias: number;
  /** Iterations Newton's method took. */
  iterations: number;
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** Solves the symmetric positive-definite system A x = b by Cholesky (A is overwritten). */
function solveSpd(A: number[][], b: number[]): number[] {
  const n = b.length;
  for (let j = 0; j < n; j++) {
    let d = A[j][j];
    for (let k = 0; k < j; k++) d -= A[j][k] * A[j][k];
    if (d <= 0) throw new Error("logistic regression: Hessian is not positive definite");
    A[j][j] = Math.sqrt(d);
    for (let i = j + 1; i < n; i++) {
      let s = A[i][j];
      for (let k = 0; k < j; k++) s -= A[i][k] * A[j][k];
      A[i][j] = s / A[j][j];
    }
  }
  const y = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= A[i][k] * y[k];
    y[i] = s / A[i][i];
  }
  const x = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < n; k++) s -= A[k][i] * x[k];
    x[i] = s / A[i][i];
  }
  return x;
}

/**
 * Fits P(y=1|x) = sigmoid(w . z + b), z = standardised x, maximising the log-likelihood minus
 * (l2/2)|w|^2 (the intercept is not penalised). Constant features get std 1 (weight ~0).
 */
export function fitLogistic(
  X: number[][],
  y: ArrayLike<number>,
  opts: { features?: string[]; l2?: number; maxIter?: number; tol?: number } = {},
): LogisticModel {
  const n = X.length;
  if (n === 0 || n !== y.length) throw new Error(`logistic regression: ${n} rows but ${y.length} labels`);
  const p = X[0].length;
  const l2 = opts.l2 ?? 1;
  const mean = new Array<number>(p).fill(0);
  const std = new Array<number>(p).fill(0);
  for (const r of X) {
    if (r.length !== p) throw new Error(`logistic regression: ragged feature matrix (${r.length} vs ${p})`);
    r.forEach((v, j) => {
      if (!Number.isFinite(v)) throw new Error(`logistic regression: non-finite value in feature ${opts.features?.[j] ?? j}`);
      mean[j] += v / n;
    });
  }
  for (const r of X) r.forEach((v, j) => (std[j] += ((v - mean[j]) ** 2) / n));
  for (let j = 0; j < p; j++) std[j] = Math.sqrt(std[j]) || 1;
  const Z = X.map((r) => r.map((v, j) => (v - mean[j]) / std[j]));
  // Parameters theta = [w_0..w_{p-1}, b].
  let theta = new Array<number>(p + 1).fill(0);
  let it = 0;
  for (; it < (opts.maxIter ?? 100); it++) {
    const g = new Array<number>(p + 1).fill(0);
    const H = Array.from({ length: p + 1 }, () => new Array<number>(p + 1).fill(0));
    for (let i = 0; i < n; i++) {
      const z = Z[i];
      let eta = theta[p];
      for (let j = 0; j < p; j++) eta += theta[j] * z[j];
      const mu = sigmoid(eta);
      const w = Math.max(mu * (1 - mu), 1e-12);
      const r = y[i] - mu;
      for (let j = 0; j <= p; j++) {
        const zj = j === p ? 1 : z[j];
        g[j] += r * zj;
        for (let k = 0; k <= j; k++) H[j][k] += w * zj * (k === p ? 1 : z[k]);
      }
    }
    for (let j = 0; j < p; j++) {
      g[j] -= l2 * theta[j];
      H[j][j] += l2;
    }
    for (let j = 0; j <= p; j++) for (let k = j + 1; k <= p; k++) H[j][k] = H[k][j];
    const step = solveSpd(H, g);
    theta = theta.map((t, j) => t + step[j]);
    if (Math.max(...step.map(Math.abs)) < (opts.tol ?? 1e-8)) {
      it++;
      break;
    }
  }
  return {
    features: opts.features ?? Array.from({ length: p }, (_, j) => `x${j}`),
    mean,
    std,
    weights: theta.slice(0, p),
    bias: theta[p],
    iterations: it,
  };
}

/** P(y = 1) for each row under a fitted model. */
export function predictLogistic(m: LogisticModel, X: number[][]): Float64Array {
  return Float64Array.from(X, (r) => {
    let eta = m.bias;
    for (let j = 0; j < m.weights.length; j++) eta += (m.weights[j] * (r[j] - m.mean[j])) / m.std[j];
    return sigmoid(eta);
  });
}
