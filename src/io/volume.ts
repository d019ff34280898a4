/**
 * A CT volume in patient space. Voxels are stored z-major (index = (z*ny + y)*nx + x), the
 * layout shared by DICOM series (z = slice order along the normal), MetaImage and numpy.
 */
export interface Volume {
  /** Voxel values: Hounsfield units for CT (after rescale), raw values otherwise. */
  data: Float32Array;
  /** [nz, ny, nx]. */
  shape: [number, number, number];
  /** Voxel size in mm as [dz, dy, dx] (dz from slice positions, not SliceThickness). */
  spacing: [number, number, number];
  /** World (patient, LPS, mm) position of voxel (0,0,0) as [x, y, z]. */
  origin: [number, number, number];
  /**
   * Direction cosines as a row-major 3x3 matrix whose columns are the world directions of the
   * voxel x, y and z axes (ITK/MetaImage convention). world = origin + D * (i*dx, j*dy, k*dz).
   */
  direction: number[];
}

/** Voxel index (fractional) -> world [x,y,z] mm. `ijk` is [x, y, z] voxel order. */
export function voxelToWorld(v: Volume, ijk: [number, number, number]): [number, number, number] {
  const [dz, dy, dx] = v.spacing;
  const s = [ijk[0] * dx, ijk[1] * dy, ijk[2] * dz];
  const d = v.direction;
  return [
    v.origin[0] + d[0] * s[0] + d[1] * s[1] + d[2] * s[2],
    v.origin[1] + d[3] * s[0] + d[4] * s[1] + d[5] * s[2],
    v.origin[2] + d[6] * s[0] + d[7] * s[1] + d[8] * s[2],
  ];
}

/** World [x,y,z] mm -> fractional voxel index [x, y, z] (inverse of voxelToWorld; D orthonormal). */
export function worldToVoxel(v: Volume, xyz: [number, number, number]): [number, number, number] {
  const [dz, dy, dx] = v.spacing;
  const r = [xyz[0] - v.origin[0], xyz[1] - v.origin[1], xyz[2] - v.origin[2]];
  const d = v.direction;
  // D is orthonormal, so D^-1 = D^T.
  const s = [
    d[0] * r[0] + d[3] * r[1] + d[6] * r[2],
    d[1] * r[0] + d[4] * r[1] + d[7] * r[2],
    d[2] * r[0] + d[5] * r[1] + d[8] * r[2],
  ];
  return [s[0] / dx, s[1] / dy, s[2] / dz];
}
