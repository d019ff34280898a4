import { RandomizableCubeTransform } from "./transform";

/**
 * Sets one randomly placed `size`^3 cube to `value` (reference `transforms.ZeroOut(4)`: a 4^3
 * block at a uniformly drawn corner in 0..n-size on every axis, set to 0 on the raw 0..255
 * scale, i.e. to the darkest value; with z-scored inputs pass that scale's value for "air").
 */
export class RandomZeroOut extends RandomizableCubeTransform {
  readonly name = "RandomZeroOut";
  constructor(
    readonly size = 4,
    readonly value = 0,
  ) {
    super();
  }

  apply(cube: Float32Array, n: number): Float32Array {
    const out = cube.slice();
    const s = Math.min(this.size, n);
    if (s <= 0) return out;
    const z0 = this.rng.int(0, n - s);
    const y0 = this.rng.int(0, n - s);
    const x0 = this.rng.int(0, n - s);
    for (let z = z0; z < z0 + s; z++) {
      for (let y = y0; y < y0 + s; y++) out.fill(this.value, (z * n + y) * n + x0, (z * n + y) * n + x0 + s);
    }
    return out;
  }
}
