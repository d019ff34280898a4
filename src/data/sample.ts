/**
 * One labelled nodule crop, the unit every model, trainer and evaluator consumes.
 * `crop` is a 32x32x32 cube, z-major (index = (z*32 + y)*32 + x), already normalised by the
 * preprocessing that produced it (reference: 0..255 window scaled to [0,1] by /255; modern:
 * z-score). Models read it as NDHWC with C = 1.
 */
export interface NoduleSample {
  /** Stable id, unique in its dataset (e.g. "<series>:<nodule>" or "<exam>/<reading>"). */
  id: string;
  /** 0 = benign, 1 = malignant. */
  label: 0 | 1;
  /** Grouping key for folds: patient / exam / series, so no group spans two folds. */
  group: string;
  /** Predefined test fold (e.g. LUNA16 subset 0..9, or the protocol's sha1 fold), if any. */
  fold?: number;
  /** Edge length of the cube (32). */
  size: number;
  crop: Float32Array;
  /** Optional binary nodule mask aligned with `crop` (known for the synthetic cohort). */
  mask?: Uint8Array;
  /** Free-form extra fields (diameter, mean malignancy, reader count, ...). */
  meta?: Record<string, unknown>;
}

/** A named collection of samples with its provenance. */
export interface NoduleDataset {
  name: string;
  /** Human-readable provenance, e.g. "synthetic cohort seed 7" or "LIDC 64px readings (real)". */
  source: string;
  synthetic: boolean;
  samples: NoduleSample[];
}
