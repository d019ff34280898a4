import * as tf from "@tensorflow/tfjs";
import type { ExplainableModel } from "./model";

/**
 * Grad-CAM (Selvaraju et al., ICCV 2017, eqs. 1-2) from activations A and the gradient of the
 * class score y^c with respect to them, both [N, d, h, w, C]: channel weights
 * alpha_c = mean over voxels of dy^c/dA_c, map = ReLU(sum_c alpha_c A_c) -> [N, d, h, w].
 */
export function gradCamFromGradients(activations: tf.Tensor5D, gradients: tf.Tensor5D): tf.Tensor4D {
  if (activations.shape.join() !== gradients.shape.join()) {
    throw new Error(`gradCam: activations [${activations.shape}] and gradients [${gradients.shape}] differ in shape`);
  }
  return tf.tidy(() => {
    const alpha = tf.mean(gradients, [1, 2, 3], true);
    return tf.relu(tf.sum(tf.mul(alpha, activations), -1)) as tf.Tensor4D;
  });
}

/**
 * Grad-CAM of `model` on the last stage: the gradient of the class-`classIndex` logit
 * (1 = malignant; for the A-Softmax head the logit is |x| cos(theta), what prediction uses)
 * with respect to the last stage's output, taken through `lastStageHook` by adding a zero
 * probe tensor whose gradient is that of the activations. Eval mode (BatchNorm running
 * statistics). Returns [N, d, h, w] (4^3 for 32^3 inputs), not yet upsampled. The caller owns it.
 *
 * Because the reference net ends in a global average pool and a head linear in the pooled
 * features (AngleLinear's |x| cos = x . w/|w|), alpha is the head's weight over the voxel count
 * and Grad-CAM equals ReLU(CAM) of Zhou et al. 2016 up to scale; we compute the true gradient
 * so the map stays right for any head.
 */
export function gradCam(model: ExplainableModel, x: tf.Tensor5D, classIndex = 1): tf.Tensor4D {
  // Pass 1: the activations (and so the probe's shape).
  let activations: tf.Tensor5D | null = null;
  const nClasses = tf.tidy(
    () =>
      model.apply(x, {
        training: false,
        lastStageHook: (h) => {
          activations = tf.keep(h.clone());
          return h;
        },
      }).logits.shape[1],
  );
  if (!activations) {
    throw new Error("gradCam: the model never called lastStageHook (it must pass its last stage's output through the hook; see src/explain/model.ts)");
  }
  const act = activations as tf.Tensor5D;
  if (!(Number.isInteger(classIndex) && classIndex >= 0 && classIndex < nClasses)) {
    act.dispose();
    throw new Error(`gradCam: classIndex ${classIndex} outside the ${nClasses} classes`);
  }
  // Pass 2: d logit_c / d probe with h + probe, probe = 0, equals d logit_c / d h.
  const probe = tf.zerosLike(act);
  const score = (p: tf.Tensor) =>
    tf.sum(tf.slice(model.apply(x, { training: false, lastStageHook: (h) => tf.add(h, p) as tf.Tensor5D }).logits, [0, classIndex], [-1, 1]));
  const grads = tf.grad(score)(probe) as tf.Tensor5D;
  const cam = gradCamFromGradients(act, grads);
  tf.dispose([act, probe, grads]);
  return cam;
}
