import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { loadSearchConfig, resolveSearchConfig } from "../../src/search/config";
import { spaceSize } from "../../src/search/space";
import { evaluatorSpec } from "../../src/search/session";
import { repoRoot } from "../../src/util/provenance";

test("the shipped search configs load; the full-scale one uses the paper's space", () => {
  const files = fs.readdirSync(path.join(repoRoot, "configs")).filter((f) => /^search.*\.json$/.test(f));
  for (const f of ["search-full.json", "search-quick.json", "search.json"]) assert.ok(files.includes(f), f);
  const sizes: Record<string, number> = {};
  for (const f of files) {
    const cfg = loadSearchConfig(path.join(repoRoot, "configs", f));
    sizes[f] = spaceSize(cfg.space);
    assert.equal(cfg.evaluator.kind, "train");
    assert.match(evaluatorSpec(cfg).module, /trainEvaluator/);
  }
  assert.equal(sizes["search-full.json"], 101529);
  assert.equal(sizes["search.json"], 181);
  assert.equal(sizes["search-quick.json"], 19);
});

test("search config errors name the file and key", () => {
  const bad = (raw: unknown, re: RegExp) => assert.throws(() => resolveSearchConfig(raw, "cfg.json"), (e: Error) => e.message.startsWith("cfg.json") && re.test(e.message));
  bad({ strategy: "pop" }, /`strategy`: unknown key/);
  bad({ strategies: ["pop", "bayes"] }, /`strategies\[1\]`: must be one of "pop", "random" \(got "bayes"\)/);
  bad({ budget: { patience: 0 } }, /`budget.patience`/);
  bad({ budget: { maxSeconds: -3 } }, /`budget.maxSeconds`/);
  bad({ workers: 1.5 }, /`workers`/);
  bad({ space: { widths: [4, 4] } }, /key `space\.widths`: must be strictly increasing/);
  bad({ evaluator: { kind: "magic" } }, /`evaluator.kind`/);
  bad({ evaluator: { folds: { k: 5, fold: 5 } } }, /`evaluator.folds.fold`: must be below/);
  bad({ evaluator: { latency: { repeat: 3 } } }, /`evaluator.latency.repeat`: unknown key/);
  bad({ evaluator: { subsample: { train: 0 } } }, /`evaluator.subsample.train`/);
  bad({ objective: "loss" }, /`objective`: must be one of "accuracy", "auc"/);
  bad({ evaluator: { data: { source: "demo" } } }, /`evaluator.data.source`: unknown key/);
  const ok = resolveSearchConfig({ budget: { maxSeconds: null }, workers: 0 });
  assert.equal(ok.budget.maxSeconds, Infinity);
  assert.equal(ok.workers, 0);
});
