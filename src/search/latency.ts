import * as tf from "@tensorflow/tfjs";
import { activeBackend } from "../backend/select";

/** Timing of repeated forwards at one batch size. */
export interface LatencyStats {
  batch: number;
  /** Median wall time of one forward (ms), the number the search uses. */
  medianMs: number;
  minMs: number;
  maxMs: number;
  /** Timed forwards (after `warmup` untimed ones). */
  repeats: number;
  warmup: number;
}

/** Latency of one architecture on the backend it was measured on. */
export interface LatencyResult {
  /** naslung's backend name (`cpu`, `tensorflow`, ...) plus " native" when our kernels served it. */
  backend: string;
  /** Input cube edge (32 for NAS-Lung). */
  inputSize: number;
  batch1: LatencyStats;
  batch32?: LatencyStats;
}

export interface LatencyOptions {
  inputSize?: number;
  /** Batch sizes to time; 1 is always measured, 32 unless left out. Default [1, 32]. */
  batchSizes?: number[];
  /** Untimed forwards first (JIT, allocations, kernel caches). Default 2. */
  warmup?: number;
  /** Timed forwards. Default 10. */
  repeats?: number;
  /** Stop repeating a batch size once this much time was spent on it (at least `minRepeats`). */
  maxMsPerBatch?: number;
  minRepeats?: number;
  /** Seed of the random input (values do not change the work done, but keep runs identical). */
  seed?: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The active backend as recorded with a latency ("cpu native", "cpu", "tensorflow-gpu", ...). */
export function latencyBackendName(): string {
  const b = activeBackend();
  if (!b) return tf.getBackend();
  return b.name === "cpu" && b.native.ok ? "cpu native" : b.name;
}

/**
 * Measures inference latency properly, where the reference times one cold forward on CPU:
 * `warmup` untimed forwards, then the median of `repeats` timed ones (each forward waits for its
 * output to be downloaded, so asynchronous backends are timed to completion), at batch 1 and at
 * batch 32, recorded with the backend name. `forward` maps an NDHWC batch to any output.
 */
export async function measureLatency(
  forward: (x: tf.Tensor5D) => tf.Tensor | tf.Tensor[],
  opts: LatencyOptions = {},
): Promise<LatencyResult> {
  const inputSize = opts.inputSize ?? 32;
  const batches = [...new Set([1, ...(opts.batchSizes ?? [1, 32])])].sort((a, b) => a - b);
  const warmup = opts.warmup ?? 2;
  const repeats = opts.repeats ?? 10;
  const minRepeats = Math.min(repeats, opts.minRepeats ?? 3);
  const maxMs = opts.maxMsPerBatch ?? Infinity;
  const out: Record<number, LatencyStats> = {};
  for (const batch of batches) {
    const x = tf.randomNormal([batch, inputSize, inputSize, inputSize, 1], 0, 1, "float32", opts.seed ?? 1) as tf.Tensor5D;
    const once = async () => {
      const t0 = performance.now();
      const y = tf.tidy(() => forward(x));
      const ys = Array.isArray(y) ? y : [y];
      for (const t of ys) await t.data();
      const ms = performance.now() - t0;
      tf.dispose(ys);
      return ms;
    };
    try {
      for (let i = 0; i < warmup; i++) await once();
      const times: number[] = [];
      let spent = 0;
      while (times.length < repeats && (times.length < minRepeats || spent < maxMs)) {
        const ms = await once();
        times.push(ms);
        spent += ms;
      }
      out[batch] = { batch, medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), repeats: times.length, warmup };
    } finally {
      x.dispose();
    }
  }
  const result: LatencyResult = { backend: latencyBackendName(), inputSize, batch1: out[1] };
  if (out[32]) result.batch32 = out[32];
  return result;
}
