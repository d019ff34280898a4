import type { Volume } from "../io/volume";
import { LIDC_SLICE_PX, SliceStack } from "../data/lidcCube";
import { windowValue } from "./window";

/** Options of {@link readingFromClick}. */
export interface ClickReadingOptions {
  /** Voxels above this HU count as nodule tissue (default -500: solid and part-solid tissue, not lung). */
  thresholdHu?: number;
  /** HU window mapped to the 8-bit values of the reading (default [-1000, 400], a lung window). */
  window?: [number, number];
  /** Most slices kept on either side of the click (default 21: the protocol's largest reading has 43). */
  halfDepth?: number;
  /** How far (voxels, per axis) to look for tissue when the click itself lands on lung (default 3). */
  searchRadius?: number;
}

/** A reading cut from a CT series at a clicked nodule, and how it was segmented. */
export interface ClickReading {
  /** [slices, 64, 64] 8-bit stack laid out as the protocol's readings (background 0). */
  stack: SliceStack;
  /** Voxel [z, y, x] of the series the segmentation grew from (the click, or the nearest tissue voxel). */
  seed: [number, number, number];
  /** Number of voxels segmented. */
  voxels: number;
  /** Extent of the segment in millimetres [z, y, x] (from the series spacing). */
  extentMm: [number, number, number];
  /**
   * True when the segment reaches the edge of the 64-pixel box: the threshold region leaked
   * into a vessel, the chest wall or the mediastinum, so the reading holds more than the nodule.
   */
  touchesBox: boolean;
}

/**
 * Cuts a protocol-style reading out of a HU volume at a clicked nodule centre `voxel` = [z, y, x]:
 * a 64x64-pixel box around the click at the series' own pixel spacing (the protocol's readings
 * are not resampled either), the 6-connected region of voxels above `thresholdHu` grown from the
 * click inside that box and within `halfDepth` slices, windowed to 1..255, everything else 0.
 * `placeInCube` then centres it exactly as it centres a shipped reading.
 *
 * The shipped readings were segmented by a radiologist's contour, not by a threshold, so a
 * nodule touching a vessel or the pleura gives a larger segment here (`touchesBox` says when
 * the region reached the box edge); the score of such a reading is further from the training
 * distribution than a shipped reading's.
 */
export function readingFromClick(hu: Volume, voxel: [number, number, number], opts: ClickReadingOptions = {}): ClickReading {
  const threshold = opts.thresholdHu ?? -500;
  const window = opts.window ?? [-1000, 400];
  const halfDepth = opts.halfDepth ?? 21;
  const radius = opts.searchRadius ?? 3;
  const [nz, ny, nx] = hu.shape;
  const v = voxel.map(Math.round) as [number, number, number];
  if (v[0] < 0 || v[0] >= nz || v[1] < 0 || v[1] >= ny || v[2] < 0 || v[2] >= nx) {
    throw new Error(`click at voxel [${voxel.join(", ")}] (z, y, x) is outside the series (${nz} x ${ny} x ${nx})`);
  }
  const at = (z: number, y: number, x: number) => hu.data[(z * ny + y) * nx + x];
  // The box: 64 x 64 pixels around the click (clamped to the image), +-halfDepth slices.
  const px = LIDC_SLICE_PX;
  const y0 = Math.min(Math.max(0, v[1] - px / 2), Math.max(0, ny - px));
  const x0 = Math.min(Math.max(0, v[2] - px / 2), Math.max(0, nx - px));
  const z0 = Math.max(0, v[0] - halfDepth), z1 = Math.min(nz - 1, v[0] + halfDepth);
  const inBox = (z: number, y: number, x: number) => z >= z0 && z <= z1 && y >= y0 && y < Math.min(ny, y0 + px) && x >= x0 && x < Math.min(nx, x0 + px);
  // The seed: the click, or the tissue voxel nearest to it.
  let seed: [number, number, number] | null = at(...v) > threshold ? v : null;
  if (!seed) {
    let best = Infinity;
    for (let dz = -radius; dz <= radius; dz++)
      for (let dy = -radius; dy <= radius; dy++)
        for (let dx = -radius; dx <= radius; dx++) {
          const z = v[0] + dz, y = v[1] + dy, x = v[2] + dx;
          // Inside the box only: a seed outside it could not grow a region in it.
          if (!inBox(z, y, x) || at(z, y, x) <= threshold) continue;
          const d = dz * dz + dy * dy + dx * dx;
          if (d < best) {
            best = d;
            seed = [z, y, x];
          }
        }
  }
  if (!seed) {
    throw new Error(`no tissue above ${threshold} HU within ${radius} voxels of the click at voxel [${v.join(", ")}] (z, y, x): click on the nodule itself`);
  }
  const depth = z1 - z0 + 1;
  const mask = new Uint8Array(depth * px * px);
  const idx = (z: number, y: number, x: number) => ((z - z0) * px + (y - y0)) * px + (x - x0);
  const queue: number[] = [seed[0], seed[1], seed[2]];
  mask[idx(...seed)] = 1;
  let voxels = 0;
  let touchesBox = false;
  const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
  const steps = [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]];
  for (let q = 0; q < queue.length; q += 3) {
    const z = queue[q], y = queue[q + 1], x = queue[q + 2];
    voxels++;
    const p = [z, y, x];
    for (let a = 0; a < 3; a++) {
      lo[a] = Math.min(lo[a], p[a]);
      hi[a] = Math.max(hi[a], p[a]);
    }
    for (const [dz, dy, dx] of steps) {
      const zz = z + dz, yy = y + dy, xx = x + dx;
      if (!inBox(zz, yy, xx)) {
        // Leaving the box through tissue (not through the image border) means the region leaked.
        if (zz >= 0 && zz < nz && yy >= 0 && yy < ny && xx >= 0 && xx < nx && at(zz, yy, xx) > threshold) touchesBox = true;
        continue;
      }
      const k = idx(zz, yy, xx);
      if (mask[k] || at(zz, yy, xx) <= threshold) continue;
      mask[k] = 1;
      queue.push(zz, yy, xx);
    }
  }
  // The stack: the segment's slices, the whole 64 x 64 box in-plane, tissue windowed to 1..255.
  const sz0 = lo[0], sz1 = hi[0];
  const slices = sz1 - sz0 + 1;
  const data = new Uint8Array(slices * px * px);
  for (let z = sz0; z <= sz1; z++)
    for (let yy = 0; yy < px; yy++)
      for (let xx = 0; xx < px; xx++) {
        const y = y0 + yy, x = x0 + xx;
        if (y >= ny || x >= nx || !mask[idx(z, y, x)]) continue;
        data[((z - sz0) * px + yy) * px + xx] = Math.max(1, windowValue(at(z, y, x), window, true));
      }
  const [sdz, sdy, sdx] = hu.spacing;
  return {
    stack: { data, shape: [slices, px, px] },
    seed,
    voxels,
    extentMm: [(hi[0] - lo[0] + 1) * sdz, (hi[1] - lo[1] + 1) * sdy, (hi[2] - lo[2] + 1) * sdx],
    touchesBox,
  };
}
