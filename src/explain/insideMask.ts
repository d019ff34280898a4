import { createRng } from "../util/rng";
import { quantileSorted } from "../metrics/bootstrap";

/**
 * Fraction of a non-negative map's mass inside a binary mask: sum(map * mask) / sum(map).
 * NaN for an all-zero map. Negative values are an error (attention gates are sigmoids and
 * Grad-CAM is ReLU'd, so both are >= 0).
 */
export function massInside(map: ArrayLike<number>, mask: ArrayLike<number>): number {
  if (map.length !== mask.length) throw new Error(`massInside: map has ${map.length} voxels, mask ${mask.length}`);
  let inside = 0;
  let total = 0;
  for (let i = 0; i < map.length; i++) {
    const v = map[i];
    if (!(v >= 0)) throw new Error(`massInside: map[${i}] = ${v} (expected a non-negative finite value)`);
    total += v;
    if (mask[i]) inside += v;
  }
  return total > 0 ? inside / total : NaN;
}

/**
 * The random-map baseline: the fraction of the mask's volume in the cube. It is the exact
 * expected inside-mass of a map whose voxels are shuffled at random (or of any map drawn
 * i.i.d. per voxel), so "attention beats chance" means massInside > maskFraction.
 */
export function maskFraction(mask: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) n++;
  return n / mask.length;
}

/**
 * Inside-mass of `count` seeded random permutations of the map's voxels: an empirical version
 * of `maskFraction` that keeps the map's own value distribution (mean ~ maskFraction).
 */
export function shuffledMassInside(map: ArrayLike<number>, mask: ArrayLike<number>, count: number, seed: number): number[] {
  const rng = createRng(seed, "explain:shuffle");
  const values = Array.from(map);
  const out: number[] = [];
  for (let k = 0; k < count; k++) out.push(massInside(rng.shuffle(values), mask));
  return out;
}

/** One stage's inside-mask statistic over a cohort. */
export interface InsideMaskSummary {
  /** Map name (e.g. "stem", "stage 1", "Grad-CAM"). */
  map: string;
  /** Nodules with a non-empty mask and a non-zero map. */
  n: number;
  /** Mean fraction of the map's mass inside the nodule mask. */
  meanInside: number;
  /** Mean random-map baseline (mask volume fraction). */
  meanBaseline: number;
  /** meanInside / meanBaseline: how many times more mass than chance falls in the nodule. */
  ratio: number;
  /** Mean of (inside - baseline) per nodule, with a seeded 95% bootstrap CI over nodules. */
  meanDifference: number;
  ci: { lo: number; hi: number };
  /** Fraction of nodules whose inside-mass beats their own baseline. */
  winRate: number;
}

/**
 * Summarises, per map, the inside-mask mass against the random-map baseline over nodules.
 * `maps[k][j]` is map j (e.g. stage j) of nodule k at the mask's resolution; nodules with an
 * empty mask or an all-zero map are skipped for that map.
 */
export function summariseInsideMask(
  names: string[],
  maps: ArrayLike<number>[][],
  masks: ArrayLike<number>[],
  opts: { resamples?: number; seed?: number } = {},
): InsideMaskSummary[] {
  if (maps.length !== masks.length) throw new Error(`summariseInsideMask: ${maps.length} map sets for ${masks.length} masks`);
  const B = opts.resamples ?? 1000;
  return names.map((name, j) => {
    const inside: number[] = [];
    const base: number[] = [];
    maps.forEach((m, k) => {
      if (m.length !== names.length) throw new Error(`summariseInsideMask: nodule ${k} has ${m.length} maps, expected ${names.length} (${names.join(", ")})`);
      const f = maskFraction(masks[k]);
      const v = massInside(m[j], masks[k]);
      if (f === 0 || !Number.isFinite(v)) return;
      inside.push(v);
      base.push(f);
    });
    const n = inside.length;
    const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / Math.max(a.length, 1);
    const diff = inside.map((v, i) => v - base[i]);
    const rng = createRng(opts.seed ?? 0, `explain:inside:${name}`);
    const draws: number[] = [];
    for (let b = 0; b < B && n; b++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += diff[rng.int(0, n - 1)];
      draws.push(s / n);
    }
    draws.sort((a, b) => a - b);
    return {
      map: name,
      n,
      meanInside: n ? mean(inside) : NaN,
      meanBaseline: n ? mean(base) : NaN,
      ratio: n ? mean(inside) / mean(base) : NaN,
      meanDifference: n ? mean(diff) : NaN,
      ci: { lo: quantileSorted(draws, 0.025), hi: quantileSorted(draws, 0.975) },
      winRate: n ? diff.filter((d) => d > 0).length / n : NaN,
    };
  });
}
