import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { writeFileAtomic, writeJsonAtomic } from "../util/atomic";
import type { NoduleDataset, NoduleSample } from "./sample";

/**
 * On-disk cache of preprocessed nodule crops.
 *
 * Format ("naslung-crops" v1): one folder per key, `<root>/<name>-<key>/`, holding
 * - `crops.f32`: all crops back to back, float32 little endian, each `size`^3 values z-major
 *   (sample i starts at byte i * size^3 * 4; its `offset` in the index is i);
 * - `masks.u8`: the nodule masks, same layout as uint8 (0/1), zeros for samples without one;
 * - `index.json`: `{ format, version, key, name, source, synthetic, size, count, dtype,
 *   maskDtype, config, stats, samples: [{ id, label, group, fold, offset, hasMask, meta }] }`;
 * - `index.csv`: the same table as CSV (id,label,group,fold,offset,hasMask) for a quick look.
 * The folder is assembled under a temporary name and renamed into place, so a reader sees a
 * complete cache or none, and two processes building the same key cannot corrupt each other.
 * The key is a hash of the preprocessing config and a fingerprint of the inputs: a rerun with
 * the same inputs reuses the cache, any change to either builds a new one.
 */
export const CACHE_FORMAT = "naslung-crops";
export const CACHE_VERSION = 1;

/** A stable hash (sha256, 20 hex chars) of any JSON-serialisable value (object keys sorted). */
export function cacheKey(value: unknown): string {
  return crypto.createHash("sha256").update(stableJson(value)).digest("hex").slice(0, 20);
}

/** JSON with object keys sorted, so logically equal configs hash equally. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v && typeof v === "object" && !ArrayBuffer.isView(v)) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v) ?? "null";
}

/** Fingerprints computed in this process, keyed by the files' paths, sizes and mtimes. */
const fingerprintMemo = new Map<string, string>();

/**
 * Content fingerprint of files (sha256 over relative path, size and bytes), sorted by path.
 * Within one process the result is reused while no file's size or mtime changed, so repeated
 * `demoDataset()` calls do not re-read the whole cohort.
 */
export function fingerprintFiles(root: string, files: string[]): string {
  const sorted = [...files].sort();
  const stamp = sorted
    .map((f) => {
      const st = fs.statSync(f);
      return `${f}\0${st.size}\0${st.mtimeMs}`;
    })
    .join("\n");
  const memoKey = crypto.createHash("sha256").update(`${root}\n${stamp}`).digest("hex");
  const hit = fingerprintMemo.get(memoKey);
  if (hit) return hit;
  const h = crypto.createHash("sha256");
  for (const f of sorted) {
    const rel = path.relative(root, f);
    const b = fs.readFileSync(f);
    h.update(`${rel}\0${b.length}\0`);
    h.update(b);
  }
  const digest = h.digest("hex").slice(0, 20);
  fingerprintMemo.set(memoKey, digest);
  return digest;
}

/** One row of the index. */
export interface CacheIndexRow {
  id: string;
  label: 0 | 1;
  group: string;
  fold?: number;
  offset: number;
  hasMask: boolean;
  meta?: Record<string, unknown>;
}

/** `index.json`. */
export interface CacheIndex {
  format: string;
  version: number;
  key: string;
  name: string;
  source: string;
  synthetic: boolean;
  size: number;
  count: number;
  dtype: "float32-le";
  maskDtype: "uint8";
  config: unknown;
  stats?: Record<string, unknown>;
  samples: CacheIndexRow[];
}

/** The folder of a cache entry. */
export function cacheDir(root: string, name: string, key: string): string {
  return path.join(root, `${name.replace(/[^A-Za-z0-9._-]/g, "_")}-${key}`);
}

/**
 * Writes a dataset to `dir` atomically (see the file comment). All samples must share one
 * cube size. Returns the index written.
 */
export function writeCropCache(dir: string, ds: NoduleDataset, key: string, config: unknown, stats?: Record<string, unknown>): CacheIndex {
  const size = ds.samples[0]?.size ?? 32;
  const n3 = size * size * size;
  const crops = Buffer.alloc(ds.samples.length * n3 * 4);
  const masks = Buffer.alloc(ds.samples.length * n3);
  const rows: CacheIndexRow[] = ds.samples.map((s, i) => {
    if (s.size !== size || s.crop.length !== n3) throw new Error(`writeCropCache: sample ${s.id} has size ${s.size} (${s.crop.length} values), expected ${size}^3`);
    Buffer.from(s.crop.buffer, s.crop.byteOffset, s.crop.byteLength).copy(crops, i * n3 * 4);
    if (s.mask) {
      if (s.mask.length !== n3) throw new Error(`writeCropCache: sample ${s.id} mask has ${s.mask.length} values, expected ${n3}`);
      masks.set(s.mask, i * n3);
    }
    return { id: s.id, label: s.label, group: s.group, fold: s.fold, offset: i, hasMask: !!s.mask, meta: s.meta };
  });
  const index: CacheIndex = {
    format: CACHE_FORMAT,
    version: CACHE_VERSION,
    key,
    name: ds.name,
    source: ds.source,
    synthetic: ds.synthetic,
    size,
    count: rows.length,
    dtype: "float32-le",
    maskDtype: "uint8",
    config,
    stats,
    samples: rows,
  };
  const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  fs.mkdirSync(tmp, { recursive: true });
  writeFileAtomic(path.join(tmp, "crops.f32"), crops);
  writeFileAtomic(path.join(tmp, "masks.u8"), masks);
  const csv = ["id,label,group,fold,offset,hasMask", ...rows.map((r) => [csvCell(r.id), r.label, csvCell(r.group), r.fold ?? "", r.offset, r.hasMask ? 1 : 0].join(","))];
  writeFileAtomic(path.join(tmp, "index.csv"), csv.join("\n") + "\n");
  writeJsonAtomic(path.join(tmp, "index.json"), index);
  try {
    // A complete cache of the same key from another process is equivalent: keep it.
    if (fs.existsSync(path.join(dir, "index.json"))) {
      fs.rmSync(tmp, { recursive: true, force: true });
      return index;
    }
    fs.rmSync(dir, { recursive: true, force: true }); // an incomplete leftover
    fs.renameSync(tmp, dir);
  } catch (e) {
    // Another process finished the same key first: its cache is equivalent, keep it.
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(path.join(dir, "index.json"))) throw e;
  }
  return index;
}

function csvCell(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Reads a cache folder back into a dataset, checking the format, version and file sizes; a
 * mismatch raises an error naming the file and the problem.
 */
export function readCropCache(dir: string): { dataset: NoduleDataset; index: CacheIndex } {
  const indexFile = path.join(dir, "index.json");
  let index: CacheIndex;
  try {
    index = JSON.parse(fs.readFileSync(indexFile, "utf8")) as CacheIndex;
  } catch (e) {
    throw new Error(`${indexFile}: cannot read crop cache index (${(e as Error).message})`);
  }
  if (index.format !== CACHE_FORMAT || index.version !== CACHE_VERSION)
    throw new Error(`${indexFile}: format ${index.format} v${index.version}, expected ${CACHE_FORMAT} v${CACHE_VERSION}`);
  const n3 = index.size ** 3;
  const cropsFile = path.join(dir, "crops.f32");
  const masksFile = path.join(dir, "masks.u8");
  const crops = fs.readFileSync(cropsFile);
  const masks = fs.readFileSync(masksFile);
  if (crops.length !== index.count * n3 * 4) throw new Error(`${cropsFile}: ${crops.length} bytes, index says ${index.count} crops of ${index.size}^3 float32 (${index.count * n3 * 4} bytes)`);
  if (masks.length !== index.count * n3) throw new Error(`${masksFile}: ${masks.length} bytes, expected ${index.count * n3}`);
  const all = new Float32Array(index.count * n3);
  new Uint8Array(all.buffer).set(crops);
  const samples: NoduleSample[] = index.samples.map((r) => {
    if (!(r.offset >= 0 && r.offset < index.count)) throw new Error(`${indexFile}: sample ${r.id} has offset ${r.offset} outside 0..${index.count - 1}`);
    const s: NoduleSample = {
      id: r.id,
      label: r.label,
      group: r.group,
      size: index.size,
      crop: all.subarray(r.offset * n3, (r.offset + 1) * n3),
    };
    if (r.fold !== undefined && r.fold !== null) s.fold = r.fold;
    if (r.hasMask) s.mask = Uint8Array.from(masks.subarray(r.offset * n3, (r.offset + 1) * n3));
    if (r.meta) s.meta = r.meta;
    return s;
  });
  return { dataset: { name: index.name, source: index.source, synthetic: index.synthetic, samples }, index };
}

/**
 * Returns the cached dataset for `key` under `root`, building and caching it when missing
 * (`build` returns the dataset and optional stats to store in the index).
 */
export async function cachedDataset(
  root: string,
  name: string,
  key: string,
  config: unknown,
  build: () => Promise<{ dataset: NoduleDataset; stats?: Record<string, unknown> }>,
): Promise<{ dataset: NoduleDataset; hit: boolean; dir: string; index: CacheIndex }> {
  const dir = cacheDir(root, name, key);
  if (fs.existsSync(path.join(dir, "index.json"))) {
    const r = readCropCache(dir);
    return { ...r, hit: true, dir };
  }
  const { dataset, stats } = await build();
  const index = writeCropCache(dir, dataset, key, config, stats);
  return { dataset, hit: false, dir, index };
}
