import type { Command } from "commander";
import { initBackend } from "../../backend/select";
import { dataFrameText, toDataFrame } from "../../plot/display";
import { loadRankStudyConfig, rankCorrelationRows, rankStudyTableRows, readRankStudyResults, runRankStudy } from "../../search/rankStudy";
import { resolveTrainConfig } from "../../train/config";

/**
 * `naslung search-rank --config configs/search-rank-*.json`: does a search budget's score predict
 * the fully trained cross-validation AUC? Scores sampled architectures with each budget, trains
 * each fully, prints Spearman's rho with its bootstrap interval. Resumable.
 */
export function register(program: Command): void {
  program
    .command("search-rank")
    .description("rank correlation between search scores and fully trained CV AUC over sampled architectures (resumable)")
    .option("--config <file>", "rank-study config (JSON); see configs/rank-study-lidc.json")
    .option("--scores-only", "score the architectures with every budget, skip the full trainings")
    .option("--table <file>", "print the tables of a rank-study results file and exit")
    .action(async (opts: { config?: string; scoresOnly?: boolean; table?: string }) => {
      const show = (file: string) => {
        const r = readRankStudyResults(file);
        console.log(dataFrameText(toDataFrame(rankStudyTableRows(r))));
        console.log(dataFrameText(toDataFrame(rankCorrelationRows(r))));
      };
      if (opts.table) return show(opts.table);
      if (!opts.config) throw new Error("search-rank: give --config <file> (or --table <results.json>)");
      const c = loadRankStudyConfig(opts.config);
      await initBackend({ backend: resolveTrainConfig(c.full.base).backend });
      const t0 = Date.now();
      await runRankStudy(c, { scoresOnly: opts.scoresOnly });
      show(c.resultsFile);
      console.log(`results: ${c.resultsFile} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
    });
}
