import * as tf from "@tensorflow/tfjs";
import type { NoduleSample } from "../../src/data/sample";
import { ParamStore } from "../../src/models/paramStore";
import { BatchNorm3d } from "../../src/models/layers/batchNorm3d";
import { AngleLinear, LinearHead } from "../../src/models/layers/heads";
import type { TrainableNet } from "../../src/train/net";
import { createRng } from "../../src/util/rng";

/**
 * A tiny stand-in for ConvResNet with the same contract (BatchNorm running stats, A-Softmax or
 * linear head) built from naslung's own layers, but cheap: 8^3 average pooling to 4^3, one
 * BatchNorm, one hidden map, then the head. Trains in milliseconds on the stock CPU backend.
 */
export class TinyNet implements TrainableNet {
  readonly store: ParamStore;
  readonly bn: BatchNorm3d;
  readonly hidden: LinearHead;
  readonly head: AngleLinear | LinearHead;
  /** When set, the forward pass multiplies its logits by NaN (divergence tests). */
  poison = false;

  constructor(seed: number, headKind: "asoftmax" | "linear" = "asoftmax") {
    this.store = new ParamStore(seed);
    this.bn = new BatchNorm3d(this.store, "bn", 1);
    this.hidden = new LinearHead(this.store, "hidden", 64, 8);
    this.head = headKind === "asoftmax" ? new AngleLinear(this.store, "head", 8, 2) : new LinearHead(this.store, "head", 8, 2);
  }

  apply(x: tf.Tensor5D, opts: { training: boolean }) {
    const pooled = tf.avgPool3d(x, 8, 8, "valid") as tf.Tensor5D;
    const h = this.bn.apply(pooled, { training: opts.training, updateStats: opts.training });
    const f = tf.relu(this.hidden.apply(tf.reshape(h, [x.shape[0], 64]) as tf.Tensor2D)) as tf.Tensor2D;
    const scale = this.poison ? NaN : 1;
    if (this.head instanceof AngleLinear) {
      const { cos, psi } = this.head.apply(f);
      const c = tf.mul(cos, scale) as tf.Tensor2D;
      return { logits: c, cos: c, psi: tf.mul(psi, scale) as tf.Tensor2D };
    }
    const logits = tf.mul(this.head.apply(f), scale) as tf.Tensor2D;
    return { logits };
  }

  predictProba(x: tf.Tensor5D): tf.Tensor1D {
    return tf.tidy(() => tf.squeeze(tf.slice(tf.softmax(this.apply(x, { training: false }).logits), [0, 1], [-1, 1]), [1]) as tf.Tensor1D);
  }

  get trainableVariables(): tf.Variable[] {
    return [...this.store.params.values()];
  }
  getWeights() {
    return this.store.getWeights();
  }
  setWeights(w: ReturnType<ParamStore["getWeights"]>, strict = true) {
    this.store.setWeights(w, strict);
  }
  paramCount() {
    return this.store.paramCount();
  }
  dispose() {
    this.store.dispose();
  }
}

/**
 * A small separable cohort: malignant cubes hold a bright ball of radius 9, benign ones a ball of
 * radius 4, both on a noisy 170/255-ish background; two samples per group.
 */
export function toySamples(count: number, seed = 1, n = 32): NoduleSample[] {
  const rng = createRng(seed, "toy");
  const out: NoduleSample[] = [];
  for (let i = 0; i < count; i++) {
    const label = (i % 2) as 0 | 1;
    const r = label ? 9 : 4;
    const crop = new Float32Array(n * n * n);
    const c = (n - 1) / 2 + rng.int(-2, 2);
    for (let z = 0; z < n; z++)
      for (let y = 0; y < n; y++)
        for (let x = 0; x < n; x++) {
          const d2 = (z - c) ** 2 + (y - c) ** 2 + (x - c) ** 2;
          crop[(z * n + y) * n + x] = (d2 <= r * r ? 0.9 : 0.2) + 0.05 * rng.normal();
        }
    out.push({ id: `toy-${i}`, label, group: `g${Math.floor(i / 2)}`, size: n, crop });
  }
  return out;
}

/** True when two weight maps are bit-identical. */
export function sameWeights(a: Record<string, { data: Float32Array }>, b: Record<string, { data: Float32Array }>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  if (ka.join() !== kb.join()) return false;
  return ka.every((k) => Buffer.from(a[k].data.buffer, a[k].data.byteOffset, a[k].data.byteLength).equals(Buffer.from(b[k].data.buffer, b[k].data.byteOffset, b[k].data.byteLength)));
}
