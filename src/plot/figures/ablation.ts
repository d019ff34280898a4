import * as path from "path";
import { readAblationResults } from "../../train/ablation";
import { repoRoot } from "../../util/provenance";
import { ablationCurvesFigure, ablationForestFigure } from "../ablation";
import type { FigureRecipe } from "../registry";

/** Ablation figures (notebook 07), drawn from the committed ablation results (no training). */
function ablationRecipes(study: "synthetic" | "lidc" | "size-only", stages: number): FigureRecipe[] {
  const file = path.join(repoRoot, "data", "results", `ablation-${study}.json`);
  const rel = path.relative(repoRoot, file);
  const what = { lidc: "697 real LIDC readings", synthetic: "SYNTHETIC cohort", "size-only": "SYNTHETIC size-only sanity set (spheres that differ only in diameter)" }[study];
  const tag = study.replace("-", "_");
  return Array.from({ length: stages }, (_, stage) => stage).flatMap((stage) => [
    {
      name: `07_ablation_${tag}_forest_s${stage + 1}`,
      inputs: [rel],
      description: `ablation on the ${what}, stage ${stage + 1}: each variant's pooled test AUC minus the ruler's, paired 95% CI`,
      async build() {
        const r = readAblationResults(file);
        return { figure: ablationForestFigure(r, stage), config: { results: rel, resultsCommit: r.gitCommit, stage: r.stages[stage] ?? null }, seed: r.base.seed };
      },
    },
    {
      name: `07_ablation_${tag}_curves_s${stage + 1}`,
      inputs: [rel],
      description: `ablation on the ${what}, stage ${stage + 1}: inner-validation AUC per epoch per variant`,
      async build() {
        const r = readAblationResults(file);
        return { figure: ablationCurvesFigure(r, stage), config: { results: rel, resultsCommit: r.gitCommit, stage: r.stages[stage] ?? null }, seed: r.base.seed };
      },
    },
  ]);
}

export const recipes: FigureRecipe[] = [...ablationRecipes("size-only", 1), ...ablationRecipes("synthetic", 2), ...ablationRecipes("lidc", 2)];
