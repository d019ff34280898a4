import { test, after } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { closeRenderer, deterministicSvg, renderFigure } from "../../src/plot/export";
import { histogramFigure } from "../../src/plot/figure";
import { saveFigure, readManifest } from "../../src/plot/manifest";
import { toDataFrame, dataFrameHtml, dataFrameText } from "../../src/plot/display";

after(() => closeRenderer());

const fig = histogramFigure([{ name: "x", values: [1, 2, 2, 3, 3, 3] }], { title: "T", xTitle: "v" });

test("renders PNG (correct size at scale 1) and SVG through headless Chromium", async () => {
  const png = await renderFigure(fig, "png", 1);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(png.readUInt32BE(16), 720);
  assert.equal(png.readUInt32BE(20), 480);
  const svg = (await renderFigure(fig, "svg")).toString("utf8");
  assert.match(svg, /^<svg[^>]*width="720"/);
  assert.match(svg, />T</);
});

test("saveFigure writes PNG+SVG and records command, config, seed and commit in the manifest", async () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-fig-"));
  await saveFigure("h", fig, { command: "cmd", config: { a: 1 }, seed: 3 }, d);
  await saveFigure("h", fig, { command: "cmd2", seed: 4 }, d);
  const m = readManifest(path.join(d, "manifest.json"));
  assert.equal(m.figures.length, 1);
  assert.deepEqual(m.figures[0].files.sort(), ["h.png", "h.svg"]);
  assert.equal(m.figures[0].command, "cmd2");
  assert.equal(m.figures[0].seed, 4);
  assert.match(m.figures[0].gitCommit, /^([0-9a-f]{40}|unknown)$/);
  assert.equal(typeof m.figures[0].dirty, "boolean");
  // The gallery is rewritten with the manifest.
  assert.match(fs.readFileSync(path.join(d, "README.md"), "utf8"), /<img src="h\.png"[^|]*\*\*T\*\*/);
  assert.ok(fs.statSync(path.join(d, "h.png")).size > 1000);
});

test("SVG export is deterministic: plotly's random plot and trace ids are fixed", async () => {
  const a = (await renderFigure(fig, "svg")).toString("utf8");
  const b = (await renderFigure(fig, "svg")).toString("utf8");
  assert.equal(a, b);
  assert.match(a, /id="defs-f1g000"/);
  assert.equal(
    deterministicSvg('<svg><defs id="defs-abcdef"/><linearGradient id="g12ab34-cbt7"/><rect style="fill: url(#g12ab34-cbt7)"/><linearGradient id="g99ff00-cbt9"/></svg>'),
    '<svg><defs id="defs-f1g000"/><linearGradient id="gf1g001-cbt7"/><rect style="fill: url(#gf1g001-cbt7)"/><linearGradient id="gf1g002-cbt9"/></svg>',
    "colour-bar gradient ids are fixed too",
  );
  assert.equal(deterministicSvg('<svg><defs id="defs-123456"/><path d="M123456,1L-123456,2"/><g clip-path="url(#clip123456xy)"/></svg>'), '<svg><defs id="defs-f1g000"/><path d="M123456,1L-123456,2"/><g clip-path="url(#clipf1g000xy)"/></svg>');
});

test("tables: danfojs DataFrame from rows, rendered as HTML and text", () => {
  const df = toDataFrame([{ a: 1, b: 0.12345 }, { a: 2, c: "x" }]);
  assert.deepEqual(df.columns, ["a", "b", "c"]);
  assert.deepEqual(df.shape, [2, 3]);
  const html = dataFrameHtml(df);
  assert.match(html, /<th>a<\/th><th>b<\/th><th>c<\/th>/);
  assert.match(html, /<td>0\.123<\/td>/);
  assert.match(dataFrameText(df).split("\n")[0], /a\s+b\s+c/);
});
