import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { executeNotebook, listNotebooks } from "../../src/cli/notebookRunner";
import { repoRoot } from "../../src/util/provenance";
import { captionRecipeName } from "../../src/plot/display";
import { figureRecipes } from "../../src/plot/registry";
import { readManifest } from "../../src/plot/manifest";

/*
 * Every notebook executes headless through the tslab kernel (quick mode, into a temporary copy
 * so the committed outputs are not rewritten by the tests); any cell error fails the suite.
 */
const out = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-nb-"));

for (const nb of listNotebooks()) {
  test(`notebook ${path.basename(nb)} executes without a cell error`, { timeout: 15 * 60_000 }, async () => {
    const target = path.join(out, path.basename(nb));
    const r = await executeNotebook(nb, { output: target, env: { NASLUNG_QUICK: "1" } });
    assert.ok(r.ok, `${path.basename(nb)} failed:\n${r.error}`);
    const saved = JSON.parse(fs.readFileSync(target, "utf8"));
    const errors = saved.cells.flatMap((c: { outputs?: Array<{ output_type: string }> }) =>
      (c.outputs ?? []).filter((o) => o.output_type === "error"),
    );
    assert.equal(errors.length, 0);
    // Portable outputs: counts 1..n, no absolute path of this machine.
    const code = saved.cells.filter((c: { cell_type: string }) => c.cell_type === "code");
    assert.deepEqual(code.map((c: { execution_count: number }) => c.execution_count), code.map((_: unknown, i: number) => i + 1));
    assert.ok(!JSON.stringify(saved.cells).includes(repoRoot + path.sep), `${path.basename(nb)}: an output holds the absolute path ${repoRoot}`);
    // Notebook and figure are one thing: every image is followed by the caption of its recipe.
    const recipes = new Set(figureRecipes().map((x) => x.name));
    saved.cells.forEach((c: { outputs?: Array<{ data?: Record<string, unknown> }> }, ci: number) => {
      const outs = c.outputs ?? [];
      outs.forEach((o, k) => {
        if (o.data?.["image/png"] === undefined) return;
        const md = outs[k + 1]?.data?.["text/markdown"];
        const caption = Array.isArray(md) ? md.join("") : String(md ?? "");
        const name = captionRecipeName(caption);
        assert.ok(name, `${path.basename(nb)} cell ${ci}: an image without a recipe caption (show it with nl.plot.showRecipe)`);
        assert.ok(recipes.has(name), `${path.basename(nb)} cell ${ci}: caption names ${name}, which is no recipe`);
      });
    });
  });
}

test("every recipe has its committed PNG, SVG and manifest entry, and the gallery lists it", () => {
  const dir = path.join(repoRoot, "figures");
  const manifest = new Set(readManifest(path.join(dir, "manifest.json")).figures.map((e) => e.name));
  const gallery = fs.readFileSync(path.join(dir, "README.md"), "utf8");
  for (const r of figureRecipes()) {
    for (const ext of ["png", "svg"]) assert.ok(fs.existsSync(path.join(dir, `${r.name}.${ext}`)), `figures/${r.name}.${ext} missing (naslung figures --only ${r.name})`);
    assert.ok(manifest.has(r.name), `figures/manifest.json has no entry ${r.name}`);
    assert.ok(gallery.includes(`naslung figures --only ${r.name}\``), `figures/README.md does not list ${r.name}`);
  }
});

test("00_setup's executed copy holds the danfojs table and the figure", async () => {
  const target = path.join(out, "00_setup.check.ipynb");
  const r = await executeNotebook(path.join(repoRoot, "notebooks", "00_setup.ipynb"), { output: target });
  assert.ok(r.ok, r.error);
  const outputs = JSON.parse(fs.readFileSync(target, "utf8")).cells.flatMap(
    (c: { outputs?: Array<{ data?: Record<string, unknown> }> }) => c.outputs ?? [],
  );
  assert.ok(outputs.some((o: { data?: Record<string, unknown> }) => String(o.data?.["text/html"] ?? "").includes("naslung-table")));
  assert.ok(outputs.some((o: { data?: Record<string, unknown> }) => typeof o.data?.["image/png"] === "string"));
});

test("in the lab (NASLUNG_PLOT=interactive) a figure is live plotly HTML and its PNG in one output bundle, with its caption", async () => {
  const target = path.join(out, "00_setup.interactive.ipynb");
  const r = await executeNotebook(path.join(repoRoot, "notebooks", "00_setup.ipynb"), { output: target, env: { NASLUNG_PLOT: "interactive" } });
  assert.ok(r.ok, r.error);
  const outputs: Array<{ data?: Record<string, unknown> }> = JSON.parse(fs.readFileSync(target, "utf8")).cells.flatMap((c: { outputs?: unknown[] }) => c.outputs ?? []);
  const k = outputs.findIndex((o) => String(o.data?.["text/html"] ?? "").includes("P.newPlot"));
  assert.ok(k >= 0, "a live plotly output");
  // nbformat stores multi-line strings as arrays of lines.
  const text = (v: unknown) => (Array.isArray(v) ? v.join("") : String(v ?? ""));
  const fig = Object.fromEntries(Object.entries(outputs[k].data ?? {}).map(([m, v]) => [m, text(v).trim()]));
  assert.match(fig["image/png"], /^iVBORw0KGgo/, "the same bundle holds the PNG (base64)");
  assert.ok(fig["text/html"].includes(`data:image/png;base64,${fig["image/png"].slice(0, 64)}`), "the HTML shows the PNG until the script replaces it");
  assert.equal(captionRecipeName(text(outputs[k + 1]?.data?.["text/markdown"])), "00_seeded_normal");
});

test("a notebook with a failing cell (even before a passing one) fails the run", async () => {
  const bad = path.join(repoRoot, "test", "fixtures", "notebooks", "failing.ipynb");
  const r = await executeNotebook(bad, { output: path.join(out, "failing.ipynb") });
  assert.equal(r.ok, false);
  assert.match(r.error ?? "", /deliberate failure/);
});
