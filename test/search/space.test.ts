import { test } from "node:test";
import assert from "node:assert/strict";
import {
  countsByDepth,
  DEFAULT_SPACE,
  enumerateSpace,
  inSpace,
  parseSearchId,
  rankArch,
  resolveSpace,
  sampleArch,
  searchId,
  spaceSize,
  spaceSizeByDp,
  unrankArch,
} from "../../src/search/space";
import { createRng } from "../../src/util/rng";

test("the default space has 101,529 configurations (closed form, DP and enumeration agree)", () => {
  assert.equal(spaceSize(DEFAULT_SPACE), 101529);
  assert.equal(spaceSizeByDp(DEFAULT_SPACE), 101529);
  let n = 0;
  const ids = new Set<string>();
  for (const a of enumerateSpace(DEFAULT_SPACE)) {
    n++;
    ids.add(searchId(a));
  }
  assert.equal(n, 101529);
  assert.equal(ids.size, 101529, "enumeration yields distinct configurations");
});

test("counts by depth: C(L-1,2) * C(L+5,5) for L = 3..9", () => {
  assert.deepEqual(
    countsByDepth().map((r) => r.count),
    [56, 378, 1512, 4620, 11880, 27027, 56056],
  );
});

test("closed form and DP agree on other bounds; a brute-force count agrees on a small space", () => {
  for (const s of [
    { widths: [4, 8], minBlocks: 3, maxBlocks: 5, stem: [4, 4] as [number, number] },
    { widths: [8, 16, 32], minBlocks: 4, maxBlocks: 6, stem: [4, 4] as [number, number] },
    { widths: [4], minBlocks: 3, maxBlocks: 3, stem: [2, 2] as [number, number] },
  ]) {
    assert.equal(spaceSize(s), spaceSizeByDp(s));
    // brute force over all width tuples and splits
    let brute = 0;
    for (let L = s.minBlocks; L <= s.maxBlocks; L++) {
      const tuples = (n: number): number[][] => (n === 0 ? [[]] : tuples(n - 1).flatMap((t) => s.widths.map((w) => [...t, w])));
      for (const t of tuples(L)) {
        if (t.some((w, i) => i > 0 && w < t[i - 1])) continue;
        brute += ((L - 1) * (L - 2)) / 2;
      }
    }
    assert.equal(spaceSize(s), brute);
    assert.equal([...enumerateSpace(s)].length, brute);
  }
});

test("every enumerated config is in the space, and rank/unrank follow enumeration order", () => {
  let i = 0;
  for (const a of enumerateSpace(DEFAULT_SPACE)) {
    if (i % 97 === 0 || i < 300 || i > 101400) {
      assert.ok(inSpace(DEFAULT_SPACE, a));
      assert.equal(rankArch(DEFAULT_SPACE, a), i);
      assert.deepEqual(unrankArch(DEFAULT_SPACE, i), a);
    }
    i++;
  }
  assert.throws(() => unrankArch(DEFAULT_SPACE, 101529), /outside/);
});

test("ids are readable and round-trip (the reference's Model-1)", () => {
  const a = { stem: [4, 4] as [number, number], stages: [[8, 8, 8], [16, 16, 16], [32, 32]] as [number[], number[], number[]] };
  assert.equal(searchId(a), "s4.4-8.8.8-16.16.16-32.32");
  assert.deepEqual(parseSearchId("s4.4-8.8.8-16.16.16-32.32"), a);
  assert.ok(inSpace(DEFAULT_SPACE, a));
  assert.throws(() => parseSearchId("4.4-8-16"), /architecture id "4.4-8-16"/);
  // decreasing widths, too many blocks, empty stage: outside the space
  assert.ok(!inSpace(DEFAULT_SPACE, parseSearchId("s4.4-16-8-32")));
  assert.ok(!inSpace(DEFAULT_SPACE, parseSearchId("s4.4-8.8.8.8-16.16.16-32.32.32")));
  assert.ok(!inSpace(DEFAULT_SPACE, parseSearchId("s4.4-8-16-256")));
});

test("sampling is seeded and uniform over configurations, not over depths", () => {
  const a = createRng(5, "t");
  const b = createRng(5, "t");
  for (let i = 0; i < 20; i++) assert.deepEqual(sampleArch(DEFAULT_SPACE, a), sampleArch(DEFAULT_SPACE, b));
  const rng = createRng(11, "uniform");
  const n = 20000;
  const byDepth = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const s = sampleArch(DEFAULT_SPACE, rng);
    const L = s.stages.flat().length;
    byDepth.set(L, (byDepth.get(L) ?? 0) + 1);
  }
  // chi-square against the configuration counts per depth (6 dof; 22.46 is the 0.999 quantile)
  let chi2 = 0;
  for (const { blocks, count } of countsByDepth()) {
    const expected = (n * count) / 101529;
    chi2 += ((byDepth.get(blocks) ?? 0) - expected) ** 2 / expected;
  }
  assert.ok(chi2 < 22.46, `chi2 ${chi2.toFixed(1)}`);
  assert.ok((byDepth.get(9) ?? 0) > n * 0.5, "depth 9 holds 55% of the configurations");
});

test("space bounds come from config and bad config names the field", () => {
  const s = resolveSpace({ maxBlocks: 5, widths: [8, 16] }, "configs/x.json: space");
  assert.deepEqual(s, { widths: [8, 16], minBlocks: 3, maxBlocks: 5, stem: [4, 4] });
  assert.throws(() => resolveSpace({ widths: [8, 4] }, "f.json"), /f\.json: key `space\.widths`: must be strictly increasing/);
  assert.throws(() => resolveSpace({ minBlocks: 2 }), /space\.minBlocks/);
  assert.throws(() => resolveSpace({ maxBlocks: 2.5 }), /space\.maxBlocks/);
  assert.throws(() => resolveSpace({ stem: [4] }), /space\.stem/);
  assert.throws(() => resolveSpace({ width: [4] }), /key `space\.width`: unknown key/);
});
