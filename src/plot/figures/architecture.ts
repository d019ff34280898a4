import { architectureFigure } from "../architecture";
import type { FigureRecipe } from "../registry";
import { resolveConfig } from "../../models/registry";

/** Architecture diagrams of the smallest and a mid-size reference model, drawn from their configs. */
export const recipes: FigureRecipe[] = ["model-1", "model-2"].map((name) => ({
  name: `architecture_${name}`,
  description: `block diagram of the reference ${name} ConvRes (${resolveConfig(name).stages.map((s) => s.join(".")).join(" | ")}), drawn from its config`,
  async build() {
    const config = resolveConfig(name);
    return { figure: architectureFigure(config), config: { model: name, ...config }, seed: null };
  },
}));
