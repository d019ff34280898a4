import * as tf from "@tensorflow/tfjs";
import { addonFor, valuesOf } from "./fusion";

type Apply = (...t: tf.Tensor[]) => tf.Tensor;

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
  const f = tf.customGrad(((xi: tf.Tensor, wi: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xi, wi]);
    const out = new Float32Array(n * v * 2);
    addon.attnPool(valuesOf(xi, "attentionPoolFused"), valuesOf(wi, "attentionPoolFused"), n, v, c, out);
    return {
      value: tf.tensor(out, [n, d, h, wd, 2], "float32"),
      gradFunc: (dy: tf.Tensor, [sx, sw]: tf.Tensor[]) => {
        const dx = new Float32Array(sx.size), dw = new Float32Array(sw.size);
        addon.attnPoolBackward(valuesOf(sx, "attentionPoolFused"), valuesOf(sw, "attentionPoolFused"), n, v, c, valuesOf(dy, "attentionPoolFused"), dx, dw);
        return [tf.tensor(dx, sx.shape, "float32"), tf.tensor(dw, sw.shape, "float32")];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as Apply;
  return f(x, w) as tf.Tensor5D;
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
  const f = tf.customGrad(((xi: tf.Tensor, si: tf.Tensor, save: tf.GradSaveFunc) => {
    save([xi, si]);
    const y = new Float32Array(xi.size);
    addon.scaleResidual(valuesOf(xi, "scaleResidualFused"), valuesOf(si, "scaleResidualFused"), n, v, c, y);
    return {
      value: tf.tensor(y, xi.shape, "float32"),
      gradFunc: (dy: tf.Tensor, [sx, ss]: tf.Tensor[]) => {
        const dx = new Float32Array(sx.size), ds = new Float32Array(ss.size);
        addon.scaleResidualBackward(valuesOf(sx, "scaleResidualFused"), valuesOf(ss, "scaleResidualFused"), n, v, c, valuesOf(dy, "scaleResidualFused"), dx, ds);
        return [tf.tensor(dx, sx.shape, "float32"), tf.tensor(ds, ss.shape, "float32")];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as Apply;
  return f(x, s) as tf.Tensor5D;
}
