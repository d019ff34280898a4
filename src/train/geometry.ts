import * as tf from "@tensorflow/tfjs";
import type { NoduleSample } from "../data/sample";
import { ParamStore, WeightMap } from "../models/paramStore";
import { AngleLinear, LinearHead } from "../models/layers/heads";
import type { TrainableNet } from "./net";
import { cropsToTensor, getInputNorm } from "./predict";

/**
 * A deliberately small network whose feature is two-dimensional, so the A-Softmax geometry can be
 * drawn: 4^3 average pooling of the 32^3 cube (8^3 = 512 values), Linear(512, 16) + ReLU,
 * Linear(16, 2) = the feature x, then AngleLinear(2, 2, m = 4) (SphereFace). With 2-D features the
 * class weights are two directions in the plane and theta is the angle between x and each.
 */
export class FeatureNet2D implements TrainableNet {
  private readonly store: ParamStore;
  private readonly hidden: LinearHead;
  private readonly proj: LinearHead;
  readonly head: AngleLinear;

  constructor(seed: number, m = 4) {
    this.store = new ParamStore(seed);
    this.hidden = new LinearHead(this.store, "hidden", 512, 16);
    this.proj = new LinearHead(this.store, "proj", 16, 2);
    this.head = new AngleLinear(this.store, "head", 2, 2, m);
  }

  /** The 2-D feature of each cube. */
  features(x: tf.Tensor5D): tf.Tensor2D {
    return tf.tidy(() => {
      const pooled = tf.reshape(tf.avgPool3d(x, 4, 4, "valid"), [x.shape[0], 512]) as tf.Tensor2D;
      return this.proj.apply(tf.relu(this.hidden.apply(pooled)) as tf.Tensor2D);
    });
  }

  apply(x: tf.Tensor5D, _opts: { training: boolean }) {
    const { cos, psi } = this.head.apply(this.features(x));
    return { logits: cos, cos, psi };
  }

  predictProba(x: tf.Tensor5D): tf.Tensor1D {
    return tf.tidy(() => tf.squeeze(tf.slice(tf.softmax(this.apply(x, { training: false }).logits), [0, 1], [-1, 1]), [1]) as tf.Tensor1D);
  }

  get trainableVariables(): tf.Variable[] {
    return [...this.store.params.values()];
  }
  getWeights(): WeightMap {
    return this.store.getWeights();
  }
  setWeights(w: WeightMap, strict = true): void {
    this.store.setWeights(w, strict);
  }
  paramCount(): number {
    return this.store.paramCount();
  }
  dispose(): void {
    this.store.dispose();
  }
}

/** Features and angles of a set of samples under a FeatureNet2D. */
export interface AngleGeometry {
  /** 2-D features [x, y] per sample. */
  features: Array<[number, number]>;
  labels: number[];
  /** Angle (degrees) between each feature and its own class weight. */
  thetaTarget: number[];
  /** Angle (degrees) to the other class's weight. */
  thetaOther: number[];
  /** Unit class-weight directions [benign, malignant]. */
  weights: Array<[number, number]>;
}

/** Computes the A-Softmax geometry of `samples` (eval mode, the net's trained input scaling). */
export function angleGeometry(net: FeatureNet2D, samples: NoduleSample[]): AngleGeometry {
  const norm = getInputNorm(net);
  const feats = tf.tidy(() => net.features(cropsToTensor(samples.map((s) => s.crop), samples[0].size, norm)).arraySync()) as Array<[number, number]>;
  const w = net.head.weight.arraySync() as number[][]; // [in = 2, out = 2]
  const dirs: Array<[number, number]> = [0, 1].map((j) => {
    const v: [number, number] = [w[0][j], w[1][j]];
    const l = Math.hypot(v[0], v[1]) || 1;
    return [v[0] / l, v[1] / l];
  });
  const angle = (f: [number, number], d: [number, number]) => {
    const l = Math.hypot(f[0], f[1]) || 1;
    return (Math.acos(Math.max(-1, Math.min(1, (f[0] * d[0] + f[1] * d[1]) / l))) * 180) / Math.PI;
  };
  const labels = samples.map((s) => s.label as number);
  return {
    features: feats,
    labels,
    thetaTarget: feats.map((f, i) => angle(f, dirs[labels[i]])),
    thetaOther: feats.map((f, i) => angle(f, dirs[1 - labels[i]])),
    weights: dirs,
  };
}

/**
 * SphereFace's psi(theta) = (-1)^k cos(m theta) - 2k, k = floor(m theta / pi), the monotone
 * extension of cos(m theta) that replaces cos(theta) for the target class.
 */
export function psiOf(theta: number, m = 4): number {
  const k = Math.floor((m * theta) / Math.PI);
  return (k % 2 === 0 ? 1 : -1) * Math.cos(m * theta) - 2 * k;
}
