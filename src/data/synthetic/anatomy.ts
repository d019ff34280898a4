import type { Rng } from "../../util/rng";
import type { Vec3 } from "./shape";

/**
 * The SYNTHETIC thorax: a body ellipse (soft tissue under a fat layer), two lungs (~-850 HU,
 * denser posteriorly), a spine and ribs, and pulmonary vessels grown as branching tubes from each
 * hilum. Geometry is in world mm (LPS: +x patient left, +y posterior, +z head).
 */
export interface Anatomy {
  /** Body ellipse centre and semi-axes (mm) in the axial plane. */
  body: { cx: number; cy: number; ax: number; ay: number };
  /** Each lung: axial ellipse (centre, semi-axes) scaled along z by `lungScale`. */
  lungs: Array<{ cx: number; cy: number; ax: number; ay: number }>;
  /** z (mm) of the lung base (diaphragm) and of the apex. */
  zBase: number;
  zApex: number;
  spine: { cx: number; cy: number; r: number };
  /** Rib cross-sections: angle (rad) on the body wall at z = 0, and its drift per mm of z. */
  ribs: Array<{ angle: number; drift: number; r: number }>;
  vessels: VesselSegment[];
  /** Parenchyma density and its posterior gradient (HU per mm of +y). */
  lungHu: number;
  lungGradient: number;
}

/** One vessel segment: a tube of radius r from a to b (world mm). */
export interface VesselSegment {
  a: Vec3;
  b: Vec3;
  r: number;
}

/** Fraction (0..1 scale) of a lung's axial ellipse at height z: tapers to the apex. */
export function lungScale(an: Anatomy, z: number): number {
  if (z < an.zBase || z > an.zApex) return 0;
  const u = (z - an.zBase) / (an.zApex - an.zBase);
  return Math.sqrt(Math.max(0, 1 - u * u * u));
}

/**
 * Normalised elliptic radius of a point in lung `i` (< 1 inside). Used for the phantom's own
 * lung labels and for placing nodules; the preprocessing never sees it.
 */
export function lungRadius(an: Anatomy, i: number, x: number, y: number, z: number): number {
  const s = lungScale(an, z);
  if (s <= 0) return Infinity;
  const l = an.lungs[i];
  const u = (x - l.cx) / (l.ax * s);
  const v = (y - l.cy) / (l.ay * s);
  return Math.sqrt(u * u + v * v);
}

/** Samples the anatomy for a field of view of `fov` mm (square) over z in [z0, z1]. */
export function sampleAnatomy(rng: Rng, fov: number, z0: number, z1: number): Anatomy {
  const j = (s: number) => 1 + s * (2 * rng.next() - 1);
  const body = { cx: 0, cy: 0.02 * fov, ax: 0.47 * fov * j(0.03), ay: 0.41 * fov * j(0.04) };
  const lungs = [-1, 1].map((side) => ({
    // Sized so that >= 2.5 mm of soft tissue and the fat layer separate lung from outside air.
    cx: side * 0.18 * fov * j(0.03),
    cy: 0,
    ax: 0.14 * fov * j(0.04),
    ay: 0.25 * fov * j(0.04),
  }));
  const zBase = z0 + (z1 - z0) * 0.04;
  const zApex = z1 + 6;
  const anatomy: Anatomy = {
    body,
    lungs,
    zBase,
    zApex,
    spine: { cx: 0, cy: body.cy + body.ay * 0.62, r: 0.065 * fov },
    ribs: Array.from({ length: 10 }, (_, i) => {
      const side = i < 5 ? -1 : 1;
      const t = (i % 5) / 4; // from anterior to posterior along each side
      const angle = side < 0 ? Math.PI - (-1.1 + 2.2 * t) : -1.1 + 2.2 * t;
      return { angle: angle + 0.05 * rng.normal(), drift: 0.004 * side, r: 2.2 + 0.6 * rng.next() };
    }),
    vessels: [],
    lungHu: -860 + 20 * rng.normal(),
    lungGradient: 0.6 + 0.3 * rng.next(),
  };
  for (let i = 0; i < 2; i++) {
    const l = lungs[i];
    const zMid = zBase + (zApex - zBase) * (0.35 + 0.1 * rng.next());
    // The hilum sits on the medial side of each lung, mid-height.
    const hilum: Vec3 = [l.cx - Math.sign(l.cx) * l.ax * 0.75, l.cy + 0.05 * l.ay, zMid];
    for (const dz of [-1, 0.2, 1]) {
      const dir: Vec3 = [Math.sign(l.cx) * 1, 0.3 * rng.normal(), dz + 0.2 * rng.normal()];
      growVessel(rng, anatomy, i, hilum, normalise(dir), 2.4 + 0.6 * rng.next(), 0, anatomy.vessels);
    }
  }
  return anatomy;
}

function normalise(v: Vec3): Vec3 {
  const n = Math.hypot(...v) || 1;
  return [v[0] / n, v[1] / n, v[2] / n];
}

/** Recursively grows a vessel tree: segments that shrink and fork until thinner than 0.5 mm. */
function growVessel(rng: Rng, an: Anatomy, lung: number, start: Vec3, dir: Vec3, r: number, depth: number, out: VesselSegment[]): void {
  if (r < 0.5 || depth > 7) return;
  const len = 5 + 10 * rng.next() * Math.min(1, r / 1.5);
  const end: Vec3 = [start[0] + dir[0] * len, start[1] + dir[1] * len, start[2] + dir[2] * len];
  if (lungRadius(an, lung, end[0], end[1], end[2]) > 0.93) return;
  out.push({ a: start, b: end, r });
  const nChildren = rng.next() < 0.8 ? 2 : 1;
  for (let c = 0; c < nChildren; c++) {
    const turn: Vec3 = [rng.normal() * 0.55, rng.normal() * 0.55, rng.normal() * 0.55];
    const nd = normalise([dir[0] + turn[0], dir[1] + turn[1], dir[2] + turn[2]]);
    growVessel(rng, an, lung, end, nd, r * (nChildren === 2 ? 0.72 + 0.1 * rng.next() : 0.9), depth + 1, out);
  }
}
