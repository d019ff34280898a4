import * as tf from "@tensorflow/tfjs";
import { addonFor, nativeFusionAvailable, values, valuesOf } from "./fusion";

/**
 * Whether `batchNormTrainFused` runs natively: the CPU backend is active with naslung's native
 * kernels enabled. Elsewhere (tfjs-node, stock CPU) callers keep their tf-ops formula.
 */
export function fusedBatchNormAvailable(): boolean {
  return nativeFusionAvailable();
}

/**
 * Training-mode batch norm over the last (channel) axis in one native pass forward and two
 * backward, with its own gradient (dx, dgamma, dbeta), instead of tf.moments + sub/mul/add and
 * their tfjs gradients (~20 full-size elementwise ops and reductions per layer, most of a step):
 * y = (x - mean) / sqrt(var + eps) * gamma + beta with the biased batch variance (PyTorch's
 * train-mode BatchNorm, tf.moments). `onStats(mean, variance)` receives the batch statistics
 * (valid only during the call) for running-stat updates; they carry no gradient.
 * `relu`: returns max(0, bn(x)) from the same pass (CBR's ReLU); the backward masks dy by y > 0
 * inside its two passes, instead of tf.relu + its `dy * step(x)` gradient (3 more full-size passes).
 * Requires `fusedBatchNormAvailable()`.
 */
export function batchNormTrainFused(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
  onStats?: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void,
  relu = false,
): tf.Tensor {
  const addon = addonFor("batchNormTrainFused");
  const c = x.shape[x.rank - 1];
  if (gamma.size !== c || beta.size !== c) throw new Error(`batchNormTrainFused: gamma/beta must have ${c} entries (x is [${x.shape}])`);
  const f = tf.customGrad(((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const xv = values(xi), gv = values(g), bv = values(b);
    if (!xv || !gv || !bv) throw new Error("batchNormTrainFused: inputs must be float32");
    const y = new Float32Array(xv.length);
    const mean = new Float32Array(c), inv = new Float32Array(c), variance = new Float32Array(c);
    addon.bnForward(xv, c, gv, bv, eps, y, mean, inv, variance, relu);
    const meanT = tf.tensor1d(mean), invT = tf.tensor1d(inv);
    if (onStats) {
      const varT = tf.tensor1d(variance);
      onStats(meanT, varT);
      varT.dispose();
    }
    const value = tf.tensor(y, xi.shape, "float32");
    save(relu ? [xi, g, meanT, invT, value] : [xi, g, meanT, invT]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sg, sm, si, sy] = saved;
        const dyv = valuesOf(dy, "batchNormTrainFused");
        const dx = new Float32Array(dyv.length), dg = new Float32Array(c), db = new Float32Array(c);
        const yv = sy ? valuesOf(sy, "batchNormTrainFused") : undefined;
        addon.bnBackward(dyv, valuesOf(sx, "bn"), c, valuesOf(sg, "bn"), valuesOf(sm, "bn"), valuesOf(si, "bn"), dx, dg, db, yv);
        return [tf.tensor(dx, sx.shape, "float32"), tf.tensor1d(dg), tf.tensor1d(db)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (f as unknown as (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Tensor)(x, gamma, beta);
}
