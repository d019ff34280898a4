import type { Volume } from "../io/volume";

/**
 * Resamples a volume to isotropic voxels of `spacing` mm by trilinear interpolation (the
 * reference's `scipy.ndimage.zoom(order=1)` in DeepLung prepare.py). Output voxel i along an axis
 * sits at input coordinate i * spacing / inputSpacing, so the origin and direction are unchanged
 * and the output has floor((n - 1) * inputSpacing / spacing) + 1 voxels: every output sample is
 * interpolated between input samples, never extrapolated. (The reference sizes the output as
 * round(n * inputSpacing / spacing) and lets zoom stretch the grid by a fraction of a voxel;
 * the difference is below one output voxel at the far edge.)
 * Trilinear interpolation is separable, so it runs as three 1-D linear passes (x, then y, then z),
 * which is exactly equal to the trilinear formula and much faster.
 */
export function resampleIsotropic(volume: Volume, spacing = 1): Volume {
  return resampleTo(volume, [spacing, spacing, spacing]);
}

/** Resamples to any voxel size [dz, dy, dx] (mm); see `resampleIsotropic`. */
export function resampleTo(volume: Volume, target: [number, number, number]): Volume {
  const [nz, ny, nx] = volume.shape;
  const [dz, dy, dx] = volume.spacing;
  for (const t of target) if (!(t > 0)) throw new Error(`resample: target spacing must be > 0, got ${t}`);
  if (volume.data.length !== nz * ny * nx) throw new Error(`resample: data length ${volume.data.length} != ${nz}x${ny}x${nx}`);
  const size = (n: number, s: number, t: number) => Math.floor(((n - 1) * s) / t + 1e-9) + 1;
  const mz = size(nz, dz, target[0]);
  const my = size(ny, dy, target[1]);
  const mx = size(nx, dx, target[2]);
  // Pass 1: x.
  const ax = linearTaps(nx, target[2] / dx, mx);
  const a = new Float32Array(nz * ny * mx);
  for (let r = 0; r < nz * ny; r++) {
    const src = r * nx;
    const dst = r * mx;
    for (let i = 0; i < mx; i++) a[dst + i] = volume.data[src + ax.i0[i]] * (1 - ax.w[i]) + volume.data[src + ax.i1[i]] * ax.w[i];
  }
  // Pass 2: y.
  const ay = linearTaps(ny, target[1] / dy, my);
  const b = new Float32Array(nz * my * mx);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < my; j++) {
      const s0 = (k * ny + ay.i0[j]) * mx;
      const s1 = (k * ny + ay.i1[j]) * mx;
      const w = ay.w[j];
      const dst = (k * my + j) * mx;
      for (let i = 0; i < mx; i++) b[dst + i] = a[s0 + i] * (1 - w) + a[s1 + i] * w;
    }
  // Pass 3: z.
  const az = linearTaps(nz, target[0] / dz, mz);
  const plane = my * mx;
  const c = new Float32Array(mz * plane);
  for (let k = 0; k < mz; k++) {
    const s0 = az.i0[k] * plane;
    const s1 = az.i1[k] * plane;
    const w = az.w[k];
    const dst = k * plane;
    for (let i = 0; i < plane; i++) c[dst + i] = b[s0 + i] * (1 - w) + b[s1 + i] * w;
  }
  return {
    data: c,
    shape: [mz, my, mx],
    spacing: [target[0], target[1], target[2]],
    origin: [...volume.origin],
    direction: [...volume.direction],
  };
}

/** Neighbour indices and weights for output samples at input coordinates i * step. */
function linearTaps(n: number, step: number, m: number): { i0: Int32Array; i1: Int32Array; w: Float64Array } {
  const i0 = new Int32Array(m);
  const i1 = new Int32Array(m);
  const w = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const x = Math.min(n - 1, i * step);
    const f = Math.floor(x + 1e-9);
    const lo = Math.min(n - 1, Math.max(0, f));
    i0[i] = lo;
    i1[i] = Math.min(n - 1, lo + 1);
    w[i] = Math.max(0, x - lo);
  }
  return { i0, i1, w };
}

/** Trilinear sample of a volume at a fractional voxel index [x, y, z]; `outside` beyond the grid. */
export function sampleTrilinear(volume: Volume, x: number, y: number, z: number, outside: number): number {
  const [nz, ny, nx] = volume.shape;
  if (x < 0 || y < 0 || z < 0 || x > nx - 1 || y > ny - 1 || z > nz - 1) return outside;
  const x0 = Math.min(nx - 2, Math.floor(x));
  const y0 = Math.min(ny - 2, Math.floor(y));
  const z0 = Math.min(nz - 2, Math.floor(z));
  const fx = nx > 1 ? x - x0 : 0;
  const fy = ny > 1 ? y - y0 : 0;
  const fz = nz > 1 ? z - z0 : 0;
  const X0 = Math.max(0, x0);
  const Y0 = Math.max(0, y0);
  const Z0 = Math.max(0, z0);
  const X1 = Math.min(nx - 1, X0 + 1);
  const Y1 = Math.min(ny - 1, Y0 + 1);
  const Z1 = Math.min(nz - 1, Z0 + 1);
  const d = volume.data;
  const at = (k: number, j: number, i: number) => d[(k * ny + j) * nx + i];
  const c00 = at(Z0, Y0, X0) * (1 - fx) + at(Z0, Y0, X1) * fx;
  const c01 = at(Z0, Y1, X0) * (1 - fx) + at(Z0, Y1, X1) * fx;
  const c10 = at(Z1, Y0, X0) * (1 - fx) + at(Z1, Y0, X1) * fx;
  const c11 = at(Z1, Y1, X0) * (1 - fx) + at(Z1, Y1, X1) * fx;
  return (c00 * (1 - fy) + c01 * fy) * (1 - fz) + (c10 * (1 - fy) + c11 * fy) * fz;
}
