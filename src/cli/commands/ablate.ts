import type { Command } from "commander";
import { ablationTableRows, loadAblationConfig, readAblationResults, runAblation } from "../../train/ablation";
import { initBackend } from "../../backend/select";
import { resolveTrainConfig } from "../../train/config";
import { dataFrameText, toDataFrame } from "../../plot/display";

/**
 * `naslung ablate --config configs/ablation-*.json`: one-factor-at-a-time recipe ablations as
 * successive halving (variants ranked by inner-validation AUC), each beside the ruler on the same
 * test readings. Resumable: rerun the same command after an interruption.
 * `--table <results.json>` prints a finished (or running) study's table.
 */
export function register(program: Command): void {
  program
    .command("ablate")
    .description("recipe ablations (successive halving on inner-validation AUC), each beside the ruler (resumable)")
    .option("--config <file>", "ablation config (JSON); see configs/ablation-*.json")
    .option("--only <names>", "comma-separated variant names to run (default all)")
    .option("--table <file>", "print the table of an ablation results file and exit")
    .action(async (opts: { config?: string; only?: string; table?: string }) => {
      if (opts.table) {
        console.log(dataFrameText(toDataFrame(ablationTableRows(readAblationResults(opts.table)))));
        return;
      }
      if (!opts.config) throw new Error("ablate: give --config <file> (or --table <results.json>)");
      const c = loadAblationConfig(opts.config);
      await initBackend({ backend: resolveTrainConfig(c.base).backend });
      const t0 = Date.now();
      const r = await runAblation(c, { only: opts.only ? opts.only.split(",").map((s) => s.trim()) : undefined });
      console.log(dataFrameText(toDataFrame(ablationTableRows(r))));
      console.log(`results: ${c.resultsFile} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    });
}
