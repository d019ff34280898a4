import type * as tf from "@tensorflow/tfjs";

/**
 * What the explainers need from a classifier: `src/models`' ConvResNet satisfies it. `apply`
 * must return the class logits, the spatial attention maps of every attention layer (stem
 * first) when `returnAttention` is set, and call `lastStageHook` with the last stage's output
 * [N, d, h, w, C] (before the final pooling), using what the hook returns in its place.
 */
export interface ExplainableModel {
  apply(
    x: tf.Tensor5D,
    opts: { training: boolean; returnAttention?: boolean; lastStageHook?: (h: tf.Tensor5D) => tf.Tensor5D },
  ): { logits: tf.Tensor2D; attention?: tf.Tensor4D[] };
}

/** Names of the attention layers of a ConvRes net, in `apply`'s order. */
export function attentionLayerNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => (i === 0 ? "stem" : `stage ${i}`));
}
