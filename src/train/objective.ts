import * as tf from "@tensorflow/tfjs";
import { aSoftmaxLoss, softmaxCrossEntropy } from "../losses/aSoftmax";
import type { LossName } from "./config";

/**
 * The training loss of a forward output.
 * - `asoftmax`: SphereFace A-Softmax with the margin, lambda annealed per iteration
 *   (max(5, 1500/(1 + 0.1 it))); `iteration` counts from 1 at the first step.
 * - `asoftmax-reference`: the reference's AngleLoss as it runs (margin never applied), i.e.
 *   softmax CE on |x| cos(theta).
 * - `softmax`: plain softmax CE on the logits (linear head, or cos logits).
 */
export function trainingLoss(
  loss: LossName,
  out: { logits: tf.Tensor2D; cos?: tf.Tensor2D; psi?: tf.Tensor2D },
  labels: tf.Tensor1D,
  iteration: number,
): tf.Scalar {
  if (loss === "softmax") return softmaxCrossEntropy(out.logits, labels);
  if (!out.cos || !out.psi) throw new Error(`loss "${loss}" needs an A-Softmax head (the network returned no cos/psi)`);
  return aSoftmaxLoss({ cos: out.cos, psi: out.psi }, labels, { iteration, applyMargin: loss === "asoftmax" });
}
