import { REFERENCE_WINDOW } from "./window";

/**
 * Preprocessing settings. "reference" follows DeepLung prepare.py as NAS-Lung consumed it: HU
 * window [-1200, 600] -> 0..255, voxels outside the dilated lung mask (and bone-bright voxels in
 * the dilation ring) -> 170, trilinear resampling to 1 mm, 32^3 crops padded with 170, divided by
 * 255 for the network. (NAS-Lung's training script additionally standardises with the dataset's
 * pixel mean/std; trainers may do that on top.) "modern" keeps the anatomy around the nodule:
 * HU clipped to `modernClip`, no lung masking, crops padded with the clip minimum, then z-scored
 * with the mean/std of all crops of the dataset.
 */
export interface PreprocessConfig {
  preprocess: "reference" | "modern";
  /** Isotropic voxel size after resampling (mm). */
  spacing: number;
  /** Crop edge (voxels). */
  cropSize: number;
  /** Reference HU window. */
  window: [number, number];
  /** Value of everything outside the lungs and of crop padding (reference 170). */
  padValue: number;
  /** Reference bone removal: ring voxels brighter than this become padValue (210). */
  boneThreshold: number;
  /** Lung-mask dilation iterations (reference 10). */
  dilateIterations: number;
  /** HU clip of the modern variant. */
  modernClip: [number, number];
}

/** The reference settings. */
export const DEFAULT_PREPROCESS: PreprocessConfig = {
  preprocess: "reference",
  spacing: 1,
  cropSize: 32,
  window: REFERENCE_WINDOW,
  padValue: 170,
  boneThreshold: 210,
  dilateIterations: 10,
  modernClip: [-1000, 400],
};

/** Fills defaults and validates, naming the bad field. */
export function resolvePreprocess(c: Partial<PreprocessConfig> = {}): PreprocessConfig {
  // Only the known fields: callers pass wider configs (pipeline options) through here.
  const r: PreprocessConfig = { ...DEFAULT_PREPROCESS };
  for (const k of Object.keys(DEFAULT_PREPROCESS) as Array<keyof PreprocessConfig>)
    if (c[k] !== undefined) (r as unknown as Record<string, unknown>)[k] = c[k];
  if (r.preprocess !== "reference" && r.preprocess !== "modern")
    throw new Error(`preprocess config: "preprocess" must be "reference" or "modern", got ${JSON.stringify(r.preprocess)}`);
  if (!(r.spacing > 0)) throw new Error(`preprocess config: "spacing" must be > 0, got ${r.spacing}`);
  if (!(Number.isInteger(r.cropSize) && r.cropSize > 0)) throw new Error(`preprocess config: "cropSize" must be a positive integer, got ${r.cropSize}`);
  if (!(r.window[1] > r.window[0])) throw new Error(`preprocess config: "window" must be [lo, hi] with lo < hi, got [${r.window}]`);
  if (!(r.modernClip[1] > r.modernClip[0])) throw new Error(`preprocess config: "modernClip" must be [lo, hi] with lo < hi, got [${r.modernClip}]`);
  return r;
}
