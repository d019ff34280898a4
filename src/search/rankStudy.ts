/**
 * Does a search score predict how a fully trained network does? A rank study samples
 * architectures from a search space, scores each with one or more search budgets (exactly the
 * evaluator a search config uses, with dotted overrides: epochs, samples, fold), trains each fully
 * in cross-validation (an ablation stage whose variants are the architectures, so every
 * architecture is a resumable run folder reported beside the ruler), and reports Spearman's rank
 * correlation between each budget's scores and the fully trained pooled out-of-fold AUC, with a
 * bootstrap interval over the architectures.
 *
 * The search scores only ever see the search split (inner-train / inner-validation of the
 * evaluator's fold); the fully trained AUC is measured on the test folds. The results file is
 * rewritten after every score and every fully trained architecture.
 */
import * as fs from "fs";
import * as path from "path";
import type { NoduleDataset } from "../data/sample";
import { spearmanWithCI, SpearmanWithCI } from "../metrics/spearman";
import { resolveConfig } from "../models/registry";
import { writeJsonAtomic } from "../util/atomic";
import { parseInput, safeName, z } from "../util/schema";
import { gitCommit } from "../util/provenance";
import { createRng } from "../util/rng";
import { AblationConfig, AblationRow, runAblation, withOverrides } from "../train/ablation";
import { RawTrainConfig, resolveTrainConfig } from "../train/config";
import { loadDatasetByName } from "../train/datasets";
import { resolveSearchConfig } from "./config";
import { createEvaluator, TrainEvaluatorOptions } from "./trainEvaluator";
import { blockCount, resolveSpace, sampleArch, searchId, SearchArch, SearchSpaceConfig, toReferenceList } from "./space";

type Json = Record<string, unknown>;

/** One search budget to test: a search config's evaluator with dotted overrides. */
export interface RankStudyScore {
  name: string;
  /** The search config file whose `evaluator` is used (relative to the working directory). */
  searchConfig: string;
  /** Dotted overrides of that evaluator (`train.epochs`, `subsample`, `folds.fold`, ...). */
  set: Record<string, unknown>;
  /** Candidate seeds; with several, the score is the mean validation AUC. */
  seeds: number[];
  note: string;
}

/** A resolved rank-study config. */
export interface RankStudyConfig {
  name: string;
  description: string;
  seed: number;
  space: SearchSpaceConfig;
  /** Sample this many distinct architectures, spread evenly over the space's depths. */
  architectures: number;
  /** Architectures trained fully for reference (not scored, left out of the correlation): registry names or search ids. */
  references: string[];
  scores: RankStudyScore[];
  /** The full training: a training config (the arch is set per architecture), its epochs and test folds. */
  full: { base: RawTrainConfig; epochs: number; folds: number[] };
  ruler: { name: string; metaKey: string };
  outDir: string;
  resultsFile: string;
  bootstrapResamples: number;
}

/** One architecture's record in the results. */
export interface RankStudyArch {
  id: string;
  /** The training config's `arch` string. */
  arch: string;
  blocks: number;
  /** In the correlation (sampled) or a reference only. */
  role: "sampled" | "reference";
  /** Search score per budget name: mean validation AUC over the budget's seeds, and its cost. */
  scores: Record<string, { auc: number; aucs: number[]; seconds: number; params: number }>;
  /** The fully trained cross-validation (a summary of the ablation row). */
  full?: {
    auc: number;
    lo: number;
    hi: number;
    ruler: number;
    delta: number;
    deltaLo: number;
    deltaHi: number;
    meanFoldAuc: number;
    valAuc: number;
    bestEpochs: number[];
    trainSeconds: number;
    runDir: string;
  };
}

/** A rank study's results file (`naslung-search-rank/1`). */
export interface RankStudyResults {
  format: "naslung-search-rank/1";
  name: string;
  description: string;
  config: RankStudyConfig;
  dataset: { name: string; source: string; synthetic: boolean; samples: number };
  architectures: RankStudyArch[];
  /** Spearman's rho per budget between the score and the fully trained pooled AUC (sampled architectures). */
  correlations: Array<{ score: string; spearman: SpearmanWithCI | null; meanSeconds: number }>;
  gitCommit: string;
  updatedAt: string;
  complete: boolean;
}

const scoreSchema = z
  .object({
    name: z.string().min(1),
    searchConfig: z.string().refine((f) => fs.existsSync(f), (f) => ({ message: `search config file not found: ${JSON.stringify(f)}` })),
    set: z.record(z.unknown()).default({}),
    seeds: z.array(z.number().int()).min(1, "must be a non-empty list of integer seeds").optional(),
    note: z.string().default(""),
  })
  .strict();

/** The schema of a rank-study config (configs/rank-study-*.json). */
export const rankStudyConfigSchema = z
  .object({
    name: safeName,
    description: z.string().default(""),
    seed: z.number().int(),
    space: z.unknown().optional(),
    architectures: z.number().int().min(3, "must be >= 3: a rank correlation needs at least 3 architectures"),
    references: z.array(z.string()).default([]),
    scores: z.array(scoreSchema).min(1, "must be a non-empty list of {name, searchConfig, set}"),
    full: z
      .object({
        base: z.record(z.unknown()),
        epochs: z.number().int().positive(),
        folds: z.array(z.number().int().nonnegative()).min(1, "must be a non-empty list of test-fold indices"),
      })
      .strict(),
    ruler: z.object({ name: z.string().min(1), metaKey: z.string().min(1) }).strict(),
    outDir: z.string().min(1),
    resultsFile: z.string().min(1),
    bootstrapResamples: z.number().int().positive().default(1000),
  })
  .strict()
  .superRefine((c, ctx) => {
    const names = new Set<string>();
    c.scores.forEach((s, i) => {
      if (names.has(s.name)) ctx.addIssue({ code: "custom", path: ["scores", i, "name"], message: `"${s.name}" appears twice` });
      names.add(s.name);
    });
    c.references.forEach((r, i) => {
      try {
        resolveConfig(archString(r));
      } catch (e) {
        ctx.addIssue({ code: "custom", path: ["references", i], message: (e as Error).message });
      }
    });
  });

/** Validates a rank-study config; errors name the file, the key and the problem. */
export function resolveRankStudyConfig(raw: unknown, where = "rank-study config"): RankStudyConfig {
  const c = parseInput(rankStudyConfigSchema, raw, where);
  const space = resolveSpace(c.space === undefined ? {} : c.space, where);
  const scores: RankStudyScore[] = c.scores.map((s, i) => {
    const out: RankStudyScore = { name: s.name, searchConfig: s.searchConfig, set: s.set, seeds: s.seeds ?? [c.seed], note: s.note };
    scoreEvaluator(out, `${where}: scores[${i}]`); // resolves now, so a bad override fails before any training
    return out;
  });
  resolveTrainConfig(c.full.base as RawTrainConfig, `${where}: full.base`);
  return { ...c, space, scores, full: { ...c.full, base: c.full.base as RawTrainConfig } };
}

/** Reads and resolves a rank-study config file; errors name the file. */
export function loadRankStudyConfig(file: string): RankStudyConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: cannot read rank-study config (${(e as Error).message})`);
  }
  return resolveRankStudyConfig(raw, file);
}

/** The evaluator options of one budget: the search config's evaluator with the overrides applied. */
export function scoreEvaluator(s: RankStudyScore, where: string): TrainEvaluatorOptions {
  const raw = JSON.parse(fs.readFileSync(s.searchConfig, "utf8")) as Json;
  const evaluator = withOverrides((raw.evaluator ?? {}) as Json, s.set);
  const cfg = resolveSearchConfig({ ...raw, evaluator }, `${where} (${s.searchConfig} with overrides)`);
  if (cfg.evaluator.kind !== "train") throw new Error(`${where}: ${s.searchConfig}: the evaluator must be "train" (a rank study trains candidates)`);
  const { kind, ...opts } = cfg.evaluator;
  void kind;
  return opts as TrainEvaluatorOptions;
}

/** A registry name or a search id as a training config's `arch` string. */
function archString(nameOrId: string): string {
  if (/^s\d/.test(nameOrId)) {
    const m = /^s(\d+)\.(\d+)-([\d.]+)-([\d.]+)-([\d.]+)$/.exec(nameOrId);
    if (!m) throw new Error(`architecture id "${nameOrId}": expected s<stem>-<widths>-<widths>-<widths>`);
    const w = (t: string) => t.split(".").map(Number);
    return JSON.stringify([Number(m[1]), Number(m[2]), w(m[3]), w(m[4]), w(m[5])]);
  }
  return nameOrId;
}

/**
 * `n` distinct architectures of the space, seeded: the i-th is drawn uniformly among those with
 * `minBlocks + (i mod depths)` blocks, so shallow and deep networks are both represented (uniform
 * sampling over configurations would draw almost only the deepest).
 */
export function sampleStudyArchitectures(space: SearchSpaceConfig, n: number, seed: number): SearchArch[] {
  const rng = createRng(seed, "rank-study-architectures");
  const depths = space.maxBlocks - space.minBlocks + 1;
  const out: SearchArch[] = [];
  const seen = new Set<string>();
  for (let i = 0, tries = 0; out.length < n; tries++) {
    if (tries > 200000) throw new Error(`rank study: the space holds fewer than ${n} distinct architectures at the requested depths`);
    const want = space.minBlocks + (i % depths);
    const a = sampleArch(space, rng);
    if (blockCount(a) !== want || seen.has(searchId(a))) continue;
    seen.add(searchId(a));
    out.push(a);
    i++;
  }
  return out;
}

/** Options of `runRankStudy`. */
export interface RunRankStudyOptions {
  dataset?: NoduleDataset;
  log?: (line: string) => void;
  /** Skip the full trainings (scores only). */
  scoresOnly?: boolean;
}

/** Spearman's rho per budget over the sampled architectures that have both a score and a full AUC. */
export function rankCorrelations(r: Pick<RankStudyResults, "architectures">, scores: RankStudyScore[], opts: { resamples: number; seed: number }): RankStudyResults["correlations"] {
  return scores.map((s) => {
    const pts = r.architectures.filter((a) => a.role === "sampled" && a.full && a.scores[s.name]);
    const secs = r.architectures.filter((a) => a.scores[s.name]).map((a) => a.scores[s.name].seconds);
    const meanSeconds = secs.reduce((x, y) => x + y, 0) / (secs.length || NaN);
    if (pts.length < 3) return { score: s.name, spearman: null, meanSeconds };
    const rho = spearmanWithCI(
      pts.map((a) => a.scores[s.name].auc),
      pts.map((a) => (a.full as NonNullable<RankStudyArch["full"]>).auc),
      { resamples: opts.resamples, seed: opts.seed },
    );
    return { score: s.name, spearman: rho, meanSeconds };
  });
}

/**
 * Runs (or resumes) a rank study: first every budget's score of every architecture (cheap), then
 * the full cross-validation of each (sampled ones first, then the references). Finished scores are
 * kept from the results file; finished full trainings come back from their run folders.
 */
export async function runRankStudy(c: RankStudyConfig, opts: RunRankStudyOptions = {}): Promise<RankStudyResults> {
  const log = opts.log ?? ((s: string) => console.log(s));
  const base = resolveTrainConfig(c.full.base, `rank study ${c.name}: full.base`);
  const dataset = opts.dataset ?? (await loadDatasetByName(base.dataset, base.datasetOptions, `rank study ${c.name}`));
  const sampled = sampleStudyArchitectures(c.space, c.architectures, c.seed);
  const prior = fs.existsSync(c.resultsFile) ? (JSON.parse(fs.readFileSync(c.resultsFile, "utf8")) as RankStudyResults) : null;
  const prev = new Map((prior?.format === "naslung-search-rank/1" ? prior.architectures : []).map((a) => [a.id, a]));
  const archs: RankStudyArch[] = [
    ...sampled.map((a) => ({ id: searchId(a), arch: JSON.stringify(toReferenceList(a)), blocks: blockCount(a), role: "sampled" as const, scores: {} })),
    ...c.references.map((r) => ({ id: r, arch: archString(r), blocks: resolveConfig(archString(r)).stages.reduce((n, s) => n + s.length, 0), role: "reference" as const, scores: {} })),
  ];
  for (const a of archs) {
    const p = prev.get(a.id);
    // A score is reused only if it was made with the same budget definition.
    if (p) for (const s of c.scores) if (p.scores[s.name] && JSON.stringify(prior?.config.scores.find((x) => x.name === s.name)) === JSON.stringify(s)) a.scores[s.name] = p.scores[s.name];
  }
  const results: RankStudyResults = {
    format: "naslung-search-rank/1",
    name: c.name,
    description: c.description,
    config: c,
    dataset: { name: dataset.name, source: dataset.source, synthetic: dataset.synthetic, samples: dataset.samples.length },
    architectures: archs,
    correlations: [],
    gitCommit: gitCommit(),
    updatedAt: "",
    complete: false,
  };
  const save = () => {
    results.correlations = rankCorrelations(results, c.scores, { resamples: c.bootstrapResamples, seed: c.seed });
    results.updatedAt = new Date().toISOString();
    writeJsonAtomic(c.resultsFile, results);
  };
  save();
  for (const s of c.scores) {
    // References are trained fully only: they are outside the correlation (scores kept if present).
    const todo = archs.filter((a) => a.role === "sampled" && !a.scores[s.name]);
    if (!todo.length) continue;
    const evaluate = await createEvaluator(scoreEvaluator(s, `rank study ${c.name}: score ${s.name}`));
    for (const a of todo) {
      const t0 = Date.now();
      const aucs: number[] = [];
      let params = 0;
      for (const seed of s.seeds) {
        const cfg = resolveConfig(a.arch);
        const r = await evaluate({ id: a.id, arch: { stem: cfg.stem, stages: cfg.stages as SearchArch["stages"] }, seed, proposal: 0 });
        aucs.push(r.val.auc);
        params = r.params;
      }
      a.scores[s.name] = { auc: aucs.reduce((x, y) => x + y, 0) / aucs.length, aucs, seconds: (Date.now() - t0) / 1000, params };
      save();
      log(`rank study ${c.name}: score ${s.name}, ${a.id}: val AUC ${a.scores[s.name].auc.toFixed(3)} (${a.scores[s.name].seconds.toFixed(0)} s)`);
    }
  }
  if (!opts.scoresOnly) {
    for (const a of archs) {
      const ab: AblationConfig = {
        name: `${c.name}-full`,
        description: `full training of ${a.id} for the rank study ${c.name}`,
        base: c.full.base,
        variants: [{ name: a.id, factor: "architecture", set: { arch: a.arch }, note: a.role }],
        stages: [{ epochs: c.full.epochs, folds: c.full.folds, keep: null }],
        ruler: c.ruler,
        outDir: path.join(c.outDir, "full"),
        resultsFile: path.join(c.outDir, "full", `${a.id}.json`),
        bootstrapResamples: c.bootstrapResamples,
      };
      log(`rank study ${c.name}: full training of ${a.id} (${a.role}; ${c.full.epochs} epochs, folds ${c.full.folds.join(",")})`);
      const r = await runAblation(ab, { dataset, log });
      a.full = fullSummary(r.rows[0]);
      save();
    }
    results.complete = true;
  }
  save();
  return results;
}

function fullSummary(row: AblationRow): NonNullable<RankStudyArch["full"]> {
  return {
    auc: row.test.a.value,
    lo: row.test.a.lo,
    hi: row.test.a.hi,
    ruler: row.test.b.value,
    delta: row.test.delta,
    deltaLo: row.test.lo,
    deltaHi: row.test.hi,
    meanFoldAuc: row.meanFoldAuc,
    valAuc: row.valAuc,
    bestEpochs: row.bestEpochs,
    trainSeconds: row.trainSeconds,
    runDir: row.runDir,
  };
}

/** Reads a rank study's results file. */
export function readRankStudyResults(file: string): RankStudyResults {
  if (!fs.existsSync(file)) throw new Error(`${file}: rank-study results not found (run \`naslung search-rank --config <file>\`)`);
  const r = JSON.parse(fs.readFileSync(file, "utf8")) as RankStudyResults;
  if (r.format !== "naslung-search-rank/1") throw new Error(`${file}: key \`format\`: expected "naslung-search-rank/1" (got ${JSON.stringify(r.format)})`);
  return r;
}

/** Table rows: one per architecture, each budget's score beside the fully trained AUC and the ruler. */
export function rankStudyTableRows(r: RankStudyResults, digits = 3): Array<Record<string, unknown>> {
  const f = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v.toFixed(digits) : "");
  return r.architectures.map((a) => ({
    architecture: a.id,
    role: a.role,
    blocks: a.blocks,
    ...Object.fromEntries(r.config.scores.map((s) => [`score: ${s.name}`, f(a.scores[s.name]?.auc)])),
    "full CV AUC [95% CI]": a.full ? `${f(a.full.auc)} [${f(a.full.lo)}, ${f(a.full.hi)}]` : "",
    [`${r.config.ruler.name} (same readings)`]: f(a.full?.ruler),
    "mean fold AUC": f(a.full?.meanFoldAuc),
  }));
}

/** Table rows of the correlations: one per budget. */
export function rankCorrelationRows(r: RankStudyResults, digits = 2): Array<Record<string, unknown>> {
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(digits) : "n/a");
  return r.correlations.map((x) => ({
    budget: x.score,
    "Spearman rho [95% CI]": x.spearman ? `${f(x.spearman.value)} [${f(x.spearman.lo)}, ${f(x.spearman.hi)}]` : "(too few architectures)",
    architectures: x.spearman?.n ?? 0,
    "seconds per candidate": Number.isFinite(x.meanSeconds) ? x.meanSeconds.toFixed(0) : "",
  }));
}
