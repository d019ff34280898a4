/**
 * On-disk cache of decoded nodule samples (one file per dataset version).
 *
 * Format (little endian): the 8 bytes "NLSMPC1\n", a uint32 byte length, that many bytes of UTF-8
 * JSON `{ key, count, size, encoding, samples: [{id,label,group,fold,size,meta}], extra }`, then a
 * zlib stream (node's zlib) of all crops back to back: uint8 with value = round(crop * 255) when
 * `encoding` is "u8/255" (used when every voxel is exactly k/255, as 8-bit sources are), else
 * float32. The file is written atomically; a `key` mismatch (source or loader changed) or any
 * corruption makes `readSampleCache` return undefined, so the caller rebuilds.
 */
import * as fs from "fs";
import * as zlib from "zlib";
import { writeFileAtomic } from "../util/atomic";
import type { NoduleSample } from "./sample";

const MAGIC = Buffer.from("NLSMPC1\n", "ascii");

interface CacheHeader {
  key: string;
  count: number;
  size: number;
  encoding: "u8/255" | "f32";
  samples: Array<Omit<NoduleSample, "crop" | "mask">>;
  extra?: unknown;
}

function quantisable(samples: NoduleSample[]): boolean {
  for (const s of samples)
    for (let i = 0; i < s.crop.length; i++) {
      const k = Math.round(s.crop[i] * 255);
      if (k < 0 || k > 255 || Math.fround(k / 255) !== s.crop[i]) return false;
    }
  return true;
}

/** Writes samples (crops, not masks) and a JSON-able `extra` under a version `key`, atomically. */
export function writeSampleCache(file: string, key: string, samples: NoduleSample[], extra?: unknown): void {
  const size = samples[0]?.size ?? 0;
  for (const s of samples) if (s.crop.length !== size ** 3) throw new Error(`writeSampleCache: sample ${s.id} crop has ${s.crop.length} voxels, expected ${size}^3`);
  const encoding = quantisable(samples) ? "u8/255" : "f32";
  const n = size ** 3;
  const body = new Uint8Array(samples.length * n * (encoding === "u8/255" ? 1 : 4));
  samples.forEach((s, j) => {
    if (encoding === "u8/255") for (let i = 0; i < n; i++) body[j * n + i] = Math.round(s.crop[i] * 255);
    else body.set(new Uint8Array(s.crop.buffer, s.crop.byteOffset, n * 4), j * n * 4);
  });
  const header: CacheHeader = {
    key,
    count: samples.length,
    size,
    encoding,
    samples: samples.map(({ id, label, group, fold, size: sz, meta }) => ({ id, label, group, fold, size: sz, meta })),
    extra,
  };
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const len = Buffer.alloc(4);
  len.writeUInt32LE(json.length, 0);
  writeFileAtomic(file, Buffer.concat([MAGIC, len, json, zlib.deflateSync(body, { level: 1 })]));
}

/** Reads a cache written under `key`; undefined when absent, stale (other key) or unreadable. */
export function readSampleCache(file: string, key: string): { samples: NoduleSample[]; extra?: unknown } | undefined {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch {
    return undefined;
  }
  try {
    if (buf.length < 12 || !buf.subarray(0, 8).equals(MAGIC)) return undefined;
    const jl = buf.readUInt32LE(8);
    if (12 + jl > buf.length) return undefined;
    const header = JSON.parse(buf.subarray(12, 12 + jl).toString("utf8")) as CacheHeader;
    if (header.key !== key) return undefined;
    const body = zlib.inflateSync(buf.subarray(12 + jl));
    const n = header.size ** 3;
    const bpv = header.encoding === "u8/255" ? 1 : 4;
    if (body.length !== header.count * n * bpv || header.samples.length !== header.count) return undefined;
    const lut = new Float32Array(256).map((_, k) => k / 255);
    const samples = header.samples.map((h, j): NoduleSample => {
      const crop = new Float32Array(n);
      if (bpv === 1) for (let i = 0, o = j * n; i < n; i++) crop[i] = lut[body[o + i]];
      else crop.set(new Float32Array(body.slice(j * n * 4, (j + 1) * n * 4).buffer));
      return { ...h, crop } as NoduleSample;
    });
    return { samples, extra: header.extra };
  } catch {
    return undefined;
  }
}
