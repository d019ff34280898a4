import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DEFAULT_TRAIN_CONFIG, REFERENCE_TRAIN_CONFIG, loadTrainConfig, resolveTrainConfig } from "../../src/train/config";
import { learningRateAt } from "../../src/train/schedule";
import { applyOverrides } from "../../src/cli/commands/train";

test("defaults are the naslung recipe; the reference recipe stays named, in the library and in configs/train-reference.json", () => {
  assert.deepEqual(resolveTrainConfig(REFERENCE_TRAIN_CONFIG), REFERENCE_TRAIN_CONFIG);
  assert.deepEqual([REFERENCE_TRAIN_CONFIG.optimizer.name, REFERENCE_TRAIN_CONFIG.optimizer.lr, REFERENCE_TRAIN_CONFIG.optimizer.momentum], ["sgd", 0.01, 0.9]);
  assert.deepEqual([REFERENCE_TRAIN_CONFIG.schedule.name, REFERENCE_TRAIN_CONFIG.epochs, REFERENCE_TRAIN_CONFIG.batchSize, REFERENCE_TRAIN_CONFIG.loss], ["reference", 400, 8, "asoftmax"]);
  assert.equal(REFERENCE_TRAIN_CONFIG.calibration, "none");
  assert.deepEqual([DEFAULT_TRAIN_CONFIG.optimizer.name, DEFAULT_TRAIN_CONFIG.optimizer.lr, DEFAULT_TRAIN_CONFIG.schedule.name, DEFAULT_TRAIN_CONFIG.epochs, DEFAULT_TRAIN_CONFIG.batchSize], ["adam", 0.002, "cosine", 16, 16]);
  assert.equal(DEFAULT_TRAIN_CONFIG.calibration, "platt");
  const file = loadTrainConfig(path.join(__dirname, "..", "..", "..", "configs", "train-reference.json"));
  for (const k of ["loss", "head", "optimizer", "schedule", "epochs", "batchSize", "preprocessing"] as const) {
    assert.deepEqual(file[k], REFERENCE_TRAIN_CONFIG[k], k);
  }
});

test("partial configs merge deeply over the defaults", () => {
  const c = resolveTrainConfig({ optimizer: { lr: 0.1 }, augment: { zeroOut: false } });
  assert.equal(c.optimizer.lr, 0.1);
  assert.equal(c.optimizer.momentum, 0.9);
  assert.equal(c.augment.zeroOut, false);
  assert.deepEqual(c.augment.crop, { padding: 4, fill: 170 / 255, mode: "reference" });
  assert.equal(resolveTrainConfig({ augment: false }).augment.enabled, false);
  assert.equal(resolveTrainConfig({ arch: [4, 4, [8], [16], [32]] }).arch, "[4,4,[8],[16],[32]]");
  assert.deepEqual(resolveTrainConfig(DEFAULT_TRAIN_CONFIG), DEFAULT_TRAIN_CONFIG, "idempotent");
});

test("bad configs name the file and the key", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-cfg-"));
  const write = (name: string, text: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, text);
    return f;
  };
  assert.throws(() => loadTrainConfig(write("a.json", '{"epochs": -1}')), /a\.json: key `epochs`: must be a positive integer/);
  assert.throws(() => loadTrainConfig(write("b.json", '{"optimiser": {}}')), /b\.json: key `optimiser`: unknown key/);
  assert.throws(() => loadTrainConfig(write("c.json", '{"loss": "hinge"}')), /c\.json: key `loss`: must be one of/);
  assert.throws(() => loadTrainConfig(write("d.json", "{epochs: 1}")), /d\.json: invalid JSON/);
  assert.throws(() => loadTrainConfig(write("e.json", '{"head": "linear"}')), /e\.json: key `loss`: "asoftmax" needs head "asoftmax"/);
  assert.throws(() => loadTrainConfig(write("f.json", '{"augment": {"crop": {"mode": "mirror"}}}')), /key `augment.crop.mode`/);
  assert.throws(() => loadTrainConfig(path.join(dir, "missing.json")), /missing\.json: config file not found/);
});

test("every shipped training config (configs/train-*.json) resolves", () => {
  const dir = path.join(__dirname, "..", "..", "..", "configs");
  const files = fs.readdirSync(dir).filter((f) => f.startsWith("train-") && f.endsWith(".json"));
  assert.ok(files.length >= 2);
  for (const f of files) loadTrainConfig(path.join(dir, f));
});

test("--set overrides parse JSON values at dotted keys", () => {
  const c = applyOverrides({ epochs: 4, folds: { k: 2 } }, ["epochs=2", "folds.run=[0]", "name=x"]);
  assert.deepEqual(c, { epochs: 2, folds: { k: 2, run: [0] }, name: "x" });
});

test("reference schedule: constant to epoch 329, then x(1 - 1/70) per epoch (mainsp.py get_lr)", () => {
  const s = { ...REFERENCE_TRAIN_CONFIG.schedule };
  // Golden: python3 -c "lr=0.01
  // for e in range(1,401):
  //   if e+1 > 400-70: lr -= lr/70.
  //   if e in (329,330,331,400): print(e, repr(lr))"
  assert.equal(learningRateAt(0.01, s, 328, 400), 0.01); // 1-based epoch 329
  assert.equal(learningRateAt(0.01, s, 329, 400), 0.01 - 0.01 / 70); // epoch 330: first decay
  let lr = 0.01;
  for (let e = 1; e <= 400; e++) if (e + 1 > 330) lr -= lr / 70;
  assert.equal(learningRateAt(0.01, s, 399, 400), lr);
  assert.ok(Math.abs(lr / 0.01 - Math.pow(69 / 70, 71)) < 1e-12);
  assert.equal(learningRateAt(0.1, { ...s, name: "step", milestones: [2, 4] }, 4, 10), 0.1 * 0.1 * 0.1);
  assert.equal(learningRateAt(0.1, { ...s, name: "cosine", minLr: 0 }, 9, 10), 0);
});
