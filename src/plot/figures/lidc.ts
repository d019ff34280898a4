import * as path from "path";
import { calibrationFigure, explainRealNodules, learningCurveFigure, lidcRocFigure, loadEnsemble, readLidcBenchmarkResults, realOverlayFigure } from "../../benchmark";
import { loadLidcSlices } from "../../data/lidcSlices";
import { repoRoot } from "../../util/provenance";
import type { FigureRecipe } from "../registry";

const PRETRAINED = "data/pretrained/lidc-ensemble-16ep";

/** Inner-validation AUC per epoch of every network and fold, from the committed benchmark results. */
export function lidcLearningCurves(r = readLidcBenchmarkResults()): Array<{ name: string; fold: number; valAuc: number[]; trainLoss: number[] }> {
  return r.methods
    .filter((m) => m.kind === "network")
    .flatMap((m) => ((m.notes.curves ?? []) as Array<{ fold: number; valAuc: number[]; trainLoss: number[] }>).map((c) => ({ name: m.method, ...c })));
}

/** Real-LIDC figures (notebook 06), drawn from the committed benchmark results (no training). */
export const recipes: FigureRecipe[] = [
  {
    name: "06_lidc_roc",
    inputs: ["data/results/lidc-benchmark.json"],
    description: "pooled out-of-fold ROC of the networks, the ensemble and the baselines on the 697 real LIDC readings",
    async build() {
      const r = readLidcBenchmarkResults();
      return {
        figure: lidcRocFigure(r),
        config: { results: "data/results/lidc-benchmark.json", resultsCommit: r.gitCommit, protocol: "PROTOCOL.md, 5 exam-grouped folds" },
        seed: r.config.seed,
      };
    },
  },
  {
    name: "06_lidc_calibration",
    inputs: ["data/results/lidc-benchmark.json"],
    description: "reliability diagram of the pooled out-of-fold probabilities on the 697 real LIDC readings",
    async build() {
      const r = readLidcBenchmarkResults();
      return {
        figure: calibrationFigure(r),
        config: { results: "data/results/lidc-benchmark.json", resultsCommit: r.gitCommit, bins: 10 },
        seed: r.config.seed,
      };
    },
  },
  {
    name: "06_lidc_learning_curves",
    inputs: ["data/results/lidc-benchmark.json"],
    description: "inner-validation AUC after each epoch for every network and fold of the real-LIDC benchmark",
    async build() {
      const r = readLidcBenchmarkResults();
      return { figure: learningCurveFigure(lidcLearningCurves(r)), config: { results: "data/results/lidc-benchmark.json", resultsCommit: r.gitCommit }, seed: r.config.seed };
    },
  },
  {
    name: "06_lidc_real_attention_overlay",
    inputs: [`${PRETRAINED}/ensemble.json`, `${PRETRAINED}/model-1.weights`],
    description: "attention gates and Grad-CAM of the shipped ensemble's first member on the first malignant real LIDC reading (a training reading for it), with the segmentation outline",
    async build() {
      const ens = loadEnsemble(path.join(repoRoot, PRETRAINED));
      const ds = loadLidcSlices();
      const first = ds.samples.filter((s) => s.label === 1)[0];
      const real = explainRealNodules(ens, [first], { seed: 0 });
      return { figure: realOverlayFigure(first, real.explanations[0], real.member), config: { ensemble: PRETRAINED, member: real.member, reading: first.id }, seed: 0 };
    },
  },
];
