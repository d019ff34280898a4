import { test } from "node:test";
import assert from "node:assert/strict";
import { fitLogistic, predictLogistic } from "../../src/benchmark/logistic";
import { createRng } from "../../src/util/rng";

function simulate(n: number, w: number[], b: number, seed: number) {
  const rng = createRng(seed);
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = w.map(() => rng.normal() * 2 + 1);
    const eta = b + x.reduce((s, v, j) => s + v * w[j], 0);
    X.push(x);
    y.push(rng.next() < 1 / (1 + Math.exp(-eta)) ? 1 : 0);
  }
  return { X, y };
}

test("the fitted optimum has zero penalised gradient", () => {
  const { X, y } = simulate(300, [1.5, -0.7, 0], 0.3, 1);
  const l2 = 2;
  const m = fitLogistic(X, y, { l2 });
  const p = predictLogistic(m, X);
  for (let j = 0; j < 3; j++) {
    let g = -l2 * m.weights[j];
    for (let i = 0; i < X.length; i++) g += (y[i] - p[i]) * ((X[i][j] - m.mean[j]) / m.std[j]);
    assert.ok(Math.abs(g) < 1e-6, `feature ${j} gradient ${g}`);
  }
  const gb = y.reduce((s, v, i) => s + v - p[i], 0);
  assert.ok(Math.abs(gb) < 1e-6);
});

test("recovers the generating coefficients on a large sample", () => {
  const w = [1.2, -0.8];
  const { X, y } = simulate(20000, w, -0.5, 2);
  const m = fitLogistic(X, y, { l2: 1e-6 });
  // Convert standardised weights back to the raw scale.
  const raw = m.weights.map((v, j) => v / m.std[j]);
  const rawBias = m.bias - raw.reduce((s, v, j) => s + v * m.mean[j], 0);
  raw.forEach((v, j) => assert.ok(Math.abs(v - w[j]) < 0.08, `w${j} = ${v}`));
  assert.ok(Math.abs(rawBias + 0.5) < 0.1, `b = ${rawBias}`);
});

test("bad input names the problem", () => {
  assert.throws(() => fitLogistic([[1, 2], [3]], [0, 1]), /ragged/);
  assert.throws(() => fitLogistic([[1, NaN]], [0], { features: ["a", "diam"] }), /feature diam/);
  assert.throws(() => fitLogistic([[1]], [0, 1]), /1 rows but 2 labels/);
});
