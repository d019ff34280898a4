import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/backend/select";
import { archCost } from "../../src/search/cost";
import { measureLatency } from "../../src/search/latency";
import { enumerateSpace, parseSearchId } from "../../src/search/space";
import { flopsOf, paramCountOf } from "../../src/models/complexity";
import { createModel } from "../../src/models/registry";

test("measureLatency: warm-up, then the median of timed forwards at batch 1 and 32, with the backend", async () => {
  await initBackend({ backend: "cpu", quiet: true });
  const seen: number[] = [];
  let calls = 0;
  const lat = await measureLatency(
    (x) => {
      calls++;
      seen.push(x.shape[0]);
      return tf.mean(x, [1, 2, 3, 4]);
    },
    { inputSize: 8, warmup: 2, repeats: 5 },
  );
  assert.equal(calls, 2 * (2 + 5));
  assert.deepEqual([...new Set(seen)], [1, 32]);
  assert.equal(lat.inputSize, 8);
  assert.match(lat.backend, /^cpu/);
  for (const s of [lat.batch1, lat.batch32!]) {
    assert.equal(s.repeats, 5);
    assert.equal(s.warmup, 2);
    assert.ok(s.minMs <= s.medianMs && s.medianMs <= s.maxMs && s.minMs >= 0);
  }
  assert.equal(lat.batch1.batch, 1);
  assert.equal(lat.batch32!.batch, 32);
});

test("measureLatency: the time cap stops repeats early but keeps minRepeats; no tensors leak", async () => {
  await initBackend({ backend: "cpu", quiet: true });
  const before = tf.memory().numTensors;
  const slow = (x: tf.Tensor5D) => {
    // performance.now, not Date.now: whole-ms ticks would end the wait after as little as 4 ms.
    const t = performance.now();
    while (performance.now() - t < 5); // a forward that takes >= 5 ms
    return tf.add(x, 1);
  };
  const lat = await measureLatency(slow, { inputSize: 4, batchSizes: [1], warmup: 0, repeats: 50, maxMsPerBatch: 1, minRepeats: 3 });
  assert.equal(lat.batch1.repeats, 3);
  assert.equal(lat.batch32, undefined);
  assert.ok(lat.batch1.medianMs >= 5);
  assert.equal(tf.memory().numTensors, before);
});

test("archCost agrees with the models area's FLOP and parameter counts", () => {
  let i = 0;
  for (const a of enumerateSpace()) {
    if (i++ % 5000 !== 0) continue;
    const cfg = { ...a, attention: "reference" as const, head: "asoftmax" as const };
    const c = archCost(a);
    // models count the CBAM MLPs and the head too (a small extra)
    assert.ok(Math.abs(2 * c.convMacs - flopsOf(cfg)) / flopsOf(cfg) < 0.01, `${JSON.stringify(a.stages)} flops`);
    assert.ok(c.convParams <= paramCountOf(cfg) && c.convParams > 0.9 * paramCountOf(cfg), `${JSON.stringify(a.stages)} params`);
  }
});

test("latency of a real tiny ConvRes network on the active backend", async () => {
  await initBackend({ quiet: true });
  const m = createModel("s4.4-4-4-4", { seed: 1 });
  try {
    const lat = await measureLatency((x) => m.apply(x, { training: false }).logits, { batchSizes: [1], warmup: 1, repeats: 2 });
    assert.ok(lat.batch1.medianMs > 0);
    assert.equal(lat.inputSize, 32);
  } finally {
    m.dispose();
  }
  assert.ok(parseSearchId("s4.4-4-4-4"));
});
