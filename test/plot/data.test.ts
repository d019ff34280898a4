import { test } from "node:test";
import assert from "node:assert/strict";
import { boxOutline, clusterOverlays, cropGalleryFigure, everyNth, huHistogramFigure, sliceFigure, sliceRows } from "../../src/plot/data";
import type { Volume } from "../../src/io/volume";
import type { NoduleSample } from "../../src/data/sample";

const vol: Volume = {
  data: new Float32Array(2 * 4 * 6).map((_, i) => i),
  shape: [2, 4, 6],
  spacing: [2, 0.5, 0.5],
  origin: [0, 0, 0],
  direction: [1, 0, 0, 0, 1, 0, 0, 0, 1],
};

test("slice figure: heatmap of the right slice (rows top-down), overlays as closed lines", () => {
  assert.deepEqual(sliceRows(vol, 1, 2), [
    [24, 26, 28],
    [36, 38, 40],
  ]);
  assert.throws(() => sliceRows(vol, 2), /slice 2 outside 0\.\.1/);
  const f = sliceFigure(vol, 1, { title: "t", overlays: [{ name: "box", points: boxOutline(1, 1, 3, 2) }] });
  const hm = f.data[0] as { z: number[][]; type: string };
  assert.equal(hm.type, "heatmap");
  assert.equal(hm.z[0][0], 24);
  const line = f.data[1] as { x: number[]; y: number[] };
  assert.deepEqual(line.x, [1, 3, 3, 1, 1]);
  assert.deepEqual((f.layout.yaxis as { range: number[] }).range, [3.5, -0.5]); // image orientation
});

test("crop gallery tiles the middle slices with labels and mask outlines", () => {
  const crop = new Float32Array(8 ** 3).fill(0.25);
  const mask = new Uint8Array(8 ** 3);
  for (let j = 3; j < 6; j++) for (let i = 3; i < 6; i++) mask[(4 * 8 + j) * 8 + i] = 1;
  const samples: NoduleSample[] = [
    { id: "a", label: 0, group: "g", size: 8, crop, mask },
    { id: "b", label: 1, group: "g", size: 8, crop },
    { id: "c", label: 1, group: "g", size: 8, crop },
  ];
  const f = cropGalleryFigure(samples, { title: "g", cols: 2 });
  const z = (f.data[0] as { z: Array<Array<number | null>> }).z;
  assert.equal(z.length, 8 * 2 + 2);
  assert.equal(z[0].length, 8 * 2 + 2);
  assert.equal(z[0][0], 0.25);
  assert.equal(z[0][8], null); // the gap between tiles
  const m = f.data[1] as { x: number[]; y: number[] };
  assert.equal(m.x.length, 8); // boundary of a 3x3 square: all but the centre
  assert.deepEqual((f.layout.annotations as Array<{ text: string }>).map((a) => a.text), ["<b>B</b>", "<b>M</b>", "<b>M</b>"]);
  assert.throws(() => cropGalleryFigure([], { title: "x" }), /no samples/);
});

test("cluster overlays pick each reader's outline on the slice; helpers", () => {
  const c = {
    marks: [
      { reader: "r2", read: { rois: [{ z: -10, inclusion: true, points: [[1, 1], [2, 1], [2, 2]] as Array<[number, number]> }] } },
      { reader: "r1", read: { rois: [{ z: -12, inclusion: true, points: [[1, 1], [2, 2], [1, 2]] as Array<[number, number]> }] } },
    ],
  };
  const o = clusterOverlays(c, -10, ["r1", "r2"]);
  assert.equal(o.length, 1);
  assert.equal(o[0].name, "r2");
  assert.equal(o[0].points.length, 4);
  assert.deepEqual(Array.from(everyNth([0, 1, 2, 3, 4], 2)), [0, 2, 4]);
  const h = huHistogramFigure([{ name: "x", values: [0, 1] }], "h");
  assert.equal((h.data[0] as { histnorm: string }).histnorm, "probability density");
});
