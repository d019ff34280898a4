import { test } from "node:test";
import assert from "node:assert/strict";
import type { NoduleDataset, NoduleSample } from "../../src/data/sample";
import { makeFolds } from "../../src/train/folds";
import { searchSplit, stratifiedSubset } from "../../src/search/trainEvaluator";
import { createRng } from "../../src/util/rng";
import { slowTests } from "../../src/util/provenance";

/** 60 tiny labelled samples in 30 groups (two per patient), both classes. */
function fakeDataset(): NoduleDataset {
  const samples: NoduleSample[] = Array.from({ length: 60 }, (_, i) => ({
    id: `p${Math.floor(i / 2)}:${i % 2}`,
    label: (Math.floor(i / 2) % 3 === 0 ? 1 : 0) as 0 | 1,
    group: `p${Math.floor(i / 2)}`,
    size: 2,
    crop: new Float32Array(8),
  }));
  return { name: "fake", source: "test fixture (synthetic)", synthetic: true, samples };
}

test("the search split uses only the training part of the fold: inner-train and inner-validation", () => {
  const ds = fakeDataset();
  const folds = { k: 5, fold: 1, seed: 3, innerValFraction: 0.25 };
  const split = searchSplit(ds, folds);
  const test = new Set(makeFolds(ds.samples, { k: 5, seed: 3 }).folds[1].test.map((i) => ds.samples[i].id));
  assert.equal(split.heldOutTest, test.size);
  const trainIds = split.train.map((s) => s.id);
  const valIds = split.val.map((s) => s.id);
  assert.ok([...trainIds, ...valIds].every((id) => !test.has(id)), "the test fold is never handed out");
  assert.equal(new Set([...trainIds, ...valIds]).size, trainIds.length + valIds.length, "disjoint");
  assert.equal(trainIds.length + valIds.length + test.size, 60);
  const groups = (xs: NoduleSample[]) => new Set(xs.map((s) => s.group));
  assert.ok([...groups(split.val)].every((g) => !groups(split.train).has(g)), "split by patient");
  assert.deepEqual(searchSplit(ds, folds).val.map((s) => s.id), valIds, "seeded");
  assert.throws(() => searchSplit(ds, { ...folds, fold: 7 }), /folds\.fold: 7/);
});

test("subsample keeps both classes in proportion, seeded, and every candidate sees the same subset", () => {
  const ds = fakeDataset();
  const full = searchSplit(ds, { k: 5, fold: 0, seed: 3, innerValFraction: 0.25 });
  const sub = searchSplit(ds, { k: 5, fold: 0, seed: 3, innerValFraction: 0.25 }, { train: 9, val: 4 });
  assert.equal(sub.train.length, 9);
  assert.equal(sub.val.length, Math.min(4, full.val.length));
  assert.ok(sub.train.every((s) => full.train.includes(s)));
  const pos = sub.train.filter((s) => s.label === 1).length;
  assert.ok(pos >= 1 && pos <= 5, `positives ${pos}`);
  const again = searchSplit(ds, { k: 5, fold: 0, seed: 3, innerValFraction: 0.25 }, { train: 9, val: 4 });
  assert.deepEqual(again.train.map((s) => s.id), sub.train.map((s) => s.id));
  // a rare class is never dropped entirely
  const rare = [...Array.from({ length: 20 }, (_, i) => ({ ...ds.samples[1], id: `n${i}`, label: 0 as const })), { ...ds.samples[0], id: "m", label: 1 as const }];
  assert.ok(stratifiedSubset(rare, 3, createRng(1)).some((s) => s.label === 1));
  assert.equal(stratifiedSubset(rare, 100, createRng(1)), rare);
});

test("the real evaluator trains, validates and times one tiny candidate (slow)", { skip: !slowTests(), timeout: 600_000 }, async () => {
  const { createEvaluator } = await import("../../src/search/trainEvaluator");
  const { parseSearchId } = await import("../../src/search/space");
  const ev = await createEvaluator({
    data: { dataset: "demo" },
    folds: { k: 5, fold: 0, seed: 7, innerValFraction: 0.25 },
    subsample: { train: 16, val: 16 },
    train: { epochs: 1, batchSize: 8 },
    latency: { batchSizes: [1], warmup: 0, repeats: 1 },
  });
  const r = await ev({ id: "s4.4-4-4-4", arch: parseSearchId("s4.4-4-4-4"), seed: 1, proposal: 0 });
  assert.ok(r.val.accuracy >= 0 && r.val.accuracy <= 1);
  assert.ok(r.params > 4000 && r.flops > 5e7 && r.latency.batch1.medianMs > 0);
  assert.equal((r.extra as { valSize: number }).valSize, 16);
});
