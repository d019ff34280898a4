/**
 * Lung-PET-CT-Dx tumour boxes (TCIA, CC BY 4.0; ../shared/data/lung-pet-ct-dx-sample).
 *
 * Each annotated slice has a PASCAL-VOC XML named `<SOPInstanceUID>.xml` holding one or more
 * `<object><name>A</name><bndbox><xmin/><ymin/><xmax/><ymax/></bndbox></object>` in pixel
 * coordinates (x = column, y = row) of that slice. Locating a box in a loaded series maps the SOP
 * UID to the slice's z index and the box centre to world mm. The class letter is the histology:
 * A adenocarcinoma, B small-cell, E large-cell, G squamous-cell carcinoma (all malignant).
 */
import * as fs from "fs";
import * as path from "path";
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { voxelToWorld } from "../io/volume";
import type { Volume } from "../io/volume";
import { sharedDataDir } from "../util/provenance";

export const PETCT_CLASSES: Record<string, string> = {
  A: "adenocarcinoma",
  B: "small-cell carcinoma",
  E: "large-cell carcinoma",
  G: "squamous-cell carcinoma",
};

/** One tumour box on one slice. */
export interface TumourBox {
  file: string;
  /** SOPInstanceUID of the slice (the file name). */
  sopInstanceUid: string;
  /** Class letter (A, B, E, G) and its histology name. */
  label: string;
  histology: string;
  /** Inclusive pixel bounds (x = column, y = row). */
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
  /** Slice size the box refers to ([width, height] from `<size>`). */
  imageSize: [number, number];
}

function num(v: unknown, where: string): number {
  const n = typeof v === "number" ? v : Number(String(v ?? "").trim());
  if (!Number.isFinite(n) || String(v ?? "").trim() === "") throw new Error(`${where}: "${String(v ?? "")}" is not a number`);
  return n;
}

/** Parses one PASCAL-VOC annotation file (errors name the file and element). */
export function readVocBoxes(file: string): TumourBox[] {
  let xml: string;
  try {
    xml = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as Error).message})`);
  }
  const v = XMLValidator.validate(xml);
  if (v !== true) throw new Error(`${file}:${v.err.line}:${v.err.col}: malformed XML (${v.err.msg})`);
  const doc = new XMLParser({ parseTagValue: false, isArray: (n) => n === "object" }).parse(xml) as Record<string, any>;
  const ann = doc["annotation"];
  if (!ann) throw new Error(`${file}: root element <annotation> not found`);
  const size: [number, number] = [num(ann.size?.width, `${file}: <size>/<width>`), num(ann.size?.height, `${file}: <size>/<height>`)];
  const sop = path.basename(file).replace(/\.xml$/i, "");
  return (ann.object ?? []).map((o: Record<string, any>, i: number): TumourBox => {
    const w = `${file}: <object>[${i + 1}]`;
    const b = o.bndbox;
    if (!b) throw new Error(`${w}: no <bndbox>`);
    const box = {
      xmin: num(b.xmin, `${w}/<bndbox>/<xmin>`),
      ymin: num(b.ymin, `${w}/<bndbox>/<ymin>`),
      xmax: num(b.xmax, `${w}/<bndbox>/<xmax>`),
      ymax: num(b.ymax, `${w}/<bndbox>/<ymax>`),
    };
    if (!(box.xmin <= box.xmax && box.ymin <= box.ymax && box.xmin >= 0 && box.ymin >= 0 && box.xmax < size[0] && box.ymax < size[1]))
      throw new Error(`${w}/<bndbox>: [${box.xmin},${box.ymin},${box.xmax},${box.ymax}] is empty or outside the ${size[0]}x${size[1]} slice`);
    const label = String(o.name ?? "").trim();
    return { file, sopInstanceUid: sop, label, histology: PETCT_CLASSES[label] ?? "unknown", ...box, imageSize: size };
  });
}

/** Every box in an `annotations/` folder, ordered by file name. */
export function readPetCtBoxes(annotationsDir: string): TumourBox[] {
  const files = fs
    .readdirSync(annotationsDir)
    .filter((f) => f.toLowerCase().endsWith(".xml"))
    .sort();
  return files.flatMap((f) => readVocBoxes(path.join(annotationsDir, f)));
}

/** One patient of the sample: its CT series folder and its annotations folder. */
export interface PetCtCase {
  patientId: string;
  seriesDir: string;
  annotationsDir: string;
}

/** The cases under `root` (default: the shared sample): `<patient>/annotations` + one series folder. */
export function petCtCases(root = path.join(sharedDataDir(), "lung-pet-ct-dx-sample")): PetCtCase[] {
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()
    .flatMap((p) => {
      const dir = path.join(root, p);
      const subs = fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
      if (!subs.includes("annotations")) return [];
      const series = subs.filter((s) => s !== "annotations");
      if (series.length !== 1) throw new Error(`${dir}: expected one series folder beside annotations/, found ${series.length}`);
      return [{ patientId: p, seriesDir: path.join(dir, series[0]), annotationsDir: path.join(dir, "annotations") }];
    });
}

/** A box placed in a volume. */
export interface LocatedBox {
  box: TumourBox;
  /** z index of the slice in the volume. */
  sliceIndex: number;
  /** Box centre as a fractional voxel index [x, y, z]. */
  centreVoxel: [number, number, number];
  /** Box centre in world mm [x, y, z]. */
  centreWorld: [number, number, number];
  /** Box extent in mm [width (x), height (y)], inclusive of the edge pixels. */
  sizeMm: [number, number];
}

/**
 * Places boxes in a loaded series: `slices[i].sopInstanceUID` gives the z index; the centre
 * ((min+max)/2 per axis) goes through the volume geometry to world mm. A box whose SOP UID is not
 * in the series, or whose slice size differs from the volume's, is an error naming its file.
 */
export function locateBoxes(volume: Volume, slices: Array<{ sopInstanceUID: string }>, boxes: TumourBox[]): LocatedBox[] {
  const zOf = new Map(slices.map((s, i) => [s.sopInstanceUID, i]));
  const [, ny, nx] = volume.shape;
  return boxes.map((box) => {
    const z = zOf.get(box.sopInstanceUid);
    if (z === undefined) throw new Error(`${box.file}: SOPInstanceUID ${box.sopInstanceUid} is not a slice of this series`);
    if (box.imageSize[0] !== nx || box.imageSize[1] !== ny)
      throw new Error(`${box.file}: box refers to a ${box.imageSize[0]}x${box.imageSize[1]} slice, the series is ${nx}x${ny}`);
    const c: [number, number, number] = [(box.xmin + box.xmax) / 2, (box.ymin + box.ymax) / 2, z];
    return {
      box,
      sliceIndex: z,
      centreVoxel: c,
      centreWorld: voxelToWorld(volume, c),
      sizeMm: [(box.xmax - box.xmin + 1) * volume.spacing[2], (box.ymax - box.ymin + 1) * volume.spacing[1]],
    };
  });
}
