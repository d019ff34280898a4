import * as fs from "fs";
import * as zlib from "zlib";
import * as dicomParser from "dicom-parser";
import { DicomError, DicomErrorCode, describeThrown } from "./errors";
import { TransferSyntaxInfo, transferSyntaxInfo } from "./transferSyntax";
import { CodecError, FrameSpec, RawFrame } from "./codecs/frame";
import { decodeRle } from "./codecs/rle";
import { decodeJpegLossless } from "./codecs/jpegLossless";
import { decodeJpegLs } from "./codecs/jpegLs";
import { decodeJpeg2000 } from "./codecs/jpeg2000";

/** Options of {@link readDicom}. */
export interface ReadDicomOptions {
  /** Name used in error messages when `file` is a byte array (default "<buffer>"). */
  name?: string;
  /**
   * HU given to pixels flagged by PixelPaddingValue (/PixelPaddingRangeLimit) in `hu()`.
   * Default -1024 (air): padding marks the outside of the reconstruction circle, and air is what a
   * lung window and lung mask expect there (DeepLung sets LIDC's -2000 padding to 0 stored = air too).
   */
  paddingHU?: number;
  /** Upper bound on decoded pixel memory (Int32 per sample, all frames). Default 1 GiB. */
  maxPixelBytes?: number;
  /** Upper bound on the inflated size of a Deflated-syntax data set. Default 1 GiB. */
  maxInflatedBytes?: number;
}

/** The header fields of a DICOM image that the pipeline uses (PS3.3 names, camelCase). */
export interface DicomHeader {
  /** The file path (or `opts.name` for byte arrays); every error names it. */
  file: string;
  transferSyntax: string;
  transferSyntaxName: string;
  sopClassUID: string;
  sopInstanceUID: string;
  studyInstanceUID: string;
  seriesInstanceUID: string;
  frameOfReferenceUID: string;
  patientID: string;
  modality: string;
  seriesDescription: string;
  manufacturer: string;
  convolutionKernel: string;
  instanceNumber: number | undefined;
  acquisitionNumber: number | undefined;
  rows: number;
  columns: number;
  /** NumberOfFrames (1 when absent). */
  frames: number;
  samplesPerPixel: number;
  photometricInterpretation: string;
  planarConfiguration: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: number;
  /** RescaleSlope (1 when absent, e.g. MR). */
  rescaleSlope: number;
  /** RescaleIntercept (0 when absent). */
  rescaleIntercept: number;
  /** PixelPaddingValue as a stored value (sign applied per PixelRepresentation), if present. */
  pixelPaddingValue: number | undefined;
  pixelPaddingRangeLimit: number | undefined;
  /** World position (mm, LPS) of the centre of the first transmitted pixel. */
  imagePositionPatient: [number, number, number] | undefined;
  /** Row direction cosines then column direction cosines. */
  imageOrientationPatient: [number, number, number, number, number, number] | undefined;
  /** [row spacing (between rows, = dy), column spacing (= dx)] in mm. */
  pixelSpacing: [number, number] | undefined;
  sliceThickness: number | undefined;
  windowCenter: number | undefined;
  windowWidth: number | undefined;
  /** Whether the data set has a Pixel Data element. */
  hasPixelData: boolean;
}

/** A parsed DICOM image: header fields plus lazily decoded pixel data. */
export interface DicomImage extends DicomHeader {
  /** The dicom-parser data set, for fields not lifted into the header. */
  dataSet: dicomParser.DataSet;
  /** Stored (pre-rescale) values of every frame, samples interleaved by pixel; decoded once, cached. */
  storedFrames(): Int32Array[];
  /** Stored values of one frame (0-based). */
  stored(frame?: number): Int32Array;
  /**
   * Hounsfield units (modality LUT: stored * RescaleSlope + RescaleIntercept, PS3.3 C.11.1.1.2)
   * of one frame; padding pixels get `opts.paddingHU`. Single-sample images only.
   */
  hu(frame?: number): Float32Array;
  /** Non-fatal oddities met while reading (from dicom-parser and from our checks). */
  warnings: string[];
}

const DEFAULT_MAX_PIXEL_BYTES = 1 << 30;

/**
 * Reads one DICOM Part 10 file (or a raw implicit-VR little-endian data set without preamble).
 * Header fields are parsed at once; pixel data is decoded on the first `storedFrames()`/`hu()` call.
 * Transfer syntaxes: implicit/explicit VR little endian, explicit big endian, deflated, JPEG
 * Lossless process 14 (selection values 1-7), RLE Lossless, JPEG-LS, JPEG 2000 (see transferSyntax.ts).
 * Every failure is a {@link DicomError} whose one-line message names the file and the reason.
 * @example const img = readDicom("slice.dcm"); const hu = img.hu(0);
 */
export function readDicom(file: string | Uint8Array, opts: ReadDicomOptions = {}): DicomImage {
  const name = typeof file === "string" ? file : opts.name ?? "<buffer>";
  let bytes: Uint8Array;
  if (typeof file === "string") {
    try {
      bytes = fs.readFileSync(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code === "ENOENT" ? "not-found" : "corrupt";
      throw new DicomError(name, code, `cannot read file: ${describeThrown(e)}`);
    }
  } else {
    bytes = file;
  }
  const dataSet = parseDataSet(bytes, name, opts);
  try {
    return buildImage(dataSet, name, opts);
  } catch (e) {
    // dicom-parser's accessors throw strings/TypeErrors on elements that lie about their length.
    if (e instanceof DicomError) throw e;
    const reason = describeThrown(e);
    throw new DicomError(name, classifyParseError(reason), `unreadable header field: ${reason}`);
  }
}

function parseDataSet(bytes: Uint8Array, name: string, opts: ReadDicomOptions): dicomParser.DataSet {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length === 0) throw new DicomError(name, "not-dicom", "empty file");
  const hasPreamble = buf.length >= 132 && buf.toString("latin1", 128, 132) === "DICM";
  let inflatedAt = -1;
  const parseOpts: dicomParser.ParseDicomOptions = {
    inflater: (arr: Uint8Array, position: number) => {
      inflatedAt = position;
      return inflate(arr, position, name, opts.maxInflatedBytes ?? 1 << 30);
    },
  };
  if (!hasPreamble) {
    // ACR-NEMA style raw data sets (no preamble) are implicit VR little endian (PS3.5 A.1); only
    // try that when the first tag is a plausible group, so random files are refused clearly.
    const group = buf.length >= 8 ? buf.readUInt16LE(0) : -1;
    if (group !== 0x0008 && group !== 0x0002) {
      if (buf.length < 132 && buf.every((b) => b === 0)) {
        throw new DicomError(name, "truncated", `only ${buf.length} bytes: ends inside the 128-byte preamble`);
      }
      throw new DicomError(name, "not-dicom", "not a DICOM file: no 'DICM' prefix at byte 128");
    }
    parseOpts.TransferSyntaxUID = "1.2.840.10008.1.2";
  }
  let ds: dicomParser.DataSet;
  try {
    ds = dicomParser.parseDicom(buf, parseOpts);
  } catch (e) {
    if (e instanceof DicomError) throw e;
    const reason = describeThrown(e);
    throw new DicomError(name, classifyParseError(reason), `parse failed: ${reason}`);
  }
  if (inflatedAt >= 0) {
    // dicom-parser parses an inflated data set from byte 0 of (meta header + inflated bytes), so
    // the preamble and the meta header come back once more as junk elements; drop them (the
    // meta header's own elements are merged in from its separate parse).
    for (const [tag, el] of Object.entries(ds.elements)) {
      if (el.dataOffset < inflatedAt && (!tag.startsWith("x0002") || el.dataOffset < 132)) delete ds.elements[tag];
    }
  }
  // dicom-parser only warns when the data ends inside a sequence, an item or encapsulated pixel
  // data (a cut file, or a corrupt delimiter that made it read on to the end): what it returns
  // then lacks every element after that point.
  const broken = (ds.warnings ?? []).find((w) => /eof encountered|missing sequence delimiter|unexpected tag/.test(w));
  if (broken) throw new DicomError(name, /eof|missing/.test(broken) ? "truncated" : "corrupt", `parse failed: ${broken}`);
  checkElements(ds, name, hasExplicitVR(ds), hasPreamble ? 132 : 0, inflatedAt);
  return ds;
}

/** VRs of the elements this reader uses (PS3.6), to check them in implicit-VR data sets too. */
const KNOWN_VR: Record<string, string> = {
  x00020002: "UI", x00020003: "UI", x00020010: "UI",
  x00080016: "UI", x00080018: "UI", x0020000d: "UI", x0020000e: "UI", x00200052: "UI",
  x00100020: "LO", x00080060: "CS", x0008103e: "LO", x00080070: "LO", x00181210: "SH",
  x00200013: "IS", x00200012: "IS", x00280008: "IS",
  x00280010: "US", x00280011: "US", x00280002: "US", x00280006: "US", x00280100: "US", x00280101: "US", x00280102: "US", x00280103: "US",
  x00280120: "US", x00280121: "US",
  x00280004: "CS",
  x00281053: "DS", x00281052: "DS", x00200032: "DS", x00200037: "DS", x00280030: "DS", x00180050: "DS", x00281050: "DS", x00281051: "DS",
};
/** Elements with one binary value (VM 1): their length is exactly the value size. */
const SINGLE_VALUE = new Set(["x00280010", "x00280011", "x00280002", "x00280006", "x00280100", "x00280101", "x00280102", "x00280103", "x00280120", "x00280121"]);
const ALL_VRS = new Set("AE AS AT CS DA DS DT FL FD IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV".split(" "));
const LONG_VRS = new Set("OB OD OF OL OV OW SQ SV UC UN UR UT UV".split(" "));
const BINARY_SIZE: Record<string, number> = { US: 2, SS: 2, UL: 4, SL: 4, FL: 4, AT: 4, FD: 8, SV: 8, UV: 8 };
/** Allowed bytes of a string VR's value (before trailing NUL/space padding), PS3.5 6.2. */
const VR_CHARS: Record<string, RegExp> = {
  DS: /^[0-9+\-.eE \\]*$/,
  IS: /^[0-9+\- \\]*$/,
  UI: /^[0-9. \\]*$/,
  DA: /^[0-9. \\-]*$/,
  TM: /^[0-9.: \\]*$/,
  DT: /^[0-9.+\- \\]*$/,
  AS: /^[0-9DWMY \\]*$/,
  AE: /^[\x20-\x7e]*$/,
  CS: /^[\x20-\x7e]*$/,
  UR: /^[\x20-\x7e]*$/,
  // Person names and short/long strings: no control characters but ESC (character set switches).
  LO: /^[^\x00-\x1a\x1c-\x1f]*$/,
  SH: /^[^\x00-\x1a\x1c-\x1f]*$/,
  PN: /^[^\x00-\x1a\x1c-\x1f]*$/,
  UC: /^[^\x00-\x1a\x1c-\x1f]*$/,
  // Texts may also hold TAB, LF, FF, CR.
  ST: /^[^\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]*$/,
  LT: /^[^\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]*$/,
  UT: /^[^\x00-\x08\x0b\x0e-\x1a\x1c-\x1f]*$/,
};

function hasExplicitVR(ds: dicomParser.DataSet): boolean {
  const uid = ds.elements.x00020010 ? (ds.string("x00020010") ?? "") : "";
  return transferSyntaxInfo(uid || "1.2.840.10008.1.2")?.explicitVR ?? true;
}

const tagText = (tag: string) => `(${tag.slice(1, 5).toUpperCase()},${tag.slice(5).toUpperCase()})`;

/**
 * Checks the top-level elements' structure: they tile the data set without gaps or overlaps in
 * ascending tag order, each has a known VR code (explicit syntaxes), a value size that fits its
 * VR and, for strings, only the VR's characters. dicom-parser takes tags and lengths on trust:
 * a corrupt length makes one element swallow the next ones (or start reading inside one) and
 * the parse can come back in step further on; a corrupt tag can turn one element into another
 * one's duplicate, which replaces it. Either way fields would come out missing or wrong without
 * an error; these checks turn that into a `corrupt` DicomError naming the element.
 */
function checkElements(ds: dicomParser.DataSet, name: string, explicit: boolean, start: number, inflatedAt: number): void {
  const n = ds.byteArray.length;
  // In file order. Elements follow each other without gaps and in ascending tag order, each tag
  // once (PS3.5 7.1), the meta header (group 0002) and the data set each from its own start.
  // `elements` is keyed by tag, so a corrupt tag that became another element's tag silently
  // replaces that element: the replaced element's bytes show as a gap.
  const ordered = Object.entries(ds.elements).sort((a, b) => a[1].dataOffset - b[1].dataOffset);
  let prevTag = "";
  let prevEnd = start;
  let prevOpen = false;
  for (const [tag, el] of ordered) {
    const where = `element ${tagText(tag)}${el.vr ? ` ${el.vr}` : ""} at byte ${el.dataOffset}`;
    const meta = tag.startsWith("x0002");
    if (!meta && prevTag.startsWith("x0002")) {
      prevTag = "";
      if (inflatedAt >= 0) prevEnd = inflatedAt;
    }
    if (tag <= prevTag) throw new DicomError(name, "corrupt", `${where}: follows ${tagText(prevTag)} (elements are in ascending tag order, each once): corrupt tag`);
    // Tag (4) + VR (2) + length (2), or + 2 reserved + length (4) for the long VRs; implicit: tag + length (4).
    const header = meta || explicit ? (el.vr !== undefined && LONG_VRS.has(el.vr) ? 12 : 8) : 8;
    const gap = el.dataOffset - prevEnd;
    // An undefined length ends with an 8-byte delimitation item outside `length`.
    if (gap !== header && !(prevOpen && gap === header + 8)) {
      throw new DicomError(name, "corrupt", gap > header ? `bytes ${prevEnd}..${el.dataOffset - header - 1} before ${where} belong to no element (a corrupt tag or length)` : `${where} overlaps the element before it (a corrupt length)`);
    }
    prevTag = tag;
    prevEnd = el.dataOffset + el.length;
    prevOpen = !!el.hadUndefinedLength;
    if (explicit && el.vr !== undefined && !ALL_VRS.has(el.vr)) throw new DicomError(name, "corrupt", `${where}: "${el.vr}" is not a value representation (corrupt element header)`);
    if (tag === "x7fe00010" || el.hadUndefinedLength || el.items) continue;
    if (el.dataOffset + el.length > n) throw new DicomError(name, "truncated", `${where}: ${el.length}-byte value runs past the end of the data`);
    const vr = KNOWN_VR[tag] ?? (explicit ? el.vr : undefined);
    if (!vr) continue;
    const size = BINARY_SIZE[vr];
    if (size !== undefined) {
      if (el.length % size !== 0 || (SINGLE_VALUE.has(tag) && el.length !== size)) {
        throw new DicomError(name, "corrupt", `${where}: a ${el.length}-byte value does not fit ${SINGLE_VALUE.has(tag) ? "one" : "whole"} ${vr} value(s) (corrupt length?)`);
      }
      continue;
    }
    const chars = VR_CHARS[vr];
    if (!chars) continue;
    const text = Buffer.from(ds.byteArray.buffer, ds.byteArray.byteOffset + el.dataOffset, el.length).toString("latin1").replace(/[\0 ]+$/, "");
    if (!chars.test(text)) {
      throw new DicomError(name, "corrupt", `${where}: ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text)} is not ${vr} text (corrupt length or value)`);
    }
  }
}

function classifyParseError(reason: string): DicomErrorCode {
  return /overrun|beyond|past the end|end of (the )?buffer|eof|exceed|not enough|truncat|outside/i.test(reason)
    ? "truncated"
    : "corrupt";
}

/** Deflated Explicit VR LE (PS3.5 A.5): raw deflate after the meta header, with a bomb limit. */
function inflate(arr: Uint8Array, position: number, name: string, maxBytes: number): Uint8Array {
  let inflated: Buffer;
  try {
    inflated = zlib.inflateRawSync(arr.subarray(position), { maxOutputLength: maxBytes });
  } catch (e) {
    throw new DicomError(name, "corrupt", `deflated data set does not inflate: ${describeThrown(e)}`);
  }
  const full = new Uint8Array(position + inflated.length);
  full.set(arr.subarray(0, position), 0);
  full.set(inflated, position);
  return Buffer.from(full.buffer);
}

function buildImage(ds: dicomParser.DataSet, name: string, opts: ReadDicomOptions): DicomImage {
  const warnings = [...(ds.warnings ?? [])];
  const str = (tag: string) => (ds.elements[tag] ? ds.string(tag) ?? "" : "");
  const tsUid = str("x00020010") || "1.2.840.10008.1.2";
  const tsInfo = transferSyntaxInfo(tsUid);
  const num = (tag: string, i = 0): number | undefined => {
    const el = ds.elements[tag];
    if (!el || el.length === 0) return undefined;
    const v = ds.floatString(tag, i);
    return v === undefined || !Number.isFinite(v) ? undefined : v;
  };
  const us = (tag: string): number | undefined => {
    const el = ds.elements[tag];
    if (!el || el.length < 2) return undefined;
    return ds.uint16(tag);
  };
  const vec = <N extends number>(tag: string, n: N): number[] | undefined => {
    const el = ds.elements[tag];
    if (!el || el.length === 0) return undefined;
    if ((ds.numStringValues(tag) ?? 0) < n) {
      warnings.push(`${tag} has fewer than ${n} values; ignored`);
      return undefined;
    }
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = ds.floatString(tag, i);
      if (v === undefined || !Number.isFinite(v)) {
        warnings.push(`${tag} has fewer than ${n} numeric values; ignored`);
        return undefined;
      }
      out.push(v);
    }
    return out;
  };

  const hasPixelData = !!ds.elements.x7fe00010;
  const rows = us("x00280010") ?? 0;
  const columns = us("x00280011") ?? 0;
  const bitsAllocated = us("x00280100") ?? 0;
  const bitsStored = us("x00280101") ?? bitsAllocated;
  const highBit = us("x00280102") ?? bitsStored - 1;
  const pixelRepresentation = us("x00280103") ?? 0;
  const framesRaw = num("x00280008");
  const frames = framesRaw === undefined ? 1 : Math.round(framesRaw);

  const paddingStored = (tag: string): number | undefined => {
    const raw = us(tag);
    if (raw === undefined) return undefined;
    return toStoredValue(raw, bitsStored > 0 && bitsStored <= 16 ? bitsStored : 16, 0, pixelRepresentation === 1);
  };

  const ipp = vec("x00200032", 3);
  const iop = vec("x00200037", 6);
  const ps = vec("x00280030", 2);

  const header: DicomHeader = {
    file: name,
    transferSyntax: tsUid,
    transferSyntaxName: tsInfo?.name ?? "unknown",
    sopClassUID: str("x00080016"),
    sopInstanceUID: str("x00080018"),
    studyInstanceUID: str("x0020000d"),
    seriesInstanceUID: str("x0020000e"),
    frameOfReferenceUID: str("x00200052"),
    patientID: str("x00100020"),
    modality: str("x00080060"),
    seriesDescription: str("x0008103e"),
    manufacturer: str("x00080070"),
    convolutionKernel: str("x00181210"),
    instanceNumber: num("x00200013"),
    acquisitionNumber: num("x00200012"),
    rows,
    columns,
    frames,
    samplesPerPixel: us("x00280002") ?? 1,
    photometricInterpretation: str("x00280004"),
    planarConfiguration: us("x00280006") ?? 0,
    bitsAllocated,
    bitsStored,
    highBit,
    pixelRepresentation,
    rescaleSlope: num("x00281053") ?? 1,
    rescaleIntercept: num("x00281052") ?? 0,
    pixelPaddingValue: paddingStored("x00280120"),
    pixelPaddingRangeLimit: paddingStored("x00280121"),
    imagePositionPatient: ipp as [number, number, number] | undefined,
    imageOrientationPatient: iop as [number, number, number, number, number, number] | undefined,
    pixelSpacing: ps as [number, number] | undefined,
    sliceThickness: num("x00180050"),
    windowCenter: num("x00281050"),
    windowWidth: num("x00281051"),
    hasPixelData,
  };
  if (header.rescaleSlope === 0) {
    warnings.push("RescaleSlope is 0; using 1");
    header.rescaleSlope = 1;
  }

  let cache: Int32Array[] | undefined;
  const storedFrames = (): Int32Array[] => {
    if (!cache) {
      try {
        cache = decodeAllFrames(ds, header, tsInfo, opts, warnings);
      } catch (e) {
        if (e instanceof DicomError) throw e;
        throw new DicomError(name, "decode-failed", `pixel data: ${describeThrown(e)}`);
      }
    }
    return cache;
  };
  const stored = (frame = 0): Int32Array => {
    const all = storedFrames();
    if (!Number.isInteger(frame) || frame < 0 || frame >= all.length) {
      throw new RangeError(`${name}: frame ${frame} out of range 0..${all.length - 1}`);
    }
    return all[frame];
  };
  const hu = (frame = 0): Float32Array => {
    if (header.samplesPerPixel !== 1) {
      throw new DicomError(name, "unsupported-pixel-format", `hu() needs one sample per pixel, SamplesPerPixel is ${header.samplesPerPixel}`);
    }
    return storedToHU(stored(frame), header, opts.paddingHU ?? -1024);
  };
  return Object.assign(header, { dataSet: ds, storedFrames, stored, hu, warnings });
}

/**
 * Modality LUT (PS3.3 C.11.1.1.2): HU = stored * RescaleSlope + RescaleIntercept; stored values equal
 * to PixelPaddingValue (or between it and PixelPaddingRangeLimit, C.7.5.1.1.2) become `paddingHU`.
 */
export function storedToHU(
  stored: Int32Array,
  h: Pick<DicomHeader, "rescaleSlope" | "rescaleIntercept" | "pixelPaddingValue" | "pixelPaddingRangeLimit">,
  paddingHU = -1024,
): Float32Array {
  const out = new Float32Array(stored.length);
  const m = h.rescaleSlope;
  const b = h.rescaleIntercept;
  const p0 = h.pixelPaddingValue;
  const p1 = h.pixelPaddingRangeLimit ?? p0;
  const lo = p0 === undefined ? Infinity : Math.min(p0, p1 as number);
  const hi = p0 === undefined ? -Infinity : Math.max(p0, p1 as number);
  for (let i = 0; i < stored.length; i++) {
    const v = stored[i];
    out[i] = v >= lo && v <= hi ? paddingHU : v * m + b;
  }
  return out;
}

/** A raw code of `bitsAllocated` bits -> stored value per BitsStored/HighBit/PixelRepresentation. */
function toStoredValue(raw: number, bitsStored: number, shift: number, signed: boolean): number {
  let v = bitsStored >= 32 ? raw >>> shift : (raw >>> shift) & (2 ** bitsStored - 1);
  if (signed && bitsStored < 32 && v >= 2 ** (bitsStored - 1)) v -= 2 ** bitsStored;
  if (signed && bitsStored >= 32) v |= 0;
  return v;
}

function validatePixelHeader(h: DicomHeader, ts: TransferSyntaxInfo | undefined): void {
  const fail = (code: DicomErrorCode, why: string) => {
    throw new DicomError(h.file, code, why);
  };
  if (!h.hasPixelData) fail("no-pixel-data", "no Pixel Data element (7FE0,0010)");
  if (!ts) fail("unsupported-syntax", `unknown transfer syntax ${h.transferSyntax}`);
  if (ts!.encoding === "unsupported") fail("unsupported-syntax", `transfer syntax ${h.transferSyntax} (${ts!.name}) is not supported`);
  if (!(h.rows > 0 && h.columns > 0)) fail("bad-header", `Rows x Columns is ${h.rows} x ${h.columns}`);
  if (![8, 16, 32].includes(h.bitsAllocated)) fail("unsupported-pixel-format", `BitsAllocated ${h.bitsAllocated} is not 8, 16 or 32`);
  if (!(h.bitsStored >= 1 && h.bitsStored <= h.bitsAllocated)) fail("bad-header", `BitsStored ${h.bitsStored} with BitsAllocated ${h.bitsAllocated}`);
  if (!(h.highBit >= h.bitsStored - 1 && h.highBit < h.bitsAllocated)) fail("bad-header", `HighBit ${h.highBit} with BitsStored ${h.bitsStored} and BitsAllocated ${h.bitsAllocated}`);
  if (h.pixelRepresentation !== 0 && h.pixelRepresentation !== 1) fail("bad-header", `PixelRepresentation ${h.pixelRepresentation} is not 0 or 1`);
  if (!(h.samplesPerPixel === 1 || h.samplesPerPixel === 3)) fail("unsupported-pixel-format", `SamplesPerPixel ${h.samplesPerPixel} is not 1 or 3`);
  if (!(Number.isInteger(h.frames) && h.frames >= 1)) fail("bad-header", `NumberOfFrames ${h.frames} is not a positive integer`);
}

function decodeAllFrames(
  ds: dicomParser.DataSet,
  h: DicomHeader,
  ts: TransferSyntaxInfo | undefined,
  opts: ReadDicomOptions,
  warnings: string[],
): Int32Array[] {
  validatePixelHeader(h, ts);
  const el = ds.elements.x7fe00010;
  const spec: FrameSpec = { rows: h.rows, columns: h.columns, samplesPerPixel: h.samplesPerPixel, bitsAllocated: h.bitsAllocated };
  const samplesPerFrame = h.rows * h.columns * h.samplesPerPixel;
  const maxBytes = opts.maxPixelBytes ?? DEFAULT_MAX_PIXEL_BYTES;
  if (samplesPerFrame * h.frames * 4 > maxBytes) {
    throw new DicomError(h.file, "too-large", `${h.frames} frame(s) of ${h.columns}x${h.rows}x${h.samplesPerPixel} exceed the ${maxBytes}-byte decode limit`);
  }
  const byteArray = ds.byteArray;
  let raws: RawFrame[];
  if (ts!.encoding === "native") {
    if (el.encapsulatedPixelData) throw new DicomError(h.file, "corrupt", "encapsulated pixel data in a native (uncompressed) transfer syntax");
    const bytesPerFrame = samplesPerFrame * (h.bitsAllocated / 8);
    const need = bytesPerFrame * h.frames;
    const available = Math.min(el.length, byteArray.length - el.dataOffset);
    if (el.dataOffset > byteArray.length || available < need) {
      throw new DicomError(h.file, "truncated", `pixel data holds ${Math.max(0, available)} bytes, ${h.frames} frame(s) of ${h.columns}x${h.rows} need ${need}`);
    }
    // More data than the header describes: beyond the padding byte of an odd length, a row or
    // more left over means Rows, Columns, NumberOfFrames or BitsAllocated do not describe it.
    const rowBytes = h.columns * h.samplesPerPixel * (h.bitsAllocated / 8);
    if (el.length - need >= rowBytes) {
      throw new DicomError(h.file, "bad-header", `pixel data holds ${el.length} bytes, but ${h.frames} frame(s) of ${h.columns}x${h.rows}x${h.samplesPerPixel} at ${h.bitsAllocated} bits are ${need}: the size fields do not describe the data`);
    }
    if (el.length - need > 1) warnings.push(`pixel data has ${el.length - need} bytes after the last frame; ignored`);
    raws = [];
    for (let f = 0; f < h.frames; f++) {
      const raw = readNative(byteArray, el.dataOffset + f * bytesPerFrame, samplesPerFrame, h.bitsAllocated, ts!.littleEndian);
      raws.push(h.samplesPerPixel > 1 && h.planarConfiguration === 1 ? interleavePlanes(raw, h.samplesPerPixel) : raw);
    }
  } else {
    const encoded = encapsulatedFrames(ds, el, h, ts!);
    raws = encoded.map((bytes, f) => decodeFrame(bytes, spec, ts!, h.file, f));
  }
  const shift = h.highBit + 1 - h.bitsStored;
  const signed = h.pixelRepresentation === 1;
  if (shift !== 0) warnings.push(`HighBit ${h.highBit} != BitsStored-1; stored values shifted right by ${shift}`);
  return raws.map((raw) => rawToStored(raw, samplesPerFrame, h.bitsAllocated, h.bitsStored, shift, signed));
}

/** Raw codes -> stored values (mask to BitsStored below HighBit, sign-extend if signed); bit ops, < 32 bits. */
function rawToStored(raw: RawFrame, n: number, bitsAllocated: number, bitsStored: number, shift: number, signed: boolean): Int32Array {
  const out = new Int32Array(n);
  if (bitsAllocated >= 32) {
    for (let i = 0; i < n; i++) out[i] = toStoredValue(raw[i] >>> 0, bitsStored, shift, signed);
    return out;
  }
  const allocMask = (1 << bitsAllocated) - 1;
  const mask = (1 << bitsStored) - 1;
  const ext = 32 - bitsStored;
  if (signed) for (let i = 0; i < n; i++) out[i] = ((((raw[i] & allocMask) >>> shift) & mask) << ext) >> ext;
  else for (let i = 0; i < n; i++) out[i] = ((raw[i] & allocMask) >>> shift) & mask;
  return out;
}

/** Colour-by-plane (PlanarConfiguration 1) -> colour-by-pixel, the layout every decoder returns. */
function interleavePlanes(raw: RawFrame, spp: number): RawFrame {
  const n = raw.length / spp;
  const out = new (raw.constructor as new (n: number) => RawFrame)(raw.length);
  for (let s = 0; s < spp; s++) for (let i = 0; i < n; i++) out[i * spp + s] = raw[s * n + i];
  return out;
}

function readNative(b: Uint8Array, offset: number, n: number, bits: number, little: boolean): RawFrame {
  if (bits === 8) return b.subarray(offset, offset + n);
  const dv = new DataView(b.buffer, b.byteOffset + offset, n * (bits / 8));
  if (bits === 16) {
    const out = new Uint16Array(n);
    for (let i = 0; i < n; i++) out[i] = dv.getUint16(2 * i, little);
    return out;
  }
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = dv.getUint32(4 * i, little);
  return out;
}

/** Splits encapsulated pixel data (PS3.5 A.4) into one byte array per frame, checking every length. */
function encapsulatedFrames(ds: dicomParser.DataSet, el: dicomParser.Element, h: DicomHeader, ts: TransferSyntaxInfo): Uint8Array[] {
  if (!el.encapsulatedPixelData) throw new DicomError(h.file, "corrupt", `native pixel data in the compressed transfer syntax ${ts.name}`);
  const frags = el.fragments ?? [];
  if (frags.length === 0) throw new DicomError(h.file, "no-pixel-data", "encapsulated pixel data has no fragments");
  for (const f of frags) {
    if (f.position < 0 || f.length < 0 || f.position + f.length > ds.byteArray.length) {
      throw new DicomError(h.file, "truncated", `pixel data fragment at byte ${f.position} (${f.length} bytes) runs past the end of the file`);
    }
  }
  // A fragment never holds more than one frame (PS3.5 A.4), so more frames than fragments is a lie.
  if (h.frames > frags.length) {
    throw new DicomError(h.file, "corrupt", `NumberOfFrames ${h.frames} but only ${frags.length} pixel data fragment(s)`);
  }
  const slice = (start: number, count: number): Uint8Array => {
    try {
      return dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, start, count);
    } catch (e) {
      throw new DicomError(h.file, "corrupt", `cannot assemble fragments ${start}..${start + count - 1}: ${describeThrown(e)}`);
    }
  };
  if (h.frames === 1) return [slice(0, frags.length)];
  if (frags.length === h.frames) return frags.map((_, i) => slice(i, 1));
  const bot = el.basicOffsetTable ?? [];
  if (bot.length === h.frames) {
    // Offsets are relative to the first fragment's item tag; map each to its fragment index.
    const starts = bot.map((off) => frags.findIndex((f) => f.offset === off));
    if (starts.some((s, i) => s < 0 || (i > 0 && s <= starts[i - 1]))) {
      throw new DicomError(h.file, "corrupt", "Basic Offset Table entries do not point at fragment starts in order");
    }
    return starts.map((s, i) => slice(s, (i + 1 < starts.length ? starts[i + 1] : frags.length) - s));
  }
  if (ts.encoding === "jpeg-lossless" || ts.encoding === "jpeg-ls") {
    // No offset table: a new frame starts at each fragment that begins with a JPEG SOI marker.
    const starts: number[] = [];
    frags.forEach((f, i) => {
      const p = ds.byteArray;
      if (p[f.position] === 0xff && p[f.position + 1] === 0xd8) starts.push(i);
    });
    if (starts.length === h.frames && starts[0] === 0) {
      return starts.map((s, i) => slice(s, (i + 1 < starts.length ? starts[i + 1] : frags.length) - s));
    }
  }
  throw new DicomError(h.file, "corrupt", `cannot split ${frags.length} fragments into ${h.frames} frames (no usable Basic Offset Table)`);
}

function decodeFrame(bytes: Uint8Array, spec: FrameSpec, ts: TransferSyntaxInfo, file: string, frame: number): RawFrame {
  try {
    switch (ts.encoding) {
      case "rle":
        return decodeRle(bytes, spec);
      case "jpeg-lossless":
        return decodeJpegLossless(bytes, spec);
      case "jpeg-ls":
        return decodeJpegLs(bytes, spec);
      case "jpeg2000":
        return decodeJpeg2000(bytes, spec);
      default:
        throw new DicomError(file, "unsupported-syntax", `no decoder for ${ts.name}`);
    }
  } catch (e) {
    if (e instanceof DicomError) throw e;
    const code: DicomErrorCode = e instanceof CodecError ? "corrupt" : "decode-failed";
    throw new DicomError(file, code, `frame ${frame} (${ts.name}): ${describeThrown(e)}`);
  }
}
