import type { Command } from "commander";
import { initBackend } from "../../backend/select";
import { loadEnsembleConfig, runEnsemble } from "../../ensemble/run";
import { ensembleTableRows } from "../../plot/ensemble";
import { dataFrameText, toDataFrame } from "../../plot/display";

/**
 * `naslung ensemble --config <file>`: members from finished runs, a search log's Pareto front or
 * a list of architectures; hard/soft votes over all members and greedy selections on validation
 * predictions; metrics with bootstrap CIs on the pooled test folds into <out>/metrics.json.
 */
export function register(program: Command): void {
  program
    .command("ensemble")
    .description("hard/soft-vote ensembles with validation-only member selection; writes metrics JSON with CIs")
    .requiredOption("--config <file>", "ensemble config (JSON); see configs/ensemble-demo.json")
    .action(async (opts: { config: string }) => {
      const config = loadEnsembleConfig(opts.config);
      await initBackend({ backend: config.train.backend });
      const t0 = Date.now();
      const r = await runEnsemble(config);
      const synthetic = r.dataset?.synthetic ? " [synthetic cohort]" : "";
      console.log(`pooled test folds, n = ${r.evaluation.n}${synthetic}; value [95% bootstrap CI]`);
      console.log(dataFrameText(toDataFrame(ensembleTableRows(r.evaluation))));
      console.log(`metrics: ${r.outDir}/metrics.json (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    });
}
