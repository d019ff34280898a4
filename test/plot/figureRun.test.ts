import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runFigureRecipes } from "../../src/plot/figureRun";
import { closeRenderer } from "../../src/plot/export";
import { histogramFigure } from "../../src/plot/figure";
import type { FigureRecipe } from "../../src/plot/registry";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-figrun-"));
after(async () => {
  await closeRenderer();
  fs.rmSync(tmp, { recursive: true, force: true });
});

// A recipe that stands for one that trains and resumes finished runs (building it is instant here).
const resuming: FigureRecipe = {
  name: "t_resuming",
  trains: true,
  reuses: "runs/some-study",
  description: "a figure whose study resumes finished runs",
  async build() {
    return { figure: histogramFigure([{ name: "x", values: [1, 2, 2, 3] }], { title: "t", xTitle: "x" }), config: { k: 1 }, seed: 3 };
  },
};

test("a figure that trains records the finished runs it reused, or none with --retrain", async () => {
  const [reused] = await runFigureRecipes({ recipes: [resuming], dir: path.join(tmp, "a"), backend: "cpu", quick: false, log: () => undefined });
  assert.equal(reused.reused, "runs/some-study");
  assert.equal(reused.command, "naslung figures --only t_resuming");
  assert.match(fs.readFileSync(path.join(tmp, "a", "README.md"), "utf8"), /trains networks \(reused finished runs: runs\/some-study\)/);
  const [fresh] = await runFigureRecipes({ recipes: [resuming], dir: path.join(tmp, "b"), backend: "cpu", quick: false, retrain: true, log: () => undefined });
  assert.equal(fresh.reused, null);
  assert.equal(fresh.command, "naslung figures --only t_resuming --retrain");
});

test("retrain mode: studies get one fresh runs folder per process; otherwise runs/", () => {
  const provenance = path.join(__dirname, "..", "..", "src", "util", "provenance.js");
  const code = `const p = require(${JSON.stringify(provenance)}); console.log(JSON.stringify([p.runsRoot(), p.runsRoot(), p.repoRoot]))`;
  const run = (env: Record<string, string>) => JSON.parse(spawnSync(process.execPath, ["-e", code], { encoding: "utf8", env: { ...process.env, ...env } }).stdout) as string[];
  const [a, b, root] = run({ NASLUNG_RETRAIN: "1" });
  assert.equal(a, b, "one folder per process");
  assert.match(path.relative(root, a), /^runs\/retrain-\d{8}T\d{6}-\d+$/);
  assert.ok(fs.existsSync(a));
  fs.rmSync(a, { recursive: true, force: true });
  const [c] = run({ NASLUNG_RETRAIN: "" });
  assert.equal(c, path.join(root, "runs"));
});
