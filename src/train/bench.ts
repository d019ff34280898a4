import * as tf from "@tensorflow/tfjs";
import { createModel } from "../models/registry";
import { ConvResNet, INPUT_SIZE } from "../models/convResNet";
import { aSoftmaxLoss } from "../losses/aSoftmax";
import { createRng } from "../util/rng";
import { setNativeKernelsEnabled, nativeKernelsEnabled } from "../backend/nativeKernels";
import { loadAddon } from "../backend/native/addon";
import { BackendInfo, describeBackend } from "../backend/select";

/** One benchmark case: a registered model name or architecture string, and a batch size. */
export interface BenchCase {
  config: string;
  batch: number;
}

/** The cases of issue "fast CPU": Model-1 at batch 8 and 32, reference config 2 at batch 8. */
export const DEFAULT_BENCH_CASES: BenchCase[] = [
  { config: "[4,4,[8,8,8],[16,16,16],[32,32]]", batch: 8 },
  { config: "[4,4,[8,8,8],[16,16,16],[32,32]]", batch: 32 },
  { config: "[4,4,[8,16,16],[16,32,64],[128,128]]", batch: 8 },
];

/** One JSON line of `naslung bench --json` (field order as in the issue). */
export interface BenchResult {
  config: string;
  params: number;
  backend: string;
  batch: number;
  trainSamplesPerSec: number;
  inferSamplesPerSec: number;
  /** Same step with our native kernels switched off (one step: ~100 s at Model-1 batch 8); null if skipped. */
  stockTrainSamplesPerSec: number | null;
  /** Peak resident set size of the process so far (ru_maxrss), MB. */
  peakRssMB: number;
  /** tfjs tensors alive (tf.memory().numTensors) right after the timed training steps. */
  numTensorsAfterTrain: number;
  /** tfjs tensors alive right after the timed inference batches: equal to the above unless inference leaks. */
  numTensorsAfterInfer: number;
}

/** A model with fixed random inputs and a momentum-SGD A-Softmax training step on them. */
export interface BenchHarness {
  model: ConvResNet;
  /** One optimizer step (forward in training mode, A-Softmax loss, backward, update); returns the loss. */
  trainStep(): number;
  /** One eval-mode forward of the batch; returns the first logit (forces the computation). */
  inferStep(): number;
  dispose(): void;
}

/**
 * Builds the harness of a case: the model (seeded), a batch of N(0,1) 32^3 cubes with balanced
 * labels, tf.train.momentum(0.01, 0.9) and the margin-applying A-Softmax loss, as the trainer uses.
 */
export function createBenchHarness(c: BenchCase, seed = 0): BenchHarness {
  const model = createModel(c.config, { seed });
  const rng = createRng(seed, "bench-input");
  const v = new Float32Array(c.batch * INPUT_SIZE ** 3);
  for (let i = 0; i < v.length; i++) v[i] = rng.normal();
  const x = tf.tensor5d(v, [c.batch, INPUT_SIZE, INPUT_SIZE, INPUT_SIZE, 1]);
  const y = tf.tensor1d(Array.from({ length: c.batch }, (_, i) => i % 2), "int32");
  const opt = tf.train.momentum(0.01, 0.9);
  let iteration = 0;
  return {
    model,
    trainStep() {
      iteration++;
      const { value, grads } = tf.variableGrads(() => {
        const out = model.apply(x, { training: true });
        return aSoftmaxLoss({ cos: out.cos as tf.Tensor2D, psi: out.psi as tf.Tensor2D }, y, { iteration });
      }, model.trainableVariables);
      (opt as tf.Optimizer).applyGradients(grads);
      const loss = value.dataSync()[0];
      tf.dispose([value, ...Object.values(grads)]);
      return loss;
    },
    inferStep() {
      return tf.tidy(() => model.apply(x, { training: false }).logits.dataSync()[0]);
    },
    dispose() {
      tf.dispose([x, y]);
      opt.dispose();
      model.dispose();
    },
  };
}

/** Median of a non-empty list (mean of the middle two for an even count). */
export function median(v: number[]): number {
  if (!v.length) throw new Error("median of an empty list");
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** How `naslung bench` starts the stderr line describing its settings (read by `bench --vs-pytorch`). */
export const BENCH_SETTINGS_PREFIX = "naslung bench settings:";

/**
 * Our side's settings in one line: the backend, the native kernels' OpenMP threads and oneDNN
 * version, and the OpenMP wait policy. `inheritedWaitPolicy` is OMP_WAIT_POLICY as the process
 * got it, before the addon set its own default (passive) where it was unset.
 */
export function describeBenchSettings(b: BackendInfo, inheritedWaitPolicy: string | undefined): string {
  const parts = [describeBackend(b).replace(/^naslung: /, "")];
  if (b.native.ok) parts.push(`${b.native.threads} kernel threads`, `oneDNN ${b.native.dnnl}`);
  const policy = process.env.OMP_WAIT_POLICY;
  if (!b.native.ok) parts.push(`OMP_WAIT_POLICY ${inheritedWaitPolicy ?? "unset"}`);
  else if (inheritedWaitPolicy === undefined) parts.push(`OpenMP wait policy ${policy ?? "default"} (the addon's default: OMP_WAIT_POLICY was unset)`);
  else parts.push(`OpenMP wait policy ${inheritedWaitPolicy} (inherited OMP_WAIT_POLICY)`);
  return parts.join(", ");
}

/** Median seconds of `reps` timed calls after `warmup` untimed ones. */
export function timeMedian(fn: () => void, reps: number, warmup = 1): number {
  for (let i = 0; i < warmup; i++) fn();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    t.push((performance.now() - t0) / 1000);
  }
  return median(t);
}

/** Peak RSS of this process in MB (getrusage ru_maxrss, KiB on Linux). */
export function peakRssMB(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** Options of `runBenchCase`. */
export interface BenchOptions {
  /** Timed training steps (median taken; default 10). */
  trainSteps?: number;
  /** Timed inference batches (default 20). */
  inferSteps?: number;
  /** Time one training step with the stock kernels (default true; ~100 s at Model-1 batch 8). */
  stock?: boolean;
  /** naslung's backend name for the JSON line. */
  backend: string;
  seed?: number;
}

/**
 * Measures one case: median training and inference throughput with the active kernels, then
 * (optionally) ONE training step with the native kernels switched off in the same process, after
 * one untimed warm-up step on the native kernels (the stock step is ~1000x slower, so only one).
 */
export function runBenchCase(c: BenchCase, o: BenchOptions): BenchResult {
  const h = createBenchHarness(c, o.seed ?? 0);
  try {
    const train = timeMedian(() => h.trainStep(), o.trainSteps ?? 10, 2);
    const numTensorsAfterTrain = tf.memory().numTensors;
    const infer = timeMedian(() => h.inferStep(), o.inferSteps ?? 20, 2);
    const numTensorsAfterInfer = tf.memory().numTensors;
    let stock: number | null = null;
    if ((o.stock ?? true) && nativeKernelsEnabled()) {
      setNativeKernelsEnabled(false);
      try {
        stock = c.batch / timeMedian(() => h.trainStep(), 1, 0);
      } finally {
        setNativeKernelsEnabled(true);
      }
    }
    const r: BenchResult = {
      config: c.config,
      params: h.model.paramCount(),
      backend: o.backend,
      batch: c.batch,
      trainSamplesPerSec: round(c.batch / train),
      inferSamplesPerSec: round(c.batch / infer),
      stockTrainSamplesPerSec: stock === null ? null : round(stock, 4),
      peakRssMB: peakRssMB(),
      numTensorsAfterTrain,
      numTensorsAfterInfer,
    };
    return r;
  } finally {
    h.dispose();
  }
}

function round(v: number, digits = 2): number {
  return Number(v.toPrecision(Math.max(digits, Math.ceil(Math.log10(Math.abs(v) + 1)) + digits)));
}

/** Per-kernel time of the CPU backend, ms, accumulated while profiling. */
export interface KernelProfileRow {
  kernel: string;
  calls: number;
  /** Wall time. */
  ms: number;
  /** CPU time of the process (all threads) during the calls: robust to other load on the machine. */
  cpuMs: number;
}

/** Addon functions called outside any kernelFunc (the fused ops), profiled as `native:<fn>[#kind]`. */
const FUSED_ADDON_FUNCS = ["conv3d", "bnForward", "bnBackward"] as const;
const CONV_KINDS = ["fwd", "bwd-data", "bwd-weights"];

/**
 * Runs `fn` with every kernelFunc of the "cpu" backend wrapped in a timer (CPU kernels are
 * synchronous, so wall time per call is the kernel's time) and returns the per-kernel totals,
 * largest first. The fused native ops (conv+bias, batch norm) run outside tfjs kernels, so their
 * addon calls are timed too, as `native:conv3d#fwd` etc., when not made from inside a kernel.
 * The original kernelFuncs and addon functions are restored afterwards.
 */
export function profileKernels(fn: () => void): KernelProfileRow[] {
  const rows = new Map<string, KernelProfileRow>();
  const rowFor = (name: string) => {
    let row = rows.get(name);
    if (!row) rows.set(name, (row = { kernel: name, calls: 0, ms: 0, cpuMs: 0 }));
    return row;
  };
  const timed = <R>(row: KernelProfileRow, f: () => R): R => {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const r = f();
    const c = process.cpuUsage(c0);
    row.ms += performance.now() - t0;
    row.cpuMs += (c.user + c.system) / 1000;
    row.calls++;
    return r;
  };
  let kernelDepth = 0;
  const configs = tf.getKernelsForBackend("cpu");
  const originals = configs.map((k) => ({ ...k }));
  for (const k of originals) {
    const row = rowFor(k.kernelName);
    const inner = k.kernelFunc;
    tf.unregisterKernel(k.kernelName, "cpu");
    tf.registerKernel({
      ...k,
      kernelFunc: (args) => {
        kernelDepth++;
        try {
          return timed(row, () => inner(args));
        } finally {
          kernelDepth--;
        }
      },
    });
  }
  const loaded = loadAddon();
  const addon = "error" in loaded ? null : (loaded.addon as unknown as Record<string, (...a: unknown[]) => unknown>);
  const addonOriginals = new Map<string, (...a: unknown[]) => unknown>();
  for (const name of addon ? FUSED_ADDON_FUNCS : []) {
    const inner = (addon as Record<string, (...a: unknown[]) => unknown>)[name];
    addonOriginals.set(name, inner);
    (addon as Record<string, (...a: unknown[]) => unknown>)[name] = (...a: unknown[]) =>
      kernelDepth > 0 ? inner(...a) : timed(rowFor(`native:${name}${name === "conv3d" ? `#${CONV_KINDS[a[0] as number]}` : ""}`), () => inner(...a));
  }
  try {
    fn();
  } finally {
    for (const k of originals) {
      tf.unregisterKernel(k.kernelName, "cpu");
      tf.registerKernel(k);
    }
    for (const [name, f] of addonOriginals) (addon as Record<string, (...a: unknown[]) => unknown>)[name] = f;
  }
  return [...rows.values()].filter((r) => r.calls > 0).sort((a, b) => b.cpuMs - a.cpuMs);
}
