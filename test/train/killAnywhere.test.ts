import { after, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadCheckpoint } from "../../src/train/checkpoint";
import { runOutcome } from "./runOutcome";
import { parseKillSpec } from "../../src/util/killPoint";
import { readSearchLog } from "../../src/search/log";

/*
 * kill -9 anywhere loses nothing. Real CLI child processes are stopped by SIGKILL at named points
 * (src/util/killPoint.ts: mid-epoch, half-way through writing a checkpoint or a result, between
 * best.ckpt and last.ckpt, between folds; for the search mid-candidate, half-way through a log
 * line, between candidates), then resumed (and some killed again while resuming). Each must end
 * with exactly the weights, fold results, metrics and search log of an uninterrupted run, and at
 * no moment may a file under its real name be half written: after every kill each checkpoint and
 * JSON file in the run folder must parse.
 */
const cli = path.join(__dirname, "..", "..", "src", "cli", "main.js");
const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-killanywhere-"));
after(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));

// 40 synthetic spheres, 2 folds, 4 epochs of 3 steps (12 train, 8 validation per fold): ~3 s a
// run. At this learning rate fold 0 improves at epoch 2, so `train:best-saved@2` falls there.
const trainConfig = {
  name: "kill",
  dataset: "size-only",
  datasetOptions: { samples: 40, seed: 3, size: 32 },
  arch: "[2,2,[2],[2],[4]]",
  epochs: 4,
  batchSize: 4,
  optimizer: { name: "adam", lr: 0.02 },
  schedule: { name: "constant" },
  folds: { scheme: "grouped", k: 2, innerValFraction: 0.4 },
  bootstrapResamples: 50,
  progress: "none",
};

function cliRun(args: string[], killAt?: string): { status: number | null; signal: NodeJS.Signals | null; stderr: string } {
  const env = { ...process.env };
  delete env.NASLUNG_KILL_AT;
  if (killAt) env.NASLUNG_KILL_AT = killAt;
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", env, timeout: 120_000 });
  return { status: r.status, signal: r.signal, stderr: r.stderr };
}

function onlyRun(root: string): string {
  const d = fs.readdirSync(root);
  assert.equal(d.length, 1, `one run folder in ${root}`);
  return path.join(root, d[0]);
}

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

/** Every file under its real name parses; returns the temporary halves left behind. */
function assertNothingHalfWritten(dir: string): string[] {
  const temps: string[] = [];
  for (const f of walk(dir)) {
    if (/\.tmp-\d+-/.test(f)) temps.push(f);
    else if (f.endsWith(".ckpt")) loadCheckpoint(f);
    else if (f.endsWith(".json")) JSON.parse(fs.readFileSync(f, "utf8"));
  }
  return temps;
}

/** A run's outcome without wall times: fold results, metrics and every checkpoint's weights and state. */
const outcome = (dir: string) => runOutcome(dir, ["fold-0", "fold-1"]);

const cfgFile = path.join(tmpRoot, "train.json");
fs.writeFileSync(cfgFile, JSON.stringify(trainConfig));
let reference: Record<string, unknown> | null = null;
function referenceOutcome(): Record<string, unknown> {
  if (!reference) {
    const root = path.join(tmpRoot, "reference");
    const r = cliRun(["train", "--config", cfgFile, "--runs", root]);
    assert.equal(r.status, 0, r.stderr);
    reference = outcome(onlyRun(root));
  }
  return reference;
}

test("NASLUNG_KILL_AT is parsed strictly", () => {
  assert.deepEqual([...parseKillSpec("train:step@3, write:last.ckpt@2")], [["train:step", 3], ["write:last.ckpt", 2]]);
  assert.throws(() => parseKillSpec("train:step"), /NASLUNG_KILL_AT: "train:step" must be <point>@<n>/);
  assert.throws(() => parseKillSpec("train:step@0"), /n >= 1/);
});

// Each case: the kill points of the first run, then of each resume before the final one.
const bestAhead = (dir: string) => {
  const best = loadCheckpoint(path.join(dir, "fold-0", "best.ckpt")).state.bestEpoch;
  const last = loadCheckpoint(path.join(dir, "fold-0", "last.ckpt")).state.bestEpoch;
  assert.ok(best > last, `best.ckpt (best epoch ${best + 1}) is ahead of last.ckpt (best epoch ${last + 1})`);
};
const trainCases: Array<{ name: string; kills: string[]; halfWritten?: RegExp; afterKill?: (dir: string) => void }> = [
  { name: "mid-epoch (step 5 of fold 0)", kills: ["train:step@5"] },
  { name: "half-way through writing last.ckpt (epoch 2)", kills: ["write:last.ckpt@2"], halfWritten: /last\.ckpt\.tmp-/ },
  { name: "between writing best.ckpt and last.ckpt", kills: ["train:best-saved@2"], afterKill: bestAhead },
  { name: "half-way through a fold's result.json", kills: ["write:result.json@1"], halfWritten: /result\.json\.tmp-/ },
  { name: "between folds, then mid-epoch of fold 1 while resuming, then during metrics.json", kills: ["cv:fold@1", "train:step@2", "write:metrics.json@1"] },
];

for (const c of trainCases) {
  test(`kill -9 ${c.name}: resume ends with identical weights, results and metrics`, { timeout: 300_000 }, () => {
    const root = path.join(tmpRoot, c.name.replace(/[^a-z0-9]+/gi, "-"));
    let first = true;
    let dir = "";
    for (const kill of c.kills) {
      const r: ReturnType<typeof cliRun> = first ? cliRun(["train", "--config", cfgFile, "--runs", root], kill) : cliRun(["train", "--resume", dir], kill);
      assert.equal(r.signal, "SIGKILL", `${kill}: the process was killed (exit ${r.status}: ${r.stderr})`);
      if (first) dir = onlyRun(root);
      first = false;
      const temps = assertNothingHalfWritten(dir);
      if (kill === c.kills[0]) c.afterKill?.(dir);
      if (c.halfWritten && kill === c.kills[0]) assert.ok(temps.some((t) => c.halfWritten?.test(t)), `a half-written temporary file is left: ${temps}`);
      assert.equal(JSON.parse(fs.readFileSync(path.join(dir, "run.json"), "utf8")).status, "running", "a killed run is not marked finished");
    }
    const r = cliRun(["train", "--resume", dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(assertNothingHalfWritten(dir), [], "stale temporary files are removed on resume");
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, "run.json"), "utf8")).status, "finished");
    assert.deepEqual(outcome(dir), referenceOutcome());
  });
}

// A small real search over the 19 architectures of 3-4 blocks of widths 2/4: 5 candidates trained
// one epoch (4 steps) on the spheres in a worker thread. The random-search strategy, because its
// proposals depend on the seed alone, so an interrupted search must write exactly the log of an
// uninterrupted one. (POP prunes on measured latency, which differs from run to run even without
// a kill; its resume is tested in test/search/resume.test.ts: nothing retrained, nothing lost.)
function searchConfig(dir: string): string {
  const file = path.join(dir, "search.json");
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    file,
    JSON.stringify({
      name: "killsearch",
      seed: 11,
      space: { widths: [2, 4], minBlocks: 3, maxBlocks: 4, stem: [2, 2] },
      strategies: ["random"],
      objective: "auc",
      budget: { maxCandidates: 5, maxSeconds: null, patience: 100 },
      workers: 1,
      outDir: dir,
      evaluator: {
        kind: "train",
        data: { dataset: "size-only", options: { samples: 40, seed: 3, size: 32, groups: 40 } },
        folds: { k: 2, fold: 0, seed: 7, innerValFraction: 0.4 },
        train: { epochs: 1, batchSize: 4, earlyStopping: { patience: null, selectBy: "auc" } },
        latency: { batchSizes: [1], warmup: 0, repeats: 1, minRepeats: 1 },
      },
    }),
  );
  return file;
}
const expectLog = { strategy: "random" as const, searchSeed: 11, space: { widths: [2, 4], minBlocks: 3, maxBlocks: 4, stem: [2, 2] as [number, number] }, objective: "auc" };
/** What a candidate's record says about the model (not when, where or how fast it ran). */
function searchOutcome(log: string): unknown[] {
  return readSearchLog(log, expectLog).map((r) => ({ id: r.id, proposal: r.proposal, seed: r.seed, arch: r.arch, params: r.params, flops: r.flops, val: r.val, accuracy: r.accuracy }));
}
let searchReference: unknown[] | null = null;

const tornTail = (log: string) => assert.ok(!fs.readFileSync(log, "utf8").endsWith("\n"), "the kill left half a line at the end of the log");
const searchCases: Array<{ name: string; kills: string[]; afterKill?: (log: string) => void }> = [
  { name: "mid-candidate (in the worker thread)", kills: ["train:step@6"] },
  { name: "half-way through a log line, then between candidates while resuming", kills: ["append:killsearch-random.jsonl@2", "search:record@1"], afterKill: tornTail },
];

for (const c of searchCases) {
  test(`kill -9 a search ${c.name}: resume ends with the uninterrupted search's log`, { timeout: 300_000 }, () => {
    if (!searchReference) {
      const dir = path.join(tmpRoot, "search-reference");
      const r = cliRun(["search", "--config", searchConfig(dir)]);
      assert.equal(r.status, 0, r.stderr);
      searchReference = searchOutcome(path.join(dir, "killsearch-random.jsonl"));
      assert.equal(searchReference.length, 5);
    }
    const dir = path.join(tmpRoot, `search-${c.name.replace(/[^a-z0-9]+/gi, "-")}`);
    const cfg = searchConfig(dir);
    const log = path.join(dir, "killsearch-random.jsonl");
    for (const kill of c.kills) {
      const r = cliRun(["search", "--config", cfg], kill);
      assert.equal(r.signal, "SIGKILL", `${kill}: the process was killed (exit ${r.status}: ${r.stderr})`);
      if (kill === c.kills[0]) c.afterKill?.(log);
      const n = searchOutcome(log).length; // a torn last line is never read back as a record
      assert.ok(n < 5, `killed before the end (${n} records)`);
    }
    const r = cliRun(["search", "--config", cfg]);
    assert.equal(r.status, 0, r.stderr);
    const text = fs.readFileSync(log, "utf8");
    assert.ok(text.endsWith("\n") && text.split("\n").filter(Boolean).every((l) => JSON.parse(l)), "every line of the log is whole");
    assert.deepEqual(searchOutcome(log), searchReference);
  });
}
