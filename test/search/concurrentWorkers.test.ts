import { test } from "node:test";
import assert from "node:assert/strict";
import * as os from "os";
import * as path from "path";
import { Worker } from "worker_threads";
import { loadAddon } from "../../src/backend/native/addon";
import { Candidate, EvaluatorSpec, workerExecutor } from "../../src/search/executor";
import { parseSearchId } from "../../src/search/space";
import type { TrainEvaluatorOptions } from "../../src/search/trainEvaluator";

// The parallel search (`workers: auto` with the train evaluator) trains one candidate per piscina
// worker thread, all in one process and one native addon. Two candidates training at once must
// each get exactly what it gets alone: the addon's plans, scratch buffers and streams are per
// thread, and each worker runs its kernels on one OpenMP thread.

const loaded = loadAddon();
const skip = "error" in loaded ? `native addon unavailable: ${loaded.error}` : false;
const cores = os.availableParallelism?.() ?? os.cpus().length;

test("a worker thread's native kernels use one OpenMP thread; the main thread keeps its own team", async (t) => {
  if (skip) return t.skip(skip);
  if ("error" in loaded) return;
  const main = loaded.addon.threads();
  assert.equal(main, loaded.threads, "main thread's team as set by init");
  const code = `
    const { parentPort } = require("worker_threads");
    const { initBackend } = require(${JSON.stringify(path.resolve(__dirname, "../../src/backend/select.js"))});
    const { loadAddon } = require(${JSON.stringify(path.resolve(__dirname, "../../src/backend/native/addon.js"))});
    initBackend({ backend: "cpu", quiet: true }).then((b) => parentPort.postMessage({ status: b.native.threads, now: loadAddon().addon.threads() }));`;
  const w = new Worker(code, { eval: true });
  const got = await new Promise<{ status: number; now: number }>((res, rej) => (w.once("message", res), w.once("error", rej)));
  await w.terminate();
  assert.deepEqual(got, { status: 1, now: 1 }, "the worker's initBackend asks for 1 thread");
  if (cores < 2) return t.diagnostic(`only ${cores} core: the main thread's team cannot differ from the worker's`);
  assert.ok(main >= 2, `main thread team ${main} on ${cores} cores`);
  assert.equal(loaded.addon.threads(), main, "the worker's init did not change the main thread's team size");
});

/** The real train evaluator on the SYNTHETIC size-only cubes, 2 short epochs, per-epoch history returned. */
const spec: EvaluatorSpec = {
  module: path.resolve(__dirname, "../../src/search/trainEvaluator.js"),
  options: {
    data: { dataset: "size-only", options: { samples: 48, seed: 3 } },
    folds: { k: 4, fold: 0, seed: 5, innerValFraction: 0.25 },
    subsample: { train: 24, val: 8 },
    train: { epochs: 2, batchSize: 4 },
    latency: { batchSizes: [1], warmup: 0, repeats: 1 },
    backend: "cpu",
    history: true,
  } satisfies TrainEvaluatorOptions,
};

// Two different candidates that share the stem and the first stage: the same convolution shapes,
// so the same native plans (and their weight scratch), which a cache shared between threads would
// hand to both trainings at once. Against such an addon this test failed 4 runs out of 4.
const candidates: Candidate[] = [
  { id: "s4.4-4-4-4", arch: parseSearchId("s4.4-4-4-4"), seed: 11, proposal: 0 },
  { id: "s4.4-4-8-8", arch: parseSearchId("s4.4-4-8-8"), seed: 12, proposal: 1 },
];

/** Everything of a result that does not depend on timing. */
function deterministicPart(r: Awaited<ReturnType<ReturnType<typeof workerExecutor>["run"]>>) {
  const { trainSeconds: _t, latencySeconds: _l, ...extra } = r.extra as Record<string, unknown>;
  return { params: r.params, flops: r.flops, val: r.val, extra };
}

test("two candidates training at once in two worker threads get their single-threaded results bit for bit", { timeout: 300_000 }, async (t) => {
  if (skip) return t.skip(skip);
  // Each alone: one worker thread, one candidate after the other.
  const one = workerExecutor(spec, 1);
  const alone = [];
  try {
    for (const c of candidates) alone.push(await one.run(c));
  } finally {
    await one.close();
  }
  // Both at once, each in its own worker thread of the same process.
  const two = workerExecutor(spec, 2);
  let together;
  try {
    together = await Promise.all(candidates.map((c) => two.run(c)));
  } finally {
    await two.close();
  }
  assert.notEqual(together[0].worker, together[1].worker, "the two candidates ran in different worker threads");
  for (let i = 0; i < candidates.length; i++) {
    const a = deterministicPart(alone[i]), b = deterministicPart(together[i]);
    const history = a.extra.history as { trainLoss: number }[];
    assert.equal(history.length, 2, `${candidates[i].id}: two epochs recorded`);
    assert.ok(history.every((e) => Number.isFinite(e.trainLoss)), `${candidates[i].id}: finite losses`);
    // deepStrictEqual compares numbers with Object.is: bit-identical losses, AUCs and metrics.
    assert.deepStrictEqual(b, a, `${candidates[i].id}: concurrent training differs from training alone`);
  }
  assert.notDeepStrictEqual(deterministicPart(alone[0]).extra.history, deterministicPart(alone[1]).extra.history, "the candidates differ");
});
