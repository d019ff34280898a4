import * as tf from "@tensorflow/tfjs";
import type { OptimizerConfig } from "./config";

/** A serialised optimizer tensor (slot variable or iteration counter). */
export interface SavedTensor {
  name: string;
  shape: number[];
  dtype: "float32" | "int32";
  data: Float32Array;
}

/** SGD with momentum (tf.train.momentum; PyTorch's SGD formulation) or Adam. */
export function createOptimizer(cfg: OptimizerConfig): tf.Optimizer {
  return cfg.name === "adam" ? tf.train.adam(cfg.lr, cfg.beta1, cfg.beta2, 1e-8) : tf.train.momentum(cfg.lr, cfg.momentum);
}

/** Sets the learning rate for the next steps (SGD/momentum cache -lr in a scalar, Adam reads the field). */
export function setLearningRate(opt: tf.Optimizer, lr: number): void {
  const o = opt as unknown as { setLearningRate?: (lr: number) => void; learningRate: number };
  if (typeof o.setLearningRate === "function") o.setLearningRate(lr);
  else o.learningRate = lr;
}

interface AdamInternals {
  accBeta1?: tf.Variable;
  accBeta2?: tf.Variable;
}

/**
 * Copies the optimizer state out: the iteration counter and every slot (momentum; Adam's m and
 * v), plus Adam's running beta powers, which tfjs's setWeights would otherwise recompute with
 * pow() and so differ in the last bits from the product accumulated step by step.
 */
export async function saveOptimizerState(opt: tf.Optimizer): Promise<SavedTensor[]> {
  const named = await opt.getWeights();
  const out: SavedTensor[] = named.map((w) => ({
    name: w.name,
    shape: w.tensor.shape.slice(),
    dtype: w.tensor.dtype === "int32" ? "int32" : "float32",
    data: Float32Array.from(w.tensor.dataSync() as ArrayLike<number>),
  }));
  // getWeights creates a fresh scalar for the iteration counter; the slots are the live variables.
  if (named.length) named[0].tensor.dispose();
  const adam = opt as unknown as AdamInternals;
  for (const key of ["accBeta1", "accBeta2"] as const) {
    const v = adam[key];
    if (v) out.push({ name: `__${key}`, shape: [], dtype: "float32", data: Float32Array.from(v.dataSync()) });
  }
  return out;
}

/** Restores what `saveOptimizerState` wrote into a freshly created optimizer of the same kind. */
export async function loadOptimizerState(opt: tf.Optimizer, state: SavedTensor[]): Promise<void> {
  const extras = state.filter((s) => s.name.startsWith("__"));
  const slots = state.filter((s) => !s.name.startsWith("__"));
  if (!slots.length) return;
  const named = slots.map((s) => ({ name: s.name, tensor: tf.tensor(s.dtype === "int32" ? Int32Array.from(s.data) : s.data, s.shape, s.dtype) }));
  await opt.setWeights(named);
  // setWeights copies each slot into a new variable; free our temporaries.
  for (const n of named) n.tensor.dispose();
  const adam = opt as unknown as AdamInternals;
  for (const e of extras) {
    const v = adam[e.name.slice(2) as keyof AdamInternals];
    if (v) tf.tidy(() => v.assign(tf.scalar(e.data[0])));
  }
}
