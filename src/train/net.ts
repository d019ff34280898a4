import * as tf from "@tensorflow/tfjs";
import type { WeightMap } from "../models/paramStore";
import { createModel } from "../models/registry";
import type { ConvResConfig } from "../models/config";
import type { TrainConfig } from "./config";

/**
 * What the trainer needs from a network; `ConvResNet` (src/models) satisfies it. Keeping the
 * contract this small lets tests train tiny stand-in networks quickly.
 * - `apply(x, { training: true })` uses batch statistics and updates BatchNorm running stats once.
 * - `logits` are the inference logits; A-Softmax heads also return `cos` and `psi`.
 */
export interface TrainableNet {
  apply(x: tf.Tensor5D, opts: { training: boolean }): { logits: tf.Tensor2D; cos?: tf.Tensor2D; psi?: tf.Tensor2D };
  /** P(malignant) per sample, eval mode. */
  predictProba(x: tf.Tensor5D): tf.Tensor1D;
  readonly trainableVariables: tf.Variable[];
  /** Every weight incl. BatchNorm running statistics. */
  getWeights(): WeightMap;
  setWeights(w: WeightMap, strict?: boolean): void;
  paramCount(): number;
  dispose(): void;
}

/** An architecture: registry name / arch string / config object, or a seeded factory. */
export type ArchSpec = string | ConvResConfig | ((seed: number) => TrainableNet);

/** Builds the network of a run, seeded; `attention`/`head` from the config override the arch's. */
export function buildNet(arch: ArchSpec, seed: number, config: Pick<TrainConfig, "attention" | "head">): TrainableNet {
  if (typeof arch === "function") return arch(seed);
  return createModel(arch, { seed, attention: config.attention, head: config.head });
}
