import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../src/backend/select";
import * as fs from "fs";
import * as path from "path";
import { repoRoot, slowTests } from "../../src/util/provenance";
import { createModel, listModels, REFERENCE_MODELS, resolveConfig } from "../../src/models/registry";
import { describeArchitecture, flopsOf, paramCountOf } from "../../src/models/complexity";

// Parameter counts computed with PyTorch 1.13 by the golden script (test/models/golden.test.ts:
// `sum(p.numel() for p in ConvRes(cfg).parameters())`, ConvRes written after the reference's
// models/cnn_res.py with the stem generalised to [stem1, stem2]); DESIGN.md: 0.159M .. 40.092M.
const GOLDEN_COUNTS = JSON.parse(fs.readFileSync(path.join(repoRoot, "test", "golden", "param_counts.json"), "utf8")) as {
  configs: unknown[];
  params: number[];
};
const PYTORCH_COUNTS = GOLDEN_COUNTS.params;

test("the registry holds the ten reference configurations in DESIGN.md order", () => {
  assert.deepEqual(listModels(), Array.from({ length: 10 }, (_, i) => `model-${i + 1}`));
  assert.deepEqual(REFERENCE_MODELS.map((m) => m.params), PYTORCH_COUNTS);
  assert.deepEqual(REFERENCE_MODELS.map((m) => JSON.parse(m.arch)), GOLDEN_COUNTS.configs, "same configs as the PyTorch count");
  assert.deepEqual(PYTORCH_COUNTS.map((n) => Math.round(n / 1e3) / 1e3), [0.159, 1.957, 2.013, 2.832, 2.836, 2.882, 3.561, 30.3, 36.393, 40.092]);
});

for (const [i, m] of REFERENCE_MODELS.entries()) {
  test(`${m.name} builds with the PyTorch parameter count`, async () => {
    await initBackend({ backend: "cpu", quiet: true });
    const before = tf.memory().numTensors;
    const net = createModel(m.name, { seed: 7 });
    try {
      assert.equal(net.paramCount(), PYTORCH_COUNTS[i]);
      assert.ok(net.flops() > 0);
    } finally {
      net.dispose();
    }
    assert.equal(tf.memory().numTensors, before, "dispose frees every variable");
  });
}

// Forward contract per registered model. Models under ~1.3 GFLOP run by default (about a second
// each on stock tfjs); the 7-16 GFLOP ones run with NASLUNG_SLOW=1.
const QUICK_FORWARD = new Set(["model-1", "model-2", "model-3", "model-5"]);
for (const m of REFERENCE_MODELS) {
  test(`${m.name} eval forward: [1,2] cos/psi, [1,C] features, finite`, { skip: !QUICK_FORWARD.has(m.name) && !slowTests() }, async () => {
    await initBackend({ backend: "cpu", quiet: true });
    const net = createModel(m.name, { seed: 5 });
    const x = tf.randomNormal([1, 32, 32, 32, 1], 0, 1, "float32", 1) as tf.Tensor5D;
    tf.tidy(() => {
      const out = net.apply(x, { training: false });
      assert.deepEqual(out.cos!.shape, [1, 2]);
      assert.deepEqual(out.psi!.shape, [1, 2]);
      assert.deepEqual(out.features.shape, [1, net.featureChannels]);
      assert.ok([...out.cos!.dataSync(), ...out.psi!.dataSync()].every(Number.isFinite));
    });
    x.dispose();
    net.dispose();
  });
}

test("FLOPs match DESIGN.md: Model-1 ~177 MFLOP, Model-2 ~718 MFLOP", async () => {
  await initBackend({ backend: "cpu", quiet: true });
  for (const [name, mflop] of [["model-1", 177], ["model-2", 718]] as const) {
    const net = createModel(name, { seed: 1 });
    assert.ok(Math.abs(net.flops() / 1e6 - mflop) < 0.5, `${name}: ${net.flops() / 1e6} MFLOP`);
    net.dispose();
  }
});

test("attention/head options change the architecture; unknown names are clear errors", async () => {
  await initBackend({ backend: "cpu", quiet: true });
  const none = createModel("model-1", { seed: 1, attention: "none", head: "linear" });
  const ref = createModel("model-1", { seed: 1 });
  const cbam = createModel("model-1", { seed: 1, attention: "cbam" });
  // reference attention per layer: fc1 C*C/4 + fc2 C/4*C + 2*27 spatial weights; linear head adds 2 biases.
  const refAtt = [4, 8, 16, 32].reduce((s, c) => s + 2 * c * Math.floor(c / 4) + 54, 0);
  assert.equal(ref.paramCount() - none.paramCount(), refAtt - 2);
  const cbamAtt = [4, 8, 16, 32].reduce((s, c) => s + 2 * c * Math.floor(c / 4) + Math.floor(c / 4) + c + 2 * 343, 0);
  assert.equal(cbam.paramCount() - ref.paramCount(), cbamAtt - refAtt);
  assert.equal(none.id, "s4.4-8.8.8-16.16.16-32.32:none:linear");
  for (const n of [none, ref, cbam]) n.dispose();
  assert.throws(() => createModel("model-11", { seed: 1 }), /unknown model "model-11"/);
  const fromId = createModel("s2.2-4-4-8", { seed: 1 });
  assert.equal(fromId.featureChannels, 8);
  fromId.dispose();
});

test("analytic paramCountOf/flopsOf equal the built models' counts for every attention and head", async () => {
  await initBackend({ backend: "cpu", quiet: true });
  for (const m of REFERENCE_MODELS.slice(0, 6)) {
    for (const attention of ["reference", "cbam", "none"] as const) {
      for (const head of ["asoftmax", "linear"] as const) {
        const cfg = resolveConfig(m.name, { attention, head });
        const net = createModel(cfg, { seed: 1 });
        assert.equal(paramCountOf(cfg), net.paramCount(), `${m.name} ${attention} ${head} params`);
        assert.equal(flopsOf(cfg), net.flops(), `${m.name} ${attention} ${head} flops`);
        net.dispose();
      }
    }
  }
  for (const m of REFERENCE_MODELS) assert.equal(paramCountOf(resolveConfig(m.name)), m.params);
  const rows = describeArchitecture(resolveConfig("model-1"));
  assert.deepEqual(rows.map((r) => r.kind).slice(0, 5), ["input", "cbr", "cbr", "attention", "down"]);
  assert.equal(rows[rows.length - 1].label, "AngleLinear 32->2 (m=4)");
});
