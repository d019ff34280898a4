import { RandomizableCubeTransform } from "./transform";

/**
 * Swaps the two in-plane axes of a z-major cube: out[z][y][x] = in[z][x][y]. With the x and y
 * flips this generates all eight axial rotations and reflections (the dihedral group D4), which
 * leave a nodule's size, shape and texture unchanged. Only the in-plane axes are swapped: slice
 * spacing usually differs from pixel spacing, so z is never exchanged with y or x.
 */
export function transposeAxial(cube: Float32Array, n: number): Float32Array {
  const out = new Float32Array(cube.length);
  for (let z = 0; z < n; z++) {
    const base = z * n * n;
    for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) out[base + y * n + x] = cube[base + x * n + y];
  }
  return out;
}

/**
 * In-plane transposition with probability `prob`; together with the x/y flips, a random 90°
 * axial rotation. Not part of the reference's augmentation (it flips only).
 */
export class RandomAxialTranspose extends RandomizableCubeTransform {
  readonly name = "RandomAxialTranspose";
  constructor(readonly prob = 0.5) {
    super();
  }

  apply(cube: Float32Array, n: number): Float32Array {
    return this.rng.next() < this.prob ? transposeAxial(cube, n) : cube.slice();
  }
}
