import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadSeries } from "../../src/io/dicom";
import { extractCrop, cropStart } from "../../src/preprocess/crop";
import { locateBoxes, petCtCases, readPetCtBoxes, readVocBoxes } from "../../src/data/petct";

// SOURCE.md: A0001 boxes on files 1-13..1-23 (11 slices), A0002 on 1-11..1-18 (8 slices).
const EXPECT: Record<string, { shape: number[]; spacing: number[]; files: [number, number] }> = {
  "Lung_Dx-A0001": { shape: [64, 512, 512], spacing: [5, 0.841796875, 0.841796875], files: [13, 23] },
  "Lung_Dx-A0002": { shape: [30, 512, 512], spacing: [8, 0.646484375, 0.646484375], files: [11, 18] },
};

for (const c of petCtCases()) {
  test(`${c.patientId}: series -> HU volume -> 32^3 crop at every tumour box, geometry matches the box files`, () => {
    const e = EXPECT[c.patientId];
    assert.ok(e, `unexpected case ${c.patientId}`);
    const { volume, slices } = loadSeries(c.seriesDir);
    assert.deepEqual(volume.shape, e.shape);
    assert.deepEqual(volume.spacing, e.spacing);
    const boxes = readPetCtBoxes(c.annotationsDir);
    assert.equal(boxes.length, e.files[1] - e.files[0] + 1);
    assert.ok(boxes.every((b) => b.label === "A" && b.histology === "adenocarcinoma"));
    const located = locateBoxes(volume, slices, boxes);
    // The SOP UIDs point at exactly the files SOURCE.md lists, on consecutive slices.
    const fileNums = located.map((l) => Number(/1-(\d+)\.dcm$/.exec(slices[l.sliceIndex].file)![1])).sort((a, b) => a - b);
    assert.deepEqual(fileNums, Array.from({ length: boxes.length }, (_, i) => e.files[0] + i));
    const zs = located.map((l) => l.sliceIndex).sort((a, b) => a - b);
    assert.equal(zs[zs.length - 1] - zs[0] + 1, zs.length);
    for (const l of located) {
      const b = l.box;
      // World centre: x,y from the box through the pixel grid, z = the slice's ImagePositionPatient z.
      assert.ok(Math.abs(l.centreWorld[2] - slices[l.sliceIndex].position[2]) < 1e-6);
      assert.ok(Math.abs(l.centreWorld[0] - (volume.origin[0] + ((b.xmin + b.xmax) / 2) * volume.spacing[2])) < 1e-6);
      assert.ok(Math.abs(l.centreWorld[1] - (volume.origin[1] + ((b.ymin + b.ymax) / 2) * volume.spacing[1])) < 1e-6);
      const crop = extractCrop(volume, l.centreWorld, 32, -1024);
      const [x0, y0, z0] = cropStart(volume, l.centreWorld, 32);
      assert.equal(z0, l.sliceIndex - 16);
      assert.equal(x0, Math.round((b.xmin + b.xmax) / 2) - 16);
      assert.equal(y0, Math.round((b.ymin + b.ymax) / 2) - 16);
      // The crop's middle slice is the annotated slice around the box centre.
      const [, ny, nx] = volume.shape;
      for (const [j, i] of [[16, 16], [0, 0], [31, 31], [5, 27]]) {
        assert.equal(crop[(16 * 32 + j) * 32 + i], volume.data[(l.sliceIndex * ny + y0 + j) * nx + x0 + i]);
      }
      // The 32x32 window sits inside these > 3 cm boxes: it is tumour (soft tissue), not air.
      let sum = 0;
      for (let j = 0; j < 32; j++) for (let i = 0; i < 32; i++) sum += crop[(16 * 32 + j) * 32 + i];
      assert.ok(sum / 1024 > -300, `${b.file}: mean HU ${sum / 1024} at the box centre`);
      assert.ok(b.xmin <= x0 + 16 && x0 + 16 <= b.xmax && b.ymin <= y0 + 16 && y0 + 16 <= b.ymax);
    }
    // Boxes on other series are refused by name.
    assert.throws(() => locateBoxes(volume, slices.slice(0, 1), boxes), /\.xml: SOPInstanceUID .* is not a slice of this series/);
  });
}

test("petCtCases finds the two shared cases; bad box files give named errors", () => {
  assert.deepEqual(petCtCases().map((c) => c.patientId), ["Lung_Dx-A0001", "Lung_Dx-A0002"]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "petct-"));
  const w = (name: string, s: string) => {
    const f = path.join(dir, name);
    fs.writeFileSync(f, s);
    return f;
  };
  const size = "<size><width>512</width><height>512</height><depth>1</depth></size>";
  assert.throws(() => readVocBoxes(w("a.xml", "<annotation><object>")), /a\.xml:\d+:\d+: malformed XML/);
  assert.throws(
    () => readVocBoxes(w("b.xml", `<annotation>${size}<object><name>A</name><bndbox><xmin>1</xmin><ymin>q</ymin><xmax>3</xmax><ymax>4</ymax></bndbox></object></annotation>`)),
    /b\.xml: <object>\[1\]\/<bndbox>\/<ymin>: "q" is not a number/,
  );
  assert.throws(
    () => readVocBoxes(w("c.xml", `<annotation>${size}<object><name>A</name><bndbox><xmin>10</xmin><ymin>1</ymin><xmax>600</xmax><ymax>4</ymax></bndbox></object></annotation>`)),
    /c\.xml: <object>\[1\]\/<bndbox>: \[10,1,600,4\] is empty or outside the 512x512 slice/,
  );
  const two = readVocBoxes(
    w("1.2.3.xml", `<annotation>${size}<object><name>G</name><bndbox><xmin>1</xmin><ymin>2</ymin><xmax>3</xmax><ymax>4</ymax></bndbox></object><object><name>B</name><bndbox><xmin>5</xmin><ymin>6</ymin><xmax>7</xmax><ymax>8</ymax></bndbox></object></annotation>`),
  );
  assert.deepEqual(two.map((b) => [b.sopInstanceUid, b.label, b.histology, b.xmin, b.ymax]), [["1.2.3", "G", "squamous-cell carcinoma", 1, 4], ["1.2.3", "B", "small-cell carcinoma", 5, 8]]);
  fs.rmSync(dir, { recursive: true });
});
