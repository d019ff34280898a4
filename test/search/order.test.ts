import { test } from "node:test";
import assert from "node:assert/strict";
import { isNarrower, isShallower, precedes } from "../../src/search/order";
import { enumerateSpace, parseSearchId as p } from "../../src/search/space";

test("narrower: same stage lengths, every width <=", () => {
  assert.ok(isNarrower(p("s4.4-8.8-16-32"), p("s4.4-8.16-16-64")));
  assert.ok(isNarrower(p("s4.4-8.8-16-32"), p("s4.4-8.8-16-32")), "reflexive");
  assert.ok(!isNarrower(p("s4.4-8.16-16-32"), p("s4.4-8.8-16-64")));
  assert.ok(!isNarrower(p("s4.4-8-16-32"), p("s4.4-8.8-16-32")), "different lengths");
});

test("shallower: blocks removed inside stages", () => {
  assert.ok(isShallower(p("s4.4-8-16-32"), p("s4.4-8.8.8-16.16.16-32.32")));
  assert.ok(isShallower(p("s4.4-4.16-32-64"), p("s4.4-4.8.16-32.32-64")));
  assert.ok(!isShallower(p("s4.4-16-16-32"), p("s4.4-8.8-16-32")), "widths must match");
  assert.ok(!isShallower(p("s4.4-8.8-16-32"), p("s4.4-8-16.16-32")), "blocks cannot move between stages");
});

test("precedes combines both; it is reflexive, antisymmetric and transitive on a sample", () => {
  assert.ok(precedes(p("s4.4-8-16-32"), p("s4.4-8.16-32.32-64")));
  assert.ok(precedes(p("s4.4-4.8-8-8"), p("s4.4-8.16.16-32-32")), "narrower and shallower at once");
  assert.ok(!precedes(p("s4.4-8.16.16-32-32"), p("s4.4-4.8-8-8")));
  // exhaustive check on a small space against a brute-force definition: drop blocks, then narrow
  const space = { widths: [4, 8, 16], minBlocks: 3, maxBlocks: 5, stem: [4, 4] as [number, number] };
  const all = [...enumerateSpace(space)];
  const subseqs = (xs: number[]): number[][] => (xs.length === 0 ? [[]] : subseqs(xs.slice(1)).flatMap((r) => [r, [xs[0], ...r]]));
  const brute = (a: number[], b: number[]) => subseqs(b).some((s) => s.length === a.length && s.every((w, i) => a[i] <= w));
  let related = 0;
  for (const a of all) {
    for (const b of all) {
      const expected = [0, 1, 2].every((s) => brute(a.stages[s], b.stages[s]));
      assert.equal(precedes(a, b), expected, `${JSON.stringify(a.stages)} vs ${JSON.stringify(b.stages)}`);
      if (expected) related++;
      if (expected && precedes(b, a)) assert.deepEqual(a, b);
    }
  }
  assert.ok(related > all.length, "some strict relations exist");
});
