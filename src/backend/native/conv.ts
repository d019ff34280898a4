import * as tf from "@tensorflow/tfjs";
import { addonFor, once, runFused, valuesOf } from "./fusion";

type Shape5 = [number, number, number, number, number];

/** Output shape and the addon's 21 conv ints for x [N,D,H,W,I] * w [kd,kh,kw,I,O], padding k//2 on both sides. */
function symmetricConvParams(x: number[], w: number[], stride: number): { out: Shape5; p: Int32Array } {
  const [n, d, h, wd, ci] = x;
  const [kd, kh, kw, wi, co] = w;
  if (wi !== ci) throw new Error(`conv3dFused: filter has ${wi} input channels, x has ${ci}`);
  const pd = kd >> 1, ph = kh >> 1, pw = kw >> 1;
  const o = (size: number, k: number, p: number) => Math.floor((size + 2 * p - k) / stride) + 1;
  const out: Shape5 = [n, o(d, kd, pd), o(h, kh, ph), o(wd, kw, pw), co];
  const p = Int32Array.from([n, ci, d, h, wd, co, out[1], out[2], out[3], kd, kh, kw, stride, stride, stride, pd, ph, pw, pd, ph, pw]);
  return { out, p };
}

/**
 * 3-D convolution (NDHWC x DHWIO) with PyTorch's symmetric `k // 2` padding and an optional bias,
 * as ONE oneDNN primitive each way, with its own gradient (dx by backward-data, dw and dbias by
 * backward-weights). Replaces tf.conv3d + tf.add(bias) and, for stride 2, the explicit tf.pad and
 * the Slice of its gradient: one full-size pass and up to 3 tfjs kernels fewer per conv, forward
 * and backward. Requires `nativeFusionAvailable()`; `Conv3d.apply` keeps the tf-ops path elsewhere.
 */
export function conv3dFused(x: tf.Tensor5D, w: tf.Tensor5D, bias: tf.Tensor1D | null, stride: number): tf.Tensor5D {
  const addon = addonFor("conv3dFused");
  const { out, p } = symmetricConvParams(x.shape, w.shape, stride);
  const co = out[4];
  const inputs = bias ? [x, w, bias] : [x, w];
  return runFused(inputs, () => {
    const xv = valuesOf(x, "conv3dFused"), wv = valuesOf(w, "conv3dFused");
    const y = new Float32Array(out.reduce((a, b) => a * b, 1));
    addon.conv3d(0, p, xv, wv, y, bias ? valuesOf(bias, "conv3dFused") : null);
    return {
      value: tf.tensor(y, out, "float32"),
      grads: (dy) => {
        const dyv = valuesOf(dy, "conv3dFused gradient");
        // One backward-weights call gives dw and dbias.
        const weights = once(() => {
          const dw = new Float32Array(wv.length), db = bias ? new Float32Array(co) : null;
          addon.conv3d(2, p, xv, dyv, dw, db);
          return { dw, db };
        });
        const dx = () => {
          const g = new Float32Array(xv.length);
          addon.conv3d(1, p, dyv, wv, g);
          return tf.tensor(g, x.shape, "float32");
        };
        const dw = () => tf.tensor(weights().dw, w.shape, "float32");
        const db = () => tf.tensor1d(weights().db as Float32Array);
        return bias ? [dx, dw, db] : [dx, dw];
      },
    };
  }) as tf.Tensor5D;
}

/** Eval-mode batch-norm statistics and affine parameters of one BatchNorm3d. */
export interface BnEval {
  gamma: tf.Tensor1D;
  beta: tf.Tensor1D;
  runningMean: tf.Tensor1D;
  runningVar: tf.Tensor1D;
  eps: number;
}

/**
 * Inference-only conv(+bias) -> eval batch norm (-> ReLU) as ONE oneDNN convolution: the batch
 * norm is folded into the weights and bias (w' = w * s, b' = (b - mean) * s + beta with
 * s = gamma / sqrt(var + eps), per output channel; a few thousand multiplies in JS) and the ReLU
 * is a post-op, instead of conv, bias add, scale, shift and relu (5 full-size passes and ~10 tfjs
 * kernels). `addTo` (a residual of the output's shape) is added after the ReLU as a further
 * post-op, replacing the separate tf.add. No gradient: callers use it only while no gradient
 * tape is recording. Requires `nativeFusionAvailable()`.
 */
export function conv3dBnInfer(x: tf.Tensor5D, w: tf.Tensor5D, bias: tf.Tensor1D | null, bn: BnEval, stride: number, relu: boolean, addTo?: tf.Tensor5D): tf.Tensor5D {
  const addon = addonFor("conv3dBnInfer");
  const { out, p } = symmetricConvParams(x.shape, w.shape, stride);
  const co = out[4];
  const wv = valuesOf(w, "conv3dBnInfer"), bv = bias ? valuesOf(bias, "conv3dBnInfer") : null;
  const g = valuesOf(bn.gamma, "conv3dBnInfer"), be = valuesOf(bn.beta, "conv3dBnInfer");
  const rm = valuesOf(bn.runningMean, "conv3dBnInfer"), rv = valuesOf(bn.runningVar, "conv3dBnInfer");
  const scale = new Float32Array(co), shift = new Float32Array(co);
  for (let c = 0; c < co; c++) {
    scale[c] = g[c] / Math.sqrt(rv[c] + bn.eps);
    shift[c] = ((bv ? bv[c] : 0) - rm[c]) * scale[c] + be[c];
  }
  const wf = new Float32Array(wv.length);
  for (let i = 0; i < wv.length; i += co) for (let c = 0; c < co; c++) wf[i + c] = wv[i + c] * scale[c];
  const y = new Float32Array(out.reduce((a, b) => a * b, 1));
  if (addTo) {
    if (addTo.shape.join() !== out.join()) throw new Error(`conv3dBnInfer: addTo must be [${out}], got [${addTo.shape}]`);
    y.set(valuesOf(addTo, "conv3dBnInfer"));
  }
  addon.conv3d(0, p, valuesOf(x, "conv3dBnInfer"), wf, y, shift, relu, !!addTo);
  return tf.tensor(y, out, "float32") as tf.Tensor5D;
}
