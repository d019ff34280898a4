import { test } from "node:test";
import assert from "node:assert/strict";
import { parseArch, archId, archList } from "../../src/models/config";
import { REFERENCE_MODELS } from "../../src/models/registry";

test("parseArch reads the reference list notation and the readable id identically", () => {
  const a = parseArch("[4,4,[8,8,8],[16,16,16],[32,32]]");
  const b = parseArch("s4.4-8.8.8-16.16.16-32.32");
  assert.deepEqual(a, b);
  assert.deepEqual(a, { stem: [4, 4], stages: [[8, 8, 8], [16, 16, 16], [32, 32]], attention: "reference", head: "asoftmax" });
  assert.equal(archId(a), "s4.4-8.8.8-16.16.16-32.32");
  assert.equal(archList(a), "[4,4,[8,8,8],[16,16,16],[32,32]]");
});

test("archId(full) round-trips attention and head for every registered model", () => {
  for (const m of REFERENCE_MODELS) {
    for (const attention of ["reference", "cbam", "none"] as const) {
      const cfg = { ...parseArch(m.arch), attention, head: "linear" as const };
      assert.deepEqual(parseArch(archId(cfg, true)), cfg);
      assert.deepEqual(parseArch(archList(cfg), { attention, head: "linear" }), cfg);
    }
  }
});

test("parseArch rejects malformed architectures with a message naming the problem", () => {
  assert.throws(() => parseArch("[4,4,[8],[16]]"), /expected \[stem1, stem2/);
  assert.throws(() => parseArch("[4,4,[8],[],[32]]"), /stages\[1\] must be a non-empty/);
  assert.throws(() => parseArch("[4,4.5,[8],[16],[32]]"), /stem\[1\] must be a positive integer/);
  assert.throws(() => parseArch("s4.4-8..8-16-32"), /stages\[0\]\[1\]/);
  assert.throws(() => parseArch("s4.4-8-16-32:softmax"), /attention must be one of/);
  assert.throws(() => parseArch("s4.4-8-16-32:cbam:arcface"), /head must be one of/);
  assert.throws(() => parseArch("conv-net"), /cannot parse "conv-net"/);
});
