import * as tf from "@tensorflow/tfjs";
import { addonFor, runFused, valuesOf } from "./fusion";

/**
 * Max over axis 1 of x [A, B, C] -> [A, C] with PyTorch's max-pool gradient (all of dy to the
 * FIRST maximal element), as one native argmax forward and a scatter backward, instead of tfjs's
 * Max forward and argMax + oneHot ([A, C, B] floats) + transpose + multiply backward (ResCBAM's
 * global max pool: 4 kernels over 1M elements at the stem). Requires `nativeFusionAvailable()`.
 */
export function maxOverAxis1Fused(x: tf.Tensor3D): tf.Tensor2D {
  const addon = addonFor("maxOverAxis1Fused");
  const [a, b, c] = x.shape;
  return runFused([x], () => {
    const xv = valuesOf(x, "maxOverAxis1Fused");
    const idx = new Int32Array(a * c);
    addon.argReduce(false, xv, a, b, c, idx);
    const out = new Float32Array(a * c);
    for (let i = 0; i < a; i++) for (let k = 0; k < c; k++) out[i * c + k] = xv[(i * b + idx[i * c + k]) * c + k];
    return {
      value: tf.tensor2d(out, [a, c]),
      grads: (dy) => [
        () => {
          const dyv = valuesOf(dy, "maxOverAxis1Fused gradient");
          const dx = new Float32Array(a * b * c);
          for (let i = 0; i < a; i++) for (let k = 0; k < c; k++) dx[(i * b + idx[i * c + k]) * c + k] = dyv[i * c + k];
          return tf.tensor(dx, x.shape, "float32");
        },
      ],
    };
  }) as tf.Tensor2D;
}
