import * as tf from "@tensorflow/tfjs";

/**
 * What a forward pass needs to know besides its input.
 * - `training`: BatchNorm normalises with batch statistics (PyTorch `model.train()`), else with
 *   running statistics.
 * - `updateStats`: in training mode, BatchNorm also updates its running statistics in place
 *   (PyTorch semantics: once per training forward). Safe inside `tf.variableGrads` /
 *   `optimizer.minimize`: the update is a variable assignment, not part of the loss.
 * - `attention`: when given, every attention layer pushes its spatial map ([N,D,H,W]) here.
 */
export interface ForwardContext {
  training: boolean;
  updateStats: boolean;
  attention?: tf.Tensor4D[];
}

/** A stateless custom-gradient identity whose gradient is zero (tfjs has no public stopGradient). */
export const stopGradient: (x: tf.Tensor) => tf.Tensor = tf.customGrad(((x: tf.Tensor) => ({
  value: x.clone(),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (x: tf.Tensor) => tf.Tensor;
