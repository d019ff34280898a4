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
  const parseOpts: dicomParser.ParseDicomOptions = {
    inflater: (arr: Uint8Array, position: number) => inflate(arr, position, name, opts.maxInflatedBytes ?? 1 << 30),
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
  try {
    return dicomParser.parseDicom(buf, parseOpts);
  } catch (e) {
    if (e instanceof DicomError) throw e;
    const reason = describeThrown(e);
    throw new DicomError(name, classifyParseError(reason), `parse failed: ${reason}`);
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
