import * as fs from "fs";
import * as path from "path";
import type { Figure } from "./figure";

/** A figure that `naslung figures` can regenerate from scratch. */
export interface FigureRecipe {
  name: string;
  description: string;
  /** True when building it trains networks (minutes): such recipes run after the instant ones. */
  trains?: boolean;
  /** The resumable run folders it reuses when they are finished (recorded in the manifest unless `--retrain`). */
  reuses?: string;
  /** Repository-relative committed files it is drawn from (results files, run summaries): hashed into the manifest. */
  inputs?: string[];
  /** Builds the figure; returns it with the config and seed that determine it. */
  build(): Promise<{ figure: Figure; config: unknown; seed: number | null }>;
}

/**
 * All figure recipes, discovered from the compiled `plot/figures/*.js` modules (each exports
 * `recipes: FigureRecipe[]`), so every area adds its figures in its own file.
 */
export function figureRecipes(): FigureRecipe[] {
  const dir = path.join(__dirname, "figures");
  if (!fs.existsSync(dir)) return [];
  const out: FigureRecipe[] = [];
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith(".js")).sort()) {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const mod = require(path.join(dir, f)) as { recipes?: FigureRecipe[] };
    for (const r of mod.recipes ?? []) out.push(r);
  }
  // Instant figures first, then the ones that train (stable within each group).
  return [...out.filter((r) => !r.trains), ...out.filter((r) => r.trains)];
}
