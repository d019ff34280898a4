/**
 * Trilinear resize of a z-major volume (index = (z*h + y)*w + x) from `from` = [d, h, w] to
 * `to` = [D, H, W], sampling at voxel centres: source coordinate = (i + 0.5) * n / N - 0.5,
 * clamped to the volume (PyTorch `F.interpolate(mode="trilinear", align_corners=False)`).
 * A stage's 4^3 attention map upsampled to 32^3 therefore stays centred on the cube.
 */
export function resizeTrilinear(data: ArrayLike<number>, from: [number, number, number], to: [number, number, number]): Float32Array {
  const [d, h, w] = from;
  const [D, H, W] = to;
  if ([d, h, w, D, H, W].some((v) => !Number.isInteger(v) || v < 1)) {
    throw new Error(`resizeTrilinear: sizes must be positive integers (from [${from}] to [${to}])`);
  }
  if (data.length !== d * h * w) throw new Error(`resizeTrilinear: ${data.length} values for a [${from}] volume (expected ${d * h * w})`);
  const axis = (n: number, N: number) => {
    const i0 = new Int32Array(N);
    const i1 = new Int32Array(N);
    const t = new Float32Array(N);
    for (let i = 0; i < N; i++) {
      const s = Math.min(Math.max((i + 0.5) * (n / N) - 0.5, 0), n - 1);
      i0[i] = Math.floor(s);
      i1[i] = Math.min(i0[i] + 1, n - 1);
      t[i] = s - i0[i];
    }
    return { i0, i1, t };
  };
  const az = axis(d, D);
  const ay = axis(h, H);
  const ax = axis(w, W);
  const out = new Float32Array(D * H * W);
  const at = (z: number, y: number, x: number) => data[(z * h + y) * w + x];
  let k = 0;
  for (let z = 0; z < D; z++) {
    const z0 = az.i0[z], z1 = az.i1[z], tz = az.t[z];
    for (let y = 0; y < H; y++) {
      const y0 = ay.i0[y], y1 = ay.i1[y], ty = ay.t[y];
      for (let x = 0; x < W; x++) {
        const x0 = ax.i0[x], x1 = ax.i1[x], tx = ax.t[x];
        const c00 = at(z0, y0, x0) * (1 - tx) + at(z0, y0, x1) * tx;
        const c01 = at(z0, y1, x0) * (1 - tx) + at(z0, y1, x1) * tx;
        const c10 = at(z1, y0, x0) * (1 - tx) + at(z1, y0, x1) * tx;
        const c11 = at(z1, y1, x0) * (1 - tx) + at(z1, y1, x1) * tx;
        const c0 = c00 * (1 - ty) + c01 * ty;
        const c1 = c10 * (1 - ty) + c11 * ty;
        out[k++] = c0 * (1 - tz) + c1 * tz;
      }
    }
  }
  return out;
}

/**
 * A non-negative map relative to a uniform map of the same total mass: value / mean value, so 1
 * is what a map that ignores the nodule puts everywhere (the chance level of the inside-mask
 * statistic), 2 is twice that, 0 nothing. All ones when the map is 0 everywhere. An absolute
 * scale: unlike min-max scaling, a nearly flat gate stays near 1 everywhere.
 */
export function relativeDensity(map: ArrayLike<number>): Float32Array {
  let sum = 0;
  for (let i = 0; i < map.length; i++) sum += Math.max(0, map[i]);
  const out = new Float32Array(map.length);
  const mean = sum / Math.max(1, map.length);
  if (!(mean > 0)) return out.fill(1);
  for (let i = 0; i < map.length; i++) out[i] = Math.max(0, map[i]) / mean;
  return out;
}

/** Rescales values linearly to [0, 1] (all zeros when the map is constant), for display. */
export function normaliseMap(map: ArrayLike<number>): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < map.length; i++) {
    if (map[i] < lo) lo = map[i];
    if (map[i] > hi) hi = map[i];
  }
  const out = new Float32Array(map.length);
  const span = hi - lo;
  if (!(span > 0)) return out;
  for (let i = 0; i < map.length; i++) out[i] = (map[i] - lo) / span;
  return out;
}
