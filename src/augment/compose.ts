import { createRng } from "../util/rng";
import type { RandomCubeTransform } from "./transform";
import { RandomPadCrop, RandomPadCropOptions } from "./randomCrop";
import { RandomFlip } from "./flip";
import { RandomZeroOut } from "./zeroOut";
import { RandomAxialTranspose } from "./transpose";

/**
 * A chain of random cube transforms. `reseed(seed, key)` gives every member its own stream
 * derived from (seed, key, member index), so the augmentation of one sample depends only on
 * the run seed and a stable key (epoch and position in the epoch), never on how many draws other
 * samples made. That is what makes a resumed run (and a worker thread) reproduce the stream.
 */
export class ComposeCube {
  constructor(readonly transforms: RandomCubeTransform[]) {}

  reseed(seed: number, key: string): this {
    this.transforms.forEach((t, i) => t.setRng(createRng(seed, `augment:${key}:${i}:${t.name}`)));
    return this;
  }

  apply(cube: Float32Array, n: number): Float32Array {
    let out = cube;
    for (const t of this.transforms) out = t.apply(out, n);
    return out === cube ? cube.slice() : out;
  }
}

/** Augmentation settings (the `augment` key of a training config). */
export interface AugmentConfig {
  /** Master switch; false gives identity batches. */
  enabled: boolean;
  /** Pad-and-random-crop; false disables. */
  crop: false | Required<RandomPadCropOptions>;
  /** Probability of a flip on each of the three axes; 0 disables. */
  flipProb: number;
  /**
   * Probability of swapping the two in-plane axes (with the flips: random 90° axial rotations);
   * 0 disables. The reference does not rotate.
   */
  rotate90: number;
  /** One `size`^3 block set to `value`; false disables. */
  zeroOut: false | { size: number; value: number };
}

/** The reference's training augmentation (NAS-Lung mainsp.py, on crops scaled by /255). */
export const referenceAugment: AugmentConfig = {
  enabled: true,
  crop: { padding: 4, fill: 170 / 255, mode: "reference" },
  flipProb: 0.5,
  rotate90: 0,
  zeroOut: { size: 4, value: 0 },
};

/**
 * Builds the reference-ordered pipeline: crop, flip x, flip y, flip z, zero-out (mainsp.py:
 * RandomCrop, RandomHorizontalFlip (last array axis), RandomYFlip, RandomZFlip, ZeroOut), with
 * the optional axial transposition after the flips.
 * Returns null when augmentation is disabled.
 */
export function buildAugmentation(cfg: AugmentConfig): ComposeCube | null {
  if (!cfg.enabled) return null;
  const ts: RandomCubeTransform[] = [];
  if (cfg.crop) ts.push(new RandomPadCrop(cfg.crop));
  if (cfg.flipProb > 0) for (const a of ["x", "y", "z"] as const) ts.push(new RandomFlip(a, cfg.flipProb));
  // Appended after the flips so that configs without it keep their exact reference streams.
  if (cfg.rotate90 > 0) ts.push(new RandomAxialTranspose(cfg.rotate90));
  if (cfg.zeroOut) ts.push(new RandomZeroOut(cfg.zeroOut.size, cfg.zeroOut.value));
  return new ComposeCube(ts);
}
