import type { Command } from "commander";
import { parseQueueUrl } from "../../distributed/queueUrl";
import { startQueueWorker } from "../../distributed/queueWorker";
import { codeVersion } from "../../distributed/versions";

interface WorkerCliOptions {
  queue?: string;
  concurrency: string;
  data?: string;
  cacheDir?: string;
  scratch?: string;
  lockSeconds: string;
}

/**
 * `naslung worker --queue redis://…`: trains the candidates of distributed searches
 * (`naslung search --queue …`) and the folds of distributed cross-validation (`naslung train
 * --queue …`, `naslung benchmark-lidc --queue …`) on this machine until stopped (SIGINT / SIGTERM finish the jobs in
 * hand first; kill -9 leaves them to be retried by another worker).
 */
export function register(program: Command): void {
  program
    .command("worker")
    .description("train search candidates and cross-validation folds from a Redis queue (BullMQ) on this machine")
    .option("--queue <url>", "redis://[user:password@]host:port[/db][?queue=name] or rediss://… (TLS)")
    .option("--concurrency <n>", "candidates trained at once, one worker thread each", "1")
    .option("--data <dir>", "this machine's data folder (the dataset's dir, e.g. the LIDC slices)")
    .option("--cache-dir <dir>", "this machine's dataset cache folder")
    .option("--scratch <dir>", "where folds train before their files go back to the run folder (default <tmp>/naslung-worker)")
    .option("--lock-seconds <s>", "job lock without renewal before a dead worker's job is retried elsewhere", "30")
    .action(async (o: WorkerCliOptions) => {
      if (!o.queue) throw new Error("worker: --queue <redis://host:port> is required");
      const target = parseQueueUrl(o.queue);
      const concurrency = Number(o.concurrency);
      if (!(Number.isInteger(concurrency) && concurrency >= 1)) throw new Error(`worker --concurrency: expected a positive integer, got "${o.concurrency}"`);
      const lockSeconds = Number(o.lockSeconds);
      if (!(Number.isFinite(lockSeconds) && lockSeconds >= 1)) throw new Error(`worker --lock-seconds: expected a number >= 1, got "${o.lockSeconds}"`);
      const w = startQueueWorker({ target, concurrency, data: o.data, cacheDir: o.cacheDir, scratch: o.scratch, lockSeconds });
      console.error(`${w.name}: serving ${target.display} queue "${target.queueName}", ${concurrency} thread(s), code ${codeVersion()}`);
      const stop = () => void w.close();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      const { refused } = await w.done;
      if (refused) {
        console.error(`naslung: worker refused: ${refused}`);
        process.exit(2);
      }
    });
}
