import type { Command } from "commander";
import { initBackend } from "../../backend/select";
import { loadTrainConfig, resolveTrainConfig } from "../../train/config";
import { loadDatasetByName } from "../../train/datasets";
import { planSplit } from "../../train/crossValidate";
import { lrRangeTest } from "../../train/lrRangeTest";
import { applyOverrides } from "./train";

/**
 * `naslung lr-range --config <train config>`: the learning-rate range test on the training part of
 * the first fold (its inner-validation and test readings are left out), with the config's
 * optimizer, loss and augmentation; prints the curve's suggestions and one JSON line.
 */
export function register(program: Command): void {
  program
    .command("lr-range")
    .description("learning-rate range test (Smith 2017) on fold 0's training part")
    .requiredOption("--config <file>", "training config (JSON)")
    .option("--set <key=value>", "override a config key (dotted path, JSON value); repeatable", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option("--min <lr>", "first learning rate", "1e-5")
    .option("--max <lr>", "last learning rate", "1")
    .option("--steps <n>", "optimizer steps", "120")
    .action(async (opts: { config: string; set: string[]; min: string; max: string; steps: string }) => {
      let config = loadTrainConfig(opts.config);
      if (opts.set.length) config = resolveTrainConfig(applyOverrides(config as unknown as Record<string, unknown>, opts.set), `${opts.config} (with --set)`);
      await initBackend({ backend: config.backend });
      const ds = await loadDatasetByName(config.dataset, config.datasetOptions, opts.config);
      const split = planSplit(ds.samples, config);
      const ids = new Set(split.folds[0].train);
      const train = ds.samples.filter((s) => ids.has(s.id));
      const r = await lrRangeTest({ train, config, minLr: Number(opts.min), maxLr: Number(opts.max), steps: Number(opts.steps) });
      for (const p of r.points.filter((_, i) => i % 10 === 0)) console.error(`  step ${p.step}: lr ${p.lr.toExponential(2)} loss ${p.loss.toFixed(3)} smoothed ${p.smoothed.toFixed(3)}`);
      console.log(JSON.stringify({ config: opts.config, samples: train.length, optimizer: config.optimizer.name, minLossLr: r.minLossLr, steepestLr: r.steepestLr, suggestedLr: r.suggestedLr, diverged: r.diverged, points: r.points.length }));
    });
}
