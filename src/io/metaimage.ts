import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import type { Volume } from "./volume";
import { writeFileAtomic } from "../util/atomic";

/** A MetaImage (.mhd) file could not be read; the one-line message names the file and the field. */
export class MetaImageError extends Error {
  readonly file: string;
  constructor(file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = "MetaImageError";
    this.file = file;
  }
}

/** MetaIO element types (metaTypes.h) and their sizes; MET_LONG is 4 bytes in MetaIO. */
const ELEMENT_TYPES = {
  MET_CHAR: { bytes: 1, read: (d: DataView, o: number) => d.getInt8(o) },
  MET_UCHAR: { bytes: 1, read: (d: DataView, o: number) => d.getUint8(o) },
  MET_SHORT: { bytes: 2, read: (d: DataView, o: number, le: boolean) => d.getInt16(o, le) },
  MET_USHORT: { bytes: 2, read: (d: DataView, o: number, le: boolean) => d.getUint16(o, le) },
  MET_INT: { bytes: 4, read: (d: DataView, o: number, le: boolean) => d.getInt32(o, le) },
  MET_UINT: { bytes: 4, read: (d: DataView, o: number, le: boolean) => d.getUint32(o, le) },
  MET_LONG: { bytes: 4, read: (d: DataView, o: number, le: boolean) => d.getInt32(o, le) },
  MET_ULONG: { bytes: 4, read: (d: DataView, o: number, le: boolean) => d.getUint32(o, le) },
  MET_LONG_LONG: { bytes: 8, read: (d: DataView, o: number, le: boolean) => Number(d.getBigInt64(o, le)) },
  MET_ULONG_LONG: { bytes: 8, read: (d: DataView, o: number, le: boolean) => Number(d.getBigUint64(o, le)) },
  MET_FLOAT: { bytes: 4, read: (d: DataView, o: number, le: boolean) => d.getFloat32(o, le) },
  MET_DOUBLE: { bytes: 8, read: (d: DataView, o: number, le: boolean) => d.getFloat64(o, le) },
} as const;

/** A MetaIO element type name this reader understands. */
export type MetaElementType = keyof typeof ELEMENT_TYPES;

/** The parsed header of a 3-D MetaImage. */
export interface MetaImageHeader {
  file: string;
  /** DimSize as [nx, ny, nz]. */
  dimSize: [number, number, number];
  /** ElementSpacing as [dx, dy, dz] mm. */
  elementSpacing: [number, number, number];
  /** Offset (a.k.a. Position/Origin): world [x, y, z] of voxel (0,0,0). */
  offset: [number, number, number];
  /** TransformMatrix (a.k.a. Rotation/Orientation) as written: axis x's direction, then y's, then z's. */
  transformMatrix: number[];
  elementType: MetaElementType;
  littleEndian: boolean;
  compressed: boolean;
  /** Absolute path of the pixel file, or the .mhd itself for ElementDataFile = LOCAL. */
  dataFile: string;
  /** Bytes to skip in the data file; -1 means "the data are the last bytes of the file". */
  headerSize: number;
  /** Byte offset of the data in a LOCAL file (end of the header text). */
  localDataOffset: number;
  /** Every key = value pair as written. */
  fields: Record<string, string>;
}

/**
 * Parses a MetaImage header (ITK MetaIO text format: `Key = value` lines, ElementDataFile last).
 * Only 3-D single-channel images with one data file (or LOCAL) are accepted.
 */
export function readMetaImageHeader(mhdPath: string): MetaImageHeader {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(mhdPath);
  } catch (e) {
    throw new MetaImageError(mhdPath, `cannot read header: ${(e as Error).message}`);
  }
  // The header is ASCII; for LOCAL data it stops at the ElementDataFile line.
  const fields: Record<string, string> = {};
  let pos = 0;
  let localDataOffset = -1;
  while (pos < bytes.length) {
    let end = bytes.indexOf(0x0a, pos);
    if (end < 0) end = bytes.length;
    const line = bytes.toString("latin1", pos, end).replace(/\r$/, "");
    pos = end + 1;
    if (!line.trim()) continue;
    const m = /^\s*([A-Za-z0-9_]+)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (!m) throw new MetaImageError(mhdPath, `malformed header line "${line.slice(0, 60)}"`);
    fields[m[1]] = m[2];
    if (m[1] === "ElementDataFile") {
      localDataOffset = pos;
      break;
    }
  }
  const get = (...keys: string[]) => {
    for (const k of keys) if (fields[k] !== undefined) return fields[k];
    return undefined;
  };
  const nums = (key: string, n: number, fallback: number[] | undefined, ...alias: string[]): number[] => {
    const raw = get(key, ...alias);
    if (raw === undefined) {
      if (fallback) return fallback;
      throw new MetaImageError(mhdPath, `missing ${key}`);
    }
    const v = raw.split(/\s+/).filter(Boolean).map(Number);
    if (v.length !== n || v.some((x) => !Number.isFinite(x))) throw new MetaImageError(mhdPath, `${key} must be ${n} numbers, got "${raw}"`);
    return v;
  };
  const ndims = Number(get("NDims") ?? "NaN");
  if (ndims !== 3) throw new MetaImageError(mhdPath, `NDims must be 3, got ${get("NDims") ?? "nothing"}`);
  const dimSize = nums("DimSize", 3, undefined) as [number, number, number];
  if (dimSize.some((d) => !Number.isInteger(d) || d < 1)) throw new MetaImageError(mhdPath, `DimSize "${fields.DimSize}" is not three positive integers`);
  const elementSpacing = nums("ElementSpacing", 3, get("ElementSize") ? nums("ElementSize", 3, undefined) : [1, 1, 1]) as [number, number, number];
  if (elementSpacing.some((d) => !(d > 0))) throw new MetaImageError(mhdPath, `ElementSpacing "${fields.ElementSpacing}" must be positive`);
  const offset = nums("Offset", 3, [0, 0, 0], "Position", "Origin") as [number, number, number];
  const transformMatrix = nums("TransformMatrix", 9, [1, 0, 0, 0, 1, 0, 0, 0, 1], "Rotation", "Orientation");
  const et = get("ElementType");
  if (!et || !(et in ELEMENT_TYPES)) throw new MetaImageError(mhdPath, `ElementType "${et ?? ""}" is not one of ${Object.keys(ELEMENT_TYPES).join(", ")}`);
  const channels = Number(get("ElementNumberOfChannels") ?? "1");
  if (channels !== 1) throw new MetaImageError(mhdPath, `ElementNumberOfChannels ${channels}: only single-channel images are supported`);
  const msb = (get("BinaryDataByteOrderMSB", "ElementByteOrderMSB") ?? "False").toLowerCase() === "true";
  const compressed = (get("CompressedData") ?? "False").toLowerCase() === "true";
  const edf = get("ElementDataFile");
  if (!edf) throw new MetaImageError(mhdPath, "missing ElementDataFile");
  if (edf === "LIST" || /%/.test(edf)) throw new MetaImageError(mhdPath, `ElementDataFile "${edf}": multi-file data is not supported`);
  const headerSize = Number(get("HeaderSize") ?? "0");
  if (!Number.isInteger(headerSize) || headerSize < -1) throw new MetaImageError(mhdPath, `HeaderSize "${fields.HeaderSize}" is not an integer >= -1`);
  return {
    file: mhdPath,
    dimSize,
    elementSpacing,
    offset,
    transformMatrix,
    elementType: et as MetaElementType,
    littleEndian: !msb,
    compressed,
    dataFile: edf === "LOCAL" ? mhdPath : path.resolve(path.dirname(mhdPath), edf),
    headerSize,
    localDataOffset: edf === "LOCAL" ? localDataOffset : 0,
    fields,
  };
}

/** Volume.direction (row-major, columns = axes) from MetaIO's TransformMatrix (axis after axis). */
export function directionFromTransformMatrix(tm: number[]): number[] {
  const d = new Array<number>(9);
  for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) d[r * 3 + c] = tm[c * 3 + r];
  return d;
}

/**
 * Reads a 3-D MetaImage (.mhd + .raw, compressed .zraw, or LOCAL data) into a {@link Volume}
 * (voxel values as stored, e.g. HU for LUNA16). Geometry follows ITK's MetaImageIO: Offset is the
 * origin, ElementSpacing [dx,dy,dz] becomes spacing [dz,dy,dx], and TransformMatrix lists the world
 * direction of the x, y and z axes in turn (ITK `SetDirection(i, row i)`), i.e. the columns of
 * Volume.direction. The data size is checked against DimSize x element size before decoding.
 */
export function readMetaImage(mhdPath: string): Volume {
  const h = readMetaImageHeader(mhdPath);
  const type = ELEMENT_TYPES[h.elementType];
  const [nx, ny, nz] = h.dimSize;
  const count = nx * ny * nz;
  const need = count * type.bytes;
  if (need > 2 ** 31) throw new MetaImageError(mhdPath, `DimSize ${h.dimSize.join("x")} of ${h.elementType} needs ${need} bytes (limit 2 GiB)`);
  let file: Buffer;
  try {
    file = fs.readFileSync(h.dataFile);
  } catch (e) {
    throw new MetaImageError(mhdPath, `cannot read ElementDataFile ${h.dataFile}: ${(e as Error).message}`);
  }
  let raw: Buffer;
  if (h.compressed) {
    const start = h.dataFile === mhdPath ? h.localDataOffset : Math.max(0, h.headerSize);
    try {
      raw = zlib.inflateSync(file.subarray(start), { maxOutputLength: need + 1 });
    } catch (e) {
      throw new MetaImageError(mhdPath, `compressed data in ${h.dataFile} does not inflate: ${(e as Error).message}`);
    }
    if (raw.length !== need) throw new MetaImageError(mhdPath, `${h.dataFile} inflates to ${raw.length} bytes, DimSize x ${h.elementType} needs ${need}`);
  } else {
    let start = h.dataFile === mhdPath ? h.localDataOffset : h.headerSize;
    if (h.headerSize === -1) start = file.length - need;
    if (start < 0 || file.length - start < need) {
      throw new MetaImageError(mhdPath, `${h.dataFile} holds ${Math.max(0, file.length - Math.max(0, start))} data bytes, DimSize x ${h.elementType} needs ${need}`);
    }
    raw = file.subarray(start, start + need);
  }
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const data = new Float32Array(count);
  for (let i = 0, o = 0; i < count; i++, o += type.bytes) data[i] = type.read(dv, o, h.littleEndian);
  const [dx, dy, dz] = h.elementSpacing;
  return {
    data,
    shape: [nz, ny, nx],
    spacing: [dz, dy, dx],
    origin: [...h.offset] as [number, number, number],
    direction: directionFromTransformMatrix(h.transformMatrix),
  };
}

/** Options of {@link writeMetaImage}. */
export interface WriteMetaImageOptions {
  /** Stored element type (default MET_FLOAT; MET_SHORT rounds, e.g. for HU). */
  elementType?: "MET_FLOAT" | "MET_SHORT" | "MET_UCHAR";
  /** zlib-compress into a .zraw (CompressedData = True). */
  compress?: boolean;
}

/**
 * Writes a {@link Volume} as .mhd + .raw (or .zraw), both atomically, in the layout
 * {@link readMetaImage} reads back (and ITK/SimpleITK read). Returns the data file path.
 */
export function writeMetaImage(mhdPath: string, v: Volume, opts: WriteMetaImageOptions = {}): string {
  const et = opts.elementType ?? "MET_FLOAT";
  const [nz, ny, nx] = v.shape;
  const n = nx * ny * nz;
  if (v.data.length !== n) throw new MetaImageError(mhdPath, `volume has ${v.data.length} voxels, shape ${v.shape.join("x")} needs ${n}`);
  let bytes: Uint8Array;
  if (et === "MET_FLOAT") bytes = new Uint8Array(Float32Array.from(v.data).buffer);
  else if (et === "MET_SHORT") bytes = new Uint8Array(Int16Array.from(v.data, (x) => Math.max(-32768, Math.min(32767, Math.round(x)))).buffer);
  else bytes = Uint8Array.from(v.data, (x) => Math.max(0, Math.min(255, Math.round(x))));
  const ext = opts.compress ? ".zraw" : ".raw";
  const dataPath = mhdPath.replace(/\.mhd$/i, "") + ext;
  const payload = opts.compress ? zlib.deflateSync(bytes) : bytes;
  // TransformMatrix: axis x's world direction first (column 0 of Volume.direction), then y, z.
  const d = v.direction;
  const tm = [d[0], d[3], d[6], d[1], d[4], d[7], d[2], d[5], d[8]];
  const lines = [
    "ObjectType = Image",
    "NDims = 3",
    "BinaryData = True",
    "BinaryDataByteOrderMSB = False",
    `CompressedData = ${opts.compress ? "True" : "False"}`,
    ...(opts.compress ? [`CompressedDataSize = ${payload.length}`] : []),
    `TransformMatrix = ${tm.map(fmt).join(" ")}`,
    `Offset = ${v.origin.map(fmt).join(" ")}`,
    "CenterOfRotation = 0 0 0",
    `ElementSpacing = ${[v.spacing[2], v.spacing[1], v.spacing[0]].map(fmt).join(" ")}`,
    `DimSize = ${nx} ${ny} ${nz}`,
    `ElementType = ${et}`,
    `ElementDataFile = ${path.basename(dataPath)}`,
  ];
  writeFileAtomic(dataPath, payload);
  writeFileAtomic(mhdPath, lines.join("\n") + "\n");
  return dataPath;
}

function fmt(x: number): string {
  return Number.isInteger(x) ? String(x) : String(+x.toPrecision(17));
}
