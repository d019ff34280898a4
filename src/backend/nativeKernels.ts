import * as tf from "@tensorflow/tfjs";
import { loadAddon } from "./native/addon";
import { nativeKernelFuncs } from "./native/kernels";

/** Status of naslung's native CPU kernels (see issue "fast CPU"). */
export interface NativeStatus {
  ok: boolean;
  reason?: string;
  /** tfjs kernel names registered natively on the "cpu" backend. */
  kernels: string[];
  /** OpenMP threads and oneDNN version, when loaded. */
  threads?: number;
  dnnl?: string;
}

const stock: Record<string, tf.KernelFunc> = {};
let native: Record<string, tf.KernelFunc> | null = null;
let enabled = false;
let status: NativeStatus | null = null;

function register(name: string, kernelFunc: tf.KernelFunc): void {
  if (tf.getKernel(name, "cpu")) tf.unregisterKernel(name, "cpu");
  tf.registerKernel({ kernelName: name, backendName: "cpu", kernelFunc });
}

/**
 * Registers the native oneDNN kernels (3-D convolutions and their gradients, broadcast
 * elementwise ops, reductions) on the tfjs CPU backend, replacing the stock kernelFuncs, which are
 * kept for fallback (dtypes/attributes outside the native domain) and for
 * `setNativeKernelsEnabled(false)`. Idempotent. If the addon cannot be loaded it returns
 * `{ ok: false, reason }` and the stock kernels stay in place.
 */
export function installNativeKernels(): NativeStatus {
  if (status) {
    if (status.ok) setNativeKernelsEnabled(true);
    return status;
  }
  const loaded = loadAddon();
  if ("error" in loaded) return (status = { ok: false, reason: loaded.error, kernels: [] });
  const stockFor = (name: string) => {
    const k = tf.getKernel(name, "cpu");
    if (!k) throw new Error(`tfjs CPU backend has no stock kernel ${name}`);
    return k.kernelFunc;
  };
  // The native funcs look their stock fallbacks up in `stock` at call time; it is filled just below.
  const funcs = nativeKernelFuncs(loaded.addon, stock);
  try {
    for (const name of Object.keys(funcs)) stock[name] = stockFor(name);
  } catch (e) {
    return (status = { ok: false, reason: (e as Error).message, kernels: [] });
  }
  native = funcs;
  status = { ok: true, kernels: Object.keys(funcs), threads: loaded.threads, dnnl: loaded.dnnl };
  setNativeKernelsEnabled(true);
  return status;
}

/**
 * Switches between the native and the stock kernelFuncs on the CPU backend (for the bench's
 * stock comparison and the equivalence tests). A no-op for `true` when the addon is not loaded.
 */
export function setNativeKernelsEnabled(on: boolean): void {
  if (!native || on === enabled) return;
  for (const [name, f] of Object.entries(native)) register(name, on ? f : stock[name]);
  enabled = on;
}

/** Whether the native kernelFuncs are currently registered. */
export function nativeKernelsEnabled(): boolean {
  return enabled;
}
export { fallbackCounts as nativeFallbackCounts } from "./native/kernels";
export { batchNormTrainFused, fusedBatchNormAvailable } from "./native/batchNorm";
export { conv3dFused, conv3dBnInfer } from "./native/conv";
export type { BnEval } from "./native/conv";
export { nativeFusionAvailable } from "./native/fusion";
export { attentionPoolFused, scaleResidualFused } from "./native/attention";
export { maxOverAxis1Fused } from "./native/pooling";
