/**
 * Helpers for cubic Float32Array volumes stored z-major (index = (z*n + y)*n + x), the layout of
 * `NoduleSample.crop`.
 */

/** Edge length of a cube with `length` voxels; throws if `length` is not a perfect cube. */
export function cubeEdge(length: number): number {
  const n = Math.round(Math.cbrt(length));
  if (n * n * n !== length) throw new Error(`cube: ${length} voxels is not a cube (n^3)`);
  return n;
}
