import * as os from "os";
import * as path from "path";
import type { FigureRecipe } from "../registry";
import { angleHistogramFigure, featurePlaneFigure, learningRateFigure, psiCurveFigure, rocFigure, trainingCurvesFigure } from "../training";
import { demoDataset } from "../../data/pipeline";
import type { MetricValues } from "../../metrics/binary";
import { AngleGeometry, angleGeometry, FeatureNet2D, psiOf } from "../../train/geometry";
import { makeFolds } from "../../train/folds";
import { learningRateAt } from "../../train/schedule";
import { REFERENCE_TRAIN_CONFIG, resolveTrainConfig } from "../../train/config";
import { runTraining } from "../../train/run";
import { trainModel } from "../../train/trainer";
import { quickMode } from "../../util/provenance";

type MarginLoss = "asoftmax" | "asoftmax-reference";

/** Notebook 03's margin experiment: the 2-D feature net trained with and without the A-Softmax margin. */
export interface AngleGeometryStudy {
  epochs: number;
  losses: Record<MarginLoss, { geom: AngleGeometry; val: MetricValues }>;
}

let geometryStudy: Promise<AngleGeometryStudy> | null = null;

/**
 * Trains `FeatureNet2D` (2-D features, so angles can be drawn) twice on fold 0 of a 2-fold
 * patient-grouped split of the SYNTHETIC cohort, same seed: with the margin (`asoftmax`) and as
 * the reference code does (`asoftmax-reference`), λ held at 5; 40 epochs (12 in quick mode).
 * Computed once per process: notebook 03 and its figures share it.
 */
export function angleGeometryStudy(): Promise<AngleGeometryStudy> {
  geometryStudy ??= (async () => {
    const ds = await demoDataset();
    const { folds } = makeFolds(ds.samples, { k: 2, seed: 0, scheme: "grouped" });
    const train = folds[0].train.map((i) => ds.samples[i]);
    const val = folds[0].test.map((i) => ds.samples[i]);
    const epochs = quickMode() ? 12 : 40;
    const losses = {} as AngleGeometryStudy["losses"];
    for (const loss of ["asoftmax", "asoftmax-reference"] as const) {
      const r = await trainModel({
        arch: (seed: number) => new FeatureNet2D(seed),
        train,
        val,
        seed: 1,
        config: { loss, asoftmax: { lambdaMin: 5, lambdaBase: 5, gamma: 0.1, power: 1 }, epochs, batchSize: 8, augment: false, schedule: { name: "constant" }, progress: "none" },
      });
      losses[loss] = { geom: angleGeometry(r.model as FeatureNet2D, train), val: r.val.metrics };
      r.model.dispose();
    }
    return { epochs, losses };
  })();
  return geometryStudy;
}

let cvRun: ReturnType<typeof startCvRun> | null = null;
async function startCvRun() {
  const ds = await demoDataset();
  const quick = quickMode();
  const patients = [...new Set(ds.samples.map((s) => s.group))].sort();
  const dataset = quick ? { ...ds, samples: ds.samples.filter((s) => patients.indexOf(s.group) < 20) } : ds;
  const config = resolveTrainConfig({
    name: "nb03",
    arch: quick ? "[2,2,[4],[4],[8]]" : "[4,4,[8],[16],[32]]",
    loss: "asoftmax",
    epochs: quick ? 2 : 3,
    batchSize: 8,
    seed: 0,
    schedule: { name: "constant" },
    folds: { scheme: "grouped", k: 2, innerValFraction: 0.2 },
    bootstrapResamples: quick ? 300 : 1000,
  });
  const run = await runTraining({ config, dataset, runsRoot: quick ? path.join(os.tmpdir(), "naslung-nb03-runs") : undefined });
  return { ...run, config, samples: dataset.samples.length };
}

/**
 * Notebook 03's cross-validated ConvRes run: reference ResCBAM with the A-Softmax margin, the
 * reference optimiser, 2 patient-grouped folds of the SYNTHETIC cohort, 3 epochs (quick mode: a
 * tiny network, 2 epochs, 20 patients, in a temporary runs folder). Computed once per process.
 */
export function notebookCvRun(): ReturnType<typeof startCvRun> {
  cvRun ??= startCvRun();
  return cvRun;
}

const geometryConfig = (g: AngleGeometryStudy) => ({ dataset: "demo (synthetic)", split: "2-fold grouped, fold 0", net: "FeatureNet2D", epochs: g.epochs, lambda: 5, quick: quickMode() });

/** Figures of notebook 03: the A-Softmax geometry, the schedules and a cross-validated run. */
export const recipes: FigureRecipe[] = [
  {
    name: "03_asoftmax_target_logit",
    description: "A-Softmax target logit: cos θ, ψ(θ) (m = 4) and the λ-annealed blend (SphereFace)",
    async build() {
      return { figure: psiCurveFigure((t) => psiOf(t, 4)), config: { m: 4, lambdas: [1500, 5, 0] }, seed: null };
    },
  },
  {
    name: "03_reference_lr_schedule",
    description: "learning rate per epoch: the reference's geometric decay from epoch 330 of 400 vs cosine",
    async build() {
      const base = REFERENCE_TRAIN_CONFIG.optimizer.lr;
      const s = REFERENCE_TRAIN_CONFIG.schedule;
      const E = REFERENCE_TRAIN_CONFIG.epochs;
      const series = [
        { name: "reference (mainsp.py get_lr)", lr: Array.from({ length: E }, (_, e) => learningRateAt(base, s, e, E)) },
        { name: "cosine", lr: Array.from({ length: E }, (_, e) => learningRateAt(base, { ...s, name: "cosine" }, e, E)) },
      ];
      return { figure: learningRateFigure(series), config: { base, epochs: E, schedule: s }, seed: null };
    },
  },
  ...(["asoftmax", "asoftmax-reference"] as const).map(
    (loss): FigureRecipe => ({
      name: `03_feature_plane_${loss.replace("-", "_")}`,
      trains: true,
      description: `2-D training features and class weights of a small net trained with loss = ${loss} (SYNTHETIC cohort)`,
      async build() {
        const g = await angleGeometryStudy();
        return { figure: featurePlaneFigure(g.losses[loss].geom, `2-D training features, loss = ${loss} (SYNTHETIC cohort)`), config: { ...geometryConfig(g), loss }, seed: 1 };
      },
    }),
  ),
  {
    name: "03_feature_angles",
    trains: true,
    description: "angle between each training feature and its class weight, with and without the A-Softmax margin (SYNTHETIC cohort)",
    async build() {
      const g = await angleGeometryStudy();
      const figure = angleHistogramFigure(
        (Object.entries(g.losses) as Array<[MarginLoss, AngleGeometryStudy["losses"][MarginLoss]]>).map(([loss, x]) => ({ name: `${loss}: θ to own class`, theta: x.geom.thetaTarget })),
        "Angle between each training feature and its class weight (SYNTHETIC cohort)",
      );
      return { figure, config: geometryConfig(g), seed: 1 };
    },
  },
  ...[0, 1].map(
    (k): FigureRecipe => ({
      name: `03_cv_training_curves_fold${k}`,
      trains: true,
      description: `training curves (loss, inner-validation accuracy and AUC per epoch) of fold ${k} of notebook 03's cross-validated ConvRes run (SYNTHETIC cohort)`,
      async build() {
        const run = await notebookCvRun();
        const f = run.folds[k];
        return { figure: trainingCurvesFigure(f.history, `Fold ${f.id}: training curves (SYNTHETIC cohort)`), config: { ...run.config, quick: quickMode() }, seed: run.config.seed };
      },
    }),
  ),
  {
    name: "03_cv_roc",
    trains: true,
    description: "ROC of notebook 03's cross-validated ConvRes run on each test fold and pooled out-of-fold (SYNTHETIC cohort)",
    async build() {
      const run = await notebookCvRun();
      const figure = rocFigure(
        [
          ...run.metrics.folds.map((f) => ({ name: `fold ${f.id}`, roc: f.report.roc, auc: f.report.metrics.auc.value })),
          { name: "pooled OOF", roc: run.metrics.pooled.roc, auc: run.metrics.pooled.metrics.auc.value },
        ],
        "ROC on the test folds (SYNTHETIC cohort)",
      );
      return { figure, config: { ...run.config, quick: quickMode() }, seed: run.config.seed };
    },
  },
];
