import type { NoduleDataset, NoduleSample } from "../data/sample";
import * as path from "path";
import { demoEnsembleSettings, ensembleStudy, EnsembleStudy } from "../ensemble/study";
import { crossValidatedMembers } from "../ensemble/members";
import type { TrainConfig } from "../train/config";
import { votesForSample } from "../ensemble/evaluate";
import { runConfig } from "../ensemble/runs";
import { createModel } from "../models/registry";
import { noduleReport, NoduleReport } from "./report";
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

/** What the attention notebook and figures show for the embedded cohort. */
export interface DemoAttentionStudy extends AttentionStudy {
  /** The explained member and fold (its test nodules were never used to train or select it). */
  member: string;
  fold: number;
  samples: NoduleSample[];
  /** Per-nodule reports (with every member's vote) of the explained test nodules. */
  reports: NoduleReport[];
  /**
   * The same architecture with textbook CBAM (Woo 2018: sigmoid gates multiplying the features,
   * no residual) instead of the reference's ResCBAM, trained identically on the same fold.
   */
  textbook: AttentionStudy & { member: string };
  ensemble: EnsembleStudy;
}

/**
 * The attention study on the embedded SYNTHETIC cohort: trains (or reuses, see `ensembleStudy`)
 * the demo ensemble members, explains the largest member's first-fold network on that fold's
 * TEST nodules, compares every map's inside-mask mass with the random-map baseline, with the
 * untrained network as a second baseline, and builds per-nodule reports with the members' votes.
 * The same architecture with textbook CBAM is trained on the same fold and measured alike, so
 * the two attention variants can be compared. Grad-CAM explains each nodule's predicted class.
 */
export async function demoAttentionStudy(opts: {
  dataset: NoduleDataset;
  quick: boolean;
  seed?: number;
  maxNodules?: number;
  log?: (line: string) => void;
}): Promise<DemoAttentionStudy> {
  const seed = opts.seed ?? 0;
  const ensemble = await ensembleStudy({ dataset: opts.dataset, quick: opts.quick, seed, keepModels: true, log: opts.log });
  const { training } = ensemble;
  const sizes = training.members.map((m) => training.models.get(m.name)![0].paramCount());
  const k = sizes.indexOf(Math.max(...sizes));
  const member = training.members[k].name;
  const model = training.models.get(member)![0];
  const fold = training.members[k].folds[0].fold;
  const foldRec = training.split.folds.find((f) => f.id === fold)!;
  const byId = new Map(opts.dataset.samples.map((s) => [s.id, s]));
  const samples = foldRec.test.map((id) => byId.get(id)!).slice(0, opts.maxNodules ?? Infinity);
  const config = runConfig(training.runDirs.get(member)!);
  const untrained = createModel(config.arch, { seed: config.seed, attention: config.attention, head: config.head });
  // Grad-CAM of the predicted class: a weak network that calls most nodules benign has no
  // positive evidence for "malignant" anywhere, and the malignant-logit map is ReLU'd to zero.
  const gradCamClass = "predicted" as const;
  const study = attentionStudy({ model: model as unknown as ExplainableModel, samples, untrained, seed, gradCamClass });
  untrained.dispose();
  const reports = samples.map((s, i) => {
    const v = votesForSample(ensemble.evaluation, s.id);
    return noduleReport(s, study.explanations[i], { synthetic: opts.dataset.synthetic, votes: v.votes, ensembles: v.ensembles });
  });
  for (const [name, nets] of training.models) for (const n of nets) if (!(name === member && n === model)) n.dispose();

  // The textbook-CBAM twin: same architecture, data, fold, seed and budget.
  const defaults = demoEnsembleSettings(opts.quick);
  const twinName = `${member}_cbam`;
  const twin = await crossValidatedMembers({
    dataset: opts.dataset,
    members: [{ name: twinName, arch: config.arch }],
    train: { ...defaults.train, attention: "cbam", folds: { ...(defaults.train.folds as TrainConfig["folds"]), run: [foldRec.index] } },
    seed,
    workDir: path.join(ensemble.workDir, "textbook-cbam"),
    keepModels: true,
    log: opts.log,
  });
  const twinModel = twin.models.get(twinName)![0];
  const twinConfig = runConfig(twin.runDirs.get(twinName)!);
  const twinUntrained = createModel(twinConfig.arch, { seed: twinConfig.seed, attention: "cbam", head: twinConfig.head });
  const textbook = { member: twinName, ...attentionStudy({ model: twinModel as unknown as ExplainableModel, samples, untrained: twinUntrained, seed, gradCamClass }) };
  twinUntrained.dispose();
  twinModel.dispose();
  return { ...study, member, fold, samples, reports, textbook, ensemble };
}
