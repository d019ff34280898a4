/**
 * The 697 real LIDC-IDRI nodule readings in ../shared/data/lidc-solid-nodule-slices-64px, loaded
 * exactly as its PROTOCOL.md prescribes:
 * - volume: a reading's slices `0.png, 1.png, ...` in NUMERIC order stacked along depth (slices, 64, 64);
 * - cube: the integer centre `(min+max)//2` of the non-zero voxels' bounding box goes to voxel
 *   (16,16,16) of a 32^3 cube; voxels outside the source are 0; no resampling; values / 255;
 * - label: folder `benigno` -> 0, `maligno` -> 1 (one reader's malignancy 1-2 vs 4-5);
 * - fold: (first 8 hex digits of sha1(exam_id)) mod 5, so an exam (and every reading of one
 *   physical nodule) lies in one fold; group = exam id.
 * Each sample's meta carries the reading's radiomic features from `radiomics_solidNodules.csv`
 * (incl. `diameter`, the protocol's no-training baseline).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { cellNumber, cellString, columnIndex, readCsv } from "../io/csv";
import { repoRoot, sharedDataDir } from "../util/provenance";
import type { NoduleDataset, NoduleSample } from "./sample";
import { readSampleCache, writeSampleCache } from "./sampleCache";
import { LIDC_SLICES_CUBE, nonZeroBBox, placeInCube, SliceStack, sliceStackFromPngs } from "./lidcCube";

export { LIDC_SLICE_PX, LIDC_SLICES_CUBE, nonZeroBBox, placeInCube, sliceStackFromPngs } from "./lidcCube";
export type { SliceStack } from "./lidcCube";

/** Bump when the decoding or placement changes: it invalidates every cache of this loader. */
export const LIDC_SLICES_LOADER_VERSION = 1;

/** Number of exam-grouped folds of the protocol. */
export const LIDC_SLICES_FOLDS = 5;
const CLASS_DIRS: Array<[string, 0 | 1]> = [
  ["benigno", 0],
  ["maligno", 1],
];

/** Default location of the dataset. */
export function lidcSlicesDir(): string {
  return path.join(sharedDataDir(), "lidc-solid-nodule-slices-64px");
}

/** Protocol fold of an exam: parseInt(sha1(examId)[0:8], 16) mod 5. */
export function lidcSliceFold(examId: string, folds = LIDC_SLICES_FOLDS): number {
  const h = crypto.createHash("sha1").update(examId, "utf8").digest("hex");
  return parseInt(h.slice(0, 8), 16) % folds;
}

/** Reads a reading folder's slices in numeric order as one stack (PROTOCOL.md "Volume"). */
export function readSliceStack(readingDir: string): SliceStack {
  const names = fs.readdirSync(readingDir).filter((f) => f.toLowerCase().endsWith(".png"));
  return sliceStackFromPngs(
    names.map((name) => ({ name, bytes: fs.readFileSync(path.join(readingDir, name)) })),
    readingDir,
  );
}

/** The radiomics table (one row per reading), for the baselines. */
export interface RadiomicsTable {
  source: string;
  /** `${examId}/${noduleId}`, the sample ids of `loadLidcSlices`. */
  ids: string[];
  examIds: string[];
  noduleIds: string[];
  /**
   * Feature columns (every numeric column except the label-bearing `malignancy` (the reader's
   * score the class is derived from) and `class`).
   */
  featureNames: string[];
  /** features[row][column], in `featureNames` order. */
  features: number[][];
  /** Column `diameter` (the protocol's no-training baseline, AUC 0.893). */
  diameter: number[];
  /** The reader's malignancy score (1, 2, 4 or 5): label information, not a feature. */
  malignancy: number[];
  /** From `class`: BENIGN -> 0, MALIGNANT -> 1. */
  labels: Array<0 | 1>;
}

const NON_FEATURES = new Set(["exam_id", "nodule_id", "malignancy", "class"]);

/** Reads `radiomics_solidNodules.csv` (default: the shared copy; 697 rows). */
export function radiomicsTable(file = path.join(lidcSlicesDir(), "radiomics_solidNodules.csv")): RadiomicsTable {
  const t = readCsv(file);
  const c = columnIndex(t, ["exam_id", "nodule_id", "diameter", "malignancy", "class"]);
  const featureNames = t.header.filter((h) => !NON_FEATURES.has(h));
  const fIdx = featureNames.map((n) => t.header.indexOf(n));
  const out: RadiomicsTable = { source: file, ids: [], examIds: [], noduleIds: [], featureNames, features: [], diameter: [], malignancy: [], labels: [] };
  const seen = new Set<string>();
  t.rows.forEach((row, i) => {
    const exam = cellString(t, i, c.exam_id, "exam_id");
    const nod = cellString(t, i, c.nodule_id, "nodule_id");
    const id = `${exam}/${nod}`;
    if (seen.has(id)) throw new Error(`${file}:${t.lines[i]}: duplicate reading ${id}`);
    seen.add(id);
    const cls = row[c.class];
    if (cls !== "BENIGN" && cls !== "MALIGNANT") throw new Error(`${file}:${t.lines[i]}: class = "${cls}" (expected BENIGN or MALIGNANT)`);
    out.ids.push(id);
    out.examIds.push(exam);
    out.noduleIds.push(nod);
    out.features.push(fIdx.map((k, j) => cellNumber(t, i, k, featureNames[j])));
    out.diameter.push(cellNumber(t, i, c.diameter, "diameter"));
    out.malignancy.push(cellNumber(t, i, c.malignancy, "malignancy"));
    out.labels.push(cls === "MALIGNANT" ? 1 : 0);
  });
  return out;
}

export interface LoadLidcSlicesOptions {
  /** Skip unreadable readings (listed in `skipped`) instead of failing on the first. */
  lenient?: boolean;
  /** Join the radiomics CSV into each sample's meta (default true when the CSV exists). */
  radiomics?: boolean;
  /**
   * Folder for the decoded-cube cache (default `<repo>/data/cache`); false disables it. Decoding
   * the ~4000 PNGs takes seconds; the cache is keyed by a hash of every source file's bytes, the
   * options and `LIDC_SLICES_LOADER_VERSION`, so any change to either rebuilds it.
   */
  cacheDir?: string | false;
}

/** The dataset plus what lenient loading skipped. */
export interface LidcSlicesDataset extends NoduleDataset {
  skipped: Array<{ path: string; reason: string }>;
}

/** Byte-order-independent name comparison (no locale), so sample order is the same everywhere. */
function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function listDirs(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort(byName);
}

/**
 * Loads the real LIDC readings as 32^3 cubes following PROTOCOL.md (see the file comment).
 * Samples are ordered by class folder, exam, reading; id = `<exam>/<reading>`, group = exam,
 * fold = `lidcSliceFold(exam)`; meta = { exam, reading, slices, bbox, centre, diameter,
 * diameterMm, malignancy, radiomics: {feature: value} }.
 */
export function loadLidcSlices(dir = lidcSlicesDir(), options: LoadLidcSlicesOptions = {}): LidcSlicesDataset {
  const imagesDir = path.join(dir, "images");
  if (!fs.existsSync(imagesDir)) throw new Error(`${dir}: no images/ folder (expected images/{benigno,maligno}/<exam>/<reading>/<k>.png)`);
  const csvFile = path.join(dir, "radiomics_solidNodules.csv");
  const useCsv = options.radiomics ?? fs.existsSync(csvFile);
  const cacheDir = options.cacheDir === undefined ? path.join(repoRoot, "data", "cache") : options.cacheDir;
  let cacheFile: string | undefined;
  let key = "";
  if (cacheDir !== false) {
    key = lidcSlicesCacheKey(dir, options);
    const dirTag = crypto.createHash("sha1").update(path.resolve(dir)).digest("hex").slice(0, 12);
    cacheFile = path.join(cacheDir, `lidc-slices-${dirTag}.bin`);
    const hit = readSampleCache(cacheFile, key);
    if (hit) return { ...(hit.extra as Omit<LidcSlicesDataset, "samples">), samples: hit.samples };
  }
  const ds = buildLidcSlices(dir, imagesDir, csvFile, useCsv, !!options.lenient);
  if (cacheFile) {
    const { samples, ...rest } = ds;
    try {
      writeSampleCache(cacheFile, key, samples, rest);
    } catch (e) {
      // A read-only checkout still loads; it just decodes every time.
      process.stderr.write(`naslung: cannot write cache ${cacheFile} (${(e as Error).message})\n`);
    }
  }
  return ds;
}

/**
 * The cache key of a dataset folder: sha1 over every file under `dir` (relative path + bytes),
 * the options that change the result, and `LIDC_SLICES_LOADER_VERSION`.
 */
export function lidcSlicesCacheKey(dir: string, options: LoadLidcSlicesOptions = {}): string {
  const radiomics = options.radiomics ?? fs.existsSync(path.join(dir, "radiomics_solidNodules.csv"));
  const h = crypto.createHash("sha1");
  h.update(JSON.stringify({ v: LIDC_SLICES_LOADER_VERSION, lenient: !!options.lenient, radiomics }));
  const walk = (rel: string): void => {
    const entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => byName(a.name, b.name));
    for (const e of entries) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (e.isFile()) {
        h.update(`\0${r}\0`);
        h.update(fs.readFileSync(path.join(dir, r)));
      }
    }
  };
  walk("");
  return h.digest("hex");
}

function buildLidcSlices(dir: string, imagesDir: string, csvFile: string, useCsv: boolean, lenient: boolean): LidcSlicesDataset {
  const radiomics = useCsv ? radiomicsTable(csvFile) : undefined;
  const rowOf = new Map<string, number>(radiomics ? radiomics.ids.map((id, i) => [id, i]) : []);
  const samples: NoduleSample[] = [];
  const skipped: Array<{ path: string; reason: string }> = [];
  let classDirs = 0;
  for (const [cls, label] of CLASS_DIRS) {
    const classDir = path.join(imagesDir, cls);
    if (!fs.existsSync(classDir)) continue;
    classDirs++;
    for (const exam of listDirs(classDir)) {
      for (const reading of listDirs(path.join(classDir, exam))) {
        const rdir = path.join(classDir, exam, reading);
        try {
          const stack = readSliceStack(rdir);
          const bb = nonZeroBBox(stack);
          if (!bb) throw new Error(`${rdir}: every voxel is 0 (no segmented nodule)`);
          const { cube, centre } = placeInCube(stack);
          const id = `${exam}/${reading}`;
          const meta: Record<string, unknown> = { exam, reading, slices: stack.shape[0], bbox: bb, centre };
          if (radiomics) {
            const r = rowOf.get(id);
            if (r === undefined) throw new Error(`${rdir}: reading ${id} has no row in ${csvFile}`);
            if (radiomics.labels[r] !== label)
              throw new Error(`${rdir}: folder says ${cls} but ${csvFile} line for ${id} says ${radiomics.labels[r] ? "MALIGNANT" : "BENIGN"}`);
            meta.diameter = radiomics.diameter[r];
            meta.diameterMm = radiomics.features[r][radiomics.featureNames.indexOf("diameter_mm")];
            meta.malignancy = radiomics.malignancy[r];
            meta.radiomics = Object.fromEntries(radiomics.featureNames.map((n, j) => [n, radiomics.features[r][j]]));
          }
          samples.push({ id, label, group: exam, fold: lidcSliceFold(exam), size: LIDC_SLICES_CUBE, crop: cube, meta });
        } catch (e) {
          if (!lenient) throw e;
          skipped.push({ path: rdir, reason: (e as Error).message });
        }
      }
    }
  }
  if (classDirs === 0) throw new Error(`${imagesDir}: neither benigno/ nor maligno/ found`);
  return {
    name: "lidc-solid-nodule-slices-64px",
    source: `LIDC-IDRI solid-nodule readings (real; MaximoDouglas/pulmonary-nodule-classification), ${dir}`,
    synthetic: false,
    samples,
    skipped,
  };
}
