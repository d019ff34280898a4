import { parentPort, workerData } from "worker_threads";
import { assembleBatch, CubeSource } from "./batch";
import type { BatchRequest, WorkerInit } from "./loader";

/* Worker side of WorkerBatchLoader: assembles requested batches from the shared crops. */
if (parentPort) {
  const init = workerData as WorkerInit;
  const vox = init.n ** 3;
  const all = new Float32Array(init.shared);
  const src: CubeSource = {
    crops: Array.from({ length: init.count }, (_, i) => all.subarray(i * vox, (i + 1) * vox)),
    labels: init.labels,
    n: init.n,
  };
  const port = parentPort;
  port.on("message", (m: { id: number; req: BatchRequest }) => {
    try {
      const r = m.req;
      const aug = r.augment ? { config: init.opts.augment, seed: init.opts.seed, epoch: r.epoch, position: r.position } : null;
      const b = assembleBatch(src, r.indices, aug);
      port.postMessage({ id: m.id, x: b.x, labels: b.labels, indices: b.indices }, [b.x.buffer as ArrayBuffer, b.labels.buffer as ArrayBuffer]);
    } catch (e) {
      port.postMessage({ id: m.id, error: (e as Error).message });
    }
  });
}
