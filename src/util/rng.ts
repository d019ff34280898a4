import seedrandom from "seedrandom";

/** A seeded pseudo-random source; every random choice in naslung draws from one of these. */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** A fresh 32-bit seed, used to seed tfjs initialisers or child RNGs deterministically. */
  seed32(): number;
  /** Fisher-Yates shuffle in place; returns the array. */
  shuffle<T>(a: T[]): T[];
}

/**
 * Creates an Rng from a seed and an optional stream name. Different `stream` names give
 * independent sequences from the same config seed, so adding a random draw in one part of the
 * pipeline does not shift the numbers drawn elsewhere.
 */
export function createRng(seed: number | string, stream = ""): Rng {
  const prng = seedrandom(`${seed}:${stream}`);
  let spare: number | null = null;
  const rng: Rng = {
    next: () => prng.quick(),
    int: (lo, hi) => lo + Math.floor(prng.quick() * (hi - lo + 1)),
    normal: () => {
      if (spare !== null) {
        const s = spare;
        spare = null;
        return s;
      }
      let u = 0;
      while (u === 0) u = prng.quick();
      const v = prng.quick();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    seed32: () => prng.int32() >>> 0,
    shuffle: (a) => {
      for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(prng.quick() * (i + 1));
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
      }
      return a;
    },
  };
  return rng;
}
