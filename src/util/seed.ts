import * as tf from "@tensorflow/tfjs";
import { createRng, Rng } from "./rng";

/**
 * Seeds for one run. tfjs initialisers take an explicit integer seed; we derive each from the
 * config seed and a stable name, so weights do not depend on construction order elsewhere.
 */
export function deriveSeed(seed: number, name: string): number {
  return createRng(seed, `derive:${name}`).seed32();
}

/** A seeded standard-normal tensor (tfjs's own seeded generator). */
export function seededNormal(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, "float32", seed);
}

export { createRng };
export type { Rng };
