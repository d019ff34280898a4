import * as os from "os";
import * as path from "path";
import { isMainThread, workerData } from "worker_threads";
import { repoRoot } from "../../util/provenance";

/** The C++ surface of `native/build/Release/naslung_native.node` (see native/src/*.cc). */
export interface NativeAddon {
  /**
   * threads: the calling thread's OpenMP team size (0 = default; per thread, so each worker thread
   * sets its own); keepHeap: keep multi-MB blocks on glibc's heap (see addon.cc). Also flushes
   * denormals in the team. Returns the team size in effect and the oneDNN version.
   */
  init(threads: number, keepHeap?: boolean): { threads: number; dnnl: string };
  /** The calling thread's OpenMP team size. */
  threads(): number;
  /** Throws the named C++ exception inside the addon (tests: each must arrive as a JS Error). */
  selfTest(what: "napi" | "dnnl" | "bad_alloc" | "std" | "int" | "parallel"): void;
  /**
   * kind 0: (x, filter) -> y, plus `bias` and a ReLU post-op when given, then added to out's
   * previous contents if `sum`; 1: (dy, filter) -> dx; 2: (x, dy) -> dfilter, and dbias into
   * `bias` when given. `p` = 21 ints, see conv.cc.
   */
  conv3d(kind: number, p: Int32Array, a: Float32Array, b: Float32Array, out: Float32Array, bias?: Float32Array | null, relu?: boolean, sum?: boolean): void;
  /** Broadcast binary op; strides per output dimension, 0 where the operand is broadcast. */
  binary(op: number, a: Float32Array, aStrides: Int32Array, b: Float32Array, bStrides: Int32Array, out: Float32Array | Uint8Array, outShape: Int32Array): void;
  unary(op: number, x: Float32Array, out: Float32Array, alpha: number): void;
  /** `reduced[i]` = 1 where axis i is reduced; `out` has the product of the kept dims. */
  reduce(op: number, x: Float32Array, shape: Int32Array, reduced: Int32Array, out: Float32Array): void;
  /** dst[dstOff + i.dstStrides] = src[srcOff + i.srcStrides] over `shape`; last dim contiguous on both sides. */
  copyStrided(src: Float32Array, srcOff: number, srcStrides: Int32Array, dst: Float32Array, dstOff: number, dstStrides: Int32Array, shape: Int32Array): void;
  /** Index of the first max (min) along the middle axis of x viewed as [outer, len, inner]. */
  argReduce(isMin: boolean, x: Float32Array, outer: number, len: number, inner: number, out: Int32Array): void;
  /** Training-mode batch norm over the last axis (C channels) of x (then max(0, .) if relu); writes y and per-channel mean, 1/sqrt(var+eps), biased var. */
  bnForward(x: Float32Array, C: number, gamma: Float32Array, beta: Float32Array, eps: number, y: Float32Array, mean: Float32Array, invstd: Float32Array, variance: Float32Array, relu?: boolean): void;
  /** Its gradient: dx, dgamma, dbeta from dy (masked by y > 0 first when the relu output y is given). */
  bnBackward(dy: Float32Array, x: Float32Array, C: number, gamma: Float32Array, mean: Float32Array, invstd: Float32Array, dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array, y?: Float32Array): void;
  /** ResCBAM channel pool of x*w ([N,V,C] * [N,C]): out [N,V,2] = (max_c, mean_c), without materialising x*w. */
  attnPool(x: Float32Array, w: Float32Array, N: number, V: number, C: number, out: Float32Array): void;
  /** Its gradient (max to the first maximal channel): dx [N,V,C], dw [N,C] from dout [N,V,2]. */
  attnPoolBackward(x: Float32Array, w: Float32Array, N: number, V: number, C: number, dout: Float32Array, dx: Float32Array, dw: Float32Array): void;
  /** y = x * (1 + s) for x [N,V,C] and a one-channel map s [N,V]. */
  scaleResidual(x: Float32Array, s: Float32Array, N: number, V: number, C: number, y: Float32Array): void;
  /** Its gradient: dx = dy * (1 + s), ds = sum_c dy * x. */
  scaleResidualBackward(x: Float32Array, s: Float32Array, N: number, V: number, C: number, dy: Float32Array, dx: Float32Array, ds: Float32Array): void;
  /** Drops the calling thread's convolution plans (each thread has its own). */
  clearCaches(): void;
}

/** Where setup.sh builds the addon. */
export const ADDON_PATH = path.join(repoRoot, "native", "build", "Release", "naslung_native.node");

/** The addon file: NASLUNG_NATIVE_ADDON if set (tests point it at a missing file), else ADDON_PATH. */
function addonPath(): string {
  return process.env.NASLUNG_NATIVE_ADDON || ADDON_PATH;
}

let cached: { addon: NativeAddon; threads: number; dnnl: string } | { error: string } | null = null;

/**
 * OpenMP threads for the calling JS thread's kernels: NASLUNG_THREADS, else the number of cores,
 * on the main thread; in a worker thread 1, or the `naslungNativeThreads` of its `workerData`
 * (a queue worker's fold threads, which share the cores out among its `--concurrency` folds). The parallel search runs one candidate per
 * worker thread (`workers: auto` = one per core), all in this process, and each worker's `init`
 * sizes only its own OpenMP teams: N workers with N-thread teams each would put N x N threads on
 * N cores (and NASLUNG_THREADS, inherited by every worker, would do the same), so a worker uses
 * one and the cores are shared out by the pool instead.
 */
export function addonThreadsWanted(): number {
  if (!isMainThread) return Number((workerData as { naslungNativeThreads?: number } | null)?.naslungNativeThreads) || 1;
  return mainThreadKernelThreads();
}

/** The kernel threads of a main thread: NASLUNG_THREADS, else the number of cores. */
export function mainThreadKernelThreads(): number {
  return Number(process.env.NASLUNG_THREADS || 0) || os.availableParallelism?.() || os.cpus().length;
}

/**
 * Loads the addon once per JS thread (each worker thread has its own module registry and calls
 * `init` for itself; the addon's state is per thread, see native/src/common.h). OMP_WAIT_POLICY=passive
 * must be in the environment before libgomp loads, or idle OpenMP workers spin and starve the JS
 * thread on a 2-core machine. The team size is `addonThreadsWanted()`.
 */
export function loadAddon(): { addon: NativeAddon; threads: number; dnnl: string } | { error: string } {
  if (cached) return cached;
  if (!process.env.OMP_WAIT_POLICY) process.env.OMP_WAIT_POLICY = "passive";
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const addon = require(addonPath()) as NativeAddon;
    const r = addon.init(addonThreadsWanted(), process.env.NASLUNG_KEEP_HEAP !== "0");
    cached = { addon, threads: r.threads, dnnl: r.dnnl };
  } catch (e) {
    cached = { error: `cannot load ${path.relative(repoRoot, addonPath())}: ${(e as Error).message.split("\n")[0]}` };
  }
  return cached;
}
