import type { FigureRecipe } from "../registry";
import { learningRateFigure, psiCurveFigure } from "../training";
import { psiOf } from "../../train/geometry";
import { learningRateAt } from "../../train/schedule";
import { REFERENCE_TRAIN_CONFIG } from "../../train/config";

/** Training figures that need no training run (cheap, exact). */
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
];
