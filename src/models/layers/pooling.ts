import * as tf from "@tensorflow/tfjs";
import { maxOverAxis1Fused, nativeFusionAvailable } from "../../backend/nativeKernels";

/** Global average pool over D, H, W of an NDHWC tensor -> [N, C]. */
export function globalAvgPool3d(x: tf.Tensor5D): tf.Tensor2D {
  return tf.mean(x, [1, 2, 3]) as tf.Tensor2D;
}

/**
 * Max over axis 1 of [A, B, C] -> [A, C], with PyTorch's max-pool gradient: the whole gradient goes
 * to the FIRST maximal element. tf.max's own gradient gives the full gradient to every tied
 * element, which over-counts ties; ties are common here because ReLU maps contain plateaus
 * (regions of zero input give identical conv outputs).
 */
const maxOverAxis1Ops: (x: tf.Tensor3D) => tf.Tensor2D = tf.customGrad(((x: tf.Tensor3D, save: tf.GradSaveFunc) => {
  save([x]);
  return {
    value: tf.max(x, 1),
    gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) => {
      const x3 = saved[0] as tf.Tensor3D;
      const first = tf.oneHot(tf.argMax(x3, 1), x3.shape[1]); // [A, C, B]; argMax picks the first max
      return tf.mul(tf.transpose(first, [0, 2, 1]), tf.expandDims(dy, 1));
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor3D) => tf.Tensor2D;

/** `maxOverAxis1Ops`, or the same as one native op when naslung's native kernels are active. */
function maxOverAxis1(x: tf.Tensor3D): tf.Tensor2D {
  return nativeFusionAvailable() ? maxOverAxis1Fused(x) : maxOverAxis1Ops(x);
}

/** Global max pool over D, H, W of an NDHWC tensor -> [N, C] (gradient to the first max, as PyTorch). */
export function globalMaxPool3d(x: tf.Tensor5D): tf.Tensor2D {
  const [n, d, h, w, c] = x.shape;
  return maxOverAxis1(tf.reshape(x, [n, d * h * w, c]));
}

/** Max over channels of an NDHWC tensor -> [N, D, H, W, 1] (gradient to the first max, as torch.max(dim)). */
export function channelMax(x: tf.Tensor5D): tf.Tensor5D {
  const [n, d, h, w, c] = x.shape;
  return tf.reshape(maxOverAxis1(tf.reshape(x, [n * d * h * w, c, 1])), [n, d, h, w, 1]);
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
