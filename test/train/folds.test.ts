import { test } from "node:test";
import assert from "node:assert/strict";
import type { NoduleSample } from "../../src/data/sample";
import { innerSplit, makeFolds } from "../../src/train/folds";
import { createRng } from "../../src/util/rng";

function cohort(groups: number, seed = 1, fold?: (g: number) => number): NoduleSample[] {
  const rng = createRng(seed, "cohort");
  const out: NoduleSample[] = [];
  for (let g = 0; g < groups; g++) {
    const k = 1 + rng.int(0, 3);
    for (let j = 0; j < k; j++) {
      out.push({ id: `p${g}/n${j}`, group: `p${g}`, label: rng.next() < 0.45 ? 1 : 0, size: 1, crop: new Float32Array(1), ...(fold ? { fold: fold(g) } : {}) });
    }
  }
  return out;
}

test("predefined folds (LUNA16 subsets / protocol) are used as given, in id order", () => {
  const s = cohort(40, 2, (g) => g % 10);
  const { scheme, folds } = makeFolds(s, { k: 5, seed: 0 });
  assert.equal(scheme, "predefined");
  assert.equal(folds.length, 10);
  assert.deepEqual(folds.map((f) => f.id), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  for (const f of folds) for (const i of f.test) assert.equal(s[i].fold, f.id);
});

test("predefined folds must not split a group, and must be all-or-none", () => {
  const s = cohort(10, 3, (g) => g % 2);
  s[0] = { ...s[0], fold: 1 - (s[0].fold as number) };
  if (s[1].group === s[0].group) assert.throws(() => makeFolds(s, { k: 2, seed: 0 }), /appears in predefined folds/);
  const mixed = cohort(10, 3);
  mixed[0] = { ...mixed[0], fold: 0 };
  assert.throws(() => makeFolds(mixed, { k: 2, seed: 0 }), /1 of \d+ samples have a predefined fold/);
});

test("grouped stratified k-fold: no group spans folds, every sample once, class shares balanced, seeded", () => {
  const s = cohort(120, 4);
  const a = makeFolds(s, { k: 5, seed: 9 });
  assert.equal(a.scheme, "grouped-stratified");
  const seen = new Set<number>();
  const foldOfGroup = new Map<string, number>();
  for (const f of a.folds) {
    for (const i of f.test) {
      assert.ok(!seen.has(i));
      seen.add(i);
      const prev = foldOfGroup.get(s[i].group);
      assert.ok(prev === undefined || prev === f.index, "group split across folds");
      foldOfGroup.set(s[i].group, f.index);
    }
    assert.equal(f.train.length + f.test.length, s.length);
  }
  assert.equal(seen.size, s.length);
  const pos = s.filter((x) => x.label === 1).length;
  for (const f of a.folds) {
    const p = f.test.filter((i) => s[i].label === 1).length;
    assert.ok(Math.abs(p - pos / 5) <= 3, `fold ${f.index}: ${p} malignant vs ${pos / 5}`);
    assert.ok(Math.abs(f.test.length - s.length / 5) <= 4);
  }
  assert.deepEqual(makeFolds(s, { k: 5, seed: 9 }), a);
  assert.notDeepEqual(makeFolds(s, { k: 5, seed: 10 }), a);
  assert.throws(() => makeFolds(cohort(3), { k: 5, seed: 0 }), /lower folds.k/);
});

test("inner validation split is grouped and about the requested fraction", () => {
  const s = cohort(100, 5);
  const { folds } = makeFolds(s, { k: 4, seed: 1 });
  const { train, val } = innerSplit(s, folds[0].train, { fraction: 0.2, seed: 3 });
  assert.equal(train.length + val.length, folds[0].train.length);
  const tg = new Set(train.map((i) => s[i].group));
  for (const i of val) assert.ok(!tg.has(s[i].group));
  assert.ok(Math.abs(val.length / folds[0].train.length - 0.2) < 0.06);
  assert.ok(val.some((i) => s[i].label === 1) && val.some((i) => s[i].label === 0));
});

test("scheme `grouped` ignores predefined folds; `predefined` requires them", () => {
  const s = cohort(40, 2, (g) => g % 10);
  const g = makeFolds(s, { k: 2, seed: 1, scheme: "grouped" });
  assert.equal(g.scheme, "grouped-stratified");
  assert.equal(g.folds.length, 2);
  assert.throws(() => makeFolds(cohort(10), { k: 2, seed: 0, scheme: "predefined" }), /scheme "predefined" but only 0 of/);
});
