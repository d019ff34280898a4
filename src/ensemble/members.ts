import * as fs from "fs";
import * as path from "path";
import type { NoduleSample } from "../data/sample";
import { paretoFront } from "../search/pareto";
import { loadCheckpoint } from "../train/checkpoint";
import type { TrainConfig } from "../train/config";
import { resolveTrainConfig } from "../train/config";
import { innerSplit, makeFolds } from "../train/folds";
import { ArchSpec, buildNet, TrainableNet } from "../train/net";
import { predictProbabilities, setInputNorm } from "../train/predict";
import { trainModel } from "../train/trainer";
import { readJsonLines, writeJsonAtomic } from "../util/atomic";
import { deriveSeed } from "../util/seed";
import type { FoldPredictions, MemberPredictions, SplitPredictions } from "./types";
import { checkSplit } from "./types";

/** A candidate ensemble member: a name and the architecture to train. */
export interface MemberSpec {
  name: string;
  arch: ArchSpec;
  meta?: Record<string, unknown>;
}

/**
 * The members of an ensemble taken from a search log (one JSON line per trained candidate, as
 * src/search writes): the accuracy/latency Pareto front of its records (validation accuracy vs
 * median batch-1 latency), most accurate first, at most `maxMembers`. Records are checked for
 * the fields used; errors name the file and record.
 */
export function frontMembers(logFile: string, opts: { maxMembers?: number } = {}): MemberSpec[] {
  if (!fs.existsSync(logFile)) throw new Error(`${logFile}: search log not found`);
  const recs = readJsonLines<Record<string, unknown>>(logFile);
  if (!recs.length) throw new Error(`${logFile}: the search log has no records`);
  const points = recs.map((r, i) => {
    const where = `${logFile}: record ${i + 1}`;
    const latency = (r.latency as { batch1?: { medianMs?: unknown } } | undefined)?.batch1?.medianMs;
    if (typeof r.id !== "string") throw new Error(`${where}: field "id" missing`);
    if (typeof r.accuracy !== "number" || !Number.isFinite(r.accuracy)) throw new Error(`${where}: field "accuracy" missing or not a number`);
    if (typeof latency !== "number") throw new Error(`${where}: field "latency.batch1.medianMs" missing`);
    return { id: r.id, accuracy: r.accuracy, latency, rec: r };
  });
  const front = paretoFront(points).sort((a, b) => b.accuracy - a.accuracy || a.latency - b.latency);
  const take = front.slice(0, opts.maxMembers ?? front.length);
  return take.map((p) => ({
    name: p.id,
    arch: p.id,
    meta: { valAccuracy: p.accuracy, latencyMs: p.latency, params: p.rec.params, flops: p.rec.flops, source: logFile },
  }));
}

/** Options of `crossValidatedMembers`. */
export interface MemberTrainingOptions {
  samples: NoduleSample[];
  members: MemberSpec[];
  /** Training settings shared by all members (partial TrainConfig; defaults filled in). */
  train: Partial<TrainConfig>;
  /** Folds: k (when samples carry no predefined fold), which to run, inner validation share. */
  folds?: { k?: number; run?: number[] | null; innerValFraction?: number };
  seed: number;
  /**
   * Where each member's folds are trained (`<dir>/<member>/fold-<k>/`: checkpoints, history and
   * predictions.json). A rerun resumes unfinished trainings and reuses finished predictions.
   */
  workDir?: string;
  /** Keep the trained networks (e.g. to explain them); otherwise they are disposed. */
  keepModels?: boolean;
  /** Progress lines ("member 2/3 fold 1/2 ..."). */
  log?: (line: string) => void;
}

/** What `crossValidatedMembers` returns. */
export interface MemberTrainingResult {
  members: MemberPredictions[];
  /** With `keepModels`: models[member][foldPosition]. */
  models: Map<string, TrainableNet[]>;
  /** The test-fold sample ids per fold (for explanations on held-out nodules). */
  folds: Array<{ fold: number; test: string[]; validation: string[]; train: string[] }>;
}

function splitOf(samples: NoduleSample[], probs: ArrayLike<number>): SplitPredictions {
  return { ids: samples.map((s) => s.id), labels: samples.map((s) => s.label), probs: Array.from(probs, (p) => +p) };
}

/** A file-system-safe folder name for a member. */
function memberDir(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "_");
}

/**
 * Trains every member on every fold and collects its predictions on the fold's inner
 * validation split and on its test split: the input of `planEnsembles`/`evaluateEnsembles`.
 * Folds come from src/train (`makeFolds`: predefined or grouped-stratified; `innerSplit` by
 * group), identical for all members, so members differ only in architecture (and its seed).
 * The test split is predicted once, after training chose its epoch on validation data.
 */
export async function crossValidatedMembers(opts: MemberTrainingOptions): Promise<MemberTrainingResult> {
  if (!opts.members.length) throw new Error("crossValidatedMembers: no members given");
  const names = opts.members.map((m) => m.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`crossValidatedMembers: member name "${dup}" appears twice`);
  const config = resolveTrainConfig({ ...opts.train, seed: opts.seed }, "ensemble training config");
  const k = opts.folds?.k ?? config.folds.k;
  const { folds } = makeFolds(opts.samples, { k, seed: opts.seed });
  const run = opts.folds?.run ?? config.folds.run;
  const chosen = run ? folds.filter((f) => run.includes(f.index)) : folds;
  if (!chosen.length) throw new Error(`crossValidatedMembers: folds.run [${run}] selects none of the ${folds.length} folds`);
  const fraction = opts.folds?.innerValFraction ?? config.folds.innerValFraction;
  const log = opts.log ?? (() => undefined);
  const result: MemberTrainingResult = { members: [], models: new Map(), folds: [] };
  const splits = chosen.map((f) => {
    const inner = innerSplit(opts.samples, f.train, { fraction, seed: deriveSeed(opts.seed, `inner:${f.index}`) });
    const pick = (idx: number[]) => idx.map((i) => opts.samples[i]);
    return { fold: f.index, train: pick(inner.train), val: pick(inner.val), test: pick(f.test) };
  });
  result.folds = splits.map((s) => ({ fold: s.fold, test: s.test.map((x) => x.id), validation: s.val.map((x) => x.id), train: s.train.map((x) => x.id) }));
  for (const [mi, m] of opts.members.entries()) {
    const foldPreds: FoldPredictions[] = [];
    const models: TrainableNet[] = [];
    for (const [fi, s] of splits.entries()) {
      const label = `member ${mi + 1}/${opts.members.length} ${m.name} fold ${fi + 1}/${splits.length}`;
      const dir = opts.workDir ? path.join(opts.workDir, memberDir(m.name), `fold-${s.fold}`) : undefined;
      const predFile = dir ? path.join(dir, "predictions.json") : undefined;
      const memberSeed = deriveSeed(opts.seed, `member:${m.name}`);
      if (predFile && fs.existsSync(predFile)) {
        const cached = JSON.parse(fs.readFileSync(predFile, "utf8")) as FoldPredictions;
        checkSplit(cached.validation, `${predFile} validation`);
        checkSplit(cached.test, `${predFile} test`);
        const same = (a: string[], b: NoduleSample[]) => a.length === b.length && a.every((id, i) => id === b[i].id);
        if (!same(cached.validation.ids, s.val) || !same(cached.test.ids, s.test)) {
          throw new Error(`${predFile}: cached predictions are for other samples (the dataset or fold settings changed); delete ${opts.workDir} to retrain`);
        }
        log(`${label}: reusing ${predFile}`);
        foldPreds.push(cached);
        if (opts.keepModels) {
          const ck = loadCheckpoint(path.join(dir!, "best.ckpt"));
          const net = buildNet(m.arch, deriveSeed(memberSeed, "model"), config);
          net.setWeights(ck.weights);
          setInputNorm(net, ck.state.inputNorm);
          models.push(net);
        }
        continue;
      }
      log(`${label}: training on ${s.train.length}, validating on ${s.val.length}`);
      const r = await trainModel({ arch: m.arch, train: s.train, val: s.val, config, seed: memberSeed, runDir: dir, label });
      const fp: FoldPredictions = {
        fold: s.fold,
        validation: splitOf(s.val, r.val.probabilities),
        test: splitOf(s.test, predictProbabilities(r.model, s.test, config.evalBatchSize)),
      };
      if (predFile) writeJsonAtomic(predFile, fp);
      foldPreds.push(fp);
      if (opts.keepModels) models.push(r.model);
      else r.model.dispose();
    }
    result.members.push({ name: m.name, folds: foldPreds, meta: m.meta });
    if (opts.keepModels) result.models.set(m.name, models);
  }
  return result;
}
