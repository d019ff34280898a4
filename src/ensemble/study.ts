import * as path from "path";
import type { NoduleDataset } from "../data/sample";
import type { TrainConfig } from "../train/config";
import { runsRoot } from "../util/provenance";
import { EnsembleEvaluation, EnsembleOptions, EnsemblePlan, evaluateEnsembles, planEnsembles } from "./evaluate";
import { crossValidatedMembers, MemberTrainingResult } from "./members";

/**
 * Default members and training budget for the embedded synthetic cohort: small architectures
 * from the NAS-Lung search space (3 stages, non-decreasing widths) standing in for a Pareto
 * front, trained briefly with 2-fold cross-validation. `quick` (tests, NASLUNG_QUICK) shrinks the
 * budget so a notebook runs in a minute or two on 2 cores. Members use a linear head and plain
 * softmax: within a few epochs A-Softmax's lambda (1500 / (1 + 0.1 it)) is still large, so the
 * margin would change little but cost time; notebook 03 studies the margin itself.
 */
export function demoEnsembleSettings(quick: boolean): { members: Array<{ name: string; arch: string }>; train: Partial<TrainConfig> } {
  const members = quick
    ? [
        { name: "A s2.2-4-4-8", arch: "s2.2-4-4-8" },
        { name: "B s2.2-4-8-8", arch: "s2.2-4-8-8" },
        { name: "C s4.4-4-8-16", arch: "s4.4-4-8-16" },
      ]
    : [
        { name: "A s2.2-4-4-8", arch: "s2.2-4-4-8" },
        { name: "B s2.2-4-8-8", arch: "s2.2-4-8-8" },
        { name: "C s4.4-4-8-16", arch: "s4.4-4-8-16" },
        { name: "D s4.4-8-8-16", arch: "s4.4-8-8-16" },
        { name: "E s4.4-8-16-16", arch: "s4.4-8-16-16" },
      ];
  return {
    members: members.map((m) => ({ ...m, name: m.name.replace(/ /g, "_") })),
    train: {
      dataset: "demo",
      epochs: quick ? 3 : 6,
      batchSize: 8,
      loss: "softmax",
      head: "linear",
      optimizer: { name: "adam", lr: 0.003, momentum: 0.9, beta1: 0.9, beta2: 0.999, weightDecay: 0 },
      schedule: { name: "constant", decayEpochs: 70, milestones: [], gamma: 0.1, minLr: 0, warmupEpochs: 0 },
      folds: { k: 2, run: null, innerValFraction: 0.2, scheme: "grouped" } as TrainConfig["folds"],
      earlyStopping: { patience: null, selectBy: "auc" },
      bootstrapResamples: 200,
      progress: "log",
    },
  };
}

/** Everything the ensemble notebook and figure show. */
export interface EnsembleStudy {
  /** Folder of the member runs. */
  workDir: string;
  training: MemberTrainingResult;
  plans: EnsemblePlan[];
  evaluation: EnsembleEvaluation;
}

/**
 * Trains the members (cross-validated, resumable under `workDir`), plans the ensembles on
 * validation predictions only and evaluates members and ensembles on the pooled test folds.
 * `workDir` defaults to runs/ensemble-study-<quick|full>-s<seed> (a fresh runs folder in retrain mode, `runsRoot`).
 */
export async function ensembleStudy(opts: {
  dataset: NoduleDataset;
  quick: boolean;
  seed?: number;
  members?: Array<{ name: string; arch: string }>;
  train?: Partial<TrainConfig>;
  options?: EnsembleOptions;
  workDir?: string;
  keepModels?: boolean;
  log?: (line: string) => void;
}): Promise<EnsembleStudy> {
  const seed = opts.seed ?? 0;
  const defaults = demoEnsembleSettings(opts.quick);
  const workDir = opts.workDir ?? path.join(runsRoot(), `ensemble-study-${opts.quick ? "quick" : "full"}-s${seed}`);
  const training = await crossValidatedMembers({
    dataset: opts.dataset,
    members: opts.members ?? defaults.members,
    train: { ...defaults.train, ...opts.train },
    seed,
    workDir,
    keepModels: opts.keepModels,
    log: opts.log,
  });
  const options: EnsembleOptions = { bootstrap: { resamples: 1000, seed }, ...opts.options };
  const plans = planEnsembles(training.members, options);
  const evaluation = evaluateEnsembles(training.members, options, plans);
  return { workDir, training, plans, evaluation };
}
