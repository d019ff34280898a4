import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend } from "../../src/backend/select";
import { sizeOnlyDataset } from "../../src/data/synthetic/sizeOnly";
import { auc } from "../../src/metrics/auc";
import { ablationTableRows, promote, readAblationResults, resolveAblationConfig, runAblation, withOverrides, AblationRow } from "../../src/train/ablation";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "naslung-ablation-"));
const base = {
  dataset: "size-only",
  arch: "[2,2,[4],[4],[4]]",
  seed: 3,
  batchSize: 8,
  optimizer: { name: "adam", lr: 0.003 },
  schedule: { name: "cosine" },
  loss: "softmax",
  head: "linear",
  folds: { scheme: "grouped", k: 3, innerValFraction: 0.25 },
  progress: "none",
  prefetch: "inline",
  bootstrapResamples: 50,
};
const config = (outDir: string, extra: Record<string, unknown> = {}) => ({
  name: "tiny",
  base,
  variants: [
    { name: "adam", factor: "optimizer", set: {} },
    { name: "sgd", factor: "optimizer", set: { "optimizer.name": "sgd", "optimizer.lr": 0.01 } },
    { name: "no-aug", factor: "augmentation", set: { augment: false } },
  ],
  stages: [
    { epochs: 1, folds: [0], keep: 2 },
    { epochs: 2, folds: [0, 1], keep: null },
  ],
  ruler: { name: "diameter", metaKey: "diameter" },
  outDir,
  resultsFile: path.join(outDir, "results.json"),
  bootstrapResamples: 50,
  ...extra,
});

test("withOverrides sets dotted keys on a copy", () => {
  const a = { optimizer: { name: "adam", lr: 1 }, epochs: 3 };
  const b = withOverrides(a, { "optimizer.lr": 0.5, "augment.rotate90": 0.5 });
  assert.deepEqual(b, { optimizer: { name: "adam", lr: 0.5 }, epochs: 3, augment: { rotate90: 0.5 } });
  assert.equal(a.optimizer.lr, 1);
});

test("ablation configs: bad keys are named with their path", () => {
  const ok = config("/tmp/x");
  assert.doesNotThrow(() => resolveAblationConfig(ok, "a.json"));
  assert.throws(() => resolveAblationConfig({ ...ok, stagez: [] }, "a.json"), /a\.json: key `stagez`: unknown key/);
  assert.throws(() => resolveAblationConfig({ ...ok, variants: [{ name: "x", factor: "f", set: { "optimizer.nme": "sgd" } }] }, "a.json"), /optimizer\.nme.*unknown key/);
  assert.throws(() => resolveAblationConfig({ ...ok, variants: [{ name: "x", factor: "f", set: { epochs: 9 } }] }, "a.json"), /variants\[0\]\.set\.epochs`: is set by the stage/);
  assert.throws(() => resolveAblationConfig({ ...ok, variants: [ok.variants[0], ok.variants[0]] }, "a.json"), /variants\[1\]\.name`: "adam" appears twice/);
  assert.throws(() => resolveAblationConfig({ ...ok, stages: [{ epochs: 0, folds: [0] }] }, "a.json"), /stages\[0\]\.epochs`: must be a positive integer/);
  assert.throws(() => resolveAblationConfig({ ...ok, ruler: { name: "d" } }, "a.json"), /a\.json: key `ruler\.metaKey`: is required/);
});

test("promotion ranks by inner-validation AUC, never by the test folds", () => {
  const row = (variant: string, valAuc: number, testAuc: number) => ({ variant, valAuc, test: { a: { value: testAuc } } }) as unknown as AblationRow;
  assert.deepEqual(promote([row("a", 0.7, 0.99), row("b", 0.9, 0.5), row("c", 0.8, 0.6)], 2), ["b", "c"]);
  assert.deepEqual(promote([row("b", 0.8, 0), row("a", 0.8, 0)], null), ["a", "b"]);
});

test("an ablation runs its stages, promotes on validation, scores the ruler on the same readings, and resumes without retraining", { timeout: 600_000 }, async () => {
  await initBackend({ quiet: true });
  const dataset = sizeOnlyDataset({ samples: 36, seed: 1 });
  const dir = tmp();
  const c = resolveAblationConfig(config(dir), "tiny.json");
  const r = await runAblation(c, { dataset, log: () => undefined });
  assert.equal(r.complete, true);
  assert.equal(r.stages.length, 2);
  const s0 = r.rows.filter((x) => x.stage === 0);
  assert.equal(s0.length, 3);
  assert.deepEqual(r.stages[0].promoted, promote(s0, 2));
  assert.deepEqual(r.rows.filter((x) => x.stage === 1).map((x) => x.variant), r.stages[0].promoted);
  const byId = new Map(dataset.samples.map((s) => [s.id, s]));
  for (const row of r.rows) {
    const folds = row.stage === 0 ? [0] : [0, 1];
    assert.deepEqual(row.folds, folds);
    assert.equal(row.curves[0].valAuc.length, row.epochs);
    // The ruler is the diameter AUC on exactly the readings this row was tested on.
    const res = folds.map((f) => JSON.parse(fs.readFileSync(path.join(row.runDir, `fold-${f}`, "result.json"), "utf8")));
    const ids: string[] = res.flatMap((x) => x.test.ids);
    const labels = ids.map((id) => byId.get(id)!.label);
    assert.equal(row.test.b.value, auc(labels, ids.map((id) => byId.get(id)!.meta!.diameter as number)));
    assert.equal(row.test.a.value, auc(labels, res.flatMap((x) => x.test.probabilities)));
    assert.ok(Math.abs(row.test.delta - (row.test.a.value - row.test.b.value)) < 1e-12);
    assert.ok(row.test.lo <= row.test.delta && row.test.delta <= row.test.hi);
  }
  const onDisk = readAblationResults(c.resultsFile);
  assert.deepEqual(onDisk.rows.map((x) => x.variant), r.rows.map((x) => x.variant));
  assert.equal(ablationTableRows(onDisk).length, r.rows.length);
  // Resume: every fold result is reused as it is (same file, same numbers).
  const stamp = (d: string) => fs.statSync(path.join(d, "fold-0", "result.json")).mtimeMs;
  const before = r.rows.map((x) => stamp(x.runDir));
  const again = await runAblation(c, { dataset, log: () => undefined });
  assert.deepEqual(again.rows.map((x) => stamp(x.runDir)), before);
  assert.deepEqual(again.rows.map((x) => x.test.a.value), r.rows.map((x) => x.test.a.value));
  // A run folder of a different config is refused, not silently mixed in.
  const changed = resolveAblationConfig(config(dir, { base: { ...base, seed: 4 } }), "tiny.json");
  await assert.rejects(runAblation(changed, { dataset, log: () => undefined }), /holds a run of a different config/);
});
