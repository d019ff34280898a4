import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { Volume } from "../volume";
import { voxelToWorld } from "../volume";
import { writeFileAtomic } from "../../util/atomic";

/**
 * A minimal DICOM Part 10 writer: explicit VR little endian, uncompressed 16-bit signed CT
 * slices carrying the CT Image IOD essentials. It exists to write the embedded synthetic cohort
 * as real files that dicom-parser and DCMTK's `dcmdump` read; it is not a general DICOM encoder
 * (no sequences, no compressed syntaxes, no big endian).
 */

/** Explicit VR Little Endian (PS3.5 A.2). */
export const EXPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1";
/** CT Image Storage SOP Class. */
export const CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2";
/** Our implementation class UID (a 2.25 UUID-derived root, fixed for naslung). */
export const NASLUNG_IMPLEMENTATION_UID = "2.25.190836624377297421437429305934302398157";

/** Value representations the writer knows. */
export type Vr = "AE" | "CS" | "DA" | "DS" | "IS" | "LO" | "PN" | "SH" | "TM" | "UI" | "UL" | "US" | "SS" | "OB" | "OW";

/** One data element: tag as (group << 16) | element, its VR and value. */
export interface DicomElement {
  tag: number;
  vr: Vr;
  /** Strings for text VRs (multi-valued joined with "\\"), numbers for US/UL/SS, bytes for OB/OW. */
  value: string | number | number[] | Uint8Array;
}

/** VRs that use the long form in explicit VR: 2 reserved bytes and a 4-byte length (PS3.5 7.1.2). */
const LONG_VRS = new Set<Vr>(["OB", "OW"]);

/**
 * Formats a number as a DICOM Decimal String (at most 16 characters, PS3.5 6.2), dropping
 * precision as needed rather than producing an invalid value.
 */
export function formatDs(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`formatDs: ${x} is not a finite number`);
  if (Number.isInteger(x) && Math.abs(x) < 1e15) return String(x);
  for (let digits = 10; digits >= 1; digits--) {
    const s = String(Number(x.toPrecision(digits)));
    if (s.length <= 16) return s;
  }
  const e = x.toExponential(6);
  if (e.length <= 16) return e;
  throw new Error(`formatDs: ${x} does not fit 16 characters`);
}

/**
 * A deterministic DICOM UID under the 2.25 (UUID-as-integer) root from any string key, so a
 * seeded cohort gets the same UIDs on every run (PS3.5 B.2; at most 64 characters).
 */
export function uidFromKey(key: string): string {
  const h = crypto.createHash("sha1").update(key).digest();
  let n = 0n;
  for (let i = 0; i < 16; i++) n = (n << 8n) | BigInt(h[i]);
  return `2.25.${n.toString()}`;
}

/** Encodes one element's value bytes, padded to even length as PS3.5 7.1 requires. */
function valueBytes(e: DicomElement): Uint8Array {
  const tagName = `(${(e.tag >>> 16).toString(16).padStart(4, "0")},${(e.tag & 0xffff).toString(16).padStart(4, "0")})`;
  switch (e.vr) {
    case "US":
    case "SS":
    case "UL": {
      const vals = Array.isArray(e.value) ? e.value : [e.value as number];
      const size = e.vr === "UL" ? 4 : 2;
      const b = Buffer.alloc(vals.length * size);
      vals.forEach((v, i) => {
        if (typeof v !== "number" || !Number.isInteger(v)) throw new Error(`DICOM ${tagName} ${e.vr}: ${v} is not an integer`);
        if (e.vr === "US") b.writeUInt16LE(v, i * 2);
        else if (e.vr === "SS") b.writeInt16LE(v, i * 2);
        else b.writeUInt32LE(v, i * 4);
      });
      return b;
    }
    case "OB":
    case "OW": {
      if (!(e.value instanceof Uint8Array)) throw new Error(`DICOM ${tagName} ${e.vr}: value must be bytes`);
      if (e.value.length % 2 === 0) return e.value;
      const b = new Uint8Array(e.value.length + 1);
      b.set(e.value);
      return b;
    }
    default: {
      if (typeof e.value !== "string") throw new Error(`DICOM ${tagName} ${e.vr}: value must be a string`);
      const s = Buffer.from(e.value, "latin1");
      if (s.length % 2 === 0) return s;
      // UI pads with NUL, text VRs with a space (PS3.5 6.2).
      return Buffer.concat([s, Buffer.from([e.vr === "UI" ? 0 : 0x20])]);
    }
  }
}

/** Encodes elements (sorted by tag) in explicit VR little endian. */
export function encodeExplicitLittle(elements: DicomElement[]): Uint8Array {
  const sorted = [...elements].sort((a, b) => (a.tag >>> 0) - (b.tag >>> 0));
  const parts: Uint8Array[] = [];
  for (const e of sorted) {
    const v = valueBytes(e);
    const long = LONG_VRS.has(e.vr);
    const h = Buffer.alloc(long ? 12 : 8);
    h.writeUInt16LE(e.tag >>> 16, 0);
    h.writeUInt16LE(e.tag & 0xffff, 2);
    h.write(e.vr, 4, "latin1");
    if (long) h.writeUInt32LE(v.length, 8);
    else {
      if (v.length > 0xffff) throw new Error(`DICOM element ${e.tag.toString(16)} too long for ${e.vr}`);
      h.writeUInt16LE(v.length, 6);
    }
    parts.push(h, v);
  }
  return Buffer.concat(parts);
}

/**
 * A complete Part 10 file: 128-byte preamble, "DICM", the group-2 file meta information
 * (always explicit VR little endian, with its group length (0002,0000) covering the rest of
 * group 2), then the dataset.
 */
export function encodePart10(dataset: DicomElement[], sopClassUid: string, sopInstanceUid: string): Uint8Array {
  const meta = encodeExplicitLittle([
    { tag: 0x00020001, vr: "OB", value: new Uint8Array([0, 1]) },
    { tag: 0x00020002, vr: "UI", value: sopClassUid },
    { tag: 0x00020003, vr: "UI", value: sopInstanceUid },
    { tag: 0x00020010, vr: "UI", value: EXPLICIT_VR_LITTLE_ENDIAN },
    { tag: 0x00020012, vr: "UI", value: NASLUNG_IMPLEMENTATION_UID },
    { tag: 0x00020013, vr: "SH", value: "NASLUNG_0_1" },
  ]);
  const groupLength = encodeExplicitLittle([{ tag: 0x00020000, vr: "UL", value: meta.length }]);
  const preamble = new Uint8Array(132);
  preamble.set(Buffer.from("DICM", "latin1"), 128);
  return Buffer.concat([preamble, groupLength, meta, encodeExplicitLittle(dataset)]);
}

/** Identity of one CT series: the patient, study and series it belongs to. */
export interface CtSeriesInfo {
  patientId: string;
  patientName?: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  frameOfReferenceUid?: string;
  /** Nominal reconstructed slice thickness written as SliceThickness (mm). */
  sliceThickness: number;
  seriesDescription?: string;
  manufacturer?: string;
  /** YYYYMMDD. */
  studyDate?: string;
  seriesNumber?: number;
}

/** One CT slice to encode. */
export interface CtSliceInput {
  series: CtSeriesInfo;
  sopInstanceUid: string;
  instanceNumber: number;
  rows: number;
  columns: number;
  /** Hounsfield units, row-major (index = row * columns + column). */
  hu: ArrayLike<number>;
  /** World [x,y,z] of the centre of the first transmitted pixel (ImagePositionPatient). */
  position: [number, number, number];
  /** Row direction cosines then column direction cosines (ImageOrientationPatient). */
  orientation: [number, number, number, number, number, number];
  /** [row spacing (between rows, i.e. along y), column spacing] in mm (PixelSpacing). */
  pixelSpacing: [number, number];
  rescaleIntercept?: number;
  rescaleSlope?: number;
}

/**
 * Encodes one CT slice as a Part 10 file: HU -> stored = round((HU - intercept) / slope),
 * clamped to int16, 16 bits allocated/stored, PixelRepresentation 1 (signed).
 */
export function encodeCtSlice(s: CtSliceInput): Uint8Array {
  const intercept = s.rescaleIntercept ?? -1024;
  const slope = s.rescaleSlope ?? 1;
  const n = s.rows * s.columns;
  if (s.hu.length !== n) throw new Error(`encodeCtSlice: ${s.hu.length} pixels for a ${s.rows}x${s.columns} slice`);
  const pixels = Buffer.alloc(n * 2);
  for (let i = 0; i < n; i++) {
    const v = Math.round((s.hu[i] - intercept) / slope);
    pixels.writeInt16LE(Math.max(-32768, Math.min(32767, v)), i * 2);
  }
  const ser = s.series;
  const ds = (xs: number[]) => xs.map(formatDs).join("\\");
  const dataset: DicomElement[] = [
    { tag: 0x00080005, vr: "CS", value: "ISO_IR 100" },
    { tag: 0x00080008, vr: "CS", value: "ORIGINAL\\PRIMARY\\AXIAL" },
    { tag: 0x00080016, vr: "UI", value: CT_IMAGE_STORAGE },
    { tag: 0x00080018, vr: "UI", value: s.sopInstanceUid },
    { tag: 0x00080020, vr: "DA", value: ser.studyDate ?? "20000101" },
    { tag: 0x00080030, vr: "TM", value: "120000" },
    { tag: 0x00080050, vr: "SH", value: "" },
    { tag: 0x00080060, vr: "CS", value: "CT" },
    { tag: 0x00080070, vr: "LO", value: ser.manufacturer ?? "naslung SYNTHETIC" },
    { tag: 0x00080090, vr: "PN", value: "" },
    { tag: 0x0008103e, vr: "LO", value: ser.seriesDescription ?? "SYNTHETIC chest CT" },
    { tag: 0x00100010, vr: "PN", value: ser.patientName ?? ser.patientId },
    { tag: 0x00100020, vr: "LO", value: ser.patientId },
    { tag: 0x00100030, vr: "DA", value: "" },
    { tag: 0x00100040, vr: "CS", value: "O" },
    { tag: 0x00180050, vr: "DS", value: formatDs(ser.sliceThickness) },
    { tag: 0x0020000d, vr: "UI", value: ser.studyInstanceUid },
    { tag: 0x0020000e, vr: "UI", value: ser.seriesInstanceUid },
    { tag: 0x00200010, vr: "SH", value: "1" },
    { tag: 0x00200011, vr: "IS", value: String(ser.seriesNumber ?? 1) },
    { tag: 0x00200013, vr: "IS", value: String(s.instanceNumber) },
    { tag: 0x00200032, vr: "DS", value: ds(s.position) },
    { tag: 0x00200037, vr: "DS", value: ds(s.orientation) },
    { tag: 0x00200052, vr: "UI", value: ser.frameOfReferenceUid ?? uidFromKey(`for:${ser.seriesInstanceUid}`) },
    { tag: 0x00201040, vr: "LO", value: "" },
    { tag: 0x00201041, vr: "DS", value: formatDs(s.position[2]) },
    { tag: 0x00280002, vr: "US", value: 1 },
    { tag: 0x00280004, vr: "CS", value: "MONOCHROME2" },
    { tag: 0x00280010, vr: "US", value: s.rows },
    { tag: 0x00280011, vr: "US", value: s.columns },
    { tag: 0x00280030, vr: "DS", value: ds(s.pixelSpacing) },
    { tag: 0x00280100, vr: "US", value: 16 },
    { tag: 0x00280101, vr: "US", value: 16 },
    { tag: 0x00280102, vr: "US", value: 15 },
    { tag: 0x00280103, vr: "US", value: 1 },
    { tag: 0x00281050, vr: "DS", value: "-600" },
    { tag: 0x00281051, vr: "DS", value: "1500" },
    { tag: 0x00281052, vr: "DS", value: formatDs(intercept) },
    { tag: 0x00281053, vr: "DS", value: formatDs(slope) },
    { tag: 0x00281054, vr: "LO", value: "HU" },
    { tag: 0x7fe00010, vr: "OW", value: pixels },
  ];
  return encodePart10(dataset, CT_IMAGE_STORAGE, s.sopInstanceUid);
}

/** What `writeCtSeries` wrote: one entry per slice, in volume (z index) order. */
export interface WrittenSlice {
  file: string;
  sopInstanceUid: string;
  instanceNumber: number;
  /** z index in the volume. */
  k: number;
  position: [number, number, number];
}

/**
 * Writes a HU volume as a CT series, one Part 10 file per slice, into `dir`
 * (`<dir>/<prefix>NNNN.dcm`). Slice k lies at voxelToWorld(v, [0,0,k]); the row and column
 * directions come from the volume's direction matrix. With `descendingInstances` InstanceNumber
 * 1 is the last z slice (as many scanners number head-to-feet), so readers must sort by
 * position. Each file is written atomically.
 */
export function writeCtSeries(
  dir: string,
  volume: Volume,
  series: CtSeriesInfo,
  opts: { prefix?: string; descendingInstances?: boolean } = {},
): WrittenSlice[] {
  const [nz, ny, nx] = volume.shape;
  const [, dy, dx] = volume.spacing;
  const d = volume.direction;
  const orientation: [number, number, number, number, number, number] = [d[0], d[3], d[6], d[1], d[4], d[7]];
  fs.mkdirSync(dir, { recursive: true });
  const out: WrittenSlice[] = [];
  for (let k = 0; k < nz; k++) {
    const instanceNumber = opts.descendingInstances ? nz - k : k + 1;
    const sopInstanceUid = uidFromKey(`${series.seriesInstanceUid}:${k}`);
    const position = voxelToWorld(volume, [0, 0, k]);
    const bytes = encodeCtSlice({
      series,
      sopInstanceUid,
      instanceNumber,
      rows: ny,
      columns: nx,
      hu: volume.data.subarray(k * ny * nx, (k + 1) * ny * nx),
      position,
      orientation,
      pixelSpacing: [dy, dx],
    });
    const file = path.join(dir, `${opts.prefix ?? "CT"}${String(instanceNumber).padStart(4, "0")}.dcm`);
    writeFileAtomic(file, bytes);
    out.push({ file, sopInstanceUid, instanceNumber, k, position });
  }
  return out;
}
