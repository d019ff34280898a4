import type { Volume } from "../io/volume";
import { PreprocessConfig, resolvePreprocess } from "./config";
import { cropStart, extractCrop } from "./crop";
import { lungMask, LungMasks } from "./lungMask";
import { resampleIsotropic } from "./resample";
import { clipHu, windowHu } from "./window";

/** A series after preprocessing, ready to crop. */
export interface PreparedVolume {
  /** Isotropic volume: reference 0..255 (masked), modern clipped HU. */
  volume: Volume;
  /** Value used outside the volume when cropping. */
  pad: number;
  config: PreprocessConfig;
  /** Lung masks at the native resolution (reference variant only). */
  masks?: LungMasks;
}

/**
 * Preprocesses a HU volume. Reference order (DeepLung prepare.py `savenpy`): window at native
 * resolution, lung-mask (outside the dilated mask -> 170, and ring voxels > 210 -> 170, which
 * removes ribs and spine next to the lungs), then resample to 1 mm (trilinear; the reference
 * resamples the uint8 image with order 1 too). Modern: clip HU, resample, no mask.
 */
export function prepareVolume(hu: Volume, config: Partial<PreprocessConfig> = {}): PreparedVolume {
  const c = resolvePreprocess(config);
  if (c.preprocess === "modern") {
    const clipped = { ...hu, data: clipHu(hu.data, c.modernClip[0], c.modernClip[1]) };
    return { volume: resampleIsotropic(clipped, c.spacing), pad: c.modernClip[0], config: c };
  }
  const masks = lungMask(hu, { dilateIterations: c.dilateIterations });
  const w = windowHu(hu.data, c.window, true);
  for (let i = 0; i < w.length; i++) {
    if (!masks.dilated[i]) w[i] = c.padValue;
    else if (!masks.mask[i] && w[i] > c.boneThreshold) w[i] = c.padValue;
  }
  return { volume: resampleIsotropic({ ...hu, data: w }, c.spacing), pad: c.padValue, config: c, masks };
}

/**
 * The crop at a world centre, and the first voxel of the crop in the prepared volume (for
 * aligning masks). Values are not yet normalised for the network (see `normaliseCrops`).
 */
export function cropAt(p: PreparedVolume, centerWorld: [number, number, number]): { crop: Float32Array; start: [number, number, number] } {
  return {
    crop: extractCrop(p.volume, centerWorld, p.config.cropSize, p.pad),
    start: cropStart(p.volume, centerWorld, p.config.cropSize),
  };
}
