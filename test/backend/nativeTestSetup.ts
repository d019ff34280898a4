import * as tf from "@tensorflow/tfjs";
import { installNativeKernels } from "../../src/backend/nativeKernels";
import { createRng } from "../../src/util/rng";

/**
 * Shared set-up of the native-kernel test files: the CPU backend with naslung's kernels installed
 * (`ready`), a skip reason when the addon is unavailable, and seeded uniform random tensors.
 */
export function nativeTestSetup(seed: number, label: string): { ready: Promise<void>; skip: () => string | false; rand: (shape: number[], lo?: number, hi?: number) => tf.Tensor } {
  let status: ReturnType<typeof installNativeKernels> = { ok: false, reason: "not initialised", kernels: [] };
  const ready = (async () => {
    await tf.setBackend("cpu");
    (tf.backend() as unknown as { firstUse: boolean }).firstUse = false;
    status = installNativeKernels();
  })();
  const rng = createRng(seed, label);
  return {
    ready,
    skip: () => (status.ok ? false : `native addon unavailable: ${status.reason}`),
    rand(shape: number[], lo = -1, hi = 1): tf.Tensor {
      const n = shape.reduce((a, b) => a * b, 1);
      const v = new Float32Array(n);
      for (let i = 0; i < n; i++) v[i] = lo + (hi - lo) * rng.next();
      return tf.tensor(v, shape, "float32");
    },
  };
}
