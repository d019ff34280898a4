import type { LidcCharacteristics, LidcNonNodule, LidcNoduleRead, LidcReadingSession, LidcRoi } from "../../io/lidcXml";
import type { Rng } from "../../util/rng";
import type { Anatomy } from "./anatomy";
import { lungRadius } from "./anatomy";
import type { Grid } from "./render";
import { NoduleShape, shapeDistance, shapeExtent } from "./shape";

/**
 * Four simulated radiologists for the SYNTHETIC cohort, disagreeing the way LIDC readers do:
 * each misses some nodules (small ones most often), draws its outline on every slice it sees
 * with its own bias (LIDC outlines sit just outside the nodule) and hand jitter, and rates
 * malignancy around the nodule's latent score with a personal bias and noise, so the
 * mean > 3 / < 3 / == 3 rule mostly, but not always, recovers the truth.
 */

/** Per-reader habits. */
export interface ReaderProfile {
  id: string;
  /** Added to the latent malignancy before rounding. */
  malignancyBias: number;
  /** Std of the rating noise. */
  malignancyNoise: number;
  /** Outline offset from the true surface (mm, + = outside). */
  outlineBias: number;
  /** Std of the per-point radial jitter (mm). */
  outlineJitter: number;
  /** Probability of missing a nodule of diameter < 6 mm / 6-10 mm / >= 10 mm. */
  miss: [number, number, number];
}

/** The four readers of the synthetic cohort. */
export const SYNTHETIC_READERS: ReaderProfile[] = [
  { id: "synthetic-reader-1", malignancyBias: 0, malignancyNoise: 0.5, outlineBias: 0.5, outlineJitter: 0.25, miss: [0.2, 0.06, 0.01] },
  { id: "synthetic-reader-2", malignancyBias: 0.3, malignancyNoise: 0.6, outlineBias: 0.8, outlineJitter: 0.35, miss: [0.3, 0.1, 0.02] },
  { id: "synthetic-reader-3", malignancyBias: -0.3, malignancyNoise: 0.6, outlineBias: 0.2, outlineJitter: 0.3, miss: [0.25, 0.08, 0.02] },
  { id: "synthetic-reader-4", malignancyBias: 0.1, malignancyNoise: 0.7, outlineBias: 0.6, outlineJitter: 0.45, miss: [0.35, 0.12, 0.03] },
];

/** A nodule as the readers see it: its shape, latent malignancy and the facts behind the ratings. */
export interface ReadableNodule {
  shape: NoduleShape;
  /** Latent malignancy on the LIDC 1..5 scale (continuous). */
  latentMalignancy: number;
  malignant: boolean;
}

/** One slice of the series: its world z and SOPInstanceUID. */
export interface SliceRef {
  z: number;
  sopUid: string;
}

const RAYS = 48;

/**
 * A reader's outline of a nodule on one slice: rays from the centroid of the in-plane
 * cross-section find the reader's iso-surface (true surface + bias), each point jittered, in
 * pixel coordinates (x = column, y = row) deduplicated and closed as LIDC outlines are.
 * Returns null when the reader's surface does not cut this slice.
 */
export function outlineOnSlice(g: Grid, n: NoduleShape, z: number, offset: number, jitter: number, rng: Rng): Array<[number, number]> | null {
  const [, dy, dx] = g.spacing;
  const [ox, oy] = g.origin;
  const c = n.center;
  const pz = z - c[2];
  const e = shapeExtent(n) + offset + 1;
  // Centroid of the cross-section on a 0.4 mm grid.
  const h = 0.4;
  let sx = 0;
  let sy = 0;
  let cnt = 0;
  for (let y = -e; y <= e; y += h)
    for (let x = -e; x <= e; x += h)
      if (shapeDistance(n, x, y, pz) <= offset) {
        sx += x;
        sy += y;
        cnt++;
      }
  // Fewer than ~2 pixels of area: nothing a reader would outline.
  if (cnt * h * h < 2 * dx * dy) return null;
  const cx = sx / cnt;
  const cy = sy / cnt;
  const pts: Array<[number, number]> = [];
  for (let r = 0; r < RAYS; r++) {
    const a = (2 * Math.PI * r) / RAYS;
    const ux = Math.cos(a);
    const uy = Math.sin(a);
    let last = 0;
    for (let t = 0; t <= 2 * e; t += 0.2) if (shapeDistance(n, cx + ux * t, cy + uy * t, pz) <= offset) last = t;
    const rr = Math.max(0, last + jitter * rng.normal());
    const col = Math.round((c[0] + cx + ux * rr - ox) / dx);
    const row = Math.round((c[1] + cy + uy * rr - oy) / dy);
    const prev = pts[pts.length - 1];
    if (!prev || prev[0] !== col || prev[1] !== row) pts.push([col, row]);
  }
  if (pts.length > 1 && pts[0][0] === pts[pts.length - 1][0] && pts[0][1] === pts[pts.length - 1][1]) pts.pop();
  if (pts.length < 3) return null;
  pts.push([pts[0][0], pts[0][1]]);
  return pts;
}

const clampScore = (v: number) => Math.max(1, Math.min(5, Math.round(v)));

/** The nine LIDC ratings a reader gives, derived from the nodule's make-up plus reader noise. */
function rate(rng: Rng, p: ReaderProfile, n: ReadableNodule): LidcCharacteristics {
  const s = n.shape;
  const noisy = (v: number, sd = 0.5) => clampScore(v + sd * rng.normal());
  const lobes = Math.max(0, s.lobes.length - 2);
  return {
    subtlety: noisy(s.diameter >= 10 ? 5 : s.diameter >= 6 ? 4 : 3),
    internalStructure: 1,
    // LIDC calcification: 3 = solid, 5 = central, 6 = absent.
    calcification: s.calcification ? (s.calcification.r > s.diameter * 0.4 ? 3 : 5) : 6,
    sphericity: noisy(n.malignant ? 3 - Math.min(1, lobes / 3) : 4.6),
    margin: noisy(n.malignant ? (s.spicules.length ? 2 : 3) : 4.6),
    lobulation: noisy(n.malignant ? 2 + Math.min(3, lobes) : 1.2),
    spiculation: noisy(n.malignant ? 1 + Math.min(4, s.spicules.length / 2) : 1),
    texture: s.halo ? noisy(3) : noisy(4.8, 0.3),
    malignancy: clampScore(n.latentMalignancy + p.malignancyBias + p.malignancyNoise * rng.normal()),
  };
}

/**
 * Simulates one reading session per profile. `slices` lists the series' slices (any order);
 * nodule ids follow LIDC's per-reader naming ("Nodule 001", ...) in the reader's own order, so
 * matching marks across readers needs clustering, as with real LIDC files.
 */
export function simulateReaders(
  rng: Rng,
  g: Grid,
  anatomy: Anatomy,
  nodules: ReadableNodule[],
  slices: SliceRef[],
  profiles: ReaderProfile[] = SYNTHETIC_READERS,
): { sessions: LidcReadingSession[]; seenBy: Array<Array<{ reader: number; malignancy: number }>> } {
  const seenBy: Array<Array<{ reader: number; malignancy: number }>> = nodules.map(() => []);
  const sessions = profiles.map((p, pi) => {
    const reads: LidcNoduleRead[] = [];
    nodules.forEach((n, ni) => {
      const d = n.shape.diameter;
      const miss = d < 6 ? p.miss[0] : d < 10 ? p.miss[1] : p.miss[2];
      if (rng.next() < miss) return;
      const offset = p.outlineBias + 0.2 * rng.normal();
      const rois: LidcRoi[] = [];
      for (const sl of slices) {
        if (Math.abs(sl.z - n.shape.center[2]) > shapeExtent(n.shape) + offset + 1) continue;
        const pts = outlineOnSlice(g, n.shape, sl.z, offset, p.outlineJitter, rng);
        if (pts) rois.push({ z: sl.z, sopUid: sl.sopUid, inclusion: true, points: pts });
      }
      if (!rois.length) return;
      rois.sort((a, b) => a.z - b.z);
      const characteristics = rate(rng, p, n);
      seenBy[ni].push({ reader: pi, malignancy: characteristics.malignancy! });
      reads.push({ noduleId: "", characteristics, rois });
    });
    // Readers list nodules in their own order.
    rng.shuffle(reads);
    reads.forEach((r, i) => (r.noduleId = `Nodule ${String(i + 1).padStart(3, "0")}`));
    // A couple of non-nodule findings (e.g. a vessel bifurcation) at random lung points.
    const nonNodules: LidcNonNodule[] = [];
    const nNon = rng.int(0, 2);
    for (let t = 0; t < 50 && nonNodules.length < nNon; t++) {
      const sl = slices[rng.int(0, slices.length - 1)];
      const col = rng.int(0, g.shape[2] - 1);
      const row = rng.int(0, g.shape[1] - 1);
      const x = g.origin[0] + col * g.spacing[2];
      const y = g.origin[1] + row * g.spacing[1];
      if (Math.min(lungRadius(anatomy, 0, x, y, sl.z), lungRadius(anatomy, 1, x, y, sl.z)) > 0.8) continue;
      nonNodules.push({ nonNoduleId: `Non-nodule ${nonNodules.length + 1}`, z: sl.z, sopUid: sl.sopUid, locus: [col, row] });
    }
    return { radiologistId: p.id, annotationVersion: "3.12", nodules: reads, smallNodules: [], nonNodules };
  });
  return { sessions, seenBy };
}
