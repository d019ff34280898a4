import * as tf from "@tensorflow/tfjs";
import { aSoftmaxLoss, softmaxCrossEntropy } from "../losses/aSoftmax";
import type { LossName, TrainConfig } from "./config";

/**
 * The training loss of a forward output.
 * - `asoftmax`: SphereFace A-Softmax with the margin, lambda annealed per iteration
 *   (max(5, 1500/(1 + 0.1 it)) by default, `lambda` overrides); `iteration` counts from 1.
 * - `asoftmax-reference`: the reference's AngleLoss as it runs (margin never applied), i.e.
 *   softmax CE on |x| cos(theta).
 * - `softmax`: plain softmax CE on the logits (linear head, or cos logits).
 * `classWeights` (per class) scale each sample's term (`classWeight: "balanced"`).
 */
export function trainingLoss(
  loss: LossName,
  out: { logits: tf.Tensor2D; cos?: tf.Tensor2D; psi?: tf.Tensor2D },
  labels: tf.Tensor1D,
  iteration: number,
  lambda: TrainConfig["asoftmax"] = { lambdaMin: 5, lambdaBase: 1500, gamma: 0.1, power: 1 },
  classWeights?: number[],
): tf.Scalar {
  if (loss === "softmax") return softmaxCrossEntropy(out.logits, labels, classWeights);
  if (!out.cos || !out.psi) throw new Error(`loss "${loss}" needs an A-Softmax head (the network returned no cos/psi)`);
  return aSoftmaxLoss({ cos: out.cos, psi: out.psi }, labels, { ...lambda, iteration, applyMargin: loss === "asoftmax", classWeights });
}
