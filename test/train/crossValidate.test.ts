import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { resolveTrainConfig } from "../../src/train/config";
import { runTraining } from "../../src/train/run";
import { evaluateRun } from "../../src/train/evaluate";
import type { NoduleDataset } from "../../src/data/sample";
import { TinyNet, toySamples } from "./helpers";

const dataset: NoduleDataset = { name: "toy", source: "in-memory toy cohort (synthetic)", synthetic: true, samples: toySamples(32, 4) };
const config = resolveTrainConfig({
  name: "toy",
  epochs: 3,
  batchSize: 4,
  progress: "none",
  head: "linear",
  loss: "softmax",
  optimizer: { name: "sgd", lr: 0.05 },
  folds: { k: 2, innerValFraction: 0.25 },
  bootstrapResamples: 200,
  seed: 3,
});
const arch = (s: number) => new TinyNet(s, "linear");
const root = () => fs.mkdtempSync(path.join(os.tmpdir(), "naslung-cv-"));

test("2-fold run: split without leaks, files, metrics with CIs; a killed run resumes to the same metrics", async () => {
  const full = await runTraining({ config, dataset, arch, runsRoot: root() });
  for (const f of ["config.json", "run.json", "folds.json", "metrics.json", "fold-0/result.json", "fold-1/last.ckpt", "fold-1/best.ckpt", "fold-1/history.json"]) {
    assert.ok(fs.existsSync(path.join(full.runDir, f)), f);
  }
  const run = JSON.parse(fs.readFileSync(path.join(full.runDir, "run.json"), "utf8"));
  assert.equal(run.seed, 3);
  assert.ok(typeof run.gitCommit === "string" && run.gitCommit.length > 0);
  assert.equal(run.dataset.synthetic, true);
  // No group in two parts of a fold; every sample tested exactly once.
  const groupOf = new Map(dataset.samples.map((s) => [s.id, s.group]));
  const tested: string[] = [];
  for (const f of full.split.folds) {
    const parts = [f.train, f.val, f.test].map((ids) => new Set(ids.map((id) => groupOf.get(id))));
    for (const g of parts[2]) assert.ok(!parts[0].has(g) && !parts[1].has(g), `group ${g} leaks into test fold ${f.id}`);
    for (const g of parts[1]) assert.ok(!parts[0].has(g), `group ${g} in train and val`);
    tested.push(...f.test);
  }
  assert.deepEqual(tested.sort(), dataset.samples.map((s) => s.id).sort());
  const m = full.metrics;
  assert.equal(m.folds.length, 2);
  assert.equal(m.pooled.n, 32);
  const auc = m.pooled.metrics.auc;
  assert.ok(auc.lo <= auc.value && auc.value <= auc.hi);
  assert.ok(auc.value > 0.8, `pooled AUC ${auc.value}`);

  // Same run killed in fold 1 after its first epoch, then resumed from its directory.
  const runsRoot = root();
  await assert.rejects(
    runTraining({
      config,
      dataset,
      arch,
      runsRoot,
      onEpoch: (fold, rec) => {
        if (fold === 1 && rec.epoch === 0) throw new Error("killed");
      },
    }),
    /killed/,
  );
  const dir = path.join(runsRoot, fs.readdirSync(runsRoot)[0]);
  assert.ok(fs.existsSync(path.join(dir, "fold-0/result.json")));
  assert.ok(!fs.existsSync(path.join(dir, "fold-1/result.json")));
  const resumed = await runTraining({ resumeDir: dir, dataset, arch });
  assert.deepEqual(resumed.folds.map((f) => f.test.probabilities), full.folds.map((f) => f.test.probabilities));
  assert.deepEqual(resumed.metrics.pooled.metrics, full.metrics.pooled.metrics);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, "run.json"), "utf8")).resumedAt.length, 1);
  // evaluate recomputes the same metrics from the saved predictions
  assert.deepEqual(evaluateRun(dir, { resamples: 200, seed: 3 }).pooled.metrics, resumed.metrics.pooled.metrics);
});

test("resume refuses a changed dataset", async () => {
  const runsRoot = root();
  const small = { ...config, epochs: 1, folds: { ...config.folds, run: [0] } };
  const r = await runTraining({ config: small, dataset, arch, runsRoot });
  const other = { ...dataset, samples: toySamples(28, 4) };
  await assert.rejects(runTraining({ resumeDir: r.runDir, dataset: other, arch }), /dataset or fold settings changed/);
  assert.throws(() => evaluateRun(path.join(runsRoot, "nope")), /run directory not found/);
});
