import { test } from "node:test";
import assert from "node:assert/strict";
import { architectureFigure } from "../../src/plot/architecture";
import { parseArch } from "../../src/models/config";
import { describeArchitecture } from "../../src/models/complexity";

test("architecture diagram: one box per layer, stage bands with map sizes, totals in the title", () => {
  const cfg = parseArch("[4,4,[8,8,8],[16,16,16],[32,32]]");
  const fig = architectureFigure(cfg);
  const rows = describeArchitecture(cfg);
  const shapes = fig.layout.shapes as Array<{ line: { width: number } }>;
  const boxes = shapes.filter((s) => s.line.width === 1);
  assert.equal(boxes.length, rows.length);
  assert.equal(shapes.length - boxes.length, 4, "stem + three stage bands");
  const texts = (fig.layout.annotations as Array<{ text: string }>).map((a) => a.text);
  for (const band of ["<b>stem</b> 32³", "<b>stage 1</b> 16³", "<b>stage 2</b> 8³", "<b>stage 3</b> 4³"]) assert.ok(texts.includes(band), band);
  assert.ok(texts.includes("ResBlock 16->32"));
  assert.match((fig.layout.title as { text: string }).text, /s4\.4-8\.8\.8-16\.16\.16-32\.32 \(reference ResCBAM, A-Softmax\): 158\.5 kparams, 177\.0 MFLOP/);
  const none = architectureFigure({ ...cfg, attention: "none", head: "linear" });
  const noneBoxes = (none.layout.shapes as Array<{ line: { width: number } }>).filter((s) => s.line.width === 1);
  assert.equal(noneBoxes.length, rows.length - 4, "no attention boxes");
  assert.doesNotThrow(() => JSON.stringify(fig));
});
