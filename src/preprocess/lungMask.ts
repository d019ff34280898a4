import type { Volume } from "../io/volume";

/**
 * Lung segmentation after DeepLung's prepare.py (`step1_python` + `process_mask`), simplified:
 * 1. threshold: air-like voxels (HU < `threshold`, reference -600 after a sigma-1 blur);
 * 2. drop 3-D components (6-connected) that touch the in-plane border: the air around the body;
 * 3. keep the largest component, and the second largest when it is at least `secondRatio` of
 *    it (two lungs, or one when they touch), discarding anything below `minVolumeMl`;
 * 4. fill holes slice by slice (vessels, nodules inside the lung);
 * 5. per slice and lung, replace the mask by its convex hull when the hull is < 1.5x its area
 *    (reference `process_mask`: keeps juxta-pleural nodules inside the mask);
 * 6. dilate the hulled mask 10 times with the 6-neighbour cross (reference
 *    `binary_dilation(..., iterations=10)` with `generate_binary_structure(3, 1)`).
 * As in the reference, the "extra" ring where bones are removed is dilated XOR the un-hulled
 * mask, so a concavity filled by the hull counts as ring.
 * The reference also splits lungs that touch by erosion and uses eccentricity and distance-to-
 * centre rules tuned to full LIDC scans; those are not needed for the scans we process and are
 * left out.
 */
export interface LungMaskOptions {
  threshold?: number;
  secondRatio?: number;
  minVolumeMl?: number;
  dilateIterations?: number;
  /** Use per-slice convex hulls (default true). */
  convexHull?: boolean;
}

/** The masks `lungMask` returns (1 = lung), z-major like the volume. */
export interface LungMasks {
  /** Segmented lungs after hole filling (reference `Mask` = m1 + m2). */
  mask: Uint8Array;
  /** `mask` with per-slice convex hulls (reference `convex_mask`, the input of the dilation). */
  convex: Uint8Array;
  /** `mask` dilated (reference `dilatedMask`): voxels outside it become 170. */
  dilated: Uint8Array;
  /** Number of lung components kept (1 or 2). */
  components: number;
}

/**
 * Segments the lungs of a HU volume. Throws a clear error when no lung-like air region is
 * found (e.g. the input is not a chest CT or not in HU).
 */
export function lungMask(volume: Volume, options: LungMaskOptions = {}): LungMasks {
  const threshold = options.threshold ?? -500;
  const secondRatio = options.secondRatio ?? 0.1;
  const minVolumeMl = options.minVolumeMl ?? 2;
  const [nz, ny, nx] = volume.shape;
  const n = nz * ny * nx;
  const bin = new Uint8Array(n);
  for (let i = 0; i < n; i++) bin[i] = volume.data[i] < threshold ? 1 : 0;
  const { labels, sizes, touchesBorder } = label3d(bin, volume.shape);
  const voxelMl = (volume.spacing[0] * volume.spacing[1] * volume.spacing[2]) / 1000;
  const candidates = sizes
    .map((s, id) => ({ id, s }))
    .filter((c) => c.id > 0 && !touchesBorder[c.id] && c.s * voxelMl >= minVolumeMl)
    .sort((a, b) => b.s - a.s);
  if (!candidates.length) throw new Error(`lungMask: no air region inside the body (threshold ${threshold} HU); is this a chest CT in HU?`);
  const keep = [candidates[0]];
  if (candidates[1] && candidates[1].s >= secondRatio * candidates[0].s) keep.push(candidates[1]);
  const mask = new Uint8Array(n);
  const convex = new Uint8Array(n);
  for (const k of keep) {
    const m = new Uint8Array(n);
    for (let i = 0; i < n; i++) if (labels[i] === k.id) m[i] = 1;
    fillHolesPerSlice(m, volume.shape);
    for (let i = 0; i < n; i++) mask[i] |= m[i];
    // Hulls are taken per lung, as the reference's process_mask(m1), process_mask(m2).
    if (options.convexHull ?? true) convexHullPerSlice(m, volume.shape, 1.5);
    for (let i = 0; i < n; i++) convex[i] |= m[i];
  }
  const dilated = dilate6(convex, volume.shape, options.dilateIterations ?? 10);
  return { mask, convex, dilated, components: keep.length };
}

/** 3-D connected components (6-connectivity) of a binary volume; label 0 = background. */
export function label3d(bin: Uint8Array, shape: [number, number, number]): { labels: Int32Array; sizes: number[]; touchesBorder: boolean[] } {
  const [nz, ny, nx] = shape;
  const labels = new Int32Array(bin.length);
  const sizes = [0];
  const touchesBorder = [false];
  const queue = new Int32Array(bin.length);
  let next = 1;
  for (let start = 0; start < bin.length; start++) {
    if (!bin[start] || labels[start]) continue;
    const id = next++;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    labels[start] = id;
    let size = 0;
    let border = false;
    while (head < tail) {
      const p = queue[head++];
      size++;
      const x = p % nx;
      const y = ((p - x) / nx) % ny;
      const z = Math.floor(p / (nx * ny));
      if (x === 0 || y === 0 || x === nx - 1 || y === ny - 1) border = true;
      const visit = (q: number) => {
        if (bin[q] && !labels[q]) {
          labels[q] = id;
          queue[tail++] = q;
        }
      };
      if (x > 0) visit(p - 1);
      if (x < nx - 1) visit(p + 1);
      if (y > 0) visit(p - nx);
      if (y < ny - 1) visit(p + nx);
      if (z > 0) visit(p - nx * ny);
      if (z < nz - 1) visit(p + nx * ny);
    }
    sizes.push(size);
    touchesBorder.push(border);
  }
  return { labels, sizes, touchesBorder };
}

/** Fills, on every axial slice, background regions not connected to the slice border. */
export function fillHolesPerSlice(m: Uint8Array, shape: [number, number, number]): void {
  const [nz, ny, nx] = shape;
  const plane = nx * ny;
  const outside = new Uint8Array(plane);
  const queue = new Int32Array(plane);
  for (let k = 0; k < nz; k++) {
    const off = k * plane;
    outside.fill(0);
    let head = 0;
    let tail = 0;
    const seed = (p: number) => {
      if (!m[off + p] && !outside[p]) {
        outside[p] = 1;
        queue[tail++] = p;
      }
    };
    for (let i = 0; i < nx; i++) {
      seed(i);
      seed((ny - 1) * nx + i);
    }
    for (let j = 0; j < ny; j++) {
      seed(j * nx);
      seed(j * nx + nx - 1);
    }
    while (head < tail) {
      const p = queue[head++];
      const x = p % nx;
      const y = (p - x) / nx;
      if (x > 0) seed(p - 1);
      if (x < nx - 1) seed(p + 1);
      if (y > 0) seed(p - nx);
      if (y < ny - 1) seed(p + nx);
    }
    for (let p = 0; p < plane; p++) if (!outside[p]) m[off + p] = 1;
  }
}

/** Cross product of OA and OB (2-D). */
function cross(o: [number, number], a: [number, number], b: [number, number]): number {
  return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
}

/** Convex hull (Andrew's monotone chain) of 2-D points, counter-clockwise, no repeats. */
export function convexHull(points: Array<[number, number]>): Array<[number, number]> {
  const p = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (p.length < 3) return p;
  const lower: Array<[number, number]> = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], q) <= 0) lower.pop();
    lower.push(q);
  }
  const upper: Array<[number, number]> = [];
  for (let i = p.length - 1; i >= 0; i--) {
    const q = p[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], q) <= 0) upper.pop();
    upper.push(q);
  }
  upper.pop();
  lower.pop();
  return lower.concat(upper);
}

/**
 * Per slice, replaces a (single-lung) mask by the filled convex hull of its pixel centres when
 * the hull's pixel count is below `maxGrowth` times the mask's (reference `process_mask`).
 */
export function convexHullPerSlice(m: Uint8Array, shape: [number, number, number], maxGrowth: number): void {
  const [nz, ny, nx] = shape;
  const plane = nx * ny;
  for (let k = 0; k < nz; k++) {
    const off = k * plane;
    // Only the extreme pixels of each row matter for the hull.
    const pts: Array<[number, number]> = [];
    let area = 0;
    for (let y = 0; y < ny; y++) {
      let lo = -1;
      let hi = -1;
      for (let x = 0; x < nx; x++)
        if (m[off + y * nx + x]) {
          area++;
          if (lo < 0) lo = x;
          hi = x;
        }
      if (lo >= 0) pts.push([lo, y], [hi, y]);
    }
    if (area < 3) continue;
    const hull = convexHull(pts);
    if (hull.length < 3) continue;
    const inside: number[] = [];
    let y0 = Infinity;
    let y1 = -Infinity;
    for (const h of hull) {
      y0 = Math.min(y0, h[1]);
      y1 = Math.max(y1, h[1]);
    }
    for (let y = y0; y <= y1; y++) {
      // Span of the convex polygon on row y: intersect every edge with the row.
      let xl = Infinity;
      let xr = -Infinity;
      for (let i = 0; i < hull.length; i++) {
        const a = hull[i];
        const b = hull[(i + 1) % hull.length];
        if ((a[1] - y) * (b[1] - y) > 0) continue;
        if (a[1] === b[1]) {
          xl = Math.min(xl, a[0], b[0]);
          xr = Math.max(xr, a[0], b[0]);
        } else {
          const x = a[0] + ((y - a[1]) * (b[0] - a[0])) / (b[1] - a[1]);
          xl = Math.min(xl, x);
          xr = Math.max(xr, x);
        }
      }
      for (let x = Math.ceil(xl - 1e-9); x <= Math.floor(xr + 1e-9); x++) inside.push(y * nx + x);
    }
    if (inside.length < maxGrowth * area) for (const p of inside) m[off + p] = 1;
  }
}

/** Binary dilation with the 6-neighbour cross, `iterations` times (new array). */
export function dilate6(m: Uint8Array, shape: [number, number, number], iterations: number): Uint8Array {
  const [nz, ny, nx] = shape;
  let cur = Uint8Array.from(m);
  let nxt = new Uint8Array(m.length);
  const plane = nx * ny;
  for (let it = 0; it < iterations; it++) {
    nxt.set(cur);
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++) {
        const row = z * plane + y * nx;
        for (let x = 0; x < nx; x++) {
          const p = row + x;
          if (!cur[p]) continue;
          if (x > 0) nxt[p - 1] = 1;
          if (x < nx - 1) nxt[p + 1] = 1;
          if (y > 0) nxt[p - nx] = 1;
          if (y < ny - 1) nxt[p + nx] = 1;
          if (z > 0) nxt[p - plane] = 1;
          if (z < nz - 1) nxt[p + plane] = 1;
        }
      }
    const t = cur;
    cur = nxt;
    nxt = t;
  }
  return cur;
}
