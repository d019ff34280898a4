import type { NoduleSample } from "../data/sample";
import { summariseInsideMask, InsideMaskSummary } from "./insideMask";
import { explainSamples, NoduleExplanation } from "./maps";
import type { ExplainableModel } from "./model";
import type { InputNorm } from "../train/checkpoint";
import { getInputNorm } from "../train/predict";

/** The inside-mask check of one model on a set of nodules with known masks. */
export interface AttentionStudy {
  explanations: NoduleExplanation[];
  /** Map names in order (stem, stage 1.., Grad-CAM). */
  maps: string[];
  /** Per map: mean share of map mass inside the nodule vs the random-map baseline. */
  summary: InsideMaskSummary[];
  /** The same statistic for `untrained` (same architecture, initial weights), when given. */
  untrainedSummary?: InsideMaskSummary[];
}

/**
 * Explains `model` on `samples` (attention gates of every stage and Grad-CAM, upsampled to
 * 32^3) and measures, per map, the fraction of its mass inside each nodule's mask against the
 * random-map baseline (the mask's volume fraction: the expected share of a shuffled map).
 * Samples without a mask are an error: the check needs known nodule extents (synthetic cohort).
 * `untrained`, an untrained copy of the architecture, shows what training changed.
 */
export function attentionStudy(opts: {
  model: ExplainableModel;
  samples: NoduleSample[];
  untrained?: ExplainableModel;
  /** Input scaling for `untrained` (default: the trained model's, via src/train). */
  untrainedInputNorm?: InputNorm | null;
  gradCamClass?: "malignant" | "predicted";
  seed?: number;
  resamples?: number;
}): AttentionStudy {
  const missing = opts.samples.find((s) => !s.mask);
  if (missing) throw new Error(`attentionStudy: sample "${missing.id}" has no nodule mask (the inside-mask check needs masks, e.g. the synthetic cohort)`);
  const masks = opts.samples.map((s) => s.mask as Uint8Array);
  const explanations = explainSamples(opts.model, opts.samples, { gradCamClass: opts.gradCamClass });
  const maps = explanations.length ? explanations[0].maps.map((m) => m.name) : [];
  const stat = { seed: opts.seed ?? 0, resamples: opts.resamples ?? 1000 };
  const summary = summariseInsideMask(maps, explanations.map((e) => e.maps.map((m) => m.map)), masks, stat);
  let untrainedSummary: InsideMaskSummary[] | undefined;
  if (opts.untrained) {
    const norm = opts.untrainedInputNorm !== undefined ? opts.untrainedInputNorm : getInputNorm(opts.model as never);
    const ex0 = explainSamples(opts.untrained, opts.samples, { inputNorm: norm, gradCamClass: opts.gradCamClass });
    untrainedSummary = summariseInsideMask(maps, ex0.map((e) => e.maps.map((m) => m.map)), masks, stat);
  }
  return { explanations, maps, summary, untrainedSummary };
}
