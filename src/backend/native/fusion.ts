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
