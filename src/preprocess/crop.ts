import type { Volume } from "../io/volume";
import { voxelToWorld, worldToVoxel } from "../io/volume";

/**
 * First voxel [x, y, z] of a `size`^3 crop centred on a world point: the centre is rounded to
 * the nearest voxel and the crop spans [c - size/2, c + size/2) on each axis, as DeepLung's crop
 * script indexes `int(centre) - size/2` (we round instead of truncate, so a centre at x.9 is not
 * shifted by almost a voxel).
 */
export function cropStart(volume: Volume, centerWorld: [number, number, number], size = 32): [number, number, number] {
  const c = worldToVoxel(volume, centerWorld);
  const half = Math.floor(size / 2);
  return [Math.round(c[0]) - half, Math.round(c[1]) - half, Math.round(c[2]) - half];
}

/**
 * A `size`^3 cube (z-major, index (z*size + y)*size + x) of `volume` centred on a world point;
 * voxels outside the volume take `pad` (reference 170, the value of non-lung tissue after the
 * window). The volume should already be isotropic (see resampleIsotropic): the crop is in voxels.
 */
export function extractCrop(volume: Volume, centerWorld: [number, number, number], size = 32, pad = 170): Float32Array {
  const [nz, ny, nx] = volume.shape;
  if (!(Number.isInteger(size) && size > 0)) throw new Error(`extractCrop: size must be a positive integer, got ${size}`);
  for (const c of centerWorld) if (!Number.isFinite(c)) throw new Error(`extractCrop: centre [${centerWorld}] is not finite`);
  const [x0, y0, z0] = cropStart(volume, centerWorld, size);
  const out = new Float32Array(size * size * size).fill(pad);
  for (let k = 0; k < size; k++) {
    const z = z0 + k;
    if (z < 0 || z >= nz) continue;
    for (let j = 0; j < size; j++) {
      const y = y0 + j;
      if (y < 0 || y >= ny) continue;
      const src = (z * ny + y) * nx;
      const dst = (k * size + j) * size;
      for (let i = 0; i < size; i++) {
        const x = x0 + i;
        if (x >= 0 && x < nx) out[dst + i] = volume.data[src + x];
      }
    }
  }
  return out;
}

/**
 * The part of a volume within `halfMm` of a world point (voxel-aligned, clipped to the volume),
 * with its own origin: lets a large series be preprocessed only around a finding.
 */
export function subVolume(volume: Volume, centerWorld: [number, number, number], halfMm: number): Volume {
  const [nz, ny, nx] = volume.shape;
  const [dz, dy, dx] = volume.spacing;
  const c = worldToVoxel(volume, centerWorld);
  const lo = [Math.max(0, Math.floor(c[0] - halfMm / dx)), Math.max(0, Math.floor(c[1] - halfMm / dy)), Math.max(0, Math.floor(c[2] - halfMm / dz))];
  const hi = [Math.min(nx - 1, Math.ceil(c[0] + halfMm / dx)), Math.min(ny - 1, Math.ceil(c[1] + halfMm / dy)), Math.min(nz - 1, Math.ceil(c[2] + halfMm / dz))];
  if (hi[0] < lo[0] || hi[1] < lo[1] || hi[2] < lo[2]) throw new Error(`subVolume: centre [${centerWorld}] is outside the volume`);
  const sx = hi[0] - lo[0] + 1;
  const sy = hi[1] - lo[1] + 1;
  const sz = hi[2] - lo[2] + 1;
  const data = new Float32Array(sx * sy * sz);
  for (let k = 0; k < sz; k++)
    for (let j = 0; j < sy; j++) {
      const src = ((lo[2] + k) * ny + lo[1] + j) * nx + lo[0];
      data.set(volume.data.subarray(src, src + sx), (k * sy + j) * sx);
    }
  return { data, shape: [sz, sy, sx], spacing: [dz, dy, dx], origin: voxelToWorld(volume, [lo[0], lo[1], lo[2]]), direction: [...volume.direction] };
}
