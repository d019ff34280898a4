import { buildAugmentation, AugmentConfig } from "./compose";

/** One assembled mini-batch: NDHWC voxels (C = 1) and integer labels. */
export interface CubeBatch {
  /** batch * n^3 voxels, sample-major, each cube z-major. */
  x: Float32Array;
  labels: Int32Array;
  /** Dataset indices of the samples, in batch order. */
  indices: number[];
  n: number;
}

/** What batch assembly needs from a dataset: crops and labels, addressable by index. */
export interface CubeSource {
  crops: Float32Array[];
  labels: number[];
  n: number;
}

/**
 * Assembles the batch of `indices`, augmenting sample j of the batch with the stream keyed by
 * (seed, `${epoch}:${position + j}`) where `position` is the batch's offset in the epoch order.
 * Pure function of its arguments: the main thread and a worker produce identical bytes.
 */
export function assembleBatch(
  src: CubeSource,
  indices: number[],
  aug: { config: AugmentConfig; seed: number; epoch: number; position: number } | null,
): CubeBatch {
  const n = src.n;
  const vox = n * n * n;
  const x = new Float32Array(indices.length * vox);
  const labels = new Int32Array(indices.length);
  const pipeline = aug ? buildAugmentation(aug.config) : null;
  indices.forEach((idx, j) => {
    const crop = src.crops[idx];
    if (!crop || crop.length !== vox) {
      throw new Error(`batch: sample ${idx} has ${crop?.length ?? 0} voxels, expected ${n}^3 = ${vox}`);
    }
    const out = pipeline && aug ? pipeline.reseed(aug.seed, `${aug.epoch}:${aug.position + j}`).apply(crop, n) : crop;
    x.set(out, j * vox);
    labels[j] = src.labels[idx];
  });
  return { x, labels, indices, n };
}
