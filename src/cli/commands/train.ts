import type { Command } from "commander";
import { loadTrainConfig, resolveTrainConfig } from "../../train/config";
import { runTraining } from "../../train/run";
import { queueFoldRunner } from "../../distributed/foldQueue";
import { parseQueueUrl } from "../../distributed/queueUrl";
import { runMetricRows } from "../../train/evaluate";
import { dataFrameText, toDataFrame } from "../../plot/display";

/**
 * `naslung train --config <file>`: a cross-validated run on the dataset the config names, into
 * runs/<id>/. `--resume <dir>` continues an interrupted run. `--set key=value` overrides config
 * keys (dotted, JSON values), e.g. `--set epochs=2 --set folds.run=[0,1]`. `--queue redis://…`
 * sends the folds to `naslung worker` processes (all at once) and writes the same run folder.
 */
export function register(program: Command): void {
  program
    .command("train")
    .description("cross-validated training from a JSON config into runs/<id>/ (resumable)")
    .option("--config <file>", "training config (JSON); see configs/")
    .option("--resume <dir>", "continue the run in this directory")
    .option("--set <key=value>", "override a config key (dotted path, JSON value); repeatable", (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option("--runs <dir>", "folder for new runs (default runs/)")
    .option("--queue <url>", "train the folds as jobs on this Redis queue, on `naslung worker` processes (redis://host:port[/db], rediss:// for TLS); the run folder stays here")
    .action(async (opts: { config?: string; resume?: string; set: string[]; runs?: string; queue?: string }) => {
      if (!opts.config === !opts.resume) throw new Error("train: give exactly one of --config <file> or --resume <dir>");
      let config;
      if (opts.config) {
        config = loadTrainConfig(opts.config);
        if (opts.set.length) config = resolveTrainConfig(applyOverrides(config as unknown as Record<string, unknown>, opts.set), `${opts.config} (with --set)`);
      } else if (opts.set.length) {
        throw new Error("train: --set cannot change a run being resumed");
      }
      const t0 = Date.now();
      const foldRunner = opts.queue ? queueFoldRunner({ target: parseQueueUrl(opts.queue) }) : undefined;
      let res;
      try {
        res = await runTraining({ config, configFile: opts.config, resumeDir: opts.resume, runsRoot: opts.runs, foldRunner });
      } finally {
        await foldRunner?.close();
      }
      console.log(dataFrameText(toDataFrame(runMetricRows(res.metrics))));
      console.log(`run: ${res.runDir} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    });
}

/** Applies `a.b=value` overrides (value parsed as JSON, else taken as a string). */
export function applyOverrides(config: Record<string, unknown>, sets: string[]): Record<string, unknown> {
  const out = JSON.parse(JSON.stringify(config)) as Record<string, unknown>;
  for (const s of sets) {
    const eq = s.indexOf("=");
    if (eq <= 0) throw new Error(`--set ${s}: expected key=value`);
    const keys = s.slice(0, eq).split(".");
    let value: unknown = s.slice(eq + 1);
    try {
      value = JSON.parse(value as string);
    } catch {
      /* a bare string */
    }
    let node = out;
    for (const k of keys.slice(0, -1)) {
      if (typeof node[k] !== "object" || node[k] === null) node[k] = {};
      node = node[k] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]] = value;
  }
  return out;
}
