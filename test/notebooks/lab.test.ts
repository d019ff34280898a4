import { test, after } from "node:test";
import assert from "node:assert/strict";
import { ChildProcess, spawn } from "child_process";
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as path from "path";
import type { Browser } from "playwright-core";
import { buildNotebook, notebookSource } from "../../src/cli/notebookRunner";
import { CHROMIUM_ARGS, chromiumPath } from "../../src/plot/export";
import { repoRoot } from "../../src/util/provenance";

/*
 * The lab as a user meets it: `npm run lab` (Jupyter on loopback, token required) opened in Debian's
 * Chromium, notebook 00 run with Cell > Run All through the UI, its figure interactive.
 */
const copy = path.join(repoRoot, "notebooks", `.tmp-lab-${process.pid}.ipynb`);
let server: ChildProcess | null = null;
let browser: Browser | null = null;
after(async () => {
  await browser?.close();
  // npm starts bash, bash execs jupyter, jupyter starts the kernel: end the whole process group.
  if (server?.pid && server.exitCode === null) {
    process.kill(-server.pid, "SIGTERM");
    await new Promise((r) => server?.once("exit", r));
  }
  fs.rmSync(copy, { force: true });
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

test("npm run lab serves the notebooks (as root too); notebook 00 runs all cells in Chromium with no error and an interactive plotly figure", { timeout: 240_000 }, async () => {
  buildNotebook(notebookSource(path.join(repoRoot, "notebooks", "00_setup.ipynb")) as string, copy);
  const port = await freePort();
  const token = randomBytes(12).toString("hex");
  server = spawn("npm", ["run", "--silent", "lab", "--", `--port=${port}`, "--port-retries=0", `--NotebookApp.token=${token}`, "--ContentsManager.allow_hidden=True"], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let log = "";
  server.stdout?.on("data", (d) => (log += d));
  server.stderr?.on("data", (d) => (log += d));
  const t0 = Date.now();
  while (!log.includes(`http://127.0.0.1:${port}/`)) {
    if (server.exitCode !== null) assert.fail(`npm run lab exited (${server.exitCode}):\n${log}`);
    if (Date.now() - t0 > 60_000) assert.fail(`npm run lab did not come up:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const base = `http://127.0.0.1:${port}`;
  assert.equal((await fetch(`${base}/api/contents`)).status, 403, "no token, no access");

  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  const page = await browser.newPage();
  const consoleErrors: string[] = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.goto(`${base}/notebooks/notebooks/${path.basename(copy)}?token=${token}`);
  await page.waitForSelector("#kernel_indicator_icon.kernel_idle_icon", { timeout: 90_000 });
  await page.click("#celllink");
  await page.click("#run_all_cells");
  // Run All has finished when no cell is queued or running ("In [*]") and the last one has output.
  await page.waitForFunction(
    () => {
      const cells = Array.from(document.querySelectorAll(".code_cell"));
      const last = cells[cells.length - 1];
      return (
        cells.length > 0 &&
        document.querySelectorAll(".code_cell.running").length === 0 &&
        cells.every((c) => !(c.querySelector(".input_prompt")?.textContent ?? "").includes("*")) &&
        !!last?.querySelector(".output_area")
      );
    },
    undefined,
    { timeout: 120_000, polling: 250 },
  );
  assert.equal(await page.locator(".output_error").count(), 0, await page.locator(".output_error").allTextContents().then((t) => t.join("\n")));
  await page.waitForSelector(".js-plotly-plot .main-svg", { timeout: 30_000 });
  assert.ok((await page.locator(".js-plotly-plot").count()) >= 1, "an interactive plotly figure");
  assert.match((await page.locator(".rendered_html").allTextContents()).join("\n"), /Figure 00_seeded_normal — regenerate with naslung figures --only 00_seeded_normal/);
  assert.deepEqual(consoleErrors, []);
});
