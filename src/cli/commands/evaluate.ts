import type { Command } from "commander";
import * as fs from "fs";
import * as path from "path";
import { evaluateRun, runMetricRows } from "../../train/evaluate";
import { initBackend } from "../../backend/select";
import { runConfig } from "../../ensemble/runs";
import { loadDatasetByName } from "../../train/datasets";
import { calibrateRun, rescoreRun } from "../../train/rescore";
import { dataFrameText, toDataFrame } from "../../plot/display";

/**
 * `naslung evaluate --run <dir>`: recomputes per-fold and pooled out-of-fold metrics with 95%
 * bootstrap CIs from the run's saved test-fold predictions, writes metrics.json, prints a table.
 */
export function register(program: Command): void {
  program
    .command("evaluate")
    .description("metrics with 95% bootstrap CIs (per fold and pooled out-of-fold) for a training run")
    .requiredOption("--run <dir>", "run directory (runs/<id>)")
    .option("--resamples <n>", "bootstrap resamples (default: the run's config)")
    .option("--json", "print metrics.json instead of the table")
    .option("--tta <mode>", "also re-score the test folds from the selected checkpoints with test-time augmentation (flips) and compare")
    .option("--calibrate", "also Platt-calibrate each fold on its inner validation split and compare the pooled AUC")
    .action(async (opts: { run: string; resamples?: string; json?: boolean; tta?: string; calibrate?: boolean }) => {
      if (opts.calibrate) {
        const cfg = runConfig(opts.run);
        await initBackend({ backend: cfg.backend, quiet: true });
        const ds = await loadDatasetByName(cfg.dataset, cfg.datasetOptions, path.join(opts.run, "config.json"));
        const r = calibrateRun(opts.run, ds);
        const c = r.comparison;
        console.log(JSON.stringify({ run: opts.run, calibration: "platt (inner validation)", n: r.ids.length, aucStored: c.b.value, aucCalibrated: c.a.value, ci: [c.a.lo, c.a.hi], delta: c.delta, deltaCI: [c.lo, c.hi], folds: r.folds }));
        return;
      }
      if (opts.tta !== undefined) {
        if (opts.tta !== "flips" && opts.tta !== "none") throw new Error(`evaluate: --tta must be "flips" or "none" (got ${JSON.stringify(opts.tta)})`);
        const cfg = runConfig(opts.run);
        await initBackend({ backend: cfg.backend, quiet: true });
        const ds = await loadDatasetByName(cfg.dataset, cfg.datasetOptions, path.join(opts.run, "config.json"));
        const r = rescoreRun(opts.run, ds, opts.tta);
        const c = r.comparison;
        console.log(JSON.stringify({ run: opts.run, tta: opts.tta, n: r.ids.length, aucStored: c.b.value, aucRescored: c.a.value, ci: [c.a.lo, c.a.hi], delta: c.delta, deltaCI: [c.lo, c.hi] }));
        return;
      }
      const cfgFile = path.join(opts.run, "config.json");
      const cfg = fs.existsSync(cfgFile) ? (JSON.parse(fs.readFileSync(cfgFile, "utf8")) as { bootstrapResamples?: number; seed?: number }) : {};
      const resamples = opts.resamples !== undefined ? Number(opts.resamples) : cfg.bootstrapResamples;
      if (resamples !== undefined && (!Number.isInteger(resamples) || resamples < 1)) throw new Error(`evaluate: --resamples must be a positive integer (got ${opts.resamples})`);
      const m = evaluateRun(opts.run, { resamples, seed: cfg.seed ?? 0 });
      if (opts.json) {
        console.log(JSON.stringify(m, null, 2));
        return;
      }
      console.log(dataFrameText(toDataFrame(runMetricRows(m))));
      console.log(`metrics: ${path.join(opts.run, "metrics.json")}`);
    });
}
