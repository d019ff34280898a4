import type { Rng } from "../../util/rng";

/**
 * Nodule shapes for the SYNTHETIC cohort as signed distance fields (mm, negative inside): a union
 * of spheres (a round nodule, or a lobulated one with satellite lobes) and tapered capsules
 * (spicules radiating from the surface). The same parameters render the CT and give the exact
 * ground-truth mask at any world point, which is what lets attention maps be scored later.
 */

export type Vec3 = [number, number, number];

/** A sphere, centre relative to the nodule centre (mm). */
export interface SphereLobe {
  c: Vec3;
  r: number;
}

/** A tapered capsule from `a` (radius r0) to `b` (radius r1), relative to the nodule centre. */
export interface Spicule {
  a: Vec3;
  b: Vec3;
  r0: number;
  r1: number;
}

/** Everything that defines one synthetic nodule's geometry and density. */
export interface NoduleShape {
  /** World centre [x,y,z] mm. */
  center: Vec3;
  /** Nominal diameter (mm) of the main body. */
  diameter: number;
  lobes: SphereLobe[];
  spicules: Spicule[];
  /** Mean HU of the solid part. */
  solidHu: number;
  /** Amplitude (HU) of the smooth internal heterogeneity (malignant nodules). */
  heterogeneityHu: number;
  /** Wave vectors (rad/mm) and phases of the heterogeneity field. */
  waves: Array<{ k: Vec3; phase: number }>;
  /** Calcified core: radius (mm, relative to the centre) and HU; null when not calcified. */
  calcification: { r: number; hu: number } | null;
  /** Ground-glass halo (part-solid nodules): extra margin (mm) around the solid part and its HU. */
  halo: { margin: number; hu: number } | null;
}

/** Signed distance (mm) from a point (relative to the centre) to a sphere union + spicules. */
export function shapeDistance(s: NoduleShape, px: number, py: number, pz: number): number {
  let d = Infinity;
  for (const l of s.lobes) {
    const dx = px - l.c[0];
    const dy = py - l.c[1];
    const dz = pz - l.c[2];
    const v = Math.sqrt(dx * dx + dy * dy + dz * dz) - l.r;
    if (v < d) d = v;
  }
  for (const sp of s.spicules) {
    const v = capsuleDistance(sp, px, py, pz);
    if (v < d) d = v;
  }
  return d;
}

/** Approximate signed distance to a tapered capsule (exact for r0 = r1). */
export function capsuleDistance(sp: Spicule, px: number, py: number, pz: number): number {
  const bx = sp.b[0] - sp.a[0];
  const by = sp.b[1] - sp.a[1];
  const bz = sp.b[2] - sp.a[2];
  const ax = px - sp.a[0];
  const ay = py - sp.a[1];
  const az = pz - sp.a[2];
  const len2 = bx * bx + by * by + bz * bz;
  let t = len2 > 0 ? (ax * bx + ay * by + az * bz) / len2 : 0;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const qx = ax - t * bx;
  const qy = ay - t * by;
  const qz = az - t * bz;
  return Math.sqrt(qx * qx + qy * qy + qz * qz) - (sp.r0 + (sp.r1 - sp.r0) * t);
}

/** Radius (mm) of a sphere around the centre that contains the whole shape. */
export function shapeExtent(s: NoduleShape): number {
  let e = 0;
  for (const l of s.lobes) e = Math.max(e, Math.hypot(...l.c) + l.r);
  for (const sp of s.spicules) e = Math.max(e, Math.hypot(...sp.a) + sp.r0, Math.hypot(...sp.b) + sp.r1);
  return e + (s.halo?.margin ?? 0);
}

/** Density (HU) of the solid part at a point relative to the centre, before edge blending. */
export function shapeDensity(s: NoduleShape, px: number, py: number, pz: number): number {
  let hu = s.solidHu;
  for (const w of s.waves) hu += (s.heterogeneityHu / s.waves.length) * Math.cos(w.k[0] * px + w.k[1] * py + w.k[2] * pz + w.phase);
  if (s.calcification) {
    const r = Math.sqrt(px * px + py * py + pz * pz);
    const f = sigmoid((s.calcification.r - r) / 0.35);
    hu = hu * (1 - f) + s.calcification.hu * f;
  }
  return hu;
}

/** Logistic function. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

function unitVector(rng: Rng): Vec3 {
  for (;;) {
    const v: Vec3 = [rng.normal(), rng.normal(), rng.normal()];
    const n = Math.hypot(...v);
    if (n > 1e-6) return [v[0] / n, v[1] / n, v[2] / n];
  }
}

/**
 * Samples a nodule whose look depends on malignancy, following the radiological picture the
 * LIDC characteristics encode: benign nodules are small (4-10 mm), smooth and round, a third of
 * them calcified (very high HU); malignant nodules are larger (8-25 mm), lobulated and/or
 * spiculated, heterogeneous, a quarter of them part-solid with a ground-glass halo.
 */
export function sampleNoduleShape(rng: Rng, center: Vec3, malignant: boolean): NoduleShape {
  const u = rng.next();
  const diameter = malignant ? 8 + 17 * Math.pow(u, 1.3) : 4 + 6 * u;
  const r = diameter / 2;
  const lobes: SphereLobe[] = [];
  const spicules: Spicule[] = [];
  if (!malignant) {
    // Slightly ellipsoidal at most: two nearly concentric spheres.
    const d = unitVector(rng);
    const o = 0.08 * r * rng.next();
    lobes.push({ c: [d[0] * o, d[1] * o, d[2] * o], r }, { c: [-d[0] * o, -d[1] * o, -d[2] * o], r: r * (0.95 + 0.05 * rng.next()) });
  } else {
    lobes.push({ c: [0, 0, 0], r: r * 0.85 });
    const nLobes = rng.int(2, 5);
    for (let i = 0; i < nLobes; i++) {
      const d = unitVector(rng);
      const off = r * (0.35 + 0.3 * rng.next());
      lobes.push({ c: [d[0] * off, d[1] * off, d[2] * off], r: r * (0.4 + 0.25 * rng.next()) });
    }
    const nSpic = rng.next() < 0.7 ? rng.int(3, 10) : 0;
    for (let i = 0; i < nSpic; i++) {
      const d = unitVector(rng);
      const start = r * 0.6;
      const len = r * (0.5 + 0.7 * rng.next()) + 2;
      spicules.push({
        a: [d[0] * start, d[1] * start, d[2] * start],
        b: [d[0] * (start + len), d[1] * (start + len), d[2] * (start + len)],
        r0: 0.7 + 0.5 * rng.next(),
        r1: 0.25,
      });
    }
  }
  const waves = malignant
    ? Array.from({ length: 3 }, () => {
        const d = unitVector(rng);
        const k = (2 * Math.PI) / (4 + 6 * rng.next());
        return { k: [d[0] * k, d[1] * k, d[2] * k] as Vec3, phase: 2 * Math.PI * rng.next() };
      })
    : [];
  const calcified = !malignant && rng.next() < 0.33;
  const partSolid = malignant && rng.next() < 0.25;
  return {
    center,
    diameter,
    lobes,
    spicules,
    solidHu: malignant ? 10 + 30 * rng.next() : 25 + 25 * rng.next(),
    heterogeneityHu: malignant ? 60 + 60 * rng.next() : 0,
    waves,
    calcification: calcified ? { r: r * (0.4 + 0.6 * rng.next()), hu: 350 + 650 * rng.next() } : null,
    halo: partSolid ? { margin: 1.5 + 2 * rng.next(), hu: -550 + 150 * rng.next() } : null,
  };
}
