import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { encode } from "fast-png";
import { initBackend } from "../../src/backend/select";
import { loadEnsemble, disposeEnsemble } from "../../src/benchmark/pretrained";
import { loadLidcBenchmarkConfig } from "../../src/benchmark/lidcBenchmark";
import { loadLidcSlices } from "../../src/data/lidcSlices";
import { sizeOnlyDataset } from "../../src/data/synthetic/sizeOnly";
import { readSearchLog } from "../../src/search/log";
import { DEFAULT_SPACE } from "../../src/search/space";
import { resolveTrainConfig } from "../../src/train/config";
import { claimRunDir, runTraining } from "../../src/train/run";
import { decodeCheckpoint } from "../../src/train/checkpoint";
import { acquireLock } from "../../src/util/lock";
import { repoRoot } from "../../src/util/provenance";

/*
 * Inputs that used to give a wrong number that looks right (or an error that names nothing),
 * each fed exactly as a user would, each now refused with the file, the key and the problem.
 */
const cli = path.join(__dirname, "..", "..", "src", "cli", "main.js");
const tmp = (tag: string) => fs.mkdtempSync(path.join(os.tmpdir(), `naslung-${tag}-`));
const shipped = path.join(repoRoot, "data", "pretrained", "lidc-ensemble-16ep");

function editedEnsemble(edit: (spec: Record<string, any>) => void): string {
  const dir = tmp("ens");
  for (const f of fs.readdirSync(shipped)) fs.copyFileSync(path.join(shipped, f), path.join(dir, f));
  const file = path.join(dir, "ensemble.json");
  const spec = JSON.parse(fs.readFileSync(file, "utf8"));
  edit(spec);
  fs.writeFileSync(file, JSON.stringify(spec));
  return dir;
}

const ensembleEdits: Array<[string, (s: Record<string, any>) => void, RegExp]> = [
  ["inputNorm missing", (s) => delete s.members[0].inputNorm, /key `members\[0\]\.inputNorm`: is required/],
  ["inputNorm std 0", (s) => (s.members[0].inputNorm.std = 0), /key `members\[0\]\.inputNorm\.std`: must be > 0/],
  ["inputNorm strings", (s) => (s.members[1].inputNorm = { mean: "0.1", std: "x" }), /key `members\[1\]\.inputNorm\.mean`: expected number, got string/],
  ["vote typo", (s) => (s.vote = "Soft"), /key `vote`: must be one of "soft", "hard" \(got "Soft"\)/],
  ["threshold out of range", (s) => (s.threshold = 7), /key `threshold`: must be in \(0, 1\) \(got 7\)/],
  ["member without file", (s) => delete s.members[0].file, /key `members\[0\]\.file`: is required/],
  ["file outside the folder", (s) => (s.members[0].file = "../../../../etc/hostname"), /key `members\[0\]\.file`: must not contain `\.\.`/],
  ["absolute file", (s) => (s.members[1].file = "/etc/hostname"), /key `members\[1\]\.file`: must be relative/],
  ["broken arch", (s) => (s.members[0].arch = "[4,4,[8"), /key `members\[0\]\.arch`: parseArch: cannot parse "\[4,4,\[8"/],
  ["unknown attention", (s) => (s.members[0].attention = "zzz"), /key `members\[0\]\.attention`: must be one of "reference", "cbam", "none" \(got "zzz"\)/],
  ["duplicate member", (s) => (s.members[1].name = s.members[0].name), /key `members\[1\]\.name`: "model-1" appears twice/],
];

for (const [what, edit, expected] of ensembleEdits) {
  test(`pretrained ensemble.json with ${what} is refused before any weights are read, naming file and field`, () => {
    const dir = editedEnsemble(edit);
    assert.throws(
      () => loadEnsemble(dir),
      (e: unknown) => {
        const m = (e as Error).message;
        assert.ok(m.startsWith(path.join(dir, "ensemble.json") + ": "), m);
        assert.match(m, expected);
        return true;
      },
    );
    fs.rmSync(dir, { recursive: true });
  });
}

test("the shipped ensemble still loads (the schema accepts what we write)", () => {
  const e = loadEnsemble(shipped);
  assert.equal(e.members.length, e.spec.members.length);
  disposeEnsemble(e);
});

test("datasetOptions: a missing folder or a negative patient count is a config error, and nothing is generated", () => {
  assert.throws(() => resolveTrainConfig({ dataset: "demo", datasetOptions: { dir: "/nonexistent" } }, "c.json"), /c\.json: key `datasetOptions\.dir`: does not exist/);
  assert.throws(() => resolveTrainConfig({ dataset: "demo", datasetOptions: { patients: -2 } }, "c.json"), /c\.json: key `datasetOptions\.patients`: must be >= 2 \(got -2\)/);
  assert.throws(() => resolveTrainConfig({ dataset: "demo", datasetOptions: { patiens: 3 } }, "c.json"), /key `datasetOptions\.patiens`: unknown key/);
  assert.throws(() => resolveTrainConfig({ dataset: "lidc-slices", datasetOptions: { dir: "/nonexistent" } }, "c.json"), /key `datasetOptions\.dir`: LIDC slices folder "\/nonexistent" does not exist/);
  assert.throws(() => resolveTrainConfig({ dataset: "size-only", datasetOptions: { samples: 2 } }, "c.json"), /key `datasetOptions\.samples`: must be >= 4/);
  // Through the CLI: exit non-zero, one line naming the file and key, no cohort and no run folder.
  const dir = tmp("dsopt");
  const runs = path.join(dir, "runs");
  for (const opts of [{ dir: path.join(dir, "nonexistent") }, { patients: -2 }]) {
    const cfg = path.join(dir, "c.json");
    fs.writeFileSync(cfg, JSON.stringify({ name: "bad", dataset: "demo", datasetOptions: opts, epochs: 1 }));
    const before = fs.readdirSync(path.join(repoRoot, "data")).sort();
    const r = spawnSync(process.execPath, [cli, "train", "--config", cfg, "--runs", runs], { encoding: "utf8", cwd: dir });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /c\.json: key `datasetOptions\.(dir|patients)`/);
    assert.deepEqual(fs.readdirSync(path.join(repoRoot, "data")).sort(), before, "no cohort folder generated");
    assert.ok(!fs.existsSync(path.join(dir, "nonexistent")));
    assert.ok(!fs.existsSync(runs) || fs.readdirSync(runs).length === 0, "no run folder");
  }
  fs.rmSync(dir, { recursive: true });
});

function writeReading(root: string, width: number, height: number, slices: number): string {
  const rdir = path.join(root, "images", "benigno", "E1", "R1");
  fs.mkdirSync(rdir, { recursive: true });
  for (let k = 0; k < slices; k++) {
    const data = new Uint8Array(width * height).map((_, i) => (i * 37 + k * 11) % 256);
    fs.writeFileSync(path.join(rdir, `${k}.png`), encode({ width, height, data, channels: 1, depth: 8 }));
  }
  return rdir;
}

for (const [w, h] of [
  [300, 300],
  [1, 1],
  [64, 20],
]) {
  test(`an evaluate-slices reading of ${w}x${h} px slices is refused as off-protocol, naming the file`, () => {
    const root = tmp("slices");
    const rdir = writeReading(root, w, h, 3);
    assert.throws(() => loadLidcSlices(root, { radiomics: false, cacheDir: false }), new RegExp(`${path.join(rdir, "0.png")}: slice is ${w}x${h} px; the protocol's readings are 64x64`));
    const r = spawnSync(process.execPath, [cli, "evaluate-slices", "--model", shipped, "--dir", root], { encoding: "utf8" });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /slice is \d+x\d+ px; the protocol's readings are 64x64/);
    fs.rmSync(root, { recursive: true });
  });
}

const tinyConfig = (extra: Record<string, unknown> = {}) =>
  resolveTrainConfig({
    name: "tiny",
    dataset: "size-only",
    datasetOptions: { samples: 32 },
    arch: "[2,2,[4],[4],[4]]",
    epochs: 2,
    batchSize: 8,
    seed: 1,
    optimizer: { name: "adam", lr: 0.003 },
    folds: { scheme: "grouped", k: 2, innerValFraction: 0.3 },
    progress: "none",
    prefetch: "inline",
    calibration: "none",
    ...extra,
  });

test("an arch error after config parsing leaves no run folder", async () => {
  await initBackend({ backend: "cpu", quiet: true });
  const runs = tmp("archerr");
  // Config parsing refuses it; a config built in code (past the parser) is refused before any folder.
  assert.throws(() => tinyConfig({ arch: "[4,4,[8" }), /config: key `arch`: parseArch: cannot parse/);
  const config = { ...tinyConfig(), arch: "[4,4,[8" };
  await assert.rejects(runTraining({ config, configFile: "t.json", runsRoot: runs, dataset: sizeOnlyDataset({ samples: 32 }) }), /t\.json: key `arch`: parseArch: cannot parse/);
  assert.deepEqual(fs.readdirSync(runs), []);
});

test("two runs of one config and seed started in the same second get separate folders", async () => {
  await initBackend({ backend: "cpu", quiet: true });
  const root = tmp("claim");
  const want = path.join(root, "20261207-000000-tiny-s1");
  assert.equal(claimRunDir(want), want);
  assert.equal(claimRunDir(want), `${want}-2`);
  // Two real runs at once: each finishes in its own folder with its own complete results.
  const runs = tmp("twins");
  const ds = sizeOnlyDataset({ samples: 32 });
  const [a, b] = await Promise.all([runTraining({ config: tinyConfig(), runsRoot: runs, dataset: ds }), runTraining({ config: tinyConfig(), runsRoot: runs, dataset: ds })]);
  assert.notEqual(a.runDir, b.runDir);
  for (const r of [a, b]) assert.equal(JSON.parse(fs.readFileSync(path.join(r.runDir, "run.json"), "utf8")).status, "finished");
  const { runDir: ra, ...ma } = a.metrics as unknown as Record<string, unknown>;
  const { runDir: rb, ...mb } = b.metrics as unknown as Record<string, unknown>;
  assert.deepEqual([ra, rb], [a.runDir, b.runDir], "each run's metrics name its own folder");
  assert.deepEqual(ma, mb, "same config and seed: same result, neither overwritten");
});

test("a run folder is trained by one process at a time; a stale lock (dead pid) is taken over", () => {
  const dir = tmp("lock");
  const release = acquireLock(path.join(dir, "run.lock"), `run ${dir}`);
  assert.throws(() => acquireLock(path.join(dir, "run.lock"), `run ${dir}`), new RegExp(`run ${dir}: another process \\(pid ${process.pid}\\) is writing it`));
  release();
  fs.writeFileSync(path.join(dir, "run.lock"), "999999999\n"); // no such process
  const again = acquireLock(path.join(dir, "run.lock"), `run ${dir}`);
  assert.equal(fs.readFileSync(path.join(dir, "run.lock"), "utf8").trim(), String(process.pid));
  again();
  assert.ok(!fs.existsSync(path.join(dir, "run.lock")));
});

for (const lr of [100, 1e4, 1e6]) {
  test(`a diverging run (lr ${lr}) stops naming fold, epoch and step, writes no NaN weights and is marked failed`, async () => {
    await initBackend({ backend: "cpu", quiet: true });
    const dir = tmp("diverge");
    const config = tinyConfig({ optimizer: { name: "sgd", lr, momentum: 0.9 }, epochs: 3 });
    await assert.rejects(runTraining({ config, runDir: dir, dataset: sizeOnlyDataset({ samples: 32 }) }), /training diverged \(fold \d\/2\): .*(epoch \d+).*step \d+.*Lower optimizer\.lr/);
    const run = JSON.parse(fs.readFileSync(path.join(dir, "run.json"), "utf8"));
    assert.equal(run.status, "failed");
    assert.match(run.error.message, /training diverged/);
    assert.ok(!fs.existsSync(path.join(dir, "metrics.json")), "no results of a failed run");
    for (const f of fs.readdirSync(dir).filter((d) => d.startsWith("fold-"))) {
      for (const ck of fs.readdirSync(path.join(dir, f)).filter((n) => n.endsWith(".ckpt"))) {
        const c = decodeCheckpoint(fs.readFileSync(path.join(dir, f, ck)), ck);
        for (const [k, w] of Object.entries(c.weights)) assert.ok(w.data.every(Number.isFinite), `${f}/${ck}: ${k} holds a non-finite weight`);
      }
    }
  });
}

test("benchmark configs: a member name that would become a path outside the runs folder is refused", () => {
  const dir = tmp("bench");
  const raw = JSON.parse(fs.readFileSync(path.join(repoRoot, "configs", "lidc-benchmark.json"), "utf8"));
  raw.members[0].name = "../../escape";
  const file = path.join(dir, "b.json");
  fs.writeFileSync(file, JSON.stringify(raw));
  assert.throws(() => loadLidcBenchmarkConfig(file), new RegExp(`${file}: key \`members\\[0\\]\\.name\`: must be a non-empty string of letters`));
  raw.members[0].name = "ok";
  raw.ensemble.vote = "Soft";
  fs.writeFileSync(file, JSON.stringify(raw));
  assert.throws(() => loadLidcBenchmarkConfig(file), /key `ensemble\.vote`: must be one of "soft", "hard" \(got "Soft"\)/);
});

test("two searches into one log: the second is refused; a log holding exact duplicates still resumes", { timeout: 120_000 }, async () => {
  const dir = tmp("twosearch");
  const cfg = path.join(dir, "search.json");
  fs.writeFileSync(
    cfg,
    JSON.stringify({ name: "twin", seed: 5, strategies: ["pop"], budget: { maxCandidates: 3, patience: 100, maxSeconds: null }, workers: 1, outDir: dir, evaluator: { kind: "analytic", delayMs: 300 } }),
  );
  const run = () =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, [cli, "search", "--config", cfg], { stdio: ["ignore", "ignore", "pipe"] });
      let stderr = "";
      c.stderr.on("data", (d) => (stderr += d));
      c.on("close", (code) => resolve({ code, stderr }));
    });
  const [a, b] = await Promise.all([run(), run()]);
  const codes = [a.code, b.code].sort();
  assert.deepEqual(codes, [0, 1], `${a.stderr}\n${b.stderr}`);
  assert.match((a.code ? a : b).stderr, /search log .*twin-pop\.jsonl: another process \(pid \d+\) is writing it/);
  const log = path.join(dir, "twin-pop.jsonl");
  const recs = readSearchLog(log, { strategy: "pop", searchSeed: 5, space: DEFAULT_SPACE });
  assert.equal(recs.length, 3);
  // A log from before the lock, with a candidate written twice: resumed, the duplicate dropped.
  const lines = fs.readFileSync(log, "utf8").trim().split("\n");
  fs.writeFileSync(log, [...lines, lines[1]].join("\n") + "\n");
  assert.equal(readSearchLog(log, { strategy: "pop", searchSeed: 5, space: DEFAULT_SPACE }).length, 3);
  const changed = JSON.parse(lines[1]);
  changed.accuracy = changed.val.accuracy = changed.accuracy / 2;
  fs.writeFileSync(log, [...lines, JSON.stringify(changed)].join("\n") + "\n");
  assert.throws(() => readSearchLog(log, { strategy: "pop", searchSeed: 5, space: DEFAULT_SPACE }), /record 4: architecture .* appears twice with different results/);
  const again = await run();
  assert.notEqual(again.code, 0);
});
