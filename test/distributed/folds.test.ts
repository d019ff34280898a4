import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { ChildProcess, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkFoldJobConfig, parseFoldJob } from "../../src/distributed/foldJobs";
import { runOutcome } from "../train/runOutcome";
import { Proc, spawnCli, until } from "./processes";
import { RedisServer } from "./redisServer";

/*
 * Cross-validation folds on the queue with the real things: Debian's redis-server on a loopback
 * port, `naslung worker` processes and `naslung train --queue` / `benchmark-lidc --queue`. Every
 * queued run is compared with the same config trained in-process, file for file.
 */
const cli = path.join(__dirname, "..", "..", "src", "cli", "main.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-folds-"));
let redis: RedisServer;
const children: ChildProcess[] = [];
let queueNo = 0;
before(async () => {
  redis = await RedisServer.start();
});
after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await redis.destroy();
  fs.rmSync(tmp, { recursive: true, force: true });
});
const newQueue = () => `${redis.url}?queue=f${++queueNo}`;
const start = (args: string[], env: Record<string, string> = {}): Proc => spawnCli(children, cli, args, env);
// A 10 s job lock (a shorter one can expire under a live worker on a loaded machine); the worker
// that the kill test kills holds 1 s locks, so its fold is retried quickly.
const worker = (queue: string, scratch: string, env: Record<string, string> = {}, lockSeconds = "10") =>
  start(["worker", "--queue", queue, "--lock-seconds", lockSeconds, "--scratch", scratch], env);
/** Fold ids a worker finished, from its log lines. */
const foldsDoneBy = (p: Proc) => [...p.out().matchAll(/: fold (\d+) done in/g)].map((m) => Number(m[1])).sort();

// 40 synthetic spheres in 3 folds, 3 epochs of 4 steps: a few seconds a run.
const cfgFile = path.join(tmp, "train.json");
fs.writeFileSync(
  cfgFile,
  JSON.stringify({
    name: "qfold",
    dataset: "size-only",
    datasetOptions: { samples: 40, seed: 3, size: 32 },
    arch: "[2,2,[2],[2],[4]]",
    epochs: 3,
    batchSize: 4,
    optimizer: { name: "adam", lr: 0.02 },
    schedule: { name: "constant" },
    folds: { scheme: "grouped", k: 3, innerValFraction: 0.4 },
    bootstrapResamples: 50,
    progress: "none",
  }),
);
const FOLDS = ["fold-0", "fold-1", "fold-2"];
const onlyRun = (root: string) => {
  const ds = fs.readdirSync(root);
  assert.equal(ds.length, 1, `one run in ${root}: ${ds.join(", ")}`);
  return path.join(root, ds[0]);
};
let reference: Record<string, unknown> | null = null;
function referenceOutcome(): Record<string, unknown> {
  if (!reference) {
    const root = path.join(tmp, "in-process");
    const r = spawnSync(process.execPath, [cli, "train", "--config", cfgFile, "--runs", root], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    reference = runOutcome(onlyRun(root), FOLDS);
  }
  return reference;
}

test("fold job payloads: the training config's own schema; paths and unknown keys are refused", () => {
  const config = { name: "x", dataset: "size-only", datasetOptions: { samples: 40 }, arch: "model-1" };
  const job = { v: 1, kind: "cv-fold", run: { name: "x" }, config, fold: { index: 0, id: 0 }, split: "0123456789abcdef", versions: { code: "0123456789abcdef", data: "0123456789abcdef" } };
  assert.equal(parseFoldJob(job, "job 1").trainConfig.arch, "model-1");
  assert.throws(() => parseFoldJob({ ...job, exec: "rm -rf /" }, "job 1"), /job 1: .*exec/);
  assert.throws(() => parseFoldJob({ ...job, config: { ...config, epochs: -1 } }, "job 2"), /job 2 config: key `epochs`/);
  assert.throws(() => checkFoldJobConfig({ ...config, dataset: "lidc-slices", datasetOptions: { dir: "/etc" } }, "job 3"), /job 3: key `config.datasetOptions.dir`: paths are never taken from a job/);
  assert.throws(() => checkFoldJobConfig({ ...config, datasetOptions: { cacheDir: "/tmp" } }, "job 4"), /config.datasetOptions.cacheDir/);
});

test("train --queue on 2 workers writes the in-process run folder: results, metrics, checkpoints' weights", { timeout: 120_000 }, async () => {
  const q = newQueue();
  const ws = [worker(q, path.join(tmp, "scratch-a")), worker(q, path.join(tmp, "scratch-b"))];
  const root = path.join(tmp, "queued");
  const r = start(["train", "--config", cfgFile, "--runs", root, "--queue", q]);
  assert.equal((await r.exit).code, 0, r.out());
  const dir = onlyRun(root);
  assert.deepEqual(runOutcome(dir, FOLDS), referenceOutcome());
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, "run.json"), "utf8")).status, "finished");
  assert.deepEqual([...foldsDoneBy(ws[0]), ...foldsDoneBy(ws[1])].sort(), [0, 1, 2], "every fold trained once, by a worker");
  for (const w of ws) w.child.kill("SIGTERM");
  await Promise.all(ws.map((w) => w.exit));
  assert.deepEqual(fs.readdirSync(path.join(tmp, "scratch-a")).concat(fs.readdirSync(path.join(tmp, "scratch-b"))), [], "scratch folders of finished folds removed");
});

test("a worker killed -9 mid-fold and the coordinator killed -9: both restarted, the run ends as in-process, no fold trained twice", { timeout: 180_000 }, async () => {
  const q = newQueue();
  const scratch = path.join(tmp, "scratch-kill");
  const root = path.join(tmp, "killed");
  // Step 5 is in the second epoch: the first epoch's checkpoint is in the worker's scratch folder.
  const w1 = worker(q, scratch, { NASLUNG_KILL_AT: "train:step@5" }, "1");
  const c1 = start(["train", "--config", cfgFile, "--runs", root, "--queue", q]);
  const k = await w1.exit;
  assert.equal(k.signal, "SIGKILL", w1.out());
  assert.ok(fs.readdirSync(scratch).length === 1, "the killed fold left its checkpoints in scratch");
  c1.child.kill("SIGKILL");
  await c1.exit;
  const dir = onlyRun(root);
  assert.notEqual(JSON.parse(fs.readFileSync(path.join(dir, "run.json"), "utf8")).status, "finished");
  // Another worker on this machine takes the stalled job (resuming from scratch) and the rest.
  const w2 = worker(q, scratch);
  const c2 = start(["train", "--resume", dir, "--queue", q]);
  assert.equal((await c2.exit).code, 0, c2.out());
  assert.deepEqual(runOutcome(dir, FOLDS), referenceOutcome());
  await until("worker log", () => foldsDoneBy(w2).length === 3);
  assert.deepEqual(foldsDoneBy(w2), [0, 1, 2], w2.out());
  w2.child.kill("SIGTERM");
  await w2.exit;
});

test("benchmark-lidc --queue: every member's folds on the workers; the results file equals the in-process one", { timeout: 240_000 }, async () => {
  const cfg = (name: string) => {
    const f = path.join(tmp, `${name}.json`);
    fs.writeFileSync(
      f,
      JSON.stringify({
        name: "qbench",
        seed: 3,
        train: { epochs: 1, batchSize: 32, folds: { scheme: "predefined", innerValFraction: 0.25, run: [0] }, progress: "none" },
        members: [
          { name: "a", arch: "[2,2,[2],[2],[4]]", role: "reference" },
          { name: "b", arch: "[2,2,[2],[4],[4]]", role: "searched" },
        ],
        ensemble: { name: "ens", vote: "soft", members: ["a", "b"] },
        pretrained: null,
        runsDir: path.join(tmp, `${name}-runs`),
        resultsFile: path.join(tmp, `${name}-results.json`),
        bootstrapResamples: 50,
      }),
    );
    return f;
  };
  const local = spawnSync(process.execPath, [cli, "benchmark-lidc", "--config", cfg("bench-local"), "--skip-pretrained"], { encoding: "utf8" });
  assert.equal(local.status, 0, local.stderr);
  const q = newQueue();
  const w = worker(q, path.join(tmp, "scratch-bench"));
  const r = start(["benchmark-lidc", "--config", cfg("bench-queue"), "--skip-pretrained", "--queue", q]);
  assert.equal((await r.exit).code, 0, r.out());
  assert.match(r.out(), /qbench-a fold 0: done on naslung:/);
  const methods = (f: string) => JSON.parse(fs.readFileSync(path.join(tmp, f), "utf8")).methods.map((m: Record<string, unknown>) => ({ method: m.method, pooled: m.pooled, outOfFold: m.outOfFold }));
  assert.deepEqual(methods("bench-queue-results.json"), methods("bench-local-results.json"));
  assert.equal(methods("bench-queue-results.json").length, 5);
  w.child.kill("SIGTERM");
  await w.exit;
});
