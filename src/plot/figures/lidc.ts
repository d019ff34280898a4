import { calibrationFigure, lidcRocFigure, readLidcBenchmarkResults } from "../../benchmark";
import type { FigureRecipe } from "../registry";

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
];
