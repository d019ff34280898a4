import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { gradCam, gradCamFromGradients } from "../../src/explain/gradcam";
import { explainSamples } from "../../src/explain/maps";
import type { ExplainableModel } from "../../src/explain/model";
import { noduleReport, noduleReportMarkdown } from "../../src/explain/report";
import { overlayGridFigure, noduleReportFigure, insideMaskFigure } from "../../src/plot/explain";
import type { NoduleSample } from "../../src/data/sample";

/**
 * A two-channel toy net shaped like ConvRes's tail: 32^3 -> avg-pool 8 -> [N,4,4,4,2] with
 * channels (a, 1 - a) -> global average -> linear head W. Its Grad-CAM is analytic:
 * alpha_c = W[c, 1] / 64, cam = ReLU(alpha_0 a + alpha_1 (1 - a)).
 */
const W = [
  [0.5, 2],
  [1, -1],
];
const toy: ExplainableModel = {
  apply(x, opts) {
    const a = tf.avgPool3d(x, 8, 8, "valid") as tf.Tensor5D;
    let h = tf.concat([a, tf.sub(1, a)], -1) as tf.Tensor5D;
    const attention = opts.returnAttention ? [tf.squeeze(tf.sigmoid(x), [4]) as tf.Tensor4D, tf.squeeze(a, [4]) as tf.Tensor4D] : undefined;
    if (opts.lastStageHook) h = opts.lastStageHook(h);
    const logits = tf.matMul(tf.mean(h, [1, 2, 3]) as tf.Tensor2D, tf.tensor2d(W)) as tf.Tensor2D;
    return { logits, attention };
  },
};

function sample(id: string, label: 0 | 1, corner: number): NoduleSample {
  const crop = new Float32Array(32 ** 3);
  const mask = new Uint8Array(32 ** 3);
  for (let z = 0; z < 32; z++)
    for (let y = 0; y < 32; y++)
      for (let x = 0; x < 32; x++) {
        const inside = Math.hypot(z - 16, y - 16, x - 16) < 6;
        const i = (z * 32 + y) * 32 + x;
        crop[i] = inside ? 0.9 : corner && z < 8 && y < 8 && x < 8 ? 0.6 : 0.1;
        mask[i] = inside ? 1 : 0;
      }
  return { id, label, group: id, size: 32, crop, mask };
}

test("Grad-CAM from gradients: mean-gradient channel weights, ReLU of the weighted sum", () => {
  const act = tf.tensor5d([1, 2, 3, 4, -1, 0, 2, 2], [1, 1, 2, 2, 2]);
  const grad = tf.tensor5d([1, 0, 3, 0, 0, 1, 0, 1], [1, 1, 2, 2, 2]);
  // alpha = [mean(1,3,0,0)=1, mean(0,0,1,1)=0.5]; cam = relu(a0 + 0.5 a1)
  const cam = gradCamFromGradients(act, grad);
  assert.deepEqual(Array.from(cam.dataSync()), [2, 5, 0, 3]);
  assert.deepEqual(cam.shape, [1, 1, 2, 2]);
  assert.throws(() => gradCamFromGradients(act, tf.zeros([1, 2, 2, 2, 2]) as tf.Tensor5D), /differ in shape/);
  tf.dispose([act, grad, cam]);
});

test("Grad-CAM of a model matches the analytic map of a pooled linear head, without leaking tensors", () => {
  const x = tf.tensor5d(Float32Array.from({ length: 2 * 32 ** 3 }, (_, i) => ((i * 2654435761) % 1000) / 1000), [2, 32, 32, 32, 1]);
  const before = tf.memory().numTensors;
  const cam = gradCam(toy, x, 1);
  assert.deepEqual(cam.shape, [2, 4, 4, 4]);
  const a = tf.tidy(() => tf.avgPool3d(x, 8, 8, "valid").dataSync());
  const got = cam.dataSync();
  for (let i = 0; i < a.length; i++) {
    const want = Math.max(0, (W[0][1] * a[i] + W[1][1] * (1 - a[i])) / 64);
    assert.ok(Math.abs(got[i] - want) < 1e-6, `voxel ${i}: ${got[i]} vs ${want}`);
  }
  const cam0t = gradCam(toy, x, 0);
  const cam0 = cam0t.dataSync();
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(cam0[i] - Math.max(0, (W[0][0] * a[i] + W[1][0] * (1 - a[i])) / 64)) < 1e-6);
  assert.throws(() => gradCam(toy, x, 2), /classIndex 2 outside the 2 classes/);
  assert.throws(() => gradCam({ apply: (v, o) => toy.apply(v, { ...o, lastStageHook: undefined }) }, x), /never called lastStageHook/);
  tf.dispose([cam, cam0t]);
  assert.equal(tf.memory().numTensors, before + 0, "gradCam leaves only its result");
  x.dispose();
});

test("explainSamples: attention maps of every layer and Grad-CAM, upsampled to 32^3; report and figures", () => {
  const samples = [sample("a", 1, 0), sample("b", 0, 1), sample("c", 1, 0)];
  const before = tf.memory().numTensors;
  const ex = explainSamples(toy, samples, { batchSize: 2 });
  assert.equal(tf.memory().numTensors, before, "no tensors leak");
  assert.equal(ex.length, 3);
  assert.deepEqual(ex[0].maps.map((m) => [m.name, m.kind, m.nativeSize]), [
    ["stem", "attention", 32],
    ["stage 1", "attention", 4],
    ["Grad-CAM", "gradcam", 4],
  ]);
  for (const e of ex) for (const m of e.maps) assert.equal(m.map.length, 32 ** 3);
  // Softmax of the toy logits, computed by hand for sample "a".
  const mean = samples[0].crop.reduce((s, v) => s + v, 0) / 32 ** 3;
  const l0 = W[0][0] * mean + W[1][0] * (1 - mean);
  const l1 = W[0][1] * mean + W[1][1] * (1 - mean);
  assert.ok(Math.abs(ex[0].probability - 1 / (1 + Math.exp(l0 - l1))) < 1e-5);

  const r = noduleReport(samples[0], ex[0], {
    synthetic: true,
    votes: [
      { member: "m1", prob: 0.8, vote: "malignant" },
      { member: "m2", prob: 0.3, vote: "benign" },
    ],
  });
  assert.deepEqual(r.centre, [16, 16, 16]);
  assert.ok(r.maps.every((m) => m.insideMass !== undefined && m.insideMass >= 0 && m.insideMass <= 1));
  const md = noduleReportMarkdown(r);
  assert.match(md, /synthetic cohort/);
  assert.match(md, /1 of 2 members say malignant/);
  const fig = noduleReportFigure(r);
  // 3 maps x 3 views x (image + map + mask outline)
  assert.equal(fig.data.length, 27);
  assert.match(String((fig.layout.title as { text: string }).text), /^\[synthetic\] nodule a: malignant, P\(malignant\) = .*<br>1\/2 members vote malignant/);
  // Maps on the absolute log2 density scale: [-2, 2], chance (density 1) at 0.
  const maps = fig.data.filter((t) => t.type === "heatmap" && (t as { zmax?: number }).zmax === 2);
  assert.equal(maps.length, 9);
  assert.ok(maps.every((t) => (t as { zmin?: number }).zmin === -2));
  // The stem map is sigmoid(crop), brighter in the nodule: above chance at the centre, below far from it.
  const axial = maps[0].z as number[][];
  assert.ok(axial[16][16] > 0 && axial[0][0] < 0, `log2 density ${axial[16][16]} at the centre, ${axial[0][0]} in the corner`);
  assert.ok(fig.layout.yaxis9, "nine subplot axes");
  const g = overlayGridFigure(r.image, [], { title: "image only" });
  assert.equal(g.data.length, 3);
  const bar = insideMaskFigure([{ map: "stem", n: 3, meanInside: 0.3, meanBaseline: 0.1, ratio: 3, meanDifference: 0.2, ci: { lo: 0.1, hi: 0.25 }, winRate: 1 }]);
  assert.deepEqual((bar.data[0].error_y as { array: number[] }).array.map((v) => +v.toFixed(6)), [0.05]);
  assert.throws(() => noduleReport(samples[1], ex[0], { synthetic: true }), /sample "b" but explanation of "a"/);
});

test("attentionStudy: per-map inside-mask summary with an untrained baseline; masks are required", async () => {
  const { attentionStudy } = await import("../../src/explain/study");
  const samples = [sample("a", 1, 0), sample("b", 0, 1)];
  const s = attentionStudy({ model: toy, samples, untrained: toy, resamples: 50 });
  assert.deepEqual(s.maps, ["stem", "stage 1", "Grad-CAM"]);
  assert.equal(s.summary.length, 3);
  assert.deepEqual(s.untrainedSummary, s.summary, "the same model twice gives the same statistic");
  // The toy's stem map is sigmoid(crop), brighter in the nodule: above the baseline.
  assert.ok(s.summary[0].ratio > 1 && s.summary[0].ci.lo > 0);
  assert.throws(() => attentionStudy({ model: toy, samples: [{ ...samples[0], mask: undefined }] }), /sample "a" has no nodule mask/);
});
