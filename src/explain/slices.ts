/**
 * The three orthogonal slices through a voxel of a cube, as row-major 2-D arrays for plotly
 * heatmaps (row 0 is drawn at the bottom unless the y axis is reversed):
 * - axial: the z-slice, rows = y, columns = x;
 * - coronal: the y-slice, rows = z, columns = x;
 * - sagittal: the x-slice, rows = z, columns = y.
 */
export interface OrthoSlices {
  axial: number[][];
  coronal: number[][];
  sagittal: number[][];
  /** The voxel [z, y, x] the slices pass through. */
  centre: [number, number, number];
}

/** Checks a cube's length against its edge. */
function checkCube(v: ArrayLike<number>, size: number, what: string): void {
  if (v.length !== size * size * size) throw new Error(`${what}: ${v.length} voxels, expected ${size}^3 = ${size ** 3}`);
}

/**
 * The nodule centre: the rounded centroid of the mask's voxels, or the cube centre when there
 * is no mask (or it is empty): crops are centred on the nodule by construction.
 */
export function noduleCentre(mask: ArrayLike<number> | undefined, size: number): [number, number, number] {
  const mid = Math.floor(size / 2);
  if (!mask) return [mid, mid, mid];
  checkCube(mask, size, "noduleCentre mask");
  let n = 0;
  let sz = 0, sy = 0, sx = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    n++;
    sz += Math.floor(i / (size * size));
    sy += Math.floor(i / size) % size;
    sx += i % size;
  }
  if (!n) return [mid, mid, mid];
  return [Math.round(sz / n), Math.round(sy / n), Math.round(sx / n)];
}

/** Axial, coronal and sagittal slices of a z-major cube through `centre` = [z, y, x]. */
export function orthoSlices(cube: ArrayLike<number>, size: number, centre: [number, number, number]): OrthoSlices {
  checkCube(cube, size, "orthoSlices");
  const [cz, cy, cx] = centre;
  if (centre.some((c) => !Number.isInteger(c) || c < 0 || c >= size)) throw new Error(`orthoSlices: centre [${centre}] outside the ${size}^3 cube`);
  const at = (z: number, y: number, x: number) => cube[(z * size + y) * size + x];
  const grid = (f: (r: number, c: number) => number) => Array.from({ length: size }, (_, r) => Array.from({ length: size }, (_, c) => f(r, c)));
  return {
    axial: grid((y, x) => at(cz, y, x)),
    coronal: grid((z, x) => at(z, cy, x)),
    sagittal: grid((z, y) => at(z, y, cx)),
    centre: [cz, cy, cx],
  };
}
