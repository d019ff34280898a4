import type { Command } from "commander";
import { figureRecipes } from "../../plot/registry";
import { saveFigure, manifestPath } from "../../plot/manifest";
import { closeRenderer } from "../../plot/export";
import { initBackend } from "../../backend/select";

export function register(program: Command): void {
  program
    .command("figures")
    .description("regenerate every figure into figures/ (PNG + SVG) and update figures/manifest.json")
    .option("--only <names>", "comma-separated figure names")
    .option("--list", "list the figures and exit")
    .action(async (opts: { only?: string; list?: boolean }) => {
      const recipes = figureRecipes().filter((r) => !opts.only || opts.only.split(",").includes(r.name));
      if (opts.list) {
        for (const r of recipes) console.log(`${r.name}\t${r.description}`);
        return;
      }
      await initBackend();
      try {
        for (const r of recipes) {
          const t0 = Date.now();
          const { figure, config, seed } = await r.build();
          const e = await saveFigure(r.name, figure, { command: `naslung figures --only ${r.name}`, config, seed });
          console.error(`${r.name}: ${e.files.join(", ")} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
        }
      } finally {
        await closeRenderer();
      }
      console.error(`manifest: ${manifestPath}`);
    });
}
