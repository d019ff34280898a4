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
  // summary.json: every member and ensemble by AUC with its CI, and the ruler on the same nodules.
  const rows = JSON.parse(fs.readFileSync(path.join(out, "summary.json"), "utf8")) as Array<{ name: string; kind: string; auc: number; aucCI: [number, number]; n: number }>;
  assert.deepEqual(rows, r.summary);
  assert.deepEqual(rows.filter((x) => x.kind === "ruler").map((x) => x.name), ["true diameter (ruler)"]);
  assert.equal(rows.filter((x) => x.kind === "member").length, r.metricsRows.filter((x) => x.kind === "member").length);
  assert.ok(rows.some((x) => x.kind === "ensemble"));
  for (const x of rows) {
    assert.ok(x.aucCI[0] <= x.auc + 1e-12 && x.auc <= x.aucCI[1] + 1e-12, JSON.stringify(x));
    assert.equal(x.n, rows[0].n);
  }
  assert.ok(lines.some((l) => l.includes("AUC beside the ruler")));
  // A rerun resumes every stage from what the first run left (no candidate or fold is retrained).
  const again = await runDemo(c, () => undefined);
  assert.deepEqual(again.metricsRows, r.metricsRows);
});
