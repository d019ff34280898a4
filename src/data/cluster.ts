/**
 * Grouping radiologists' marks into physical nodules, as pylidc's `Scan.cluster_annotations`.
 *
 * LIDC readers annotated independently, so one nodule appears as up to four marks (one per
 * reader) that must be matched. pylidc links two marks when the minimum distance between their
 * contour points is <= `tol` (default: the in-plane pixel spacing), takes connected components,
 * and while a component holds more marks than there are readers (pylidc: > 4) shrinks `tol` by
 * `factor` (0.9) down to `minTol`. pylidc never looks at reader identity (its database has
 * none), so a component can still hold two marks of the same reader (e.g. one reader split a
 * nodule, or two touching nodules); we then split such components by constrained single linkage
 * (closest pairs first, never joining two marks of one reader), which guarantees the invariant
 * "at most one mark per reader per nodule".
 */
import type { Volume } from "../io/volume";
import type { LidcNoduleRead, LidcReadingSession, LidcRoi } from "../io/lidcXml";

/**
 * In-plane geometry to turn LIDC pixel coordinates into world mm (axial slices, LIDC's case):
 * world x = origin[0] + column * pixelSpacing[1], world y = origin[1] + row * pixelSpacing[0];
 * world z = the ROI's `imageZposition`.
 */
export interface ClusterGeometry {
  /** [row spacing, column spacing] in mm (DICOM PixelSpacing order). */
  pixelSpacing: [number, number];
  /** World [x, y] (mm) of pixel (0, 0) (ImagePositionPatient). Default [0, 0]. */
  origin?: [number, number];
}

/** Geometry of an axial volume (assumes the identity direction in-plane, as LIDC scans have). */
export function geometryFromVolume(v: Volume): ClusterGeometry {
  return { pixelSpacing: [v.spacing[1], v.spacing[2]], origin: [v.origin[0], v.origin[1]] };
}

/** One reader's mark with its derived geometry (world mm). */
export interface NoduleMark {
  /** Index of the reading session (reader) in the input. */
  readerIndex: number;
  /** The session's radiologist id, or `reader<k>` where the file has none. */
  reader: string;
  read: LidcNoduleRead;
  /** Area-weighted centroid of the included outlines (world mm [x, y, z]). */
  centroid: [number, number, number];
  /** pylidc's `diameter`: the largest in-plane distance between two outline points of one slice (mm). */
  diameterMm: number;
  /** Lowest and highest z of its outlines (mm). */
  zRange: [number, number];
}

/** A physical nodule: the marks of different readers that were matched. */
export interface NoduleCluster {
  id: number;
  marks: NoduleMark[];
  /** Reader ids of the marks, in reader order (no duplicates). */
  readers: string[];
  /** Mean of the marks' centroids (world mm [x, y, z]). */
  centroid: [number, number, number];
  /** Mean of the marks' diameters (mm). */
  diameterMm: number;
  /** Each marking reader's malignancy rating (undefined if the reader gave none). */
  malignancy: Record<string, number | undefined>;
  /** The defined ratings, in reader order (input of `labelFromMalignancy`). */
  scores: number[];
}

export interface ClusterOptions {
  /** "min": minimum contour-point distance (pylidc default); "centroid": centroid distance. */
  metric?: "min" | "centroid";
  /** Linking tolerance in mm (default: the larger pixel spacing for "min", 5 mm for "centroid"). */
  tol?: number;
  /** Shrink factor for `tol` while a cluster holds too many marks (pylidc 0.9). */
  factor?: number;
  /** Lowest tolerance tried (pylidc 0.1). */
  minTol?: number;
  /** Most marks a cluster may hold before `tol` shrinks (default: the number of sessions, pylidc 4). */
  maxMarks?: number;
}

interface Pts {
  /** Points [x, y, z] back to back, sorted by z. */
  xyz: Float64Array;
  min: [number, number, number];
  max: [number, number, number];
}

function toWorld(roi: LidcRoi, g: Required<ClusterGeometry>): Array<[number, number, number]> {
  return roi.points.map(([col, row]) => [g.origin[0] + col * g.pixelSpacing[1], g.origin[1] + row * g.pixelSpacing[0], roi.z]);
}

function markOf(read: LidcNoduleRead, readerIndex: number, reader: string, g: Required<ClusterGeometry>): { mark: NoduleMark; pts: Pts } {
  const incl = read.rois.filter((r) => r.inclusion);
  const rois = incl.length ? incl : read.rois;
  let aSum = 0;
  const c = [0, 0, 0];
  const all: Array<[number, number, number]> = [];
  let diameter = 0;
  for (const roi of rois) {
    const p = toWorld(roi, g);
    all.push(...p);
    // Shoelace centroid of the outline polygon, weighted by its area.
    let a = 0;
    let cx = 0;
    let cy = 0;
    for (let i = 0; i < p.length; i++) {
      const [x0, y0] = p[i];
      const [x1, y1] = p[(i + 1) % p.length];
      const cr = x0 * y1 - x1 * y0;
      a += cr;
      cx += (x0 + x1) * cr;
      cy += (y0 + y1) * cr;
    }
    a /= 2;
    if (Math.abs(a) > 1e-9) {
      const w = Math.abs(a);
      c[0] += (cx / (6 * a)) * w;
      c[1] += (cy / (6 * a)) * w;
      c[2] += roi.z * w;
      aSum += w;
    }
    let d2 = 0;
    for (let i = 0; i < p.length; i++) {
      const xi = p[i][0];
      const yi = p[i][1];
      for (let j = i + 1; j < p.length; j++) {
        const dx = xi - p[j][0];
        const dy = yi - p[j][1];
        const q = dx * dx + dy * dy;
        if (q > d2) d2 = q;
      }
    }
    diameter = Math.max(diameter, Math.sqrt(d2));
  }
  let centroid: [number, number, number];
  if (aSum > 0) centroid = [c[0] / aSum, c[1] / aSum, c[2] / aSum];
  else {
    const m = [0, 0, 0];
    for (const q of all) for (let k = 0; k < 3; k++) m[k] += q[k] / all.length;
    centroid = [m[0], m[1], m[2]];
  }
  // Distances use every outline point, holes included, as pylidc's contour matrix does.
  const every = read.rois.flatMap((r) => toWorld(r, g)).sort((p, q) => p[2] - q[2]);
  const xyz = new Float64Array(every.length * 3);
  const min: [number, number, number] = [Infinity, Infinity, Infinity];
  const max: [number, number, number] = [-Infinity, -Infinity, -Infinity];
  every.forEach((q, i) => {
    for (let k = 0; k < 3; k++) {
      xyz[i * 3 + k] = q[k];
      min[k] = Math.min(min[k], q[k]);
      max[k] = Math.max(max[k], q[k]);
    }
  });
  const zs = rois.map((r) => r.z);
  return {
    mark: { readerIndex, reader, read, centroid, diameterMm: diameter, zRange: [Math.min(...zs), Math.max(...zs)] },
    pts: { xyz, min, max },
  };
}

/**
 * Minimum distance between two point sets, exact whenever it is <= `cutoff` (otherwise some value
 * > cutoff). Skips the search when the boxes are farther apart than `cutoff`, and compares only
 * points whose z differ by <= cutoff (both sets are sorted by z): with LIDC's tolerance below the
 * slice spacing that means same-slice points only, instead of every pair of a 40-slice outline.
 */
export function minDistance(a: { xyz: Float64Array; min: number[]; max: number[] }, b: { xyz: Float64Array; min: number[]; max: number[] }, cutoff: number): number {
  let gap2 = 0;
  for (let k = 0; k < 3; k++) {
    const g = Math.max(0, a.min[k] - b.max[k], b.min[k] - a.max[k]);
    gap2 += g * g;
  }
  if (Math.sqrt(gap2) > cutoff) return Math.sqrt(gap2);
  let best = Infinity;
  const A = a.xyz;
  const B = b.xyz;
  const nb = B.length / 3;
  for (let i = 0; i < A.length; i += 3) {
    const za = A[i + 2];
    // First point of B with z >= za - cutoff (binary search on the z-sorted points).
    let lo = 0;
    let hi = nb;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (B[mid * 3 + 2] < za - cutoff) lo = mid + 1;
      else hi = mid;
    }
    for (let j = lo * 3; j < B.length && B[j + 2] <= za + cutoff; j += 3) {
      const dx = A[i] - B[j];
      const dy = A[i + 1] - B[j + 1];
      const dz = za - B[j + 2];
      const d = dx * dx + dy * dy + dz * dz;
      if (d < best) best = d;
    }
  }
  return Math.sqrt(best);
}

function components(n: number, linked: (i: number, j: number) => boolean): number[][] {
  const parent = Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) if (linked(i, j)) parent[find(i)] = find(j);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    if (!groups.has(r)) groups.set(r, []);
    groups.get(r)!.push(i);
  }
  return [...groups.values()];
}

/** Splits a component so that no part holds two marks of one reader (closest pairs joined first). */
function splitByReader(idx: number[], D: number[][], readerOf: number[], tol: number): number[][] {
  const parent = new Map<number, number>(idx.map((i) => [i, i]));
  const readers = new Map<number, Set<number>>(idx.map((i) => [i, new Set([readerOf[i]])]));
  const find = (i: number): number => {
    const p = parent.get(i)!;
    if (p === i) return i;
    const r = find(p);
    parent.set(i, r);
    return r;
  };
  const edges: Array<[number, number, number]> = [];
  for (let a = 0; a < idx.length; a++)
    for (let b = a + 1; b < idx.length; b++) if (D[idx[a]][idx[b]] <= tol) edges.push([D[idx[a]][idx[b]], idx[a], idx[b]]);
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
  for (const [, i, j] of edges) {
    const ri = find(i);
    const rj = find(j);
    if (ri === rj) continue;
    const si = readers.get(ri)!;
    const sj = readers.get(rj)!;
    if ([...si].some((r) => sj.has(r))) continue;
    parent.set(ri, rj);
    for (const r of si) sj.add(r);
  }
  const groups = new Map<number, number[]>();
  for (const i of idx) {
    const r = find(i);
    if (!groups.has(r)) groups.set(r, []);
    groups.get(r)!.push(i);
  }
  return [...groups.values()];
}

/**
 * Clusters the >= 3 mm nodule marks of all reading sessions of one series into physical nodules
 * (pylidc `cluster_annotations`, metric "min", plus the one-mark-per-reader split; see the file
 * comment). Without `geometry`, in-plane coordinates stay in pixels (spacing 1). Clusters are
 * ordered by centroid z, then y, then x, and numbered from 0.
 */
export function clusterReads(sessions: LidcReadingSession[], geometry?: ClusterGeometry, options: ClusterOptions = {}): NoduleCluster[] {
  const g: Required<ClusterGeometry> = { pixelSpacing: geometry?.pixelSpacing ?? [1, 1], origin: geometry?.origin ?? [0, 0] };
  const metric = options.metric ?? "min";
  const factor = options.factor ?? 0.9;
  if (!(factor > 0 && factor < 1)) throw new Error(`clusterReads: factor must be in (0, 1), got ${factor}`);
  const minTol = options.minTol ?? 0.1;
  let tol = options.tol ?? (metric === "min" ? Math.max(...g.pixelSpacing) : 5);
  const maxMarks = options.maxMarks ?? Math.max(1, sessions.length);

  const marks: NoduleMark[] = [];
  const pts: Pts[] = [];
  sessions.forEach((s, k) => {
    const reader = s.radiologistId || `reader${k}`;
    for (const read of s.nodules) {
      const m = markOf(read, k, reader, g);
      marks.push(m.mark);
      pts.push(m.pts);
    }
  });
  const n = marks.length;
  const D: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  // Contour distances are only needed exactly below the starting tolerance.
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const d =
        metric === "min"
          ? minDistance(pts[i], pts[j], tol)
          : Math.hypot(...marks[i].centroid.map((c, k) => c - marks[j].centroid[k]));
      D[i][j] = D[j][i] = d;
    }

  let groups = components(n, (i, j) => D[i][j] <= tol);
  while (groups.some((c) => c.length > maxMarks) && tol * factor >= minTol) {
    tol *= factor;
    groups = components(n, (i, j) => D[i][j] <= tol);
  }
  const readerOf = marks.map((m) => m.readerIndex);
  const final: number[][] = [];
  for (const c of groups) {
    const rs = c.map((i) => readerOf[i]);
    if (new Set(rs).size === rs.length) final.push(c);
    else final.push(...splitByReader(c, D, readerOf, tol));
  }

  const clusters = final.map((idx): Omit<NoduleCluster, "id"> => {
    const ms = idx.map((i) => marks[i]).sort((a, b) => a.readerIndex - b.readerIndex);
    const centroid: [number, number, number] = [0, 1, 2].map((k) => ms.reduce((s, m) => s + m.centroid[k], 0) / ms.length) as [
      number,
      number,
      number,
    ];
    const malignancy: Record<string, number | undefined> = {};
    for (const m of ms) malignancy[m.reader] = m.read.characteristics.malignancy;
    return {
      marks: ms,
      readers: ms.map((m) => m.reader),
      centroid,
      diameterMm: ms.reduce((s, m) => s + m.diameterMm, 0) / ms.length,
      malignancy,
      scores: ms.map((m) => m.read.characteristics.malignancy).filter((v): v is number => v !== undefined),
    };
  });
  clusters.sort((a, b) => a.centroid[2] - b.centroid[2] || a.centroid[1] - b.centroid[1] || a.centroid[0] - b.centroid[0]);
  return clusters.map((c, id) => ({ id, ...c }));
}
