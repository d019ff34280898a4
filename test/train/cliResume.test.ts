import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { slowTests } from "../../src/util/provenance";

/*
 * End to end with the real ConvResNet and the CLI: a `naslung train` child process is SIGKILLed
 * right after its first checkpoint, `naslung train --resume` finishes the run, and its test-fold
 * predictions equal those of an uninterrupted run bit for bit. Slow (a small synthetic cohort is
 * generated on first use, and ConvRes steps take seconds on a loaded CPU): NASLUNG_SLOW=1.
 */
const main = path.join(__dirname, "..", "..", "src", "cli", "main.js");
const config = {
  name: "cli-resume",
  dataset: "demo",
  datasetOptions: { patients: 8, seed: 3 },
  arch: "[2,2,[2],[2],[4]]",
  epochs: 2,
  batchSize: 4,
  schedule: { name: "constant" },
  folds: { scheme: "grouped", k: 2, innerValFraction: 0.25 },
  bootstrapResamples: 100,
  progress: "log",
};

function latestRun(root: string): string {
  const d = fs.readdirSync(root);
  assert.equal(d.length, 1);
  return path.join(root, d[0]);
}

test("CLI: SIGKILL mid-run, then --resume, equals an uninterrupted run", { skip: !slowTests(), timeout: 30 * 60_000 }, async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-cli-"));
  const cfg = path.join(tmp, "config.json");
  fs.writeFileSync(cfg, JSON.stringify(config));
  const fullRoot = path.join(tmp, "full");
  const r = spawnSync(process.execPath, [main, "train", "--config", cfg, "--runs", fullRoot], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const full = latestRun(fullRoot);

  const killRoot = path.join(tmp, "killed");
  const child = spawn(process.execPath, [main, "train", "--config", cfg, "--runs", killRoot], { stdio: "ignore" });
  const killed = await new Promise<boolean>((resolve) => {
    const timer = setInterval(() => {
      const dirs = fs.existsSync(killRoot) ? fs.readdirSync(killRoot) : [];
      if (dirs.length && fs.existsSync(path.join(killRoot, dirs[0], "fold-0", "last.ckpt"))) {
        clearInterval(timer);
        child.kill("SIGKILL");
        resolve(true);
      }
    }, 20);
    child.on("exit", () => {
      clearInterval(timer);
      resolve(false);
    });
  });
  assert.ok(killed, "the child finished before its first checkpoint could be seen");
  const dir = latestRun(killRoot);
  assert.ok(!fs.existsSync(path.join(dir, "metrics.json")));
  const res = spawnSync(process.execPath, [main, "train", "--resume", dir], { encoding: "utf8" });
  assert.equal(res.status, 0, res.stderr);
  for (const f of ["fold-0", "fold-1"]) {
    const a = JSON.parse(fs.readFileSync(path.join(full, f, "result.json"), "utf8"));
    const b = JSON.parse(fs.readFileSync(path.join(dir, f, "result.json"), "utf8"));
    assert.deepEqual(b.test, a.test, `${f} test predictions`);
    assert.equal(b.bestEpoch, a.bestEpoch);
  }
  const ev = spawnSync(process.execPath, [main, "evaluate", "--run", dir], { encoding: "utf8" });
  assert.equal(ev.status, 0, ev.stderr);
  assert.match(ev.stdout, /pooled OOF/);
});
