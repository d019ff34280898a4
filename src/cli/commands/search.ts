import type { Command } from "commander";
import { initBackend, describeBackend } from "../../backend/select";
import { DEFAULT_SEARCH_CONFIG, loadSearchConfig, SearchConfig, searchLogFile } from "../../search/config";
import type { SearchStrategy } from "../../search/log";
import { countsByDepth, spaceSize } from "../../search/space";
import { recordRow, runConfiguredSearch, workerCount } from "../../search/session";
import { showTable } from "../../plot/display";
import { SingleBar } from "cli-progress";
import { queueExecutor, queueStatus } from "../../distributed/coordinator";
import { parseQueueUrl, QueueTarget } from "../../distributed/queueUrl";
import { codeVersion, dataFingerprint } from "../../distributed/versions";
import { loadSearchDataset } from "../../search/trainEvaluator";

/** The coordinator's executor: candidates as jobs on the queue (see distributed/coordinator). */
async function coordinatorExecutor(cfg: SearchConfig, url: string, slotsOpt?: string): Promise<{ target: QueueTarget; executor: ReturnType<typeof queueExecutor> }> {
  const target = parseQueueUrl(url);
  const slots = slotsOpt !== undefined ? Number(slotsOpt) : cfg.workers === "auto" || cfg.workers === 0 ? 4 : cfg.workers;
  if (!(Number.isInteger(slots) && slots >= 1)) throw new Error(`search --slots: expected a positive integer, got "${slotsOpt}"`);
  let data: string | null = null;
  if (cfg.evaluator.kind === "train") {
    // Workers are checked against this machine's copy of the data when it has one.
    try {
      data = dataFingerprint(await loadSearchDataset(cfg.evaluator.data));
    } catch (e) {
      console.error(`search: the data is not on this machine (${(e as Error).message}); workers' data is not cross-checked`);
    }
  }
  const executor = queueExecutor({ target, slots, search: { name: cfg.name, searchSeed: cfg.seed }, evaluator: cfg.evaluator, versions: { code: codeVersion(), data } });
  return { target, executor };
}

/** A progress line of the queue (jobs by phase, workers seen) on stderr in a terminal; a line every 30 s otherwise. */
function showQueueProgress(ex: ReturnType<typeof queueExecutor>): () => void {
  const tty = Boolean(process.stderr.isTTY);
  const bar = tty ? new SingleBar({ format: "queue [{bar}] {done} done | {active} active | {pending} pending | {failed} failed | workers {workers}", hideCursor: true, stream: process.stderr }) : null;
  let total = 0;
  bar?.start(1, 0, { done: 0, active: 0, pending: 0, failed: 0, workers: 0 });
  let last = 0;
  const timer = setInterval(() => {
    void ex.progress().then((p) => {
      total = Math.max(total, p.done + p.active + p.pending + p.failed);
      if (bar) {
        bar.setTotal(Math.max(1, total));
        bar.update(p.done, { ...p, workers: p.workers.length });
      } else if (Date.now() - last > 30_000) {
        last = Date.now();
        console.error(`queue: ${p.done} done, ${p.active} active, ${p.pending} pending, ${p.failed} failed; workers ${p.workers.length}`);
      }
    }, () => undefined);
  }, 1000);
  return () => {
    clearInterval(timer);
    bar?.stop();
  };
}

interface SearchCliOptions {
  config?: string;
  spaceSize?: boolean;
  strategy?: string;
  workers?: string;
  maxCandidates?: string;
  outDir?: string;
  queue?: string;
  slots?: string;
  status?: boolean;
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
    .option("--queue <url>", "coordinate: candidates become jobs on this Redis queue, trained by `naslung worker` processes (redis://host:port[/db], rediss:// for TLS)")
    .option("--slots <n>", "with --queue: candidates in flight at once (default: the config's workers, auto = 4)")
    .option("--status", "with --queue: print the search's jobs (pending / active / done / failed) and the workers seen, and exit")
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
      if ((opts.slots || opts.status) && !opts.queue) throw new Error("search: --slots and --status need --queue <url>");
      if (opts.queue && opts.status) {
        const st = await queueStatus(parseQueueUrl(opts.queue), cfg.name);
        console.log(`search ${cfg.name} on ${parseQueueUrl(opts.queue).display}: ${st.pending} pending, ${st.active} active, ${st.done} done, ${st.failed} failed; workers (${st.workers.length}): ${st.workers.join(", ") || "none"}`);
        return;
      }
      const coordinated = opts.queue ? await coordinatorExecutor(cfg, opts.queue, opts.slots) : null;
      if (cfg.evaluator.kind === "train") console.error(describeBackend(await initBackend({ backend: cfg.backend, quiet: true })));
      console.error(
        `search ${cfg.name}: space of ${spaceSize(cfg.space)} architectures; strategies ${cfg.strategies.join(", ")}; ` +
          `objective validation ${cfg.objective}; budget ${cfg.budget.maxCandidates} candidates / ${cfg.budget.maxSeconds} s / patience ${cfg.budget.patience}; ` +
          (coordinated ? `queue ${coordinated.target.display}, ${coordinated.executor.slots} job(s) in flight` : `${workerCount(cfg) || "no"} worker thread(s)`),
      );
      const stopProgress = coordinated ? showQueueProgress(coordinated.executor) : () => undefined;
      const results = await runConfiguredSearch(cfg, {
        executor: coordinated?.executor,
        onRecord: (r, st) =>
          console.error(
            `[${r.strategy}] #${st.records.length} ${r.id}: val ${r.objective ?? "accuracy"} ${r.accuracy.toFixed(3)}, ${r.latency.batch1.medianMs.toFixed(1)} ms @1 ` +
              `(${r.latency.backend}), ${(r.params / 1e3).toFixed(1)}k params, ${r.wallSeconds.toFixed(1)} s${r.extra?.queueWorker ? ` on ${r.extra.queueWorker}` : ""}; front ${st.front.length}, unchanged ${st.stable}`,
          ),
      }).finally(stopProgress);
      for (const s of cfg.strategies) {
        const r = results[s];
        if (!r) continue;
        console.log(`\n${s}: ${r.records.length} trained (${r.resumed} from the log, ${r.trainedNow} now), stopped: ${r.stoppedBecause}; log ${searchLogFile(cfg, s)}`);
        console.log(`${s} front:`);
        showTable(r.front.map(recordRow));
      }
    });
}
