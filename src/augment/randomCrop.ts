import { RandomizableCubeTransform } from "./transform";

/**
 * How padding is placed before the random crop.
 * - `reference`: NAS-Lung `transforms.RandomCrop(32, padding=4)` as coded: it allocates a cube of
 *   edge n + padding/2, filled with 170, copies the crop at offset padding/2, and crops n at a
 *   random offset in 0..padding/2. Only the low side of each axis is padded (2 voxels for
 *   padding 4), so the content shifts by 0..2 voxels toward higher indices.
 * - `symmetric`: torchvision-style, `padding` voxels on both sides, offsets 0..2*padding.
 */
export type PadMode = "reference" | "symmetric";

export interface RandomPadCropOptions {
  /** Padding as passed to the reference (4). */
  padding?: number;
  /** Value of padded voxels. Reference: 170 on the 0..255 scale, i.e. 170/255 after /255 scaling. */
  fill?: number;
  mode?: PadMode;
}

/** Pad-and-random-crop back to the input size (DeepLung / NAS-Lung `RandomCrop`). */
export class RandomPadCrop extends RandomizableCubeTransform {
  readonly name = "RandomPadCrop";
  readonly padding: number;
  readonly fill: number;
  readonly mode: PadMode;

  constructor(opts: RandomPadCropOptions = {}) {
    super();
    this.padding = opts.padding ?? 4;
    this.fill = opts.fill ?? 170 / 255;
    this.mode = opts.mode ?? "reference";
    if (!Number.isInteger(this.padding) || this.padding < 0) {
      throw new Error(`RandomPadCrop: padding must be a non-negative integer (got ${opts.padding})`);
    }
  }

  /** Largest offset of the crop window, and where the original content starts in padded space. */
  private geometry(): { maxOffset: number; lead: number } {
    if (this.mode === "reference") {
      const half = Math.floor(this.padding / 2);
      return { maxOffset: half, lead: half };
    }
    return { maxOffset: 2 * this.padding, lead: this.padding };
  }

  apply(cube: Float32Array, n: number): Float32Array {
    const { maxOffset, lead } = this.geometry();
    if (maxOffset === 0) return cube.slice();
    // Same draw order as the reference (x1, y1, z1 over its array axes 0, 1, 2 = our z, y, x).
    const oz = this.rng.int(0, maxOffset);
    const oy = this.rng.int(0, maxOffset);
    const ox = this.rng.int(0, maxOffset);
    return shiftCube(cube, n, oz - lead, oy - lead, ox - lead, this.fill);
  }
}

/**
 * out[z][y][x] = in[z+dz][y+dy][x+dx], with `fill` where the source falls outside the cube.
 * A crop at offset o of a cube padded by `lead` is a shift by o - lead.
 */
export function shiftCube(cube: Float32Array, n: number, dz: number, dy: number, dx: number, fill: number): Float32Array {
  const out = new Float32Array(n * n * n).fill(fill);
  const x0 = Math.max(0, -dx);
  const x1 = Math.min(n, n - dx);
  if (x1 <= x0) return out;
  for (let z = 0; z < n; z++) {
    const sz = z + dz;
    if (sz < 0 || sz >= n) continue;
    for (let y = 0; y < n; y++) {
      const sy = y + dy;
      if (sy < 0 || sy >= n) continue;
      const src = (sz * n + sy) * n + dx;
      const dst = (z * n + y) * n;
      out.set(cube.subarray(src + x0, src + x1), dst + x0);
    }
  }
  return out;
}
