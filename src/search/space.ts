import type { Rng } from "../util/rng";
import { parseInput, z } from "../util/schema";

/**
 * One point of the NAS-Lung search space: the fixed stem and three stages, each a list of
 * residual-block widths. It is the searchable part of a ConvRes config (models area:
 * `ConvResConfig` adds the attention variant and the head).
 */
export interface SearchArch {
  stem: [number, number];
  stages: [number[], number[], number[]];
}

/**
 * Bounds of the space (Jiang et al. 2021, Sec. 3.1; DESIGN.md): `minBlocks..maxBlocks` residual
 * blocks in total, split into 3 non-empty stages, each width drawn from `widths`, and the widths
 * non-decreasing along the whole network (across stage boundaries too). The stem is fixed.
 */
export interface SearchSpaceConfig {
  widths: number[];
  minBlocks: number;
  maxBlocks: number;
  stem: [number, number];
}

/** The paper's space: 3..9 blocks, widths {4,8,16,32,64,128}, stem [4,4] — 101,529 configs. */
export const DEFAULT_SPACE: Readonly<SearchSpaceConfig> = Object.freeze({
  widths: [4, 8, 16, 32, 64, 128],
  minBlocks: 3,
  maxBlocks: 9,
  stem: [4, 4] as [number, number],
});

/** Number of stages in a ConvRes network (fixed by the architecture). */
export const NUM_STAGES = 3;

const spacePosInt = () => z.number().int("must be a positive integer").positive("must be a positive integer").safe("must be an integer below 2^53");

/** The schema of a (possibly partial) space config; omitted keys take DEFAULT_SPACE's values. */
export const searchSpaceSchema = z
  .object({
    widths: z
      .array(spacePosInt())
      .min(1, "must be a non-empty list of positive integers")
      .refine((w) => w.every((v, i) => i === 0 || v > w[i - 1]), (w) => ({ message: `must be strictly increasing (got ${JSON.stringify(w)})` })),
    minBlocks: z.number().int().safe().min(NUM_STAGES, `must be an integer >= ${NUM_STAGES} (one block per stage)`),
    maxBlocks: z.number().int("must be an integer >= minBlocks").safe(),
    stem: z.tuple([spacePosInt(), spacePosInt()], { invalid_type_error: "must be two positive integers [stem1, stem2]" }),
  })
  .partial()
  .strict();

/**
 * Validates a (possibly partial) space config from JSON and fills defaults; errors name `where`
 * (the file), the key path under `prefix` and the problem.
 */
export function resolveSpace(raw: unknown = {}, where = "space config", prefix = "space"): SearchSpaceConfig {
  const r = parseInput(searchSpaceSchema, raw, where, prefix);
  const widths = r.widths ?? DEFAULT_SPACE.widths;
  const minBlocks = r.minBlocks ?? DEFAULT_SPACE.minBlocks;
  const maxBlocks = r.maxBlocks ?? DEFAULT_SPACE.maxBlocks;
  if (maxBlocks < minBlocks) throw new Error(`${where}: key \`${prefix ? `${prefix}.` : ""}maxBlocks\`: must be an integer >= minBlocks (${minBlocks}) (got ${maxBlocks})`);
  const stem = r.stem ?? DEFAULT_SPACE.stem;
  return { widths: [...widths], minBlocks, maxBlocks, stem: [stem[0], stem[1]] };
}

/** Binomial coefficient C(n, k) (exact for the small arguments used here). */
export function binomial(n: number, k: number): number {
  if (k < 0 || k > n) return 0;
  k = Math.min(k, n - k);
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

/** Ways to split `blocks` into 3 non-empty stages: C(blocks-1, 2) (stars and bars). */
export function splitCount(blocks: number): number {
  return binomial(blocks - 1, NUM_STAGES - 1);
}

/** Non-decreasing width sequences of length `blocks` over `numWidths` values: C(blocks+W-1, W-1). */
export function sequenceCount(blocks: number, numWidths: number): number {
  return binomial(blocks + numWidths - 1, numWidths - 1);
}

/**
 * Configurations with exactly `blocks` residual blocks, in closed form: a config is a stage
 * split (C(L-1,2)) times a non-decreasing width sequence (C(L+W-1,W-1)), chosen independently.
 */
export function countAtDepth(space: SearchSpaceConfig, blocks: number): number {
  if (blocks < space.minBlocks || blocks > space.maxBlocks) return 0;
  return splitCount(blocks) * sequenceCount(blocks, space.widths.length);
}

/** Size of the space in closed form: sum over depths of `countAtDepth` (101,529 by default). */
export function spaceSize(space: SearchSpaceConfig = DEFAULT_SPACE): number {
  let n = 0;
  for (let L = space.minBlocks; L <= space.maxBlocks; L++) n += countAtDepth(space, L);
  return n;
}

/** Counts per depth, `[{ blocks, count }]`, for the notebook's table of the space. */
export function countsByDepth(space: SearchSpaceConfig = DEFAULT_SPACE): Array<{ blocks: number; count: number }> {
  const out: Array<{ blocks: number; count: number }> = [];
  for (let L = space.minBlocks; L <= space.maxBlocks; L++) out.push({ blocks: L, count: countAtDepth(space, L) });
  return out;
}

/**
 * Size of the space by dynamic programming over blocks, independent of the closed form: state =
 * (stage, blocks in this stage so far > 0?, last width index, total blocks). Used by the tests
 * to cross-check `spaceSize`.
 */
export function spaceSizeByDp(space: SearchSpaceConfig = DEFAULT_SPACE): number {
  const W = space.widths.length;
  // ways[s][w][n]: sequences that have completed stages < s, the current stage s non-empty,
  // last width index w, n blocks in total.
  let cur: number[][][] = Array.from({ length: NUM_STAGES }, () => Array.from({ length: W }, () => new Array(space.maxBlocks + 1).fill(0)));
  for (let w = 0; w < W; w++) cur[0][w][1] = 1;
  let total = 0;
  for (let n = 1; n <= space.maxBlocks; n++) {
    for (let w = 0; w < W; w++) if (n >= space.minBlocks) total += cur[NUM_STAGES - 1][w][n];
    if (n === space.maxBlocks) break;
    for (let s = 0; s < NUM_STAGES; s++) {
      for (let w = 0; w < W; w++) {
        const v = cur[s][w][n];
        if (!v) continue;
        for (let w2 = w; w2 < W; w2++) {
          cur[s][w2][n + 1] += v; // next block in the same stage
          if (s + 1 < NUM_STAGES) cur[s + 1][w2][n + 1] += v; // next block opens the next stage
        }
      }
    }
  }
  cur = [];
  return total;
}

/**
 * The readable id of an architecture, `s<stem>-<stage1>-<stage2>-<stage3>` with widths joined by
 * dots, e.g. `s4.4-8.8.8-16.16.16-32.32`; the same format as the models area's `archId` for a
 * config with the default attention and head.
 */
export function searchId(a: SearchArch): string {
  return `s${a.stem.join(".")}-${a.stages.map((s) => s.join(".")).join("-")}`;
}

/** Parses a `searchId` back into an architecture; errors quote the id. */
export function parseSearchId(id: string): SearchArch {
  const m = /^s(\d+)\.(\d+)-([\d.]+)-([\d.]+)-([\d.]+)$/.exec(id.trim());
  if (!m) throw new Error(`architecture id "${id}": expected s<stem1>.<stem2>-<widths>-<widths>-<widths> (e.g. s4.4-8.8.8-16.16.16-32.32)`);
  const stage = (t: string) => {
    const ws = t.split(".").map(Number);
    if (ws.some((w) => !Number.isInteger(w) || w <= 0)) throw new Error(`architecture id "${id}": bad width list "${t}"`);
    return ws;
  };
  return { stem: [Number(m[1]), Number(m[2])], stages: [stage(m[3]), stage(m[4]), stage(m[5])] };
}

/** The `[stem1, stem2, stage1, stage2, stage3]` form of the reference's `data/model.npy`. */
export function toReferenceList(a: SearchArch): [number, number, number[], number[], number[]] {
  return [a.stem[0], a.stem[1], [...a.stages[0]], [...a.stages[1]], [...a.stages[2]]];
}

/** Total residual blocks of an architecture. */
export function blockCount(a: SearchArch): number {
  return a.stages[0].length + a.stages[1].length + a.stages[2].length;
}

/** All widths along the network, stage by stage. */
export function flatWidths(a: SearchArch): number[] {
  return [...a.stages[0], ...a.stages[1], ...a.stages[2]];
}

/** Whether `a` lies in `space` (stem, depth bounds, allowed widths, non-empty stages, monotone). */
export function inSpace(space: SearchSpaceConfig, a: SearchArch): boolean {
  if (a.stem[0] !== space.stem[0] || a.stem[1] !== space.stem[1]) return false;
  if (a.stages.length !== NUM_STAGES || a.stages.some((s) => s.length === 0)) return false;
  const L = blockCount(a);
  if (L < space.minBlocks || L > space.maxBlocks) return false;
  const ws = flatWidths(a);
  for (let i = 0; i < ws.length; i++) {
    if (!space.widths.includes(ws[i])) return false;
    if (i > 0 && ws[i] < ws[i - 1]) return false;
  }
  return true;
}

/** Non-decreasing sequences of length `n` over width indices >= `lo` (W values in all). */
function seqCountFrom(n: number, lo: number, W: number): number {
  return binomial(n + (W - lo) - 1, n);
}

/**
 * The architecture with index `index` in the canonical order (by depth, then stage split in
 * lexicographic order of (len1, len2), then width sequence in lexicographic order). A uniform
 * index therefore gives a uniform configuration, not a uniform depth.
 */
export function unrankArch(space: SearchSpaceConfig, index: number): SearchArch {
  const size = spaceSize(space);
  if (!Number.isInteger(index) || index < 0 || index >= size) throw new RangeError(`architecture index ${index} outside [0, ${size})`);
  const W = space.widths.length;
  let L = space.minBlocks;
  let i = index;
  while (i >= countAtDepth(space, L)) {
    i -= countAtDepth(space, L);
    L++;
  }
  const M = sequenceCount(L, W);
  let splitIdx = Math.floor(i / M);
  let seqIdx = i % M;
  // split: len1 from 1, len2 from 1; for fixed len1 there are L-len1-1 choices of len2.
  let len1 = 1;
  while (splitIdx >= L - len1 - 1) {
    splitIdx -= L - len1 - 1;
    len1++;
  }
  const len2 = splitIdx + 1;
  const seq: number[] = [];
  let lo = 0;
  for (let p = 0; p < L; p++) {
    for (let v = lo; v < W; v++) {
      const c = seqCountFrom(L - p - 1, v, W);
      if (seqIdx < c) {
        seq.push(space.widths[v]);
        lo = v;
        break;
      }
      seqIdx -= c;
    }
  }
  return {
    stem: [space.stem[0], space.stem[1]],
    stages: [seq.slice(0, len1), seq.slice(len1, len1 + len2), seq.slice(len1 + len2)],
  };
}

/** Inverse of `unrankArch`; throws if `a` is not in the space. */
export function rankArch(space: SearchSpaceConfig, a: SearchArch): number {
  if (!inSpace(space, a)) throw new Error(`architecture ${searchId(a)} is not in the search space`);
  const W = space.widths.length;
  const L = blockCount(a);
  let index = 0;
  for (let d = space.minBlocks; d < L; d++) index += countAtDepth(space, d);
  const len1 = a.stages[0].length;
  const len2 = a.stages[1].length;
  let splitIdx = 0;
  for (let l1 = 1; l1 < len1; l1++) splitIdx += L - l1 - 1;
  splitIdx += len2 - 1;
  const ws = flatWidths(a).map((w) => space.widths.indexOf(w));
  let seqIdx = 0;
  let lo = 0;
  for (let p = 0; p < L; p++) {
    for (let v = lo; v < ws[p]; v++) seqIdx += seqCountFrom(L - p - 1, v, W);
    lo = ws[p];
  }
  return index + splitIdx * sequenceCount(L, W) + seqIdx;
}

/** Every architecture of the space in canonical (rank) order. */
export function* enumerateSpace(space: SearchSpaceConfig = DEFAULT_SPACE): Generator<SearchArch> {
  const W = space.widths.length;
  for (let L = space.minBlocks; L <= space.maxBlocks; L++) {
    for (let len1 = 1; len1 <= L - 2; len1++) {
      for (let len2 = 1; len2 <= L - len1 - 1; len2++) {
        const idx = new Array<number>(L).fill(0);
        for (;;) {
          const seq = idx.map((v) => space.widths[v]);
          yield {
            stem: [space.stem[0], space.stem[1]],
            stages: [seq.slice(0, len1), seq.slice(len1, len1 + len2), seq.slice(len1 + len2)],
          };
          // next non-decreasing sequence in lexicographic order
          let p = L - 1;
          while (p >= 0 && idx[p] === W - 1) p--;
          if (p < 0) break;
          const v = idx[p] + 1;
          for (let q = p; q < L; q++) idx[q] = v;
        }
      }
    }
  }
}

/** A uniformly random architecture of the space (uniform over configurations), from `rng`. */
export function sampleArch(space: SearchSpaceConfig, rng: Rng): SearchArch {
  return unrankArch(space, Math.floor(rng.next() * spaceSize(space)));
}
