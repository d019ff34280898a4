import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend } from "../../src/backend/select";
import { loadDemoConfig, quickDemoConfig, runDemo } from "../../src/cli/demoPipeline";
import { repoRoot } from "../../src/util/provenance";

test("the main job runs end to end on a tiny synthetic cohort (quick demo) and leaves its summary and figures", { timeout: 900_000 }, async () => {
  await initBackend({ quiet: true });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-demo-"));
  const c = { ...quickDemoConfig(loadDemoConfig(path.join(repoRoot, "configs", "demo.json"))), outDir: out };
  const lines: string[] = [];
  const r = await runDemo(c, (l) => lines.push(l));
  assert.equal(r.dataset.synthetic, true);
  assert.ok(r.dataset.samples > 10);
  const kinds = new Set(r.metricsRows.map((row) => row.kind));
  assert.ok(kinds.has("member") && kinds.has("ensemble"), JSON.stringify([...kinds]));
  assert.deepEqual(r.insideMask.map((m) => m.map), ["stem", "stage 1", "stage 2", "stage 3", "Grad-CAM"]);
  for (const f of r.figures) assert.ok(fs.statSync(f).size > 500, f);
  assert.equal(r.figures.length, 8);
  const summary = JSON.parse(fs.readFileSync(path.join(out, "demo.json"), "utf8"));
  assert.equal(summary.seed, c.seed);
  assert.match(summary.gitCommit, /^([0-9a-f]{40}(\+dirty)?|unknown)$/);
  assert.ok(lines.some((l) => l.includes("[5/5]")));
  // A rerun resumes every stage from what the first run left (no candidate or fold is retrained).
  const again = await runDemo(c, () => undefined);
  assert.deepEqual(again.metricsRows, r.metricsRows);
});
