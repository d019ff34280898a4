import type { Command } from "commander";
import { initBackend } from "../../backend/select";
import { runConfig } from "../../ensemble/runs";
import { attentionRows, runAttentionSummary, writeAttentionResults } from "../../explain/runAttention";
import { loadDatasetByName } from "../../train/datasets";
import { dataFrameText, toDataFrame } from "../../plot/display";

/**
 * `naslung attention --runs <dir,...> [--out <file>]`: attention gates and Grad-CAM of each run's
 * fold networks on their own test nodules, and how much of each map falls inside the nodule
 * (ratio to the random-map baseline). Real segmented readings take their masks from the non-zero
 * voxels.
 */
export function register(program: Command): void {
  program
    .command("attention")
    .description("attention-inside-nodule check of cross-validated runs on their test nodules (ratio to chance)")
    .requiredOption("--runs <dirs>", "comma-separated run folders (same dataset)")
    .option("--max-per-fold <n>", "test nodules explained per fold", "60")
    .option("--out <file>", "write the summaries (JSON) here")
    .action(async (opts: { runs: string; maxPerFold: string; out?: string }) => {
      const dirs = opts.runs.split(",").map((s) => s.trim()).filter(Boolean);
      const cfg = runConfig(dirs[0]);
      await initBackend({ backend: cfg.backend });
      const ds = await loadDatasetByName(cfg.dataset, cfg.datasetOptions, `${dirs[0]}/config.json`);
      const segmented = cfg.dataset === "lidc-slices";
      const runs = dirs.map((d) => runAttentionSummary(d, ds, { maxPerFold: Number(opts.maxPerFold), segmented }));
      console.log(dataFrameText(toDataFrame(attentionRows(runs))));
      if (opts.out) {
        writeAttentionResults(opts.out, ds, runs);
        console.log(`results: ${opts.out}`);
      }
    });
}
