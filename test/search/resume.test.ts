import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readSearchLog } from "../../src/search/log";
import { DEFAULT_SPACE } from "../../src/search/space";

/*
 * The search is killed (SIGKILL, no chance to clean up) while two worker threads are training,
 * then restarted with the same config: it continues, keeps every finished candidate and never
 * trains one twice. Runs the real CLI with the cheap analytic evaluator.
 */
const cli = path.join(__dirname, "..", "..", "src", "cli", "main.js");

function writeConfig(dir: string): string {
  const file = path.join(dir, "search.json");
  fs.writeFileSync(
    file,
    JSON.stringify({
      name: "killtest",
      seed: 5,
      strategies: ["pop"],
      budget: { maxCandidates: 10, patience: 100, maxSeconds: null },
      workers: 2,
      outDir: dir,
      evaluator: { kind: "analytic", delayMs: 250 },
    }),
  );
  return file;
}

test("a search killed mid-run resumes from its log without retraining", { timeout: 120_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-kill-"));
  const cfg = writeConfig(dir);
  const log = path.join(dir, "killtest-pop.jsonl");
  const child = spawn(process.execPath, [cli, "search", "--config", cfg], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const exited = new Promise<number | null>((res) => child.on("exit", (code) => res(code)));
  const t0 = Date.now();
  while (!(fs.existsSync(log) && fs.readFileSync(log, "utf8").split("\n").filter(Boolean).length >= 3)) {
    if (Date.now() - t0 > 60_000) {
      child.kill("SIGKILL");
      assert.fail(`no progress before the kill:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  child.kill("SIGKILL");
  assert.equal(await exited, null, "killed, not finished");
  const before = readSearchLog(log, { strategy: "pop", searchSeed: 5, space: DEFAULT_SPACE });
  assert.ok(before.length >= 3 && before.length < 10, `killed after ${before.length}`);
  const prefix = fs.readFileSync(log, "utf8").slice(0, fs.readFileSync(log, "utf8").lastIndexOf("\n") + 1);

  const r = spawnSync(process.execPath, [cli, "search", "--config", cfg], { encoding: "utf8", timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const after = readSearchLog(log, { strategy: "pop", searchSeed: 5, space: DEFAULT_SPACE });
  assert.equal(after.length, 10);
  assert.ok(fs.readFileSync(log, "utf8").startsWith(prefix), "finished candidates are kept as written");
  assert.equal(new Set(after.map((x) => x.id)).size, 10, "no candidate trained twice");
  assert.match(r.stdout, new RegExp(`pop: 10 trained \\(${before.length} from the log, ${10 - before.length} now\\)`));
  assert.ok(after.some((x) => x.worker !== null), "trained in worker threads");
  assert.ok(new Set(after.map((x) => x.worker)).size >= 2, "both workers were used");
});

test("naslung search --space-size prints 101529", () => {
  const r = spawnSync(process.execPath, [cli, "search", "--space-size"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "101529");
});

test("a bad search config names the file and key", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-badcfg-"));
  const file = path.join(dir, "bad.json");
  fs.writeFileSync(file, JSON.stringify({ budget: { maxCandidates: -1 } }));
  const r = spawnSync(process.execPath, [cli, "search", "--config", file], { encoding: "utf8" });
  assert.notEqual(r.status, 0);
  assert.ok(r.stderr.includes(file) && r.stderr.includes("budget.maxCandidates"), r.stderr);
});
