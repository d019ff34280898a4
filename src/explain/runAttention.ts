import * as fs from "fs";
import * as path from "path";
import type { NoduleDataset, NoduleSample } from "../data/sample";
import { loadFoldModel, runConfig } from "../ensemble/runs";
import { readFoldResults } from "../train/evaluate";
import { writeJsonAtomic } from "../util/atomic";
import { gitCommit } from "../util/provenance";
import { InsideMaskSummary, summariseInsideMask } from "./insideMask";
import { explainSamples } from "./maps";
import type { ExplainableModel } from "./model";

/** The inside-nodule check of one cross-validated run, pooled over its folds' test nodules. */
export interface RunAttentionSummary {
  runDir: string;
  arch: string;
  attention: string;
  /** Test nodules explained (each by the fold model that never saw it). */
  nodules: number;
  summary: InsideMaskSummary[];
}

/**
 * The nodule mask of a sample: its own (synthetic cohort, size-only set), else the non-zero voxels
 * of a segmented reading (the shared LIDC readings have a zero background outside the contour).
 */
export function noduleMask(s: NoduleSample, segmented: boolean): Uint8Array | null {
  if (s.mask) return s.mask;
  return segmented ? Uint8Array.from(s.crop, (v) => (v > 0 ? 1 : 0)) : null;
}

/**
 * Attention gates of every stage and Grad-CAM of each fold's selected network on that fold's TEST
 * nodules, and per map the share of its mass inside the nodule mask against the random-map
 * baseline (the mask's volume fraction; ratio = inside / baseline, 1 = chance). Pooled over folds.
 * `segmented`: take masks from non-zero voxels where a sample has none (real segmented readings).
 */
export function runAttentionSummary(runDir: string, dataset: NoduleDataset, opts: { maxPerFold?: number; segmented?: boolean; seed?: number } = {}): RunAttentionSummary {
  const config = runConfig(runDir);
  const byId = new Map(dataset.samples.map((s) => [s.id, s]));
  const maps: Float32Array[][] = [];
  const masks: Uint8Array[] = [];
  let names: string[] = [];
  for (const f of readFoldResults(runDir)) {
    const samples = f.test.ids
      .map((id) => byId.get(id))
      .filter((s): s is NoduleSample => !!s)
      .map((s) => ({ ...s, mask: noduleMask(s, opts.segmented ?? false) ?? undefined }))
      .filter((s) => s.mask)
      .slice(0, opts.maxPerFold ?? Infinity);
    if (!samples.length) continue;
    const net = loadFoldModel(runDir, f.id, config);
    try {
      const ex = explainSamples(net as unknown as ExplainableModel, samples);
      names = ex[0].maps.map((m) => m.name);
      for (let i = 0; i < ex.length; i++) {
        maps.push(ex[i].maps.map((m) => m.map as Float32Array));
        masks.push(samples[i].mask as Uint8Array);
      }
    } finally {
      net.dispose();
    }
  }
  if (!masks.length) throw new Error(`${runDir}: no test nodule with a mask (segmented: ${opts.segmented ?? false})`);
  return {
    runDir,
    arch: config.arch,
    attention: config.attention,
    nodules: masks.length,
    summary: summariseInsideMask(names, maps, masks, { seed: opts.seed ?? 0, resamples: 1000 }),
  };
}

/** Writes the attention summaries of several runs (with provenance) to a results file. */
export function writeAttentionResults(file: string, dataset: NoduleDataset, runs: RunAttentionSummary[]): void {
  writeJsonAtomic(file, {
    format: "naslung-attention/1",
    dataset: { name: dataset.name, source: dataset.source, synthetic: dataset.synthetic, samples: dataset.samples.length },
    gitCommit: gitCommit(),
    createdAt: new Date().toISOString(),
    runs: runs.map((r) => ({ ...r, runDir: path.relative(process.cwd(), r.runDir) })),
  });
}

/** Reads a results file written by `writeAttentionResults`. */
export function readAttentionResults(file: string): { dataset: { name: string; source: string; synthetic: boolean }; gitCommit: string; runs: RunAttentionSummary[] } {
  if (!fs.existsSync(file)) throw new Error(`${file}: attention results not found (run \`naslung attention --runs ... --out ${file}\`)`);
  const r = JSON.parse(fs.readFileSync(file, "utf8"));
  if (r.format !== "naslung-attention/1") throw new Error(`${file}: key \`format\`: expected "naslung-attention/1" (got ${JSON.stringify(r.format)})`);
  return r;
}

/** Table rows: one per run and map, ratio to chance first. */
export function attentionRows(runs: RunAttentionSummary[], digits = 3): Array<Record<string, unknown>> {
  return runs.flatMap((r) =>
    r.summary.map((s) => ({
      run: path.basename(r.runDir),
      attention: r.attention,
      map: s.map,
      "ratio (inside / chance)": s.ratio.toFixed(digits),
      "mass inside": s.meanInside.toFixed(digits),
      "chance (mask fraction)": s.meanBaseline.toFixed(digits),
      "inside − chance [95% CI]": `${s.meanDifference.toFixed(digits)} [${s.ci.lo.toFixed(digits)}, ${s.ci.hi.toFixed(digits)}]`,
      "nodules above chance": s.winRate.toFixed(2),
      n: s.n,
    })),
  );
}
