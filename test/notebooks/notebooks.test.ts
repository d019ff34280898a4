import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { executeNotebook, listNotebooks } from "../../src/cli/notebookRunner";
import { repoRoot } from "../../src/util/provenance";

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
  });
}

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

test("a notebook with a failing cell (even before a passing one) fails the run", async () => {
  const bad = path.join(repoRoot, "test", "fixtures", "notebooks", "failing.ipynb");
  const r = await executeNotebook(bad, { output: path.join(out, "failing.ipynb") });
  assert.equal(r.ok, false);
  assert.match(r.error ?? "", /deliberate failure/);
});
