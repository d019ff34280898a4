import * as tf from "@tensorflow/tfjs";
import { stopGradient } from "../models/layers/context";

/** Annealing schedule of the A-Softmax margin (SphereFace's Caffe `MarginInnerProduct` parameters). */
export interface LambdaSchedule {
  /** Floor of lambda (SphereFace: 5). */
  lambdaMin?: number;
  /** lambda at iteration 0 (SphereFace: 1500). */
  lambdaBase?: number;
  /** Decay rate (SphereFace: 0.1). */
  gamma?: number;
  /** Decay power (SphereFace: 1). */
  power?: number;
}

/** Options of `aSoftmaxLoss`. */
export interface ASoftmaxOptions extends LambdaSchedule {
  /** Training iteration (counted from 1 like SphereFace's `AngleLoss.it` after its first increment). */
  iteration: number;
  /** Margin m, only used for validation; psi already carries it (default 4). */
  m?: number;
  /**
   * Apply the angular margin (true: SphereFace). false reproduces the NAS-Lung reference, whose
   * `AngleLoss` builds an all-zero target mask (the scatter is commented out) and never increments
   * `it`, so the loss is plain softmax cross-entropy on |x| cos(theta).
   */
  applyMargin?: boolean;
  /** Focal exponent on (1 - p_t) (the reference's AngleLoss `gamma`, default 0 = none). */
  focalGamma?: number;
  /** Per-class weights of each sample's term (e.g. balanced [N/2N0, N/2N1]); default all 1. */
  classWeights?: number[];
}

/**
 * lambda(it) = max(lambdaMin, lambdaBase * (1 + gamma * it)^(-power)); with SphereFace's defaults
 * max(5, 1500 / (1 + 0.1 it)).
 */
export function aSoftmaxLambda(iteration: number, s: LambdaSchedule = {}): number {
  const { lambdaMin = 5, lambdaBase = 1500, gamma = 0.1, power = 1 } = s;
  if (!Number.isFinite(iteration) || iteration < 0) throw new Error(`aSoftmaxLambda: iteration must be >= 0 (got ${iteration})`);
  return Math.max(lambdaMin, lambdaBase * Math.pow(1 + gamma * iteration, -power));
}

function labelTensor(labels: tf.Tensor1D | number[] | Int32Array, n: number, k: number, where: string): tf.Tensor1D {
  if (!(labels instanceof tf.Tensor)) {
    const bad = Array.from(labels).findIndex((v) => !Number.isInteger(v) || v < 0 || v >= k);
    if (bad >= 0) throw new Error(`${where}: labels[${bad}] = ${labels[bad]} is not a class index in 0..${k - 1}`);
  }
  const t = labels instanceof tf.Tensor ? labels : tf.tensor1d(Array.from(labels), "int32");
  if (t.rank !== 1 || t.shape[0] !== n) throw new Error(`${where}: labels must be a length-${n} vector (got shape [${t.shape}])`);
  return t.dtype === "int32" ? t : tf.cast(t, "int32");
}

/**
 * Mean over the batch of -w_y (1 - p_t)^gamma log p_t. Class weights scale each sample's term and
 * the mean stays over the batch size (weights with mean 1 over the training set keep the loss's
 * scale, so the learning rate means the same with and without weighting).
 */
function crossEntropy(logits: tf.Tensor2D, onehot: tf.Tensor2D, focalGamma: number, classWeights?: number[]): tf.Scalar {
  let logp = tf.sum(tf.mul(tf.logSoftmax(logits), onehot), 1);
  if (classWeights) {
    if (classWeights.length !== onehot.shape[1]) throw new Error(`crossEntropy: ${classWeights.length} class weights for ${onehot.shape[1]} classes`);
    logp = tf.mul(logp, tf.sum(tf.mul(onehot, tf.tensor1d(classWeights)), 1));
  }
  if (!focalGamma) return tf.neg(tf.mean(logp)) as tf.Scalar;
  const pt = stopGradient(tf.exp(tf.sum(tf.mul(tf.logSoftmax(logits), onehot), 1))); // the reference detaches p_t (Variable(logpt.data.exp()))
  return tf.neg(tf.mean(tf.mul(tf.pow(tf.sub(1, pt), focalGamma), logp))) as tf.Scalar;
}

/**
 * A-Softmax loss (SphereFace, Liu et al. CVPR 2017, with its reference `AngleLoss`): for the target
 * class the logit |x| cos(theta_y) is replaced by |x| (lambda cos(theta_y) + psi(theta_y)) / (1 + lambda),
 * other classes keep |x| cos(theta_j); then (optionally focal) softmax cross-entropy, mean over the
 * batch. `out` is an AngleLinear output ({cos, psi} already scaled by |x|).
 */
export function aSoftmaxLoss(
  out: { cos: tf.Tensor2D; psi: tf.Tensor2D },
  labels: tf.Tensor1D | number[] | Int32Array,
  opts: ASoftmaxOptions,
): tf.Scalar {
  return tf.tidy(() => {
    const [n, k] = out.cos.shape;
    if (out.psi.shape[0] !== n || out.psi.shape[1] !== k) throw new Error(`aSoftmaxLoss: cos [${out.cos.shape}] and psi [${out.psi.shape}] differ in shape`);
    const onehot = tf.oneHot(labelTensor(labels, n, k, "aSoftmaxLoss"), k).toFloat() as tf.Tensor2D;
    let logits = out.cos;
    if (opts.applyMargin ?? true) {
      const lambda = aSoftmaxLambda(opts.iteration, opts);
      logits = tf.add(out.cos, tf.mul(onehot, tf.div(tf.sub(out.psi, out.cos), 1 + lambda))) as tf.Tensor2D;
    }
    return crossEntropy(logits, onehot, opts.focalGamma ?? 0, opts.classWeights);
  });
}

/** Plain softmax cross-entropy, mean over the batch (for the linear head, or cos logits), optionally class-weighted. */
export function softmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D | number[] | Int32Array, classWeights?: number[]): tf.Scalar {
  return tf.tidy(() => {
    const [n, k] = logits.shape;
    const onehot = tf.oneHot(labelTensor(labels, n, k, "softmaxCrossEntropy"), k).toFloat() as tf.Tensor2D;
    return crossEntropy(logits, onehot, 0, classWeights);
  });
}
