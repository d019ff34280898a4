import * as tf from "@tensorflow/tfjs";
import { loadAddon, NativeAddon } from "./addon";
import { nativeKernelsEnabled } from "../nativeKernels";

/**
 * The CPU backend's own Float32Array of a tensor (int/bool-backed float32 views converted), so
 * the fused ops below hand tfjs's buffers to the addon without a copy; null for other backends'
 * data or dtypes.
 */
export function values(t: tf.Tensor): Float32Array | null {
  const v = (tf.backend() as unknown as { data: { get(id: unknown): { values?: unknown } } }).data.get(t.dataId).values;
  if (v instanceof Float32Array) return v;
  if (v instanceof Uint8Array || v instanceof Int32Array) return Float32Array.from(v);
  return null;
}

/** `values(t)`, or an error naming the op (callers only pass float32 CPU tensors). */
export function valuesOf(t: tf.Tensor, what: string): Float32Array {
  const v = values(t);
  if (!v) throw new Error(`${what}: inputs must be float32 tensors on the CPU backend`);
  return v;
}

/**
 * Whether the fused native ops (batch norm, conv+bias, ...) can run: the CPU backend is active
 * with naslung's native kernels enabled. Elsewhere (tfjs-node, stock CPU, kernels switched off for
 * a comparison) callers keep their tf-ops formula, so every backend computes the same function.
 */
export function nativeFusionAvailable(): boolean {
  return tf.getBackend() === "cpu" && nativeKernelsEnabled() && !("error" in loadAddon());
}

/** The loaded addon, or an error naming the op that needed it. */
export function addonFor(what: string): NativeAddon {
  const loaded = loadAddon();
  if ("error" in loaded) throw new Error(`${what}: ${loaded.error}`);
  return loaded.addon;
}

/** What a fused op's forward returns: its output and, given dy, one lazy gradient per input. */
export interface FusedResult {
  value: tf.Tensor;
  grads: (dy: tf.Tensor) => (() => tf.Tensor)[];
}

/**
 * Runs a fused native op as ONE tape node (tfjs's engine.runKernelFunc, the machinery under
 * tf.customGrad) with two differences that matter at ~150 fused calls per training step:
 * - each input's gradient is a thunk, so tfjs computes only those on a path to the differentiated
 *   variables (tf.customGrad computes all: e.g. the first conv's input gradient, 32^3, unused);
 * - nothing is saved through tfjs (`save` clones each tensor, one Identity kernel apiece): the
 *   forward keeps the Float32Arrays it needs in its closure, alive as long as the tape node.
 * Thunks may share work (one native backward call computing several gradients): compute into
 * arrays once with `once` and wrap each in a tensor inside its own thunk (the engine disposes
 * tensors a thunk creates but does not return).
 */
export function runFused(inputs: tf.Tensor[], forward: () => FusedResult): tf.Tensor {
  let grads: FusedResult["grads"] | null = null;
  const inputMap: Record<string, tf.Tensor> = {};
  inputs.forEach((t, i) => (inputMap[i] = t));
  const engine = tf.engine() as unknown as {
    runKernelFunc(p: {
      forwardFunc: () => tf.Tensor;
      backwardsFunc: (dy: tf.Tensor) => Record<string, () => tf.Tensor>;
      inputs: Record<string, tf.Tensor>;
    }): tf.Tensor;
  };
  return engine.runKernelFunc({
    forwardFunc: () => {
      const r = forward();
      grads = r.grads;
      return r.value;
    },
    backwardsFunc: (dy) => {
      const map: Record<string, () => tf.Tensor> = {};
      (grads as FusedResult["grads"])(dy).forEach((g, i) => (map[i] = g));
      return map;
    },
    inputs: inputMap,
  });
}

/** f's result, computed on the first call only. */
export function once<T>(f: () => T): () => T {
  let done = false;
  let v: T;
  return () => {
    if (!done) (v = f()), (done = true);
    return v;
  };
}
