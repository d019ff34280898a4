import * as tf from "@tensorflow/tfjs";
import { ParamStore, torchDefaultUniform } from "../paramStore";
import { stopGradient } from "./context";

/** The reference's numeric pi in k = floor(m theta / pi) (SphereFace's 3.14159265). */
const SPHEREFACE_PI = 3.14159265;

/** cos(m theta) as a polynomial in cos(theta) (Chebyshev, SphereFace's `mlambda`). */
export function cosMultipleAngle(c: tf.Tensor, m: number): tf.Tensor {
  switch (m) {
    case 0:
      return tf.onesLike(c);
    case 1:
      return c;
    case 2:
      return tf.sub(tf.mul(2, tf.square(c)), 1);
    case 3:
      return tf.sub(tf.mul(4, tf.pow(c, 3)), tf.mul(3, c));
    case 4: {
      const c2 = tf.square(c);
      return tf.add(tf.sub(tf.mul(8, tf.square(c2)), tf.mul(8, c2)), 1);
    }
    case 5:
      return tf.add(tf.sub(tf.mul(16, tf.pow(c, 5)), tf.mul(20, tf.pow(c, 3))), tf.mul(5, c));
    default:
      throw new Error(`AngleLinear: margin m must be an integer 0..5 (got ${m})`);
  }
}

/** What an A-Softmax head returns: both logits already scaled by |x| (SphereFace's convention). */
export interface AngleOutput {
  /** |x| cos(theta_j): the ordinary logits, used at inference and when no margin is applied. */
  cos: tf.Tensor2D;
  /** |x| psi(theta_j), psi(theta) = (-1)^k cos(m theta) - 2k, k = floor(m theta / pi). */
  psi: tf.Tensor2D;
}

/**
 * SphereFace's AngleLinear (Liu et al. 2017; reference models/net_sphere.py): weight [in, out] with
 * columns normalised in the forward pass (the reference's renorm(2,1,1e-5)*1e5; cos is invariant to
 * the column scale so we divide by the norm directly), cos(theta) = x.w / (|x||w|) clamped to
 * [-1, 1]; k is treated as a constant (no gradient), as in the reference.
 */
export class AngleLinear {
  readonly weight: tf.Variable;

  constructor(store: ParamStore, name: string, readonly inFeatures: number, readonly outFeatures: number, readonly m = 4) {
    tf.tidy(() => {
      cosMultipleAngle(tf.scalar(0), m); // validates m early
    });
    // Reference init: U(-1, 1) then unit-norm columns.
    this.weight = store.param(`${name}.weight`, (s) =>
      tf.tidy(() => {
        const w = tf.randomUniform([inFeatures, outFeatures], -1, 1, "float32", s);
        return tf.div(w, tf.norm(w, 2, 0, true));
      }),
    );
  }

  apply(x: tf.Tensor2D): AngleOutput {
    const w = this.weight as tf.Tensor2D;
    const xlen = tf.sqrt(tf.sum(tf.square(x), 1, true));
    const wlen = tf.sqrt(tf.sum(tf.square(w), 0, true));
    const cos = tf.clipByValue(tf.div(tf.div(tf.matMul(x, w), xlen), wlen), -1, 1) as tf.Tensor2D;
    const cosM = cosMultipleAngle(cos, this.m);
    const k = tf.floor(tf.div(tf.mul(this.m, tf.acos(stopGradient(cos))), SPHEREFACE_PI));
    const sign = tf.sub(1, tf.mul(2, tf.mod(k, 2))); // (-1)^k for integer k >= 0
    const psi = tf.sub(tf.mul(sign, cosM), tf.mul(2, k));
    return { cos: tf.mul(cos, xlen) as tf.Tensor2D, psi: tf.mul(psi, xlen) as tf.Tensor2D };
  }

  macs(): number {
    return this.inFeatures * this.outFeatures;
  }
}

/** A plain fully connected head (`nn.Linear(in, out)`, PyTorch init), weight stored [in, out]. */
export class LinearHead {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;

  constructor(store: ParamStore, name: string, readonly inFeatures: number, readonly outFeatures: number) {
    this.weight = store.param(`${name}.weight`, (s) => torchDefaultUniform([inFeatures, outFeatures], inFeatures, s));
    this.bias = store.param(`${name}.bias`, (s) => torchDefaultUniform([outFeatures], inFeatures, s));
  }

  apply(x: tf.Tensor2D): tf.Tensor2D {
    return tf.add(tf.matMul(x, this.weight as tf.Tensor2D), this.bias) as tf.Tensor2D;
  }

  macs(): number {
    return this.inFeatures * this.outFeatures;
  }
}
