/**
 * The protocol's reading-to-cube steps (../shared/data/lidc-solid-nodule-slices-64px/PROTOCOL.md
 * "Volume" and "Cube") on bytes, with no file system: the CLI loader (`lidcSlices.ts`) and the
 * browser page both call these, so a reading scores the same in both.
 */
import { decode } from "fast-png";

/** Edge of the cube the protocol places readings in. */
export const LIDC_SLICES_CUBE = 32;
/** Edge of the protocol's slices in pixels (PROTOCOL.md: every reading is a stack of 64x64 PNGs). */
export const LIDC_SLICE_PX = 64;

/** A reading's raw slice stack: shape [slices, rows, cols], 8-bit values, z-major. */
export interface SliceStack {
  data: Uint8Array;
  shape: [number, number, number];
}

/** One decoded grey-level slice. */
export interface GreySlice {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Orders a reading's slice file names numerically (`0.png, 1.png, ..., 10.png`, not string order)
 * and checks they run 0..n-1; `where` names the reading in errors. Returns indices into `names`.
 */
export function orderSliceNames(names: string[], where: string): number[] {
  if (names.length === 0) throw new Error(`${where}: no PNG slices`);
  const nums = names.map((f) => {
    const m = /^(\d+)\.png$/i.exec(f);
    if (!m) throw new Error(`${where}/${f}: slice file name is not <k>.png`);
    return Number(m[1]);
  });
  const order = nums.map((n, i) => [n, i]).sort((a, b) => a[0] - b[0]);
  order.forEach(([n], k) => {
    if (n !== k) throw new Error(`${where}: slices are not numbered 0..${names.length - 1} (missing ${k}.png)`);
  });
  return order.map(([, i]) => i);
}

/** Decodes one 8-bit grayscale PNG slice (grey+alpha keeps the grey channel); `name` is used in errors. */
export function decodeSlicePng(bytes: Uint8Array, name: string): GreySlice {
  let png;
  try {
    png = decode(bytes);
  } catch (e) {
    throw new Error(`${name}: cannot decode PNG (${(e as Error).message})`);
  }
  if (png.palette) throw new Error(`${name}: palette PNG not supported (expected 8-bit grayscale)`);
  if (png.depth !== 8) throw new Error(`${name}: bit depth ${png.depth} (expected 8-bit grayscale)`);
  if (png.channels !== 1 && png.channels !== 2)
    throw new Error(`${name}: ${png.channels} channels (expected 8-bit grayscale; colour slices are not part of the protocol)`);
  const n = png.width * png.height;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = png.data[i * png.channels];
  return { data: out, width: png.width, height: png.height };
}

/**
 * Stacks decoded slices (already in slice order) into one volume (PROTOCOL.md "Volume"). Refuses
 * off-protocol geometry: a reading of another size would be placed and scored as if it were a
 * 64 px reading, a number that looks right but means nothing. `names` label the slices in errors.
 */
export function stackSlices(slices: GreySlice[], names: string[]): SliceStack {
  if (!slices.length) throw new Error("stackSlices: no slices");
  const { width, height } = slices[0];
  if (width !== LIDC_SLICE_PX || height !== LIDC_SLICE_PX) {
    throw new Error(`${names[0]}: slice is ${width}x${height} px; the protocol's readings are ${LIDC_SLICE_PX}x${LIDC_SLICE_PX} px slices of one nodule (PROTOCOL.md); resample the reading first`);
  }
  slices.forEach((s, k) => {
    if (s.width !== width || s.height !== height) throw new Error(`${names[k]}: slice is ${s.width}x${s.height}, ${names[0]} is ${width}x${height}`);
  });
  const data = new Uint8Array(slices.length * width * height);
  slices.forEach((s, k) => data.set(s.data, k * width * height));
  return { data, shape: [slices.length, height, width] };
}

/**
 * A reading from its PNG files as bytes, in any order: ordered numerically, decoded and stacked.
 * `where` names the reading (a folder path, or "dropped files") in errors.
 */
export function sliceStackFromPngs(files: Array<{ name: string; bytes: Uint8Array }>, where: string): SliceStack {
  const order = orderSliceNames(
    files.map((f) => f.name),
    where,
  );
  const names = order.map((i) => `${where}/${files[i].name}`);
  return stackSlices(
    order.map((i, k) => decodeSlicePng(files[i].bytes, names[k])),
    names,
  );
}

/** Bounding box of the non-zero voxels as [zmin, zmax, ymin, ymax, xmin, xmax], or null if all zero. */
export function nonZeroBBox(stack: SliceStack): [number, number, number, number, number, number] | null {
  const [nz, ny, nx] = stack.shape;
  const b = [Infinity, -Infinity, Infinity, -Infinity, Infinity, -Infinity];
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++)
        if (stack.data[(z * ny + y) * nx + x] !== 0) {
          if (z < b[0]) b[0] = z;
          if (z > b[1]) b[1] = z;
          if (y < b[2]) b[2] = y;
          if (y > b[3]) b[3] = y;
          if (x < b[4]) b[4] = x;
          if (x > b[5]) b[5] = x;
        }
  return b[0] === Infinity ? null : (b as [number, number, number, number, number, number]);
}

/**
 * Places a stack in a size^3 cube (PROTOCOL.md "Cube"): the bbox centre `(min+max)//2` of the
 * non-zero voxels goes to voxel (size/2, size/2, size/2); outside the source is 0; values / 255.
 * Source voxels more than size/2 from that centre are cut: 35 of the 697 readings (up to 43
 * slices or 64 px across) do not fit the 32^3 cube, as in the protocol.
 */
export function placeInCube(stack: SliceStack, size = LIDC_SLICES_CUBE): { cube: Float32Array; centre: [number, number, number] } {
  const bb = nonZeroBBox(stack);
  if (!bb) throw new Error("placeInCube: the reading has no non-zero voxel");
  const c: [number, number, number] = [Math.floor((bb[0] + bb[1]) / 2), Math.floor((bb[2] + bb[3]) / 2), Math.floor((bb[4] + bb[5]) / 2)];
  const [nz, ny, nx] = stack.shape;
  const h = Math.floor(size / 2);
  const cube = new Float32Array(size * size * size);
  for (let z = 0; z < size; z++) {
    const sz = z - h + c[0];
    if (sz < 0 || sz >= nz) continue;
    for (let y = 0; y < size; y++) {
      const sy = y - h + c[1];
      if (sy < 0 || sy >= ny) continue;
      const src = (sz * ny + sy) * nx;
      const dst = (z * size + y) * size;
      for (let x = 0; x < size; x++) {
        const sx = x - h + c[2];
        if (sx >= 0 && sx < nx) cube[dst + x] = stack.data[src + sx] / 255;
      }
    }
  }
  return { cube, centre: c };
}
