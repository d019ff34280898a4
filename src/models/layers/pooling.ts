import * as tf from "@tensorflow/tfjs";

/** Global average pool over D, H, W of an NDHWC tensor -> [N, C]. */
export function globalAvgPool3d(x: tf.Tensor5D): tf.Tensor2D {
  return tf.mean(x, [1, 2, 3]) as tf.Tensor2D;
}

/** Global max pool over D, H, W of an NDHWC tensor -> [N, C]. */
export function globalMaxPool3d(x: tf.Tensor5D): tf.Tensor2D {
  return tf.max(x, [1, 2, 3]) as tf.Tensor2D;
}

/**
 * The reference's final `AvgPool3d(kernel_size=4, stride=4)`. On 32^3 inputs the last stage map is
 * 4^3, so it is exactly a global average pool; we require that size rather than silently
 * computing something else on other input sizes.
 */
export function finalAvgPool4(x: tf.Tensor5D): tf.Tensor2D {
  const [, d, h, w] = x.shape;
  if (d !== 4 || h !== 4 || w !== 4) {
    throw new Error(`final avg-pool 4 expects a 4x4x4 map (32^3 input), got ${d}x${h}x${w}`);
  }
  return globalAvgPool3d(x);
}
