import type { Volume } from "../../io/volume";
import type { Rng } from "../../util/rng";
import { Anatomy, lungRadius, lungScale, VesselSegment } from "./anatomy";
import { NoduleShape, shapeDensity, shapeDistance, shapeExtent, sigmoid } from "./shape";

/**
 * Renders the SYNTHETIC chest CT in Hounsfield units on a voxel grid. Edges are blended with a
 * logistic profile (partial-volume look); nodules are averaged over three sub-samples across the
 * slice thickness, so thick slices blur them along z as a scanner would. Noise is Gaussian,
 * lightly correlated in-plane like reconstructed CT noise.
 */

/** The voxel grid of a synthetic series (axis-aligned, LPS). */
export interface Grid {
  shape: [number, number, number];
  spacing: [number, number, number];
  origin: [number, number, number];
}

const SOFT_TISSUE_HU = 40;
const FAT_HU = -100;
const AIR_HU = -1000;

/** Blends `v` towards `target` by fraction f. */
function blend(v: number, target: number, f: number): number {
  return v + (target - v) * f;
}

/** What the background needs per axial slice: lung scale and rib centres at that z. */
interface SliceContext {
  z: number;
  lungScale: number;
  ribs: Array<{ x: number; y: number; r: number }>;
}

function sliceContext(an: Anatomy, z: number): SliceContext {
  const b = an.body;
  return {
    z,
    lungScale: lungScale(an, z),
    ribs: an.ribs.map((rib) => {
      const a = rib.angle + rib.drift * z;
      return { x: b.cx + 0.935 * b.ax * Math.cos(a), y: b.cy + 0.935 * b.ay * Math.sin(a), r: rib.r };
    }),
  };
}

/** Background anatomy (body, fat, lungs, spine, ribs) at one world point of a slice. */
function anatomyHu(an: Anatomy, sc: SliceContext, x: number, y: number): number {
  const b = an.body;
  const bx = (x - b.cx) / b.ax;
  const by = (y - b.cy) / b.ay;
  const br = Math.sqrt(bx * bx + by * by);
  const minAxis = Math.min(b.ax, b.ay);
  const dBody = (br - 1) * minAxis;
  if (dBody > 6) return AIR_HU;
  const fBody = sigmoid(-dBody / 0.5);
  // Subcutaneous fat in the outer ~9% of the body radius.
  const dFat = (br - 0.91) * minAxis;
  let v = dFat < -4 ? SOFT_TISSUE_HU : blend(SOFT_TISSUE_HU, FAT_HU, sigmoid(dFat / 0.6));
  const s = sc.lungScale;
  if (s > 0)
    for (const l of an.lungs) {
      const u = (x - l.cx) / (l.ax * s);
      const w = (y - l.cy) / (l.ay * s);
      const rho = Math.sqrt(u * u + w * w);
      const d = (rho - 1) * Math.min(l.ax, l.ay) * s;
      if (d < 4) v = blend(v, an.lungHu + an.lungGradient * (y - l.cy), sigmoid(-d / 0.6));
    }
  const sp = an.spine;
  if (Math.abs(x - sp.cx) < sp.r + 2 && Math.abs(y - sp.cy) < sp.r + 2) {
    const ds = Math.hypot(x - sp.cx, y - sp.cy);
    const cortical = ds > sp.r - 2.5 ? 700 : 300;
    v = blend(v, cortical, sigmoid((sp.r - ds) / 0.5));
  }
  for (const rib of sc.ribs) {
    if (Math.abs(x - rib.x) > rib.r + 2 || Math.abs(y - rib.y) > rib.r + 2) continue;
    const dr = Math.hypot(x - rib.x, y - rib.y);
    v = blend(v, 650, sigmoid((rib.r - dr) / 0.4));
  }
  return fBody > 0.9999 ? v : blend(AIR_HU, v, fBody);
}

/** Whether a world point lies in either lung (the phantom's own label). */
function inLung(an: Anatomy, x: number, y: number, z: number): boolean {
  for (let i = 0; i < an.lungs.length; i++) if (lungRadius(an, i, x, y, z) < 1) return true;
  return false;
}

/** Calls fn(index, x, y, z) for every voxel of `g` within the world box [lo, hi]. */
function forBox(g: Grid, lo: number[], hi: number[], fn: (idx: number, x: number, y: number, z: number) => void): void {
  const [nz, ny, nx] = g.shape;
  const [dz, dy, dx] = g.spacing;
  const [ox, oy, oz] = g.origin;
  const i0 = Math.max(0, Math.floor((lo[0] - ox) / dx));
  const i1 = Math.min(nx - 1, Math.ceil((hi[0] - ox) / dx));
  const j0 = Math.max(0, Math.floor((lo[1] - oy) / dy));
  const j1 = Math.min(ny - 1, Math.ceil((hi[1] - oy) / dy));
  const k0 = Math.max(0, Math.floor((lo[2] - oz) / dz));
  const k1 = Math.min(nz - 1, Math.ceil((hi[2] - oz) / dz));
  for (let k = k0; k <= k1; k++)
    for (let j = j0; j <= j1; j++)
      for (let i = i0; i <= i1; i++) fn((k * ny + j) * nx + i, ox + i * dx, oy + j * dy, oz + k * dz);
}

/** Draws vessel tubes (blood ~40 HU) into lung voxels. */
function drawVessels(g: Grid, data: Float32Array, an: Anatomy, vessels: VesselSegment[]): void {
  for (const s of vessels) {
    const m = s.r + 1.5;
    const lo = [0, 1, 2].map((a) => Math.min(s.a[a], s.b[a]) - m);
    const hi = [0, 1, 2].map((a) => Math.max(s.a[a], s.b[a]) + m);
    const bx = s.b[0] - s.a[0];
    const by = s.b[1] - s.a[1];
    const bz = s.b[2] - s.a[2];
    const len2 = bx * bx + by * by + bz * bz;
    forBox(g, lo, hi, (idx, x, y, z) => {
      let t = ((x - s.a[0]) * bx + (y - s.a[1]) * by + (z - s.a[2]) * bz) / len2;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const d = Math.hypot(x - s.a[0] - t * bx, y - s.a[1] - t * by, z - s.a[2] - t * bz) - s.r;
      if (d > 1.5 || !inLung(an, x, y, z)) return;
      data[idx] = blend(data[idx], SOFT_TISSUE_HU, sigmoid(-d / 0.35));
    });
  }
}

/** Draws one nodule: ground-glass halo (if any), then the solid part with its density field. */
export function drawNodule(g: Grid, data: Float32Array, n: NoduleShape): void {
  const e = shapeExtent(n) + 1.5;
  const c = n.center;
  const dz = g.spacing[0];
  const subs = [-dz / 3, 0, dz / 3];
  forBox(g, [c[0] - e, c[1] - e, c[2] - e], [c[0] + e, c[1] + e, c[2] + e], (idx, x, y, z) => {
    let fSolid = 0;
    let fHalo = 0;
    let hu = 0;
    for (const s of subs) {
      const px = x - c[0];
      const py = y - c[1];
      const pz = z + s - c[2];
      const d = shapeDistance(n, px, py, pz);
      const f = d > 2 ? 0 : sigmoid(-d / 0.3);
      fSolid += f;
      if (f > 0) hu += f * shapeDensity(n, px, py, pz);
      if (n.halo) fHalo += sigmoid(-(d - n.halo.margin) / 0.6);
    }
    if (n.halo && fHalo > 0) data[idx] = blend(data[idx], n.halo.hu, fHalo / subs.length);
    if (fSolid > 0) data[idx] = blend(data[idx], hu / fSolid, fSolid / subs.length);
  });
}

/** Adds Gaussian noise of standard deviation `sigma` HU, correlated in-plane by a [1,2,1] blur. */
function addNoise(g: Grid, data: Float32Array, rng: Rng, sigma: number): void {
  const [nz, ny, nx] = g.shape;
  // A separable [1,2,1]/4 blur scales white-noise std by 6/16; compensate so the result is sigma.
  const white = sigma / (6 / 16);
  const a = new Float32Array(nx * ny);
  const b = new Float32Array(nx * ny);
  for (let k = 0; k < nz; k++) {
    for (let i = 0; i < a.length; i++) a[i] = white * rng.normal();
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const l = a[j * nx + Math.max(0, i - 1)];
        const r = a[j * nx + Math.min(nx - 1, i + 1)];
        b[j * nx + i] = 0.25 * l + 0.5 * a[j * nx + i] + 0.25 * r;
      }
    const off = k * nx * ny;
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const u = b[Math.max(0, j - 1) * nx + i];
        const d = b[Math.min(ny - 1, j + 1) * nx + i];
        data[off + j * nx + i] += 0.25 * u + 0.5 * b[j * nx + i] + 0.25 * d;
      }
  }
}

/**
 * Renders a full SYNTHETIC CT volume (HU, clamped to the int16 range a CT stores with intercept
 * -1024: [-1024, 3071]).
 */
export function renderVolume(g: Grid, an: Anatomy, nodules: NoduleShape[], rng: Rng, noiseSigma: number): Volume {
  const [nz, ny, nx] = g.shape;
  const [dz, dy, dx] = g.spacing;
  const [ox, oy, oz] = g.origin;
  const data = new Float32Array(nz * ny * nx);
  for (let k = 0; k < nz; k++) {
    const sc = sliceContext(an, oz + k * dz);
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) data[(k * ny + j) * nx + i] = anatomyHu(an, sc, ox + i * dx, oy + j * dy);
  }
  drawVessels(g, data, an, an.vessels);
  for (const n of nodules) drawNodule(g, data, n);
  addNoise(g, data, rng, noiseSigma);
  for (let i = 0; i < data.length; i++) data[i] = Math.max(-1024, Math.min(3071, data[i]));
  return {
    data,
    shape: [...g.shape],
    spacing: [...g.spacing],
    origin: [...g.origin],
    direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
  };
}
