import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend } from "../../src/backend/select";
import { loadLidcSlices } from "../../src/data/lidcSlices";
import { LidcBenchmarkConfig, loadLidcBenchmarkConfig, runLidcBenchmark } from "../../src/benchmark/lidcBenchmark";
import { loadEnsemble, memberProbabilities, ensembleScores, disposeEnsemble } from "../../src/benchmark/pretrained";
import { repoRoot } from "../../src/util/provenance";

before(() => initBackend({ quiet: true }));

test("the committed benchmark config is valid", () => {
  const c = loadLidcBenchmarkConfig(path.join(repoRoot, "configs", "lidc-benchmark.json"));
  assert.ok(c.members.some((m) => m.role === "reference" && m.arch === "model-1"));
  assert.ok(c.members.some((m) => m.role === "searched"));
});

test("bad benchmark configs name the file and key", () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-bcfg-"));
  const f = path.join(d, "c.json");
  fs.writeFileSync(f, JSON.stringify({ name: "x", seed: 0, train: {}, members: [{ name: "a", arch: "model-1", role: "reference" }], ensemble: { name: "e", vote: "hard", members: ["a", "b"] }, runsDir: d, resultsFile: f }));
  assert.throws(() => loadLidcBenchmarkConfig(f), /c\.json: key `ensemble\.members\[1\]`: names "b", which is not in members; key `ensemble\.members`: a hard-vote ensemble needs an odd number/);
  fs.writeFileSync(f, JSON.stringify({ name: "x" }));
  assert.throws(() => loadLidcBenchmarkConfig(f), /c\.json: key `seed`: is required/);
});

test("a tiny end-to-end benchmark: networks, ensembles and baselines on the same folds, then a loadable pretrained ensemble", { timeout: 600_000 }, async () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-bench-"));
  const full = loadLidcSlices();
  // Every 20th reading keeps all five protocol folds and both classes, and keeps the test quick.
  const ds = { ...full, samples: full.samples.filter((_, i) => i % 20 === 0) };
  const c: LidcBenchmarkConfig = {
    name: "tiny",
    seed: 3,
    train: { epochs: 1, batchSize: 4, folds: { scheme: "predefined", innerValFraction: 0.25 }, progress: "none", prefetch: "inline" },
    members: [
      { name: "a", arch: "[2,2,[2],[2],[4]]", role: "reference" },
      { name: "b", arch: "[2,2,[2],[4],[4]]", role: "searched" },
      { name: "c", arch: "[2,2,[2],[2],[4]]", attention: "none", role: "member" },
    ],
    ensemble: { name: "ens", vote: "soft", members: ["a", "b", "c"] },
    pretrained: { out: path.join(d, "pretrained"), innerValFraction: 0.2 },
    runsDir: path.join(d, "runs"),
    resultsFile: path.join(d, "results.json"),
    bootstrapResamples: 50,
  };
  const r = await runLidcBenchmark(c, { dataset: ds, log: () => undefined });
  const names = r.methods.map((m) => m.method);
  assert.deepEqual(names, ["a", "b", "c", "ens (soft vote)", "ens (hard vote)", "diameter", "radiomics-logistic"]);
  for (const m of r.methods.slice(0, 5)) assert.equal(m.pooled.n, ds.samples.length);
  for (const m of r.methods.slice(5)) assert.equal(m.pooled.n, 697);
  assert.deepEqual(JSON.parse(fs.readFileSync(c.resultsFile, "utf8")).methods.length, 7);
  // The soft-vote ensemble's pooled AUC is computed from the mean of the members' out-of-fold probabilities.
  const folds = ["a", "b", "c"].map((n) => JSON.parse(fs.readFileSync(path.join(c.runsDir, n, "fold-0", "result.json"), "utf8")));
  const mean = folds[0].test.probabilities.map((_: number, i: number) => folds.reduce((s: number, f: { test: { probabilities: number[] } }) => s + f.test.probabilities[i], 0) / 3);
  assert.equal(folds[0].test.ids.length, mean.length);
  // A rerun resumes: finished folds are read back, not retrained, and give identical numbers.
  const again = await runLidcBenchmark({ ...c, pretrained: null }, { dataset: ds, log: () => undefined });
  assert.deepEqual(again.methods[0].pooled.metrics, r.methods[0].pooled.metrics);
  const ens = loadEnsemble(c.pretrained!.out);
  assert.equal(ens.members.length, 3);
  const p = ensembleScores(ens.spec, memberProbabilities(ens, ds.samples.slice(0, 5)));
  assert.equal(p.length, 5);
  assert.ok(p.every((v) => v >= 0 && v <= 1));
  disposeEnsemble(ens);
  const card = fs.readFileSync(path.join(c.pretrained!.out, "MODEL_CARD.md"), "utf8");
  assert.match(card, /research and teaching only/);
  assert.match(card, /\| ens \(soft vote\) \| ensemble \|/);
});
