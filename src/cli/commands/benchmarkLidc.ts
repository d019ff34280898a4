import type { Command } from "commander";
import { initBackend } from "../../backend/select";
import { loadLidcBenchmarkConfig, runLidcBenchmark, trainPretrainedMember } from "../../benchmark/lidcBenchmark";
import { loadLidcSlices } from "../../data/lidcSlices";
import { showTable } from "../../plot/display";
import { queueFoldRunner } from "../../distributed/foldQueue";
import { parseQueueUrl } from "../../distributed/queueUrl";
import { metricRows } from "../../metrics/report";

export function register(program: Command): void {
  program
    .command("benchmark-lidc")
    .description("cross-validate networks, an ensemble and baselines on the 697 real LIDC readings; train and save the pretrained ensemble (resumable)")
    .requiredOption("--config <file>", "benchmark config (e.g. configs/lidc-benchmark.json)")
    .option("--skip-pretrained", "only cross-validate; do not train the final ensemble on all readings")
    .option("--pretrained-member <name>", "only train this member on all readings (run several in parallel; a later full run collects them)")
    .option("--queue <url>", "train every member's folds as jobs on this Redis queue, on `naslung worker` processes (redis://host:port[/db], rediss:// for TLS)")
    .action(async (opts: { config: string; skipPretrained?: boolean; pretrainedMember?: string; queue?: string }) => {
      const c = loadLidcBenchmarkConfig(opts.config);
      if (opts.queue && opts.pretrainedMember) throw new Error("benchmark-lidc: --queue distributes the cross-validation folds; --pretrained-member trains here");
      await initBackend({ backend: (c.train.backend as string | undefined) ?? undefined });
      if (opts.pretrainedMember) {
        const m = await trainPretrainedMember(c, loadLidcSlices(), opts.pretrainedMember);
        console.log(JSON.stringify(m));
        return;
      }
      const foldRunner = opts.queue ? queueFoldRunner({ target: parseQueueUrl(opts.queue) }) : undefined;
      let r;
      try {
        r = await runLidcBenchmark(c, { skipPretrained: opts.skipPretrained, foldRunner });
      } finally {
        await foldRunner?.close();
      }
      showTable(metricRows(r.methods.map((m) => ({ name: m.method, report: m.pooled }))));
    });
}
