import { RandomizableCubeTransform } from "./transform";

/** Cube axes in z-major storage. */
export type CubeAxis = "z" | "y" | "x";

/** Mirrors a z-major cube along one axis. */
export function flipCube(cube: Float32Array, n: number, axis: CubeAxis): Float32Array {
  const out = new Float32Array(cube.length);
  for (let z = 0; z < n; z++) {
    for (let y = 0; y < n; y++) {
      const sz = axis === "z" ? n - 1 - z : z;
      const sy = axis === "y" ? n - 1 - y : y;
      const src = (sz * n + sy) * n;
      const dst = (z * n + y) * n;
      if (axis === "x") for (let x = 0; x < n; x++) out[dst + x] = cube[src + n - 1 - x];
      else out.set(cube.subarray(src, src + n), dst);
    }
  }
  return out;
}

/**
 * Flips along one axis with probability `prob` (reference: RandomHorizontalFlip / RandomYFlip /
 * RandomZFlip, each p = 0.5, applied in that order: x, y, z of our layout).
 */
export class RandomFlip extends RandomizableCubeTransform {
  readonly name: string;
  constructor(
    readonly axis: CubeAxis,
    readonly prob = 0.5,
  ) {
    super();
    this.name = `RandomFlip(${axis})`;
  }

  apply(cube: Float32Array, n: number): Float32Array {
    return this.rng.next() < this.prob ? flipCube(cube, n, this.axis) : cube.slice();
  }
}
