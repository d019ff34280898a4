import * as tf from "@tensorflow/tfjs";
import { loadAddon } from "./addon";
import { nativeKernelsEnabled } from "../nativeKernels";

/** The CPU backend's own Float32Array of a tensor (converting int/bool-backed float32 views). */
function values(t: tf.Tensor): Float32Array | null {
  const v = (tf.backend() as unknown as { data: { get(id: unknown): { values?: unknown } } }).data.get(t.dataId).values;
  if (v instanceof Float32Array) return v;
  if (v instanceof Uint8Array || v instanceof Int32Array) return Float32Array.from(v);
  return null;
}

/**
 * Whether `batchNormTrainFused` runs natively: the CPU backend is active with naslung's native
 * kernels enabled. Elsewhere (tfjs-node, stock CPU) callers keep their tf-ops formula.
 */
export function fusedBatchNormAvailable(): boolean {
  return tf.getBackend() === "cpu" && nativeKernelsEnabled() && !("error" in loadAddon());
}

/**
 * Training-mode batch norm over the last (channel) axis in one native pass forward and two
 * backward, with its own gradient (dx, dgamma, dbeta), instead of tf.moments + sub/mul/add and
 * their tfjs gradients (~20 full-size elementwise ops and reductions per layer, most of a step):
 * y = (x - mean) / sqrt(var + eps) * gamma + beta with the biased batch variance (PyTorch's
 * train-mode BatchNorm, tf.moments). `onStats(mean, variance)` receives the batch statistics
 * (valid only during the call) for running-stat updates; they carry no gradient.
 * Requires `fusedBatchNormAvailable()`.
 */
export function batchNormTrainFused(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
  onStats?: (mean: tf.Tensor1D, variance: tf.Tensor1D) => void,
): tf.Tensor {
  const loaded = loadAddon();
  if ("error" in loaded) throw new Error(`batchNormTrainFused: ${loaded.error}`);
  const addon = loaded.addon;
  const c = x.shape[x.rank - 1];
  if (gamma.size !== c || beta.size !== c) throw new Error(`batchNormTrainFused: gamma/beta must have ${c} entries (x is [${x.shape}])`);
  const f = tf.customGrad(((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const xv = values(xi), gv = values(g), bv = values(b);
    if (!xv || !gv || !bv) throw new Error("batchNormTrainFused: inputs must be float32");
    const y = new Float32Array(xv.length);
    const mean = new Float32Array(c), inv = new Float32Array(c), variance = new Float32Array(c);
    addon.bnForward(xv, c, gv, bv, eps, y, mean, inv, variance);
    const meanT = tf.tensor1d(mean), invT = tf.tensor1d(inv);
    if (onStats) {
      const varT = tf.tensor1d(variance);
      onStats(meanT, varT);
      varT.dispose();
    }
    save([xi, g, meanT, invT]);
    return {
      value: tf.tensor(y, xi.shape, "float32"),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sg, sm, si] = saved;
        const dyv = values(dy) as Float32Array;
        const dx = new Float32Array(dyv.length), dg = new Float32Array(c), db = new Float32Array(c);
        addon.bnBackward(dyv, values(sx) as Float32Array, c, values(sg) as Float32Array, values(sm) as Float32Array, values(si) as Float32Array, dx, dg, db);
        return [tf.tensor(dx, sx.shape, "float32"), tf.tensor1d(dg), tf.tensor1d(db)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (f as unknown as (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Tensor)(x, gamma, beta);
}
