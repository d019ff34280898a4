import type { NoduleSample } from "../data/sample";
import { explainSamples, NoduleExplanation } from "../explain/maps";
import type { ExplainableModel } from "../explain/model";
import { InsideMaskSummary, maskFraction, massInside, summariseInsideMask } from "../explain/insideMask";
import { relativeDensity } from "../explain/resize";
import { noduleCentre, orthoSlices } from "../explain/slices";
import { insideLabel, overlayGridFigure } from "../plot/explain";
import type { Figure } from "../plot/figure";
import type { LoadedEnsemble } from "./pretrained";

/**
 * The shared LIDC readings are segmented: only voxels inside the radiologist's contour are
 * non-zero. That gives each real nodule a mask for free, so the attention-inside-nodule check
 * of the synthetic cohort can be run on real nodules too.
 */
export function segmentationMask(s: NoduleSample): Uint8Array {
  return Uint8Array.from(s.crop, (v) => (v > 0 ? 1 : 0));
}

/** Attention gates and Grad-CAM of one ensemble member on real readings, with the inside-mask statistic. */
export function explainRealNodules(
  ens: LoadedEnsemble,
  samples: NoduleSample[],
  opts: { member?: number; seed?: number } = {},
): { member: string; explanations: NoduleExplanation[]; summary: InsideMaskSummary[] } {
  const k = opts.member ?? 0;
  const model = ens.members[k] as unknown as ExplainableModel;
  const withMasks = samples.map((s) => ({ ...s, mask: s.mask ?? segmentationMask(s) }));
  const explanations = explainSamples(model, withMasks);
  const names = explanations.length ? explanations[0].maps.map((m) => m.name) : [];
  const summary = summariseInsideMask(
    names,
    explanations.map((e) => e.maps.map((m) => m.map)),
    withMasks.map((s) => s.mask),
    { seed: opts.seed ?? 0, resamples: 1000 },
  );
  return { member: ens.spec.members[k].name, explanations, summary };
}

/** Overlay grid (axial/coronal/sagittal through the nodule centre) of one explained real reading. */
export function realOverlayFigure(s: NoduleSample, e: NoduleExplanation, member: string): Figure {
  const mask = s.mask ?? segmentationMask(s);
  const c = noduleCentre(mask, s.size);
  return overlayGridFigure(
    orthoSlices(s.crop, s.size, c),
    e.maps.map((m) => ({ name: `${m.name}${insideLabel(massInside(m.map, mask), maskFraction(mask))}`, slices: orthoSlices(relativeDensity(m.map), s.size, c) })),
    {
      title: `Real LIDC reading ${s.id} (${s.label ? "malignant" : "benign"}, P=${e.probability.toFixed(2)}, ${member})`,
      mask: orthoSlices(mask, s.size, c),
    },
  );
}
