import * as tf from "@tensorflow/tfjs";
import { histogramFigure } from "../figure";
import type { FigureRecipe } from "../registry";
import { seededNormal } from "../../util/seed";

/** The setup figure: a seeded tfjs normal sample, proving plotting and seeding end to end. */
export const recipes: FigureRecipe[] = [
  {
    name: "00_seeded_normal",
    description: "histogram of 10,000 seeded tfjs normal draws (setup check)",
    async build() {
      const seed = 42;
      const values = tf.tidy(() => seededNormal([10000], seed).dataSync());
      return {
        figure: histogramFigure([{ name: `tf.randomNormal seed ${seed}`, values }], {
          title: "Seeded standard normal (tfjs)",
          xTitle: "value",
        }),
        config: { n: 10000, distribution: "normal(0,1)" },
        seed,
      };
    },
  },
];
