import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readManifest } from "../../src/plot/manifest";
import { figureRecipes } from "../../src/plot/registry";

/*
 * `naslung figures` as a reviewer runs it: the manifest records the real commit and inputs, the
 * order puts instant figures first, and `--check` finds figures that no longer match.
 */
const cli = path.join(__dirname, "..", "..", "src", "cli", "main.js");
const repo = path.join(__dirname, "..", "..", "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-figcli-"));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
const run = (args: string[]) => spawnSync(process.execPath, [cli, "figures", ...args], { encoding: "utf8", timeout: 300_000 });

test("recipes: instant ones first, the ones that train marked; --list says so; an unknown --only is named", () => {
  const rs = figureRecipes();
  const firstTrains = rs.findIndex((r) => r.trains);
  assert.ok(firstTrains > 0 && rs.slice(firstTrains).every((r) => r.trains), "every training recipe after every instant one");
  const list = run(["--list"]);
  assert.equal(list.status, 0, list.stderr);
  assert.match(list.stdout, /^04_ensemble_roc\ttrains \(reuses finished runs\/ensemble-study-\{full,quick\}-s0\)\t/m);
  assert.match(list.stdout, /^06_lidc_roc\tinstant\tfrom data\/results\/lidc-benchmark\.json\t/m);
  const bad = run(["--only", "no_such_figure"]);
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /figures --only: no figure named no_such_figure/);
});

test("a run records the commit read before it wrote, input hashes, software and time; SVGs are byte-stable; the gallery lists them", { timeout: 300_000 }, () => {
  const out = path.join(tmp, "figs");
  const only = ["--only", "02_search_space_depths,06_lidc_roc", "--out", out];
  const r1 = run(only);
  assert.equal(r1.status, 0, r1.stderr);
  assert.match(r1.stderr, /\[\d\/2\] 02_search_space_depths: .*\d s\)/);
  const svg1 = fs.readFileSync(path.join(out, "06_lidc_roc.svg"));
  const r2 = run(only);
  assert.equal(r2.status, 0, r2.stderr);
  assert.ok(fs.readFileSync(path.join(out, "06_lidc_roc.svg")).equals(svg1), "an unchanged figure rewrites its SVG byte for byte");
  const head = spawnSync("git", ["rev-parse", "HEAD"], { cwd: repo, encoding: "utf8" }).stdout.trim();
  const m = readManifest(path.join(out, "manifest.json"));
  const roc = m.figures.find((e) => e.name === "06_lidc_roc");
  assert.ok(roc);
  assert.equal(roc.gitCommit, head || "unknown");
  assert.equal(typeof roc.dirty, "boolean");
  assert.deepEqual(roc.inputs?.map((i) => i.file), ["data/results/lidc-benchmark.json"]);
  assert.match(roc.inputs?.[0].sha256 ?? "", /^[0-9a-f]{64}$/);
  assert.match(roc.versions?.tfjs ?? "", /^4\./);
  assert.match(roc.backend ?? "", /backend/);
  assert.ok((roc.seconds ?? -1) >= 0);
  const gallery = fs.readFileSync(path.join(out, "README.md"), "utf8");
  for (const n of ["02_search_space_depths", "06_lidc_roc"]) assert.match(gallery, new RegExp(`naslung figures --only ${n}\``));

  // --check: matching figures pass; a changed PNG and a changed input are reported, exit 1.
  const ok = run(["--check", ...only]);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /all 2 figures match/);
  fs.writeFileSync(path.join(out, "02_search_space_depths.png"), Buffer.from("not the figure"));
  const mm = JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8"));
  mm.figures.find((e: { name: string }) => e.name === "06_lidc_roc").inputs[0].sha256 = "0".repeat(64);
  fs.writeFileSync(path.join(out, "manifest.json"), JSON.stringify(mm));
  const bad = run(["--check", ...only]);
  assert.equal(bad.status, 1, bad.stdout + bad.stderr);
  assert.match(bad.stdout, /stale\s+02_search_space_depths: rebuilt: PNG differs/);
  assert.match(bad.stdout, /stale\s+06_lidc_roc: inputs changed since it was made: data\/results\/lidc-benchmark\.json/);
});

test("the committed figures match their recipes and inputs (naslung figures --check)", { timeout: 600_000 }, () => {
  const r = run(["--check", "--quick"]);
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
