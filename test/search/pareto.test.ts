import { test } from "node:test";
import assert from "node:assert/strict";
import { dominates, hypervolume, paretoFront, sameFront } from "../../src/search/pareto";

const pts = [
  { id: "a", accuracy: 0.8, latency: 10 },
  { id: "b", accuracy: 0.85, latency: 20 },
  { id: "c", accuracy: 0.82, latency: 25 }, // dominated by b
  { id: "d", accuracy: 0.9, latency: 40 },
  { id: "e", accuracy: 0.8, latency: 12 }, // dominated by a
  { id: "f", accuracy: 0.8, latency: 10 }, // exact tie with a: a (first) kept
];

test("paretoFront keeps the non-dominated points sorted by latency", () => {
  assert.deepEqual(paretoFront(pts).map((p) => p.id), ["a", "b", "d"]);
  for (const p of pts) {
    const onFront = paretoFront(pts).includes(p);
    const dominated = pts.some((q) => q !== p && dominates(q, p));
    if (p.id !== "f") assert.equal(onFront, !dominated, p.id);
  }
  assert.deepEqual(paretoFront([]), []);
});

test("hypervolume: area dominated inside the reference box; grows when the front improves", () => {
  const ref = { accuracy: 0.5, latency: 50 };
  // a: (50-10)*(0.8-0.5)=12; b: (50-20)*(0.05)=1.5; d: (50-40)*(0.05)=0.5
  assert.ok(Math.abs(hypervolume(pts, ref) - 14) < 1e-9);
  assert.ok(hypervolume([...pts, { id: "g", accuracy: 0.95, latency: 5 }], ref) > 14);
  assert.equal(hypervolume([], ref), 0);
});

test("sameFront compares ids", () => {
  assert.ok(sameFront(pts.slice(0, 2), [pts[1], pts[0]]));
  assert.ok(!sameFront(pts.slice(0, 2), pts.slice(0, 3)));
});
