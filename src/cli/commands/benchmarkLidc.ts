import type { Command } from "commander";
import { initBackend } from "../../backend/select";
import { loadLidcBenchmarkConfig, runLidcBenchmark } from "../../benchmark/lidcBenchmark";
import { showTable } from "../../plot/display";
import { metricRows } from "../../metrics/report";

export function register(program: Command): void {
  program
    .command("benchmark-lidc")
    .description("cross-validate networks, an ensemble and baselines on the 697 real LIDC readings; train and save the pretrained ensemble (resumable)")
    .requiredOption("--config <file>", "benchmark config (e.g. configs/lidc-benchmark.json)")
    .option("--skip-pretrained", "only cross-validate; do not train the final ensemble on all readings")
    .action(async (opts: { config: string; skipPretrained?: boolean }) => {
      const c = loadLidcBenchmarkConfig(opts.config);
      await initBackend({ backend: (c.train.backend as string | undefined) ?? undefined });
      const r = await runLidcBenchmark(c, { skipPretrained: opts.skipPretrained });
      showTable(metricRows(r.methods.map((m) => ({ name: m.method, report: m.pooled }))));
    });
}
