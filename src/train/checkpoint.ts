import * as fs from "fs";
import { writeFileAtomic } from "../util/atomic";
import { finite, parseInput, safeInt, z } from "../util/schema";
import type { WeightMap } from "../models/paramStore";
import type { SavedTensor } from "./optimizer";

const MAGIC = "NLCKPT01";

/** One epoch of training history. */
export interface EpochRecord {
  /** 0-based epoch. */
  epoch: number;
  lr: number;
  /** Global optimizer steps after this epoch (A-Softmax's `iteration`). */
  step: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number;
  valAccuracy: number;
  valAuc: number;
  /** Whether this epoch became the selected checkpoint. */
  best: boolean;
  seconds: number;
}

/** Input scaling learned on the training fold (`preprocessing: standardize`). */
export interface InputNorm {
  mean: number;
  std: number;
}

/** Everything needed to continue a run exactly where it stopped. */
export interface TrainState {
  /** Completed epochs (the next epoch to run, 0-based). */
  epoch: number;
  step: number;
  history: EpochRecord[];
  bestEpoch: number;
  /** Selection score of the best epoch (higher is better; negated loss for loss). */
  bestScore: number[];
  inputNorm: InputNorm | null;
  /** Fingerprint of what must not change across a resume (config + data split). */
  fingerprint: string;
}

/** A checkpoint: model weights (BN running stats included), optimizer slots and train state. */
export interface Checkpoint {
  state: TrainState;
  weights: WeightMap;
  optimizer: SavedTensor[];
}

interface Entry {
  kind: "weight" | "optimizer";
  name: string;
  shape: number[];
  dtype: string;
  offset: number;
  length: number;
}

// Infinity/NaN do not survive JSON; the state stores them as null.
const metric = () => z.union([finite(), z.null()]);

/** The JSON header of a checkpoint file: the train state and the tensor table, every key required. */
const headerSchema = z
  .object({
    state: z
      .object({
        epoch: safeInt().nonnegative(),
        step: safeInt().nonnegative(),
        history: z.array(
          z
            .object({
              epoch: safeInt().nonnegative(),
              lr: metric(),
              step: safeInt().nonnegative(),
              trainLoss: metric(),
              trainAccuracy: metric(),
              valLoss: metric(),
              valAccuracy: metric(),
              valAuc: metric(),
              best: z.boolean(),
              seconds: metric(),
            })
            .strict(),
        ),
        bestEpoch: safeInt().min(-1),
        bestScore: z.array(metric()),
        inputNorm: z.union([z.object({ mean: finite(), std: finite().gt(0, "must be > 0") }).strict(), z.null()]),
        fingerprint: z.string(),
      })
      .strict()
      .superRefine((s, ctx) => {
        if (s.bestEpoch >= s.epoch) ctx.addIssue({ code: "custom", path: ["bestEpoch"], message: `must be below epoch (${s.epoch} completed)` });
        if (s.history.length > s.epoch) ctx.addIssue({ code: "custom", path: ["history"], message: `holds ${s.history.length} epochs, more than the ${s.epoch} completed` });
      }),
    entries: z.array(
      z
        .object({
          kind: z.enum(["weight", "optimizer"]),
          name: z.string().min(1),
          shape: z.array(safeInt().nonnegative()),
          dtype: z.enum(["float32", "int32"]),
          offset: safeInt().nonnegative(),
          length: safeInt().nonnegative(),
        })
        .strict(),
    ),
  })
  .strict()
  .superRefine((h, ctx) => {
    // The tensors are stored back to back in table order; each is exactly its shape's size and
    // each name appears once (a second one would silently replace the first).
    let offset = 0;
    const seen = new Set<string>();
    h.entries.forEach((e, i) => {
      const size = e.shape.reduce((a, d) => a * d, 1);
      if (e.length !== size) ctx.addIssue({ code: "custom", path: ["entries", i, "length"], message: `is ${e.length} but shape [${e.shape}] holds ${size}` });
      if (e.offset !== offset) ctx.addIssue({ code: "custom", path: ["entries", i, "offset"], message: `is ${e.offset}, expected ${offset} (tensors are stored back to back)` });
      if (e.kind === "weight" && e.dtype !== "float32") ctx.addIssue({ code: "custom", path: ["entries", i, "dtype"], message: "weights are float32" });
      if (seen.has(`${e.kind}:${e.name}`)) ctx.addIssue({ code: "custom", path: ["entries", i, "name"], message: `"${e.name}" appears twice` });
      seen.add(`${e.kind}:${e.name}`);
      offset += e.length;
    });
  });

/**
 * Serialises a checkpoint into one binary file: "NLCKPT01", uint32 header length, JSON header
 * (state and a tensor table), then float32 data. One file written with writeFileAtomic, so a
 * crash leaves either the old or the new checkpoint, never a mixture.
 */
export function encodeCheckpoint(ck: Checkpoint): Uint8Array {
  const entries: Entry[] = [];
  const blobs: Float32Array[] = [];
  let offset = 0;
  const add = (kind: Entry["kind"], name: string, shape: number[], dtype: string, data: Float32Array) => {
    entries.push({ kind, name, shape, dtype, offset, length: data.length });
    blobs.push(data);
    offset += data.length;
  };
  for (const [name, w] of Object.entries(ck.weights)) add("weight", name, w.shape, "float32", w.data);
  for (const t of ck.optimizer) add("optimizer", t.name, t.shape, t.dtype, t.data);
  const header = Buffer.from(JSON.stringify({ state: ck.state, entries }), "utf8");
  const pad = (4 - ((MAGIC.length + 4 + header.length) % 4)) % 4;
  const headLen = MAGIC.length + 4 + header.length + pad;
  const out = new Uint8Array(headLen + offset * 4);
  out.set(Buffer.from(MAGIC, "ascii"), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, header.length + pad, true);
  out.set(header, MAGIC.length + 4);
  out.fill(0x20, MAGIC.length + 4 + header.length, headLen); // spaces: still valid JSON padding
  const floats = new Float32Array(out.buffer, headLen, offset);
  let o = 0;
  for (const b of blobs) {
    floats.set(b, o);
    o += b.length;
  }
  return out;
}

/** Parses `encodeCheckpoint` output; errors name `file`. */
export function decodeCheckpoint(bytes: Uint8Array, file = "checkpoint"): Checkpoint {
  if (bytes.length < MAGIC.length + 4 || Buffer.from(bytes.subarray(0, MAGIC.length)).toString("ascii") !== MAGIC) {
    throw new Error(`${file}: not a naslung checkpoint (bad magic)`);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = dv.getUint32(MAGIC.length, true);
  const headLen = MAGIC.length + 4 + hlen;
  if (headLen > bytes.length) throw new Error(`${file}: truncated checkpoint header`);
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(bytes.subarray(MAGIC.length + 4, headLen)).toString("utf8"));
  } catch (e) {
    throw new Error(`${file}: corrupt checkpoint header (${(e as Error).message})`);
  }
  const head = parseInput(headerSchema, raw, `${file}: checkpoint header`) as { state: TrainState; entries: Entry[] };
  const total = head.entries.reduce((a, e) => a + e.length, 0);
  if (bytes.length !== headLen + total * 4) throw new Error(`${file}: checkpoint is ${bytes.length} bytes, expected ${headLen + total * 4} (truncated?)`);
  // Copy into an aligned buffer (the file buffer's offset need not be 4-aligned).
  const floats = new Float32Array(total);
  new Uint8Array(floats.buffer).set(bytes.subarray(headLen));
  const weights: WeightMap = {};
  const optimizer: SavedTensor[] = [];
  for (const e of head.entries) {
    const data = floats.slice(e.offset, e.offset + e.length);
    if (e.kind === "weight") weights[e.name] = { shape: e.shape, data };
    else optimizer.push({ name: e.name, shape: e.shape, dtype: e.dtype as SavedTensor["dtype"], data });
  }
  return { state: head.state, weights, optimizer };
}

/** Writes a checkpoint atomically. */
export function saveCheckpoint(file: string, ck: Checkpoint): void {
  writeFileAtomic(file, encodeCheckpoint(ck));
}

/** Reads a checkpoint written by `saveCheckpoint`. */
export function loadCheckpoint(file: string): Checkpoint {
  if (!fs.existsSync(file)) throw new Error(`${file}: checkpoint not found`);
  return decodeCheckpoint(fs.readFileSync(file), file);
}
