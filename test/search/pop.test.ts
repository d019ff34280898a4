import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createEvaluator } from "../../src/search/analyticEvaluator";
import { inProcessExecutor } from "../../src/search/executor";
import { readSearchLog } from "../../src/search/log";
import { paretoFront } from "../../src/search/pareto";
import { replayFront, runSearch, tradeoffPoint } from "../../src/search/pop";
import { countPruned, pruneState } from "../../src/search/prune";
import { DEFAULT_SPACE, inSpace } from "../../src/search/space";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "naslung-search-"));

test("a POP search logs one line per trained candidate and keeps the Pareto front", async () => {
  const log = path.join(tmp(), "pop.jsonl");
  const r = await runSearch({
    space: DEFAULT_SPACE,
    strategy: "pop",
    seed: 3,
    logFile: log,
    executor: inProcessExecutor(createEvaluator()),
    budget: { maxCandidates: 25, patience: 1000 },
  });
  assert.equal(r.stoppedBecause, "maxCandidates");
  assert.equal(r.records.length, 25);
  const lines = fs.readFileSync(log, "utf8").trim().split("\n");
  assert.equal(lines.length, 25);
  const rec = JSON.parse(lines[0]);
  for (const k of ["id", "arch", "params", "flops", "val", "latency", "seed", "wallSeconds", "accuracy", "strategy"]) assert.ok(k in rec, k);
  assert.ok(r.records.every((x) => inSpace(DEFAULT_SPACE, x.arch)));
  assert.equal(new Set(r.records.map((x) => x.id)).size, 25, "no candidate trained twice");
  assert.deepEqual(r.front.map((x) => x.id), paretoFront(r.records.map(tradeoffPoint)).map((x) => x.id));
  // proposals never pick what the rule had pruned at the time
  for (let k = 1; k < r.records.length; k++) {
    const before = pruneState(r.records.slice(0, k).map(tradeoffPoint));
    const c = r.records[k];
    const { prunedBy } = await import("../../src/search/prune");
    assert.equal(prunedBy(before, c.arch), null, `${c.id} was pruned when proposed`);
  }
  const final = countPruned(DEFAULT_SPACE, pruneState(r.records.map(tradeoffPoint)), new Set(r.records.map((x) => x.id)));
  assert.ok(final.pruned > 0, "the analytic landscape lets POP prune");
});

test("patience: the search stops once the front is unchanged for K candidates", async () => {
  const log = path.join(tmp(), "p.jsonl");
  const r = await runSearch({
    space: DEFAULT_SPACE,
    strategy: "random",
    seed: 1,
    logFile: log,
    executor: inProcessExecutor(createEvaluator()),
    budget: { maxCandidates: 500, patience: 3 },
  });
  assert.equal(r.stoppedBecause, "patience");
  assert.equal(r.stable, 3);
  assert.equal(replayFront(r.records).stable, 3);
});

test("a resumed search continues without retraining and ends where an uninterrupted one ends", async () => {
  const dir = tmp();
  const opts = (log: string, max: number) => ({
    space: DEFAULT_SPACE,
    strategy: "pop" as const,
    seed: 9,
    logFile: log,
    executor: inProcessExecutor(createEvaluator()),
    budget: { maxCandidates: max, patience: 1000 },
  });
  const full = await runSearch(opts(path.join(dir, "full.jsonl"), 12));
  const log = path.join(dir, "resumed.jsonl");
  await runSearch(opts(log, 5));
  // simulate a kill during an append: a torn half line at the end
  fs.appendFileSync(log, '{"v":1,"strategy":"pop","id":"s4.4-8');
  const trained: string[] = [];
  const counting = createEvaluator();
  const r = await runSearch({
    ...opts(log, 12),
    executor: inProcessExecutor(async (c) => {
      trained.push(c.id);
      return counting(c);
    }),
  });
  assert.equal(r.resumed, 5);
  assert.equal(r.trainedNow, 7);
  assert.equal(trained.length, 7);
  assert.ok(trained.every((id) => !r.records.slice(0, 5).some((x) => x.id === id)));
  assert.deepEqual(r.records.map((x) => x.id), full.records.map((x) => x.id));
  // the torn fragment was cut off, so the log reads back whole
  assert.deepEqual(
    readSearchLog(log, { strategy: "pop", searchSeed: 9, space: DEFAULT_SPACE }).map((x) => x.id),
    full.records.map((x) => x.id),
  );
});

test("a log from another search is refused with the file named", async () => {
  const log = path.join(tmp(), "x.jsonl");
  await runSearch({ space: DEFAULT_SPACE, strategy: "random", seed: 1, logFile: log, executor: inProcessExecutor(createEvaluator()), budget: { maxCandidates: 2 } });
  assert.throws(() => readSearchLog(log, { strategy: "pop", searchSeed: 1, space: DEFAULT_SPACE }), (e: Error) => e.message.includes(log) && /different search/.test(e.message));
  fs.appendFileSync(log, "not json\n{}\n");
  assert.throws(() => readSearchLog(log, { strategy: "random", searchSeed: 1, space: DEFAULT_SPACE }), /corrupt JSON line/);
});

test("an evaluator failure stops the search with the candidate named, after logging the others", async () => {
  const log = path.join(tmp(), "f.jsonl");
  let n = 0;
  const ok = createEvaluator();
  await assert.rejects(
    runSearch({
      space: DEFAULT_SPACE,
      strategy: "pop",
      seed: 2,
      logFile: log,
      executor: inProcessExecutor(async (c) => {
        if (++n === 3) throw new Error("out of memory");
        return ok(c);
      }, 2),
      budget: { maxCandidates: 10 },
    }),
    /candidate s4\.4-[\d.-]+ failed: out of memory/,
  );
  assert.ok(readSearchLog(log, { strategy: "pop", searchSeed: 2, space: DEFAULT_SPACE }).length >= 2);
});

test("with the same budget and seed, POP and random search share their first proposals", async () => {
  const dir = tmp();
  const run = (strategy: "pop" | "random") =>
    runSearch({ space: DEFAULT_SPACE, strategy, seed: 4, logFile: path.join(dir, `${strategy}.jsonl`), executor: inProcessExecutor(createEvaluator()), budget: { maxCandidates: 3, patience: 99 } });
  const a = await run("pop");
  const b = await run("random");
  assert.equal(a.records[0].id, b.records[0].id);
  assert.equal(a.records[1].id, b.records[1].id, "nothing can be pruned with one model trained");
});

test("the random baseline reuses what POP already trained for the same seed instead of retraining", async () => {
  const dir = tmp();
  const trained: string[] = [];
  const ev = createEvaluator();
  const executor = inProcessExecutor(async (c) => {
    trained.push(c.id);
    return ev(c);
  });
  const base = { space: DEFAULT_SPACE, seed: 4, executor, budget: { maxCandidates: 4, patience: 99 } };
  const pop = await runSearch({ ...base, strategy: "pop", logFile: path.join(dir, "pop.jsonl") });
  trained.length = 0;
  const rnd = await runSearch({ ...base, strategy: "random", logFile: path.join(dir, "random.jsonl"), reuse: pop.records });
  const shared = rnd.records.filter((r) => pop.records.some((p) => p.id === r.id));
  assert.ok(shared.length >= 2);
  for (const r of shared) {
    assert.ok(!trained.includes(r.id), `${r.id} retrained`);
    assert.equal((r.extra as { reusedFrom?: string }).reusedFrom, "pop");
    const p = pop.records.find((x) => x.id === r.id)!;
    assert.equal(r.accuracy, p.accuracy);
    assert.equal(r.wallSeconds, p.wallSeconds, "the compute budget counts the original training time");
  }
  assert.equal(trained.length, 4 - shared.length);
});

test("the objective picks the validation metric on the front's accuracy axis; logs refuse a different one", async () => {
  const log = path.join(tmp(), "auc.jsonl");
  const base = { space: DEFAULT_SPACE, strategy: "pop" as const, seed: 6, logFile: log, executor: inProcessExecutor(createEvaluator()) };
  const r = await runSearch({ ...base, objective: "auc", budget: { maxCandidates: 3 } });
  assert.ok(r.records.every((x) => x.objective === "auc" && x.accuracy === x.val.auc));
  await assert.rejects(runSearch({ ...base, budget: { maxCandidates: 4 } }), /ranks candidates by validation auc, this search by accuracy/);
  await assert.rejects(runSearch({ ...base, objective: "nope", logFile: path.join(tmp(), "n.jsonl"), budget: { maxCandidates: 1 } }), /no validation nope/);
});
