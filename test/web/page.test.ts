import { test, after, before } from "node:test";
import assert from "node:assert/strict";
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Browser, Page } from "playwright-core";
import { CHROMIUM_ARGS, chromiumPath } from "../../src/plot/export";
import { repoRoot, sharedDataDir } from "../../src/util/provenance";

/*
 * The browser page as a reader meets it: `naslung web` serving on loopback, opened in Debian's
 * Chromium, real readings and a real CT series dropped in through the file inputs, the numbers
 * checked against `naslung predict` (the command line, native kernels) on the same inputs.
 */
const main = path.join(repoRoot, "dist", "src", "cli", "main.js");
const model = path.join(repoRoot, "data", "pretrained", "lidc-ensemble-16ep");
const readings = path.join(sharedDataDir(), "lidc-solid-nodule-slices-64px", "images");
const series = path.join(sharedDataDir(), "lung-pet-ct-dx-sample", "Lung_Dx-A0002", "2.000000-ThoraxRoutine-B70f-62919");
const firstReading = (cls: string) => {
  const exam = fs.readdirSync(path.join(readings, cls)).sort()[0];
  const reading = fs.readdirSync(path.join(readings, cls, exam)).sort()[0];
  return path.join(readings, cls, exam, reading);
};
const filesOf = (dir: string) => fs.readdirSync(dir).sort().map((f) => path.join(dir, f));

let server: ChildProcess | null = null;
let browser: Browser | null = null;
let url = "";
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-web-test-"));
before(async () => {
  server = spawn(process.execPath, [main, "web", "--port", "0"], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  server.stdout?.on("data", (d) => (log += d));
  server.stderr?.on("data", (d) => (log += d));
  const t0 = Date.now();
  for (;;) {
    const m = /serving (http:\/\/127\.0\.0\.1:\d+\/)/.exec(log);
    if (m) {
      url = m[1];
      break;
    }
    if (server.exitCode !== null) assert.fail(`naslung web exited (${server.exitCode}):\n${log}`);
    if (Date.now() - t0 > 60_000) assert.fail(`naslung web did not come up:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
});
after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    server.kill("SIGTERM");
    await new Promise((r) => server?.once("exit", r));
  }
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** A fresh page with its console errors and uncaught exceptions collected. */
async function openPage(query = ""): Promise<{ page: Page; errors: string[]; loadedAt: number }> {
  const page = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(String(e)));
  const loadedAt = Date.now();
  await page.goto(url + query);
  await page.waitForSelector("body[data-ready=true], #error:not([hidden])", { timeout: 60_000 });
  assert.equal(await page.isHidden("#error"), true, `page error: ${await page.textContent("#error")}`);
  return { page, errors, loadedAt };
}

/** Does `action` (giving the page files or a click) and waits for the next score; fails on a page error instead. */
async function scoreAfter(page: Page, action: () => Promise<void>): Promise<void> {
  const before = await page.evaluate(() => ({ scores: window.naslung.scores, errors: window.naslung.errors }));
  await action();
  await page.waitForFunction((b) => window.naslung.scores > b.scores || window.naslung.errors > b.errors, before, { timeout: 120_000 });
  assert.equal(await page.isHidden("#error"), true, `page error: ${await page.textContent("#error")}`);
}

/** What the page shows: the ensemble's and each member's probability (full precision). */
async function shownScores(page: Page): Promise<{ ensemble: number; members: Record<string, number> }> {
  return page.evaluate(() => {
    const e = document.getElementById("ensemble-probability")!;
    const members: Record<string, number> = {};
    document.querySelectorAll<HTMLElement>("[data-member]").forEach((td) => (members[td.dataset.member!] = Number(td.dataset.value)));
    return { ensemble: Number(e.dataset.value), members, text: e.textContent };
  });
}

/** The command line's scores of the same input. */
function cliScores(args: string[]): { ensemble: number; members: Record<string, number> } {
  const out = execFileSync(process.execPath, [main, "predict", "--model", model, ...args], { encoding: "utf8" });
  const r = JSON.parse(out.trim().split("\n").pop()!);
  return { ensemble: r.ensemble, members: Object.fromEntries(r.members.map((m: { name: string; probability: number }) => [m.name, m.probability])) };
}

function assertSameScores(page: { ensemble: number; members: Record<string, number> }, cli: { ensemble: number; members: Record<string, number> }, what: string): void {
  assert.deepEqual(Object.keys(page.members).sort(), Object.keys(cli.members).sort(), `${what}: members`);
  for (const [name, p] of Object.entries(cli.members)) assert.ok(Math.abs(page.members[name] - p) <= 1e-4, `${what}: ${name} page ${page.members[name]} vs CLI ${p}`);
  assert.ok(Math.abs(page.ensemble - cli.ensemble) <= 1e-4, `${what}: ensemble page ${page.ensemble} vs CLI ${cli.ensemble}`);
}

/** Non-background pixels of each overlay canvas. */
async function paintedPixels(page: Page): Promise<number[]> {
  return page.evaluate(() =>
    ["plane-axial", "plane-coronal", "plane-sagittal"].map((id) => {
      const c = document.getElementById(id) as HTMLCanvasElement;
      const d = c.getContext("2d")!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 30) n++;
      return n;
    }),
  );
}

test("the page scores real LIDC readings as `naslung predict` does (1e-4), draws the overlays, and reports its load-to-score time", { timeout: 300_000 }, async (t) => {
  const { page, errors, loadedAt } = await openPage();
  const backend = await page.textContent("#backend");
  assert.match(backend ?? "", /^(webgl|wasm|cpu)$/, "the page names its backend");
  assert.match((await page.textContent("header")) ?? "", /research use only, not for diagnosis/i);
  let n = 0;
  for (const cls of ["maligno", "benigno"]) {
    const dir = firstReading(cls);
    await scoreAfter(page, () => page.setInputFiles("#files", filesOf(dir)));
    n++;
    if (n === 1) {
      // The page's own clock (ms since navigation started): the score is on screen at lastScoreMs,
      // before the explainers run. The test's clock also counts the file transfer and the explainers.
      const s = await page.evaluate(() => ({ ...window.naslung.timings, scored: window.naslung.lastScoreMs! }));
      t.diagnostic(
        `page load to first score on a real reading: ${Math.round(s.scored)} ms (${backend}): ensemble fetched ${Math.round(s.fetchedMs!)} ms, built and checked ${Math.round(s.backendMs!)} ms, ` +
          `files handed over ${Math.round(s.filesMs!)} ms, scored ${Math.round(s.scored - s.filesMs!)} ms later; test clock incl. explainers ${Date.now() - loadedAt} ms`,
      );
    }
    assertSameScores(await shownScores(page), cliScores(["--reading", dir]), path.relative(readings, dir));
    await page.waitForSelector("#overlays:not([hidden])", { timeout: 120_000 });
    const painted = await paintedPixels(page);
    assert.ok(painted.every((p) => p > 500), `every plane is drawn (${painted})`);
  }
  // The map and slice controls redraw the planes.
  const before = await paintedPixels(page);
  await page.selectOption("#map", "stem");
  await page.fill("#slice-axial", "0");
  assert.notDeepEqual(await paintedPixels(page), before, "changing the map and slice redraws");
  const shot = process.env.NASLUNG_UPDATE_SCREENSHOT ? path.join(repoRoot, "figures", "web-page.png") : path.join(scratch, "web-page.png");
  await page.selectOption("#map", "Grad-CAM");
  await page.fill("#slice-axial", "16");
  await page.screenshot({ path: shot, fullPage: true });
  t.diagnostic(`screenshot: ${shot}`);
  assert.deepEqual(errors, [], "no console errors");
});

test("a CT series plus a click on the nodule scores as `naslung predict --dicom --voxel` does", { timeout: 300_000 }, async () => {
  const { page, errors } = await openPage();
  await page.setInputFiles("#files", filesOf(series));
  await page.waitForSelector("#series:not([hidden])", { timeout: 120_000 });
  const voxel = [17, 302, 199];
  await page.fill("#series-slice", String(voxel[0]));
  const box = (await page.locator("#series-canvas").boundingBox())!;
  // The centre of pixel (row, column) on the displayed canvas (512 x 512 image shown at box size).
  await scoreAfter(page, () => page.mouse.click(box.x + ((voxel[2] + 0.5) / 512) * box.width, box.y + ((voxel[1] + 0.5) / 512) * box.height));
  assert.match((await page.textContent("#input-label")) ?? "", /voxel \[17, 302, 199\]/);
  assertSameScores(await shownScores(page), cliScores(["--dicom", series, "--voxel", voxel.join(",")]), "DICOM click");
  assert.equal(await page.isVisible("#caveat"), true, "a clicked series is marked as threshold-segmented");
  assert.deepEqual(errors, [], "no console errors");
});

test("a corrupt or unrelated file gets a visible error naming it, and the page keeps working: a reading folder then scores (on the wasm backend, same numbers)", { timeout: 300_000 }, async () => {
  const { page, errors } = await openPage("?backend=wasm");
  assert.equal(await page.textContent("#backend"), "wasm");
  const corrupt = path.join(scratch, "0.png");
  fs.writeFileSync(corrupt, Buffer.from("this is not a PNG, only its name says so"));
  await page.setInputFiles("#files", [corrupt]);
  await page.waitForSelector("#error:not([hidden])");
  assert.match((await page.textContent("#error")) ?? "", /0\.png: cannot decode PNG/);
  const unrelated = path.join(scratch, "notes.txt");
  fs.writeFileSync(unrelated, "shopping list");
  await page.setInputFiles("#files", [unrelated]);
  await page.waitForFunction(() => /notes\.txt/.test(document.getElementById("error")!.textContent ?? ""));
  assert.match((await page.textContent("#error")) ?? "", /notes\.txt.*not a DICOM file/);
  // A reading given as its folder (the folder picker: names arrive as <folder>/<k>.png).
  const dir = firstReading("maligno");
  await scoreAfter(page, () => page.setInputFiles("#folder", dir));
  assert.equal(await page.isHidden("#error"), true, "the error is cleared by the next good input");
  assert.match((await page.textContent("#input-label")) ?? "", new RegExp(`^${path.basename(dir)} \\(\\d+ slices\\)`), "the reading is named by its folder");
  assertSameScores(await shownScores(page), cliScores(["--reading", dir]), "after errors");
  assert.deepEqual(errors, [], "errors are shown on the page, not thrown into the console");
});
