import * as tf from "@tensorflow/tfjs";
import type { NoduleSample } from "../data/sample";
import type { InputNorm } from "./checkpoint";
import type { TrainableNet } from "./net";

/* Input scaling a trained network expects, remembered per network object so that callers of
   predictProbabilities need not carry it around. */
const norms = new WeakMap<object, InputNorm | null>();

/** Records the input scaling of a trained network (set by trainModel and loadTrainedModel). */
export function setInputNorm(net: TrainableNet, norm: InputNorm | null): void {
  norms.set(net, norm);
}

/** The input scaling of a network trained by naslung (null: crops are used as they are). */
export function getInputNorm(net: TrainableNet): InputNorm | null {
  return norms.get(net) ?? null;
}

/** Mean and standard deviation of all voxels of the given crops (float64 accumulation). */
export function cropStatistics(samples: NoduleSample[]): InputNorm {
  let s = 0;
  let s2 = 0;
  let n = 0;
  for (const x of samples) {
    const c = x.crop;
    for (let i = 0; i < c.length; i++) {
      s += c[i];
      s2 += c[i] * c[i];
    }
    n += c.length;
  }
  const mean = s / n;
  const std = Math.sqrt(Math.max(0, s2 / n - mean * mean));
  return { mean, std: std > 1e-12 ? std : 1 };
}

/** Stacks crops into an NDHWC batch tensor, applying `norm` when given. */
export function cropsToTensor(crops: Float32Array[], n: number, norm: InputNorm | null): tf.Tensor5D {
  const vox = n * n * n;
  const buf = new Float32Array(crops.length * vox);
  crops.forEach((c, i) => {
    if (c.length !== vox) throw new Error(`predict: crop ${i} has ${c.length} voxels, expected ${n}^3 = ${vox}`);
    buf.set(c, i * vox);
  });
  return batchTensor(buf, crops.length, n, norm);
}

/** Wraps an assembled batch buffer as a tensor, applying `norm` when given. */
export function batchTensor(buf: Float32Array, batch: number, n: number, norm: InputNorm | null): tf.Tensor5D {
  return tf.tidy(() => {
    const t = tf.tensor5d(buf, [batch, n, n, n, 1]);
    return norm ? (tf.div(tf.sub(t, norm.mean), norm.std) as tf.Tensor5D) : t;
  });
}

/** Test-time augmentation: none, or the mean over the 8 combinations of flips along z, y and x. */
export type TtaMode = "none" | "flips";

/** The flip combinations `flips` TTA averages over: every subset of the three axes. */
export const TTA_FLIPS: ReadonlyArray<ReadonlyArray<1 | 2 | 3>> = [[], [3], [2], [2, 3], [1], [1, 3], [1, 2], [1, 2, 3]];

/**
 * P(malignant) for each sample, in order, with the network in eval mode (BatchNorm running
 * statistics) and the input scaling it was trained with. `tta: "flips"` averages the
 * probabilities of the 8 mirrored copies of each cube (flips are label-preserving: the training
 * augmentation draws them too), which smooths the orientation noise of a small network.
 */
export function predictProbabilities(model: TrainableNet, samples: NoduleSample[], batchSize = 16, tta: TtaMode = "none"): Float32Array {
  const out = new Float32Array(samples.length);
  const norm = getInputNorm(model);
  const views = tta === "flips" ? TTA_FLIPS : [[]];
  for (let i = 0; i < samples.length; i += batchSize) {
    const part = samples.slice(i, i + batchSize);
    const p = tf.tidy(() => {
      const x = cropsToTensor(part.map((s) => s.crop), part[0].size, norm);
      const ps = views.map((axes) => model.predictProba(axes.length ? (tf.reverse(x, axes as number[]) as tf.Tensor5D) : x));
      return ps.length === 1 ? ps[0] : tf.div(tf.addN(ps), ps.length);
    });
    out.set(p.dataSync() as Float32Array, i);
    p.dispose();
  }
  return out;
}

/** Mean binary cross-entropy of probabilities (clipped to [1e-7, 1 - 1e-7]): a margin-free validation loss. */
export function binaryCrossEntropy(labels: ArrayLike<number>, probs: ArrayLike<number>): number {
  if (!labels.length) return NaN;
  let s = 0;
  for (let i = 0; i < labels.length; i++) {
    const p = Math.min(1 - 1e-7, Math.max(1e-7, probs[i]));
    s -= labels[i] ? Math.log(p) : Math.log(1 - p);
  }
  return s / labels.length;
}
