import type { Command } from "commander";
import { DEFAULT_VALIDITY_INPUTS, validityTable, validityTableRows } from "../../benchmark/validity";
import { dataFrameText, toDataFrame } from "../../plot/display";

/**
 * `naslung validity`: the networks against the rulers (true diameter on the synthetic cohort;
 * diameter and radiomics logistic regression on the 697 real readings), pooled out-of-fold AUC
 * with 95% CIs and the paired difference to diameter, from the committed ablation results
 * (`naslung ablate --config configs/ablation-{synthetic,lidc}.json` regenerates them).
 */
export function register(program: Command): void {
  program
    .command("validity")
    .description("networks beside the rulers (diameter, radiomics) on the same out-of-fold readings, with the targets")
    .option("--synthetic <file>", "synthetic ablation results", DEFAULT_VALIDITY_INPUTS.synthetic)
    .option("--lidc <file>", "LIDC ablation results", DEFAULT_VALIDITY_INPUTS.lidc)
    .option("--benchmark <file>", "LIDC benchmark results (radiomics baseline)", DEFAULT_VALIDITY_INPUTS.lidcBenchmark)
    .option("--json", "one JSON line per row instead of the table")
    .action((opts: { synthetic: string; lidc: string; benchmark: string; json?: boolean }) => {
      const rows = validityTable({ synthetic: opts.synthetic, lidc: opts.lidc, lidcBenchmark: opts.benchmark });
      if (opts.json) for (const r of rows) console.log(JSON.stringify(r));
      else console.log(dataFrameText(toDataFrame(validityTableRows(rows))));
    });
}
