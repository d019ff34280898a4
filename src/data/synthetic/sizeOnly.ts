import { createRng } from "../../util/rng";
import type { NoduleDataset, NoduleSample } from "../sample";

/** Options of `sizeOnlyDataset`. */
export interface SizeOnlyOptions {
  /** Number of cubes (half benign, half malignant). Default 240. */
  samples?: number;
  seed?: number;
  /** Edge of the cube (32). */
  size?: number;
  /** Diameter ranges in voxels, uniform: benign [lo, hi], malignant [lo, hi]. Default [4, 12] and [8, 20]. */
  benignDiameter?: [number, number];
  malignantDiameter?: [number, number];
  /** Number of patient groups the cubes are spread over (for grouped folds). Default samples / 4. */
  groups?: number;
}

/**
 * A SYNTHETIC sanity set in which **only the size** differs between the classes: every cube holds
 * one solid sphere of the same intensity (0.6, with N(0, 0.05) voxel noise, on a background of
 * 0.1 with the same noise), centred within a voxel of the cube centre; benign and malignant
 * diameters are drawn from overlapping uniform ranges. Its ruler is the drawn diameter
 * (`meta.diameter`), whose AUC is the best any method can reach. A network trained with a recipe
 * must reach that ruler here; if it cannot, size is being lost in preprocessing, augmentation or
 * the architecture, not in the data.
 *
 * Each sample's mask marks the sphere, so attention checks run on it too.
 */
export function sizeOnlyDataset(opts: SizeOnlyOptions = {}): NoduleDataset {
  const N = opts.samples ?? 240;
  const n = opts.size ?? 32;
  const seed = opts.seed ?? 0;
  const [b0, b1] = opts.benignDiameter ?? [4, 12];
  const [m0, m1] = opts.malignantDiameter ?? [8, 20];
  const groups = opts.groups ?? Math.max(2, Math.floor(N / 4));
  if (!Number.isInteger(N) || N < 4) throw new Error(`sizeOnlyDataset: samples must be an integer >= 4 (got ${N})`);
  if (!(b0 > 0 && b1 >= b0 && m0 > 0 && m1 >= m0 && Math.max(b1, m1) < n)) {
    throw new Error(`sizeOnlyDataset: diameter ranges [${b0}, ${b1}] and [${m0}, ${m1}] must be positive, ordered and smaller than the cube (${n})`);
  }
  const rng = createRng(seed, "size-only");
  const samples: NoduleSample[] = [];
  for (let i = 0; i < N; i++) {
    const label = (i % 2) as 0 | 1;
    const [lo, hi] = label ? [m0, m1] : [b0, b1];
    const diameter = lo + (hi - lo) * rng.next();
    const r = diameter / 2;
    const c = [n / 2 - 0.5 + (rng.next() - 0.5), n / 2 - 0.5 + (rng.next() - 0.5), n / 2 - 0.5 + (rng.next() - 0.5)];
    const crop = new Float32Array(n * n * n);
    const mask = new Uint8Array(n * n * n);
    for (let z = 0; z < n; z++)
      for (let y = 0; y < n; y++)
        for (let x = 0; x < n; x++) {
          const k = (z * n + y) * n + x;
          const inside = (z - c[0]) ** 2 + (y - c[1]) ** 2 + (x - c[2]) ** 2 <= r * r;
          mask[k] = inside ? 1 : 0;
          crop[k] = (inside ? 0.6 : 0.1) + 0.05 * rng.normal();
        }
    const group = `size-only-g${i % groups}`;
    samples.push({ id: `size-only-${i}`, label, group, size: n, crop, mask, meta: { diameter, synthetic: true } });
  }
  return { name: `size-only-${N}-seed${seed}`, source: `SYNTHETIC size-only sanity set (spheres; only the diameter differs between classes; seed ${seed})`, synthetic: true, samples };
}
