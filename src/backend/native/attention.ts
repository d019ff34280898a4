import * as tf from "@tensorflow/tfjs";
import { addonFor, once, runFused, valuesOf } from "./fusion";

/**
 * ResCBAM's spatial-attention input [max_c(x*w), mean_c(x*w)] as an [N,D,H,W,2] map, for x
 * [N,D,H,W,C] and per-sample channel weights w [N,C], in one native pass each way (gradient of
 * the max to the FIRST maximal channel, as torch.max and `channelMax`). Replaces the weighted
 * product, channel max/mean, concat and their gradients (argMax, oneHot, transpose, split,
 * products): ~12 tfjs kernels over the stem's 32^3 activations. Requires `nativeFusionAvailable()`.
 */
export function attentionPoolFused(x: tf.Tensor5D, w: tf.Tensor2D): tf.Tensor5D {
  const addon = addonFor("attentionPoolFused");
  const [n, d, h, wd, c] = x.shape;
  if (w.shape[0] !== n || w.shape[1] !== c) throw new Error(`attentionPoolFused: weights must be [${n}, ${c}], got [${w.shape}]`);
  const v = d * h * wd;
  return runFused([x, w], () => {
    const xv = valuesOf(x, "attentionPoolFused"), wv = valuesOf(w, "attentionPoolFused");
    const out = new Float32Array(n * v * 2);
    addon.attnPool(xv, wv, n, v, c, out);
    return {
      value: tf.tensor(out, [n, d, h, wd, 2], "float32"),
      grads: (dy) => {
        const both = once(() => {
          const dx = new Float32Array(xv.length), dw = new Float32Array(wv.length);
          addon.attnPoolBackward(xv, wv, n, v, c, valuesOf(dy, "attentionPoolFused"), dx, dw);
          return { dx, dw };
        });
        return [() => tf.tensor(both().dx, x.shape, "float32"), () => tf.tensor(both().dw, w.shape, "float32")];
      },
    };
  }) as tf.Tensor5D;
}

/**
 * x * (1 + s) for x [N,D,H,W,C] and a one-channel map s [N,D,H,W,1] (ResCBAM's `s * x + x`) in
 * one native pass each way, instead of a broadcast product, an add and, backward, the product's
 * two gradients, a channel sum and the gradient accumulation of x. Requires `nativeFusionAvailable()`.
 */
export function scaleResidualFused(x: tf.Tensor5D, s: tf.Tensor5D): tf.Tensor5D {
  const addon = addonFor("scaleResidualFused");
  const [n, d, h, wd, c] = x.shape;
  if (s.shape.join() !== [n, d, h, wd, 1].join()) throw new Error(`scaleResidualFused: s must be [${n},${d},${h},${wd},1], got [${s.shape}]`);
  const v = d * h * wd;
  return runFused([x, s], () => {
    const xv = valuesOf(x, "scaleResidualFused"), sv = valuesOf(s, "scaleResidualFused");
    const y = new Float32Array(xv.length);
    addon.scaleResidual(xv, sv, n, v, c, y);
    return {
      value: tf.tensor(y, x.shape, "float32"),
      grads: (dy) => {
        const both = once(() => {
          const dx = new Float32Array(xv.length), ds = new Float32Array(sv.length);
          addon.scaleResidualBackward(xv, sv, n, v, c, valuesOf(dy, "scaleResidualFused"), dx, ds);
          return { dx, ds };
        });
        return [() => tf.tensor(both().dx, x.shape, "float32"), () => tf.tensor(both().ds, s.shape, "float32")];
      },
    };
  }) as tf.Tensor5D;
}
