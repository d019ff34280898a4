import * as fs from "fs";
import * as path from "path";
import { Worker } from "worker_threads";
import { assembleBatch, CubeBatch, CubeSource } from "./batch";
import type { AugmentConfig } from "./compose";

/** One batch to assemble: dataset indices, and where it sits in which epoch (for the RNG key). */
export interface BatchRequest {
  indices: number[];
  epoch: number;
  /** Offset of the batch's first sample in the epoch order. */
  position: number;
  /** Whether to augment (training) or pass crops through (evaluation). */
  augment: boolean;
}

/** Assembles batches somewhere (this thread or a worker); `load` never blocks the caller. */
export interface BatchLoader {
  readonly kind: "inline" | "worker";
  load(req: BatchRequest): Promise<CubeBatch>;
  close(): Promise<void>;
}

/** Settings shared by every loader of one training run. */
export interface LoaderOptions {
  augment: AugmentConfig;
  seed: number;
}

/**
 * Assembles on the main thread, deferred with setImmediate so the work runs when the event loop
 * is free (between training steps on async backends) rather than inside the caller's step.
 */
export class InlineBatchLoader implements BatchLoader {
  readonly kind = "inline" as const;
  constructor(
    private readonly src: CubeSource,
    private readonly opts: LoaderOptions,
  ) {}

  load(req: BatchRequest): Promise<CubeBatch> {
    return new Promise((resolve, reject) =>
      setImmediate(() => {
        try {
          resolve(assembleBatch(this.src, req.indices, augmentArgs(this.opts, req)));
        } catch (e) {
          reject(e);
        }
      }),
    );
  }

  async close(): Promise<void> {}
}

function augmentArgs(opts: LoaderOptions, req: BatchRequest) {
  return req.augment ? { config: opts.augment, seed: opts.seed, epoch: req.epoch, position: req.position } : null;
}

/** Message protocol between WorkerBatchLoader and augmentWorker.js. */
export interface WorkerInit {
  shared: SharedArrayBuffer;
  count: number;
  n: number;
  labels: number[];
  opts: LoaderOptions;
}

/**
 * Assembles batches in a worker thread, so augmentation runs on another core while the training
 * step runs here. The crops are copied once into a SharedArrayBuffer; each reply transfers its
 * batch buffer (no copy). Output is byte-identical to InlineBatchLoader (same pure function).
 */
export class WorkerBatchLoader implements BatchLoader {
  readonly kind = "worker" as const;
  private readonly worker: Worker;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (b: CubeBatch) => void; reject: (e: Error) => void }>();
  private failed: Error | null = null;

  constructor(src: CubeSource, opts: LoaderOptions, script: string) {
    const vox = src.n ** 3;
    const shared = new SharedArrayBuffer(src.crops.length * vox * 4);
    const all = new Float32Array(shared);
    src.crops.forEach((c, i) => {
      if (c.length !== vox) throw new Error(`batch: sample ${i} has ${c.length} voxels, expected ${src.n}^3 = ${vox}`);
      all.set(c, i * vox);
    });
    const init: WorkerInit = { shared, count: src.crops.length, n: src.n, labels: src.labels, opts };
    this.worker = new Worker(script, { workerData: init });
    this.worker.on("message", (m: { id: number; error?: string; x?: Float32Array; labels?: Int32Array; indices?: number[] }) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.error) w.reject(new Error(m.error));
      else w.resolve({ x: m.x as Float32Array, labels: m.labels as Int32Array, indices: m.indices as number[], n: src.n });
    });
    const fail = (e: Error) => {
      this.failed = e;
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => {
      if (code !== 0 && !this.closing) fail(new Error(`augmentation worker exited with code ${code}`));
    });
  }

  private closing = false;

  load(req: BatchRequest): Promise<CubeBatch> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, req });
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.worker.terminate();
  }
}

/** Path of the compiled worker script, or null when running from TypeScript sources. */
export function augmentWorkerScript(): string | null {
  const js = path.join(__dirname, "augmentWorker.js");
  return fs.existsSync(js) ? js : null;
}

/**
 * Creates the loader for a run: a worker thread when `mode` is "worker" (or "auto") and the
 * compiled worker exists, else inline.
 */
export function createBatchLoader(src: CubeSource, opts: LoaderOptions, mode: "auto" | "worker" | "inline" = "auto"): BatchLoader {
  const script = augmentWorkerScript();
  if (mode !== "inline" && script) return new WorkerBatchLoader(src, opts, script);
  if (mode === "worker") throw new Error("augmentation worker requested but augmentWorker.js is not built (run npm run build)");
  return new InlineBatchLoader(src, opts);
}

/**
 * Iterates the batches of `requests` keeping `depth` requests in flight ahead of the consumer,
 * so batch k+1 is assembled while the consumer trains on batch k.
 */
export async function* prefetchBatches(loader: BatchLoader, requests: BatchRequest[], depth = 1): AsyncGenerator<CubeBatch> {
  const inFlight: Promise<CubeBatch>[] = [];
  let next = 0;
  const fill = () => {
    while (next < requests.length && inFlight.length <= depth) inFlight.push(loader.load(requests[next++]));
  };
  fill();
  // Unhandled rejections of queued loads surface when awaited; mark them handled meanwhile.
  while (inFlight.length) {
    const p = inFlight.shift() as Promise<CubeBatch>;
    fill();
    for (const q of inFlight) q.catch(() => undefined);
    yield await p;
  }
}
