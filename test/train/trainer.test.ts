import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/backend/select";
import { trainModel, TrainingDivergedError } from "../../src/train/trainer";
import { loadCheckpoint } from "../../src/train/checkpoint";
import { predictProbabilities } from "../../src/train/predict";
import { TinyNet, toySamples, sameWeights } from "./helpers";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "naslung-train-"));
const data = toySamples(24, 3);
const train = data.slice(0, 16);
const val = data.slice(16);
const base = { epochs: 4, batchSize: 4, progress: "none" as const, optimizer: { name: "sgd" as const, lr: 0.05, momentum: 0.9, beta1: 0.9, beta2: 0.999, weightDecay: 0 } };

test("trainModel learns a separable toy cohort and returns the best-val model", async () => {
  await initBackend({ quiet: true });
  const before = tf.memory().numTensors;
  const r = await trainModel({ arch: (s) => new TinyNet(s), train, val, config: { ...base, epochs: 6 }, seed: 5 });
  assert.equal(r.history.length, 6);
  assert.ok(r.bestEpoch >= 0 && r.history[r.bestEpoch].best);
  assert.ok(r.history[5].trainLoss < r.history[0].trainLoss, "training loss decreases");
  assert.ok(r.val.metrics.auc > 0.9, `val AUC ${r.val.metrics.auc}`);
  // The returned model holds the best epoch's weights: its val AUC is that epoch's.
  assert.equal(r.val.metrics.auc, r.history[r.bestEpoch].valAuc);
  assert.deepEqual(Array.from(predictProbabilities(r.model, val)), Array.from(r.val.probabilities));
  r.model.dispose();
  assert.ok(tf.memory().numTensors - before <= 4, `tensor leak: ${tf.memory().numTensors - before}`);
});

test("same seed gives bit-identical weights; another seed does not", async () => {
  const run = async (seed: number) => (await trainModel({ arch: (s) => new TinyNet(s), train, val, config: { ...base, epochs: 2 }, seed })).model.getWeights();
  const a = await run(7);
  const b = await run(7);
  const c = await run(8);
  assert.ok(sameWeights(a, b));
  assert.ok(!sameWeights(a, c));
});

for (const opt of ["sgd", "adam"] as const) {
  test(`a run killed after epoch 2 and resumed ends bit-identical to an uninterrupted one (${opt})`, async () => {
    const config = { ...base, optimizer: { ...base.optimizer, name: opt, lr: opt === "adam" ? 0.01 : 0.05 }, schedule: { name: "reference" as const, decayEpochs: 2, milestones: [], gamma: 0.1, minLr: 0 } };
    const full = await trainModel({ arch: (s) => new TinyNet(s), train, val, config, seed: 11, runDir: tmp() });
    const dir = tmp();
    await assert.rejects(
      trainModel({
        arch: (s) => new TinyNet(s),
        train,
        val,
        config,
        seed: 11,
        runDir: dir,
        onEpoch: (rec) => {
          if (rec.epoch === 1) throw new Error("simulated kill");
        },
      }),
      /simulated kill/,
    );
    assert.equal(loadCheckpoint(path.join(dir, "last.ckpt")).state.epoch, 2);
    const resumed = await trainModel({ arch: (s) => new TinyNet(s), train, val, config, seed: 11, runDir: dir });
    assert.equal(resumed.resumedFrom, 2);
    assert.deepEqual(resumed.history.map((h) => h.trainLoss), full.history.map((h) => h.trainLoss));
    assert.equal(resumed.bestEpoch, full.bestEpoch);
    assert.ok(sameWeights(resumed.model.getWeights(), full.model.getWeights()), "best weights identical");
    const lastA = loadCheckpoint(path.join(dir, "last.ckpt"));
    const lastB = full.history.length;
    assert.equal(lastA.state.epoch, lastB);
  });
}

test("a NaN loss stops with a clear error and keeps the last good checkpoint", async () => {
  const dir = tmp();
  let net: TinyNet | null = null;
  const err = await trainModel({
    arch: (s) => (net = new TinyNet(s)),
    train,
    val,
    config: base,
    seed: 2,
    runDir: dir,
    onEpoch: (rec) => {
      if (rec.epoch === 1 && net) net.poison = true;
    },
  }).then(
    () => null,
    (e) => e as Error,
  );
  assert.ok(err instanceof TrainingDivergedError, String(err));
  assert.match(err.message, /loss is NaN at epoch 3, step 9/);
  assert.match(err.message, /last good checkpoint \(after epoch 2\)/);
  const ck = loadCheckpoint(path.join(dir, "last.ckpt"));
  assert.equal(ck.state.epoch, 2);
  for (const w of Object.values(ck.weights)) assert.ok(w.data.every(Number.isFinite));
});

test("a checkpoint from another config is refused on resume", async () => {
  const dir = tmp();
  await trainModel({ arch: (s) => new TinyNet(s), train, val, config: { ...base, epochs: 1 }, seed: 1, runDir: dir });
  await assert.rejects(
    trainModel({ arch: (s) => new TinyNet(s), train, val, config: { ...base, epochs: 1, batchSize: 2 }, seed: 1, runDir: dir }),
    /different config, seed or data split/,
  );
});

test("early stopping ends the run after `patience` epochs without improvement", async () => {
  const r = await trainModel({
    arch: (s) => new TinyNet(s),
    train,
    val,
    config: { ...base, epochs: 30, optimizer: { ...base.optimizer, lr: 1e-9 }, earlyStopping: { patience: 2, selectBy: "accuracy" } },
    seed: 4,
  });
  assert.ok(r.stoppedEarly);
  assert.equal(r.history.length, r.bestEpoch + 3);
});

test("inline and worker-thread batch assembly train to identical weights", async () => {
  const run = async (prefetch: "inline" | "auto") =>
    (await trainModel({ arch: (s) => new TinyNet(s), train, val, config: { ...base, epochs: 2, prefetch }, seed: 13 })).model.getWeights();
  assert.ok(sameWeights(await run("inline"), await run("auto")));
});
