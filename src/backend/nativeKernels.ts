/** Status of naslung's native CPU kernels (see issue "fast CPU"). */
export interface NativeStatus {
  ok: boolean;
  reason?: string;
  kernels: string[];
}

/**
 * Registers the native oneDNN kernels on the tfjs CPU backend. Until the addon lands this
 * reports it as unavailable so the CPU backend runs the stock kernels.
 */
export function installNativeKernels(): NativeStatus {
  return { ok: false, reason: "native addon not built", kernels: [] };
}
