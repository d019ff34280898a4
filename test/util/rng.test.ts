import { test } from "node:test";
import assert from "node:assert/strict";
import { createRng } from "../../src/util/rng";
import { seededNormal, deriveSeed } from "../../src/util/seed";
import { initBackend } from "../../src/backend/select";

test("same seed and stream give identical sequences; other streams differ", () => {
  const a = createRng(123, "augment");
  const b = createRng(123, "augment");
  const c = createRng(123, "search");
  const sa = Array.from({ length: 50 }, () => a.next());
  const sb = Array.from({ length: 50 }, () => b.next());
  const sc = Array.from({ length: 50 }, () => c.next());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
  assert.ok(sa.every((v) => v >= 0 && v < 1));
});

test("int() covers its inclusive range and normal() has unit moments", () => {
  const r = createRng(1);
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) seen.add(r.int(2, 5));
  assert.deepEqual([...seen].sort(), [2, 3, 4, 5]);
  let s = 0;
  let s2 = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    const x = r.normal();
    s += x;
    s2 += x * x;
  }
  assert.ok(Math.abs(s / n) < 0.03, `mean ${s / n}`);
  assert.ok(Math.abs(s2 / n - 1) < 0.05, `var ${s2 / n}`);
});

test("shuffle is a seeded permutation", () => {
  const x = createRng(9).shuffle([...Array(20).keys()]);
  const y = createRng(9).shuffle([...Array(20).keys()]);
  assert.deepEqual(x, y);
  assert.deepEqual([...x].sort((p, q) => p - q), [...Array(20).keys()]);
});

test("same seed gives bit-identical tfjs numbers on the same backend", async () => {
  await initBackend({ quiet: true });
  const a = seededNormal([64], 5).dataSync();
  const b = seededNormal([64], 5).dataSync();
  const c = seededNormal([64], 6).dataSync();
  assert.deepEqual(Buffer.from(a.buffer), Buffer.from(b.buffer));
  assert.notDeepEqual(Buffer.from(a.buffer), Buffer.from(c.buffer));
  assert.equal(deriveSeed(1, "conv1"), deriveSeed(1, "conv1"));
  assert.notEqual(deriveSeed(1, "conv1"), deriveSeed(1, "conv2"));
});
