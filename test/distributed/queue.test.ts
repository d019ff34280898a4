import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { ChildProcess, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkJobEvaluator, parseCandidateJob } from "../../src/distributed/jobs";
import { parseQueueUrl } from "../../src/distributed/queueUrl";
import { readSearchLog, SearchRecord } from "../../src/search/log";
import { DEFAULT_SPACE } from "../../src/search/space";
import { RedisServer } from "./redisServer";
import { Proc, spawnCli, stopAll, until } from "./processes";

/*
 * Distributed search with the real things: Debian's redis-server on a loopback port, BullMQ, and
 * `naslung worker` / `naslung search --queue` CLI processes. Candidates use the analytic
 * evaluator (deterministic, with a simulated training time) so faults can be injected mid-job.
 */
const cli = path.join(__dirname, "..", "..", "src", "cli", "main.js");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-queue-"));
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

/** A fresh queue on the test server, so tests do not see each other's jobs or workers. */
const newQueue = () => `${redis.url}?queue=t${++queueNo}`;

function searchConfig(name: string, extra: Record<string, unknown> = {}): string {
  const file = path.join(tmp, `${name}.json`);
  fs.writeFileSync(
    file,
    JSON.stringify({
      name,
      seed: 5,
      strategies: ["pop"],
      budget: { maxCandidates: 8, patience: 100, maxSeconds: null },
      workers: 1,
      outDir: path.join(tmp, "logs"),
      evaluator: { kind: "analytic", delayMs: 150 },
      ...extra,
    }),
  );
  return file;
}
const logOf = (name: string, strategy = "pop") => path.join(tmp, "logs", `${name}-${strategy}.jsonl`);
const records = (name: string, strategy: "pop" | "random" = "pop"): SearchRecord[] => readSearchLog(logOf(name, strategy), { strategy, searchSeed: 5, space: DEFAULT_SPACE });
/** What a record says about the candidate, without where, when or how long it ran. */
const model = (r: SearchRecord) => ({ id: r.id, proposal: r.proposal, seed: r.seed, params: r.params, flops: r.flops, val: r.val, latency: r.latency, accuracy: r.accuracy });

const start = (args: string[], env: Record<string, string> = {}, cwdCli = cli): Proc => spawnCli(children, cwdCli, args, env);
// A 10 s job lock: on a loaded 2-core machine a shorter one expires under a live worker and the
// job is retried needlessly. The kill test uses 1 s for the worker it kills, to retry quickly.
const worker = (queue: string, extra: string[] = [], lockSeconds = "10") => start(["worker", "--queue", queue, "--lock-seconds", lockSeconds, ...extra]);
/** Candidate ids a worker finished, from its log lines. */
const doneBy = (p: Proc) => [...p.out().matchAll(/: (s[\d.-]+) done in/g)].map((m) => m[1]);

test("queue URLs: redis and rediss with password, db and queue name; bad ones named", () => {
  const t = parseQueueUrl("rediss://alice:s3cret@lab.example:6380/2?queue=lidc");
  assert.equal(t.connection.host, "lab.example");
  assert.equal(t.connection.port, 6380);
  assert.equal(t.connection.db, 2);
  assert.equal(t.connection.password, "s3cret");
  assert.ok(t.connection.tls, "rediss means TLS");
  assert.equal(t.queueName, "lidc");
  assert.ok(!t.display.includes("s3cret"), t.display);
  assert.throws(() => parseQueueUrl("http://x"), /--queue: scheme "http:"/);
  assert.throws(() => parseQueueUrl("redis://x/99"), /database "99"/);
  assert.throws(() => parseQueueUrl("redis://x?queue=a:b"), /queue name/);
});

test("job payloads: nothing beyond the schema; paths and data modules are never taken from a job", () => {
  const ok = {
    v: 1,
    kind: "search-candidate",
    search: { name: "s", searchSeed: 1 },
    candidate: { id: "s4.4-4-4-4", arch: { stem: [4, 4], stages: [[4], [4], [4]] }, seed: 3, proposal: 0 },
    evaluator: { kind: "analytic", delayMs: 1 },
    versions: { code: "0123456789abcdef", data: null },
  };
  assert.equal(parseCandidateJob(ok, "job 1").candidate.id, "s4.4-4-4-4");
  assert.throws(() => parseCandidateJob({ ...ok, run: "rm -rf /" }, "job 1"), /job 1: .*run/);
  assert.throws(() => parseCandidateJob({ ...ok, evaluator: { kind: "analytic", delayMs: -1 } }, "job 1"), /job 1: key `evaluator.delayMs`/);
  const train = (data: unknown) => ({ kind: "train", data, folds: { k: 2, fold: 0, seed: 1, innerValFraction: 0.25 }, train: { epochs: 1 } });
  assert.throws(() => checkJobEvaluator(train({ module: "/tmp/evil.js" }), "job 2"), /job 2: key `evaluator.data.module`: a data module is code/);
  assert.throws(() => checkJobEvaluator(train({ dataset: "lidc-slices", options: { dir: "/etc" } }), "job 3"), /job 3: key `evaluator.data.options.dir`: paths are never taken from a job/);
});

test("the same answer: a queue search with 3 jobs in flight on 3 workers writes the in-process search's log and front", { timeout: 120_000 }, async () => {
  // Candidates of unequal length finish out of proposal order; results are taken in proposal order.
  const unequal = { workers: 3, evaluator: { kind: "analytic", delayMs: 100, delaySpreadMs: 400 } };
  const local = spawnSync(process.execPath, [cli, "search", "--config", searchConfig("same-local", unequal)], { encoding: "utf8" });
  assert.equal(local.status, 0, local.stderr);
  const q = newQueue();
  const ws = [worker(q), worker(q), worker(q)];
  const r = start(["search", "--config", searchConfig("same-queue", unequal), "--queue", q, "--slots", "3"]);
  const { code } = await r.exit;
  assert.equal(code, 0, r.out());
  assert.deepEqual(records("same-queue").map(model), records("same-local").map(model));
  assert.match(r.out(), /pop: 8 trained/);
  const front = (out: string) => out.slice(out.indexOf("pop front:")).split("\n").slice(3).map((l) => l.trim().split(/\s+/)[0]).filter(Boolean);
  assert.deepEqual(front(r.out()), front(local.stdout));
  assert.ok(records("same-queue").every((x) => /^naslung:/.test(String(x.extra?.queueWorker))), "trained by queue workers");
  assert.ok(new Set(records("same-queue").map((x) => x.extra?.queueWorker)).size >= 2, "the workers shared the jobs");
  // Random search with 3 jobs in flight on 3 workers proposes what the sequential one does.
  const cfgR = (n: string) => searchConfig(n, { strategies: ["random"], budget: { maxCandidates: 6, patience: 100, maxSeconds: null } });
  assert.equal(spawnSync(process.execPath, [cli, "search", "--config", cfgR("rand-local")], { encoding: "utf8" }).status, 0);
  const rr = start(["search", "--config", cfgR("rand-queue"), "--queue", q, "--slots", "3"]);
  assert.equal((await rr.exit).code, 0, rr.out());
  const byProposal = (xs: SearchRecord[]) => xs.map(model).sort((a, b) => a.proposal - b.proposal);
  assert.deepEqual(byProposal(records("rand-queue", "random")), byProposal(records("rand-local", "random")));
  const status = spawnSync(process.execPath, [cli, "search", "--config", cfgR("rand-queue"), "--queue", q, "--status"], { encoding: "utf8" });
  assert.equal(status.status, 0, status.stderr);
  assert.match(status.stdout, /search rand-queue on redis:\/\/127\.0\.0\.1:\d+\/?\?queue=t\d+: 0 pending, 0 active, 6 done, 0 failed; workers \(3\): naslung:/);
  await stopAll(ws);
});

test("a worker killed with kill -9 mid-job: another worker retrains it; the log holds every candidate once", { timeout: 120_000 }, async () => {
  const q = newQueue();
  const a = worker(q, [], "1");
  const b = worker(q);
  const cfg = searchConfig("kill-worker", { evaluator: { kind: "analytic", delayMs: 1500 } });
  const r = start(["search", "--config", cfg, "--queue", q, "--slots", "2"]);
  // Kill `a` while it holds a job it has not finished.
  let victim = "";
  await until("worker a to take a job", () => {
    const taken = [...a.out().matchAll(/ candidate (s[\d.-]+) \(job/g)].map((m) => m[1]);
    victim = taken.find((id) => !doneBy(a).includes(id)) ?? "";
    return victim !== "";
  });
  a.child.kill("SIGKILL");
  const { code } = await r.exit;
  assert.equal(code, 0, r.out());
  const recs = records("kill-worker");
  assert.equal(recs.length, 8);
  assert.equal(new Set(recs.map((x) => x.id)).size, 8, "every candidate exactly once");
  const v = recs.find((x) => x.id === victim);
  assert.ok(v, `the killed job's candidate ${victim} is in the log`);
  assert.ok(doneBy(b).includes(victim) && String(v?.extra?.queueWorker).endsWith(`:${b.child.pid}`), "retrained by the other worker");
  await stopAll([b]);
});

test("the coordinator killed and restarted resumes from its log and the queue, re-running no finished candidate", { timeout: 120_000 }, async () => {
  const q = newQueue();
  const ws = [worker(q), worker(q)];
  const cfg = searchConfig("kill-coord", { evaluator: { kind: "analytic", delayMs: 400 } });
  const first = start(["search", "--config", cfg, "--queue", q, "--slots", "2"]);
  await until("3 logged candidates", () => fs.existsSync(logOf("kill-coord")) && records("kill-coord").length >= 3);
  first.child.kill("SIGKILL");
  await first.exit;
  const before = records("kill-coord");
  const prefix = fs.readFileSync(logOf("kill-coord"), "utf8");
  const second = start(["search", "--config", cfg, "--queue", q, "--slots", "2"]);
  assert.equal((await second.exit).code, 0, second.out());
  const after = records("kill-coord");
  assert.equal(after.length, 8);
  assert.equal(new Set(after.map((x) => x.id)).size, 8);
  assert.ok(fs.readFileSync(logOf("kill-coord"), "utf8").startsWith(prefix), "logged candidates are kept as written");
  assert.match(second.out(), new RegExp(`pop: 8 trained \\(${before.length} from the log`));
  const trained = ws.flatMap(doneBy);
  assert.equal(trained.length, new Set(trained).size, `no candidate trained twice: ${trained}`);
  await stopAll(ws);
});

test("Redis restarted mid-search: coordinator and workers reconnect and finish; nothing lost or doubled", { timeout: 120_000 }, async () => {
  const q = newQueue();
  const ws = [worker(q), worker(q)];
  const cfg = searchConfig("redis-restart", { evaluator: { kind: "analytic", delayMs: 300 } });
  const r = start(["search", "--config", cfg, "--queue", q, "--slots", "2"]);
  await until("2 logged candidates", () => fs.existsSync(logOf("redis-restart")) && records("redis-restart").length >= 2, 90_000);
  await redis.restart(1500);
  const { code } = await r.exit;
  assert.equal(code, 0, r.out());
  const recs = records("redis-restart");
  assert.equal(recs.length, 8);
  assert.equal(new Set(recs.map((x) => x.id)).size, 8);
  await stopAll(ws);
});

test("a job that fails deterministically (the worker's data cannot be loaded) is failed once, logged with its error, not retried", { timeout: 120_000 }, async () => {
  const q = newQueue();
  const w = worker(q, ["--data", "/nonexistent/naslung-data"]);
  const cfg = searchConfig("bad-data", {
    evaluator: {
      kind: "train",
      data: { dataset: "size-only", options: { samples: 8, seed: 1, size: 32 } },
      folds: { k: 2, fold: 0, seed: 1, innerValFraction: 0.25 },
      train: { epochs: 1, batchSize: 4 },
    },
  });
  const r = start(["search", "--config", cfg, "--queue", q, "--slots", "1"]);
  const { code } = await r.exit;
  assert.notEqual(code, 0);
  assert.match(r.out(), /candidate s[\d.-]+ failed: job cand-\S+ failed after 1 attempt\(s\): job cand-\S+: this worker cannot load the data \(.*dir/);
  const failed = fs.readFileSync(logOf("bad-data").replace(/\.jsonl$/, ".failed.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(failed.length, 1);
  assert.match(failed[0].error, /cannot load the data/);
  assert.equal((w.out().match(/ candidate s[\d.-]+ \(job/g) ?? []).length, 0, "the job never reached training");
  await stopAll([w]);
});

test("a worker running other code is refused with a clear message; its job goes to a worker with the coordinator's code", { timeout: 120_000 }, async () => {
  // A real copy of the compiled library with one module changed, run as a worker.
  const copy = path.join(tmp, "other-build");
  fs.cpSync(path.join(__dirname, "..", "..", "src"), path.join(copy, "dist", "src"), { recursive: true });
  fs.copyFileSync(path.join(__dirname, "..", "..", "..", "package.json"), path.join(copy, "package.json"));
  fs.symlinkSync(path.join(__dirname, "..", "..", "..", "node_modules"), path.join(copy, "node_modules"));
  fs.appendFileSync(path.join(copy, "dist", "src", "search", "analyticEvaluator.js"), "\n// a different build\n");
  const q = newQueue();
  const stale = start(["worker", "--queue", q, "--lock-seconds", "1"], {}, path.join(copy, "dist", "src", "cli", "main.js"));
  await until("the other build's worker to connect", () => /serving/.test(stale.out()));
  const cfg = searchConfig("versions", { budget: { maxCandidates: 3, patience: 100, maxSeconds: null } });
  const r = start(["search", "--config", cfg, "--queue", q, "--slots", "1"]);
  const st = await stale.exit;
  assert.equal(st.code, 2, stale.out());
  assert.match(stale.out(), /the coordinator runs code version [0-9a-f]{16}, this worker [0-9a-f]{16}; run the same build on both/);
  const good = worker(q);
  assert.equal((await r.exit).code, 0, r.out());
  assert.equal(records("versions").length, 3);
  assert.ok(records("versions").every((x) => String(x.extra?.queueWorker).endsWith(`:${good.child.pid}`)));
  await stopAll([good]);
});
