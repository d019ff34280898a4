import { test } from "node:test";
import assert from "node:assert/strict";
import { archCost } from "../../src/search/cost";
import { fitLatencyModel } from "../../src/search/latencyModel";
import { precedes } from "../../src/search/order";
import { countPruned, prunedBy, pruneState } from "../../src/search/prune";
import { enumerateSpace, parseSearchId as p, SearchArch, searchId } from "../../src/search/space";

const small = { widths: [4, 8, 16, 32], minBlocks: 3, maxBlocks: 5, stem: [4, 4] as [number, number] };

test("archCost is monotone along the partial order (the latency model's features)", () => {
  const all = [...enumerateSpace(small)];
  for (const a of all) {
    for (const b of all) {
      if (!precedes(a, b)) continue;
      const ca = archCost(a);
      const cb = archCost(b);
      assert.ok(ca.convMacs <= cb.convMacs && ca.convOps <= cb.convOps && ca.convParams <= cb.convParams);
    }
  }
  // Model-1's conv MACs are ~86 M (the paper's 177 MFLOP counts 2 per MAC plus BN/CBAM/pooling)
  const m1 = archCost(p("s4.4-8.8.8-16.16.16-32.32"));
  assert.ok(m1.convMacs > 70e6 && m1.convMacs < 100e6, String(m1.convMacs));
});

test("fitLatencyModel recovers non-negative linear coefficients and never goes negative", () => {
  const archs = [...enumerateSpace(small)].filter((_, i) => i % 37 === 0);
  const truth = (a: SearchArch) => 2 + 0.01 * (archCost(a).convMacs / 1e6) + 0.3 * archCost(a).convOps;
  const m = fitLatencyModel(archs.map((a) => ({ arch: a, latencyMs: truth(a) })));
  assert.ok(Math.abs(m.intercept - 2) < 1e-6 && Math.abs(m.perMMac - 0.01) < 1e-9 && Math.abs(m.perOp - 0.3) < 1e-6);
  // anti-correlated data: the unconstrained fit would need a negative slope; NNLS keeps >= 0
  const bad = fitLatencyModel([
    { arch: p("s4.4-4-4-4"), latencyMs: 10 },
    { arch: p("s4.4-32-32-32.32.32"), latencyMs: 1 },
  ]);
  assert.ok(bad.intercept >= 0 && bad.perMMac >= 0 && bad.perOp >= 0);
  assert.equal(fitLatencyModel([]).perMMac, 1);
});

test("POP prunes the sub-architectures of a dominated model that are not faster than its dominator", () => {
  const fastGood = { id: "A", arch: p("s4.4-4-4-8"), accuracy: 0.9, latency: 5 };
  const slowBad = { id: "B", arch: p("s4.4-8.16-32.32-32"), accuracy: 0.8, latency: 50 };
  const state = pruneState([fastGood, slowBad]);
  assert.deepEqual(state.pruners.map((x) => [x.id, x.by, x.threshold]), [["B", "A", 5]]);
  const m = state.latencyModel;
  let pruned = 0;
  const trainedIds = new Set([searchId(fastGood.arch), searchId(slowBad.arch)]);
  for (const c of enumerateSpace(small)) {
    if (trainedIds.has(searchId(c))) continue;
    const expect = precedes(c, slowBad.arch) && m.predict(c) >= 5;
    assert.equal(prunedBy(state, c) !== null, expect, JSON.stringify(c.stages));
    if (expect) pruned++;
  }
  assert.ok(pruned > 0);
  const counts = countPruned(small, state, trainedIds);
  assert.equal(counts.pruned, pruned);
  assert.equal(counts.remaining, counts.size - 2 - pruned);
  // A model on the front prunes nothing; nor does anything with only one model trained
  assert.equal(pruneState([fastGood]).pruners.length, 0);
  assert.equal(pruneState([{ ...slowBad, accuracy: 0.95 }, fastGood]).pruners.length, 0);
});

test("ties in accuracy: the faster of two equally accurate models prunes below the slower one", () => {
  const a = { id: "a", arch: p("s4.4-4-4-4"), accuracy: 0.8, latency: 3 };
  const b = { id: "b", arch: p("s4.4-8-8-8"), accuracy: 0.8, latency: 9 };
  const s = pruneState([b, a]);
  assert.deepEqual(s.pruners.map((x) => [x.id, x.by]), [["b", "a"]]);
});
