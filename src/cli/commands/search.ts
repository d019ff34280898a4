import type { Command } from "commander";
import { initBackend, describeBackend } from "../../backend/select";
import { DEFAULT_SEARCH_CONFIG, loadSearchConfig, SearchConfig, searchLogFile } from "../../search/config";
import type { SearchStrategy } from "../../search/log";
import { countsByDepth, spaceSize } from "../../search/space";
import { recordRow, runConfiguredSearch, workerCount } from "../../search/session";
import { showTable } from "../../plot/display";

interface SearchCliOptions {
  config?: string;
  spaceSize?: boolean;
  strategy?: string;
  workers?: string;
  maxCandidates?: string;
  outDir?: string;
}

/**
 * `naslung search`: Partial Order Pruning architecture search (and the random baseline) from a
 * config file, resumable from its logs; `--space-size` prints the size of the space.
 */
export function register(program: Command): void {
  program
    .command("search")
    .description("architecture search by Partial Order Pruning with measured latency (resumable, parallel)")
    .option("--config <file>", "search config (JSON; see configs/search.json)")
    .option("--space-size", "print the number of architectures in the space and exit")
    .option("--strategy <names>", "comma-separated strategies to run: pop, random (default: the config's)")
    .option("--workers <n>", "worker threads (0 = in-process; default: the config's, auto = one per core)")
    .option("--max-candidates <n>", "override budget.maxCandidates")
    .option("--out-dir <dir>", "override outDir (where the logs go)")
    .action(async (opts: SearchCliOptions) => {
      let cfg: SearchConfig = opts.config ? loadSearchConfig(opts.config) : DEFAULT_SEARCH_CONFIG;
      if (opts.spaceSize) {
        console.log(String(spaceSize(cfg.space)));
        for (const r of countsByDepth(cfg.space)) console.error(`  ${r.blocks} blocks: ${r.count}`);
        return;
      }
      if (!opts.config) throw new Error("search: --config <file> is required (e.g. configs/search.json), or --space-size");
      cfg = { ...cfg, budget: { ...cfg.budget } };
      if (opts.strategy) {
        const s = opts.strategy.split(",").map((x) => x.trim());
        if (s.some((x) => x !== "pop" && x !== "random")) throw new Error(`search --strategy: expected pop and/or random, got "${opts.strategy}"`);
        cfg.strategies = s as SearchStrategy[];
      }
      if (opts.workers !== undefined) {
        const n = opts.workers === "auto" ? "auto" : Number(opts.workers);
        if (n !== "auto" && !(Number.isInteger(n) && n >= 0)) throw new Error(`search --workers: expected a non-negative integer or auto, got "${opts.workers}"`);
        cfg.workers = n;
      }
      if (opts.maxCandidates !== undefined) {
        const n = Number(opts.maxCandidates);
        if (!(Number.isInteger(n) && n > 0)) throw new Error(`search --max-candidates: expected a positive integer, got "${opts.maxCandidates}"`);
        cfg.budget.maxCandidates = n;
      }
      if (opts.outDir) cfg.outDir = opts.outDir;
      if (cfg.evaluator.kind === "train") console.error(describeBackend(await initBackend({ backend: cfg.backend, quiet: true })));
      console.error(
        `search ${cfg.name}: space of ${spaceSize(cfg.space)} architectures; strategies ${cfg.strategies.join(", ")}; ` +
          `objective validation ${cfg.objective}; budget ${cfg.budget.maxCandidates} candidates / ${cfg.budget.maxSeconds} s / patience ${cfg.budget.patience}; ` +
          `${workerCount(cfg) || "no"} worker thread(s)`,
      );
      const results = await runConfiguredSearch(cfg, {
        onRecord: (r, st) =>
          console.error(
            `[${r.strategy}] #${st.records.length} ${r.id}: val ${r.objective ?? "accuracy"} ${r.accuracy.toFixed(3)}, ${r.latency.batch1.medianMs.toFixed(1)} ms @1 ` +
              `(${r.latency.backend}), ${(r.params / 1e3).toFixed(1)}k params, ${r.wallSeconds.toFixed(1)} s; front ${st.front.length}, unchanged ${st.stable}`,
          ),
      });
      for (const s of cfg.strategies) {
        const r = results[s];
        if (!r) continue;
        console.log(`\n${s}: ${r.records.length} trained (${r.resumed} from the log, ${r.trainedNow} now), stopped: ${r.stoppedBecause}; log ${searchLogFile(cfg, s)}`);
        console.log(`${s} front:`);
        showTable(r.front.map(recordRow));
      }
    });
}
