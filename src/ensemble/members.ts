import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { NoduleDataset } from "../data/sample";
import { paretoFront } from "../search/pareto";
import { resolveTrainConfig, TrainConfig } from "../train/config";
import { crossValidate, SplitRecord } from "../train/crossValidate";
import type { ArchSpec, TrainableNet } from "../train/net";
import { readJsonLines, writeJsonAtomic } from "../util/atomic";
import type { MemberPredictions } from "./types";
import { loadFoldModel, membersFromRuns } from "./runs";

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
  dataset: NoduleDataset;
  /** Members; `arch` must be a registry name or architecture string (it goes into config.json). */
  members: Array<MemberSpec & { arch: string }>;
  /** Training settings shared by all members (partial TrainConfig; `arch`/`name` come from the member). */
  train: Partial<TrainConfig>;
  seed: number;
  /**
   * Folder of the member runs (`<dir>/<member>-<config hash>/`, src/train's run layout). A rerun
   * with the same settings resumes unfinished folds and reuses finished ones.
   */
  workDir: string;
  /** Keep the selected networks of every fold (e.g. to explain them); otherwise none are loaded. */
  keepModels?: boolean;
  /** Progress lines. */
  log?: (line: string) => void;
}

/** What `crossValidatedMembers` returns. */
export interface MemberTrainingResult {
  members: MemberPredictions[];
  /** The shared split (test / validation / train ids per fold). */
  split: SplitRecord;
  /** Run directory per member. */
  runDirs: Map<string, string>;
  /** With `keepModels`: models[member][k] is the network of the k-th finished fold. */
  models: Map<string, TrainableNet[]>;
}

/** A file-system-safe folder name for a member. */
function memberDir(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "_");
}

/**
 * Trains every member with src/train's cross-validation (`crossValidate`: same seed, hence the
 * same folds and inner validation splits for all members; epoch chosen on validation; test fold
 * scored once) and collects each member's validation and test predictions
 * (`membersFromRuns`): the input of `planEnsembles` / `evaluateEnsembles`.
 */
export async function crossValidatedMembers(opts: MemberTrainingOptions): Promise<MemberTrainingResult> {
  if (!opts.members.length) throw new Error("crossValidatedMembers: no members given");
  const names = opts.members.map((m) => m.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`crossValidatedMembers: member name "${dup}" appears twice`);
  const log = opts.log ?? (() => undefined);
  const dirs: string[] = [];
  for (const [i, m] of opts.members.entries()) {
    const config = resolveTrainConfig({ ...opts.train, arch: m.arch, name: m.name, seed: opts.seed }, `member "${m.name}" training config`);
    const hash = crypto.createHash("sha1").update(JSON.stringify({ config, dataset: opts.dataset.name, n: opts.dataset.samples.length })).digest("hex").slice(0, 8);
    const dir = path.join(opts.workDir, `${memberDir(m.name)}-${hash}`);
    dirs.push(dir);
    fs.mkdirSync(dir, { recursive: true });
    writeJsonAtomic(path.join(dir, "config.json"), config);
    log(`member ${i + 1}/${opts.members.length} ${m.name}: ${dir}`);
    await crossValidate({ dataset: opts.dataset, config, runDir: dir });
  }
  const { members, split, configs } = await membersFromRuns(dirs, { dataset: opts.dataset, names });
  members.forEach((m, i) => (m.meta = { ...m.meta, ...opts.members[i].meta }));
  const models = new Map<string, TrainableNet[]>();
  if (opts.keepModels) {
    members.forEach((m, i) => models.set(m.name, m.folds.map((f) => loadFoldModel(dirs[i], f.fold, configs[i]))));
  }
  return { members, split, runDirs: new Map(names.map((n, i) => [n, dirs[i]])), models };
}
