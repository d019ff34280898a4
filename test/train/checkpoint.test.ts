import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { decodeCheckpoint, encodeCheckpoint, loadCheckpoint, saveCheckpoint } from "../../src/train/checkpoint";
import { createOptimizer, loadOptimizerState, saveOptimizerState } from "../../src/train/optimizer";
import { DEFAULT_TRAIN_CONFIG } from "../../src/train/config";

const state = { epoch: 3, step: 12, history: [], bestEpoch: 1, bestScore: [0.9, -0.3], inputNorm: { mean: 0.5, std: 0.2 }, fingerprint: "abc" };

test("checkpoint encode/decode round-trips weights, optimizer slots and state exactly", () => {
  const ck = {
    state,
    weights: { "a.weight": { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, NaN, 1e-30, 7]) }, "bn.running_var": { shape: [1], data: Float32Array.from([0.25]) } },
    optimizer: [{ name: "iter", shape: [], dtype: "int32" as const, data: Float32Array.from([12]) }],
  };
  const back = decodeCheckpoint(encodeCheckpoint(ck));
  assert.deepEqual(back.state, state);
  assert.deepEqual(Object.keys(back.weights), ["a.weight", "bn.running_var"]);
  assert.deepEqual(Array.from(back.weights["a.weight"].data), Array.from(ck.weights["a.weight"].data));
  assert.deepEqual(back.optimizer, ck.optimizer);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-ck-"));
  const f = path.join(dir, "x.ckpt");
  saveCheckpoint(f, ck);
  assert.deepEqual(fs.readdirSync(dir), ["x.ckpt"], "no temp files left");
  assert.deepEqual(loadCheckpoint(f).state, state);
  const bytes = fs.readFileSync(f);
  fs.writeFileSync(f, bytes.subarray(0, bytes.length - 4));
  assert.throws(() => loadCheckpoint(f), /x\.ckpt: checkpoint is \d+ bytes, expected \d+ \(truncated\?\)/);
  fs.writeFileSync(f, "hello world");
  assert.throws(() => loadCheckpoint(f), /not a naslung checkpoint/);
});

for (const name of ["sgd", "adam"] as const) {
  test(`${name} optimizer state survives save/load and continues identically`, async () => {
    const run = async (split: boolean) => {
      const v = tf.variable(tf.tensor1d([1, -2, 3]));
      const cfg = { ...DEFAULT_TRAIN_CONFIG.optimizer, name, lr: 0.1 };
      let opt = createOptimizer(cfg);
      const step = () => opt.minimize(() => tf.sum(tf.square(tf.mul(v, v))) as tf.Scalar, false, [v]);
      for (let i = 0; i < 3; i++) step();
      if (split) {
        const saved = await saveOptimizerState(opt);
        opt.dispose();
        opt = createOptimizer(cfg);
        await loadOptimizerState(opt, saved);
      }
      for (let i = 0; i < 3; i++) step();
      const out = Array.from(v.dataSync());
      v.dispose();
      opt.dispose();
      return out;
    };
    assert.deepEqual(await run(true), await run(false));
  });
}
