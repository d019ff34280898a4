import * as tf from "@tensorflow/tfjs";
import { addonFor, nativeFusionAvailable, once, runFused, valuesOf } from "./fusion";

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
  return runFused([x, gamma, beta], () => {
    const xv = valuesOf(x, "batchNormTrainFused"), gv = valuesOf(gamma, "batchNormTrainFused");
    const y = new Float32Array(xv.length);
    const mean = new Float32Array(c), inv = new Float32Array(c), variance = new Float32Array(c);
    addon.bnForward(xv, c, gv, valuesOf(beta, "batchNormTrainFused"), eps, y, mean, inv, variance, relu);
    if (onStats) {
      const meanT = tf.tensor1d(mean), varT = tf.tensor1d(variance);
      onStats(meanT, varT);
      tf.dispose([meanT, varT]);
    }
    return {
      value: tf.tensor(y, x.shape, "float32"),
      grads: (dy) => {
        // One native backward call gives all three gradients.
        const all = once(() => {
          const dx = new Float32Array(xv.length), dg = new Float32Array(c), db = new Float32Array(c);
          addon.bnBackward(valuesOf(dy, "batchNormTrainFused"), xv, c, gv, mean, inv, dx, dg, db, relu ? y : undefined);
          return { dx, dg, db };
        });
        return [() => tf.tensor(all().dx, x.shape, "float32"), () => tf.tensor1d(all().dg), () => tf.tensor1d(all().db)];
      },
    };
  });
}
