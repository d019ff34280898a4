import * as fs from "fs";
import * as path from "path";
import type { NoduleDataset, NoduleSample } from "../data/sample";
import { applyPlatt, fitPlatt } from "../metrics/platt";
import type { SplitRecord } from "./crossValidate";
import { loadFoldModel, runConfig } from "../ensemble/runs";
import { pairedAucDifference, PairedAucDifference } from "../metrics/pairedAuc";
import { readFoldResults } from "./evaluate";
import { predictProbabilities, TtaMode } from "./predict";

/** A run's test folds scored again with another test-time augmentation, beside the stored scores. */
export interface RescoredRun {
  runDir: string;
  tta: TtaMode;
  ids: string[];
  labels: number[];
  /** The run's stored out-of-fold probabilities (as trained). */
  stored: number[];
  rescored: number[];
  /** AUC(rescored) - AUC(stored) on the same readings, paired bootstrap. */
  comparison: PairedAucDifference;
}

/**
 * Re-predicts every finished fold's TEST readings with that fold's selected checkpoint
 * (fold-<id>/best.ckpt) and the given test-time augmentation, and compares the pooled AUC with
 * the stored (uncalibrated) predictions on the same readings. Nothing is retrained and nothing chooses on the
 * test folds: the checkpoints are the ones the inner validation split selected.
 */
export function rescoreRun(runDir: string, dataset: NoduleDataset, tta: TtaMode, opts: { resamples?: number; seed?: number } = {}): RescoredRun {
  const config = runConfig(runDir);
  const byId = new Map(dataset.samples.map((s) => [s.id, s]));
  const out: RescoredRun = { runDir, tta, ids: [], labels: [], stored: [], rescored: [], comparison: null as unknown as PairedAucDifference };
  for (const f of readFoldResults(runDir)) {
    const samples = f.test.ids.map((id) => {
      const s = byId.get(id);
      if (!s) throw new Error(`${runDir}/fold-${f.id}: test reading ${id} is not in dataset ${dataset.name}`);
      return s;
    });
    const net = loadFoldModel(runDir, f.id, config);
    try {
      const p = predictProbabilities(net, samples as NoduleSample[], config.evalBatchSize, tta);
      out.ids.push(...f.test.ids);
      out.labels.push(...f.test.labels);
      out.stored.push(...(f.test.uncalibrated ?? f.test.probabilities));
      out.rescored.push(...Array.from(p));
    } finally {
      net.dispose();
    }
  }
  out.comparison = pairedAucDifference(out.labels, out.rescored, out.stored, { resamples: opts.resamples ?? 1000, seed: opts.seed ?? config.seed });
  return out;
}

/** A run's out-of-fold predictions Platt-calibrated per fold on that fold's inner validation split. */
export interface CalibratedRun {
  runDir: string;
  ids: string[];
  labels: number[];
  stored: number[];
  calibrated: number[];
  /** Per fold: validation samples the scaling was fitted on and its slope/intercept on standardised logit(p). */
  folds: Array<{ id: number; n: number; weight: number; bias: number }>;
  /** AUC(calibrated) - AUC(stored), pooled, paired bootstrap (within a fold the ranking is unchanged). */
  comparison: PairedAucDifference;
}

/**
 * Platt-calibrates every finished fold of a run on its own inner validation split (the readings
 * that chose the checkpoint; the test fold is not touched) and applies the scaling to the stored
 * test predictions (the uncalibrated ones, for a run that calibrated already). Each fold's map is monotone, so per-fold AUCs are unchanged; what changes is
 * the pooled out-of-fold AUC, which ranks all folds' predictions together and so also scores how
 * comparable the folds' probability scales are.
 */
export function calibrateRun(runDir: string, dataset: NoduleDataset, opts: { resamples?: number; seed?: number } = {}): CalibratedRun {
  const config = runConfig(runDir);
  const byId = new Map(dataset.samples.map((s) => [s.id, s]));
  const splitFile = path.join(runDir, "folds.json");
  if (!fs.existsSync(splitFile)) throw new Error(`${splitFile}: missing (not a cross-validated run)`);
  const split = JSON.parse(fs.readFileSync(splitFile, "utf8")) as SplitRecord;
  const out: CalibratedRun = { runDir, ids: [], labels: [], stored: [], calibrated: [], folds: [], comparison: null as unknown as PairedAucDifference };
  for (const f of readFoldResults(runDir)) {
    const rec = split.folds.find((x) => x.id === f.id);
    if (!rec) throw new Error(`${splitFile}: no fold ${f.id}`);
    const val = rec.val.map((id) => {
      const s = byId.get(id);
      if (!s) throw new Error(`${runDir}/fold-${f.id}: validation reading ${id} is not in dataset ${dataset.name}`);
      return s;
    });
    const net = loadFoldModel(runDir, f.id, config);
    let pv: Float32Array;
    try {
      pv = predictProbabilities(net, val, config.evalBatchSize, config.tta);
    } finally {
      net.dispose();
    }
    const platt = fitPlatt(val.map((s) => s.label), pv);
    out.folds.push({ id: f.id, n: platt.n, weight: platt.model.weights[0], bias: platt.model.bias });
    out.ids.push(...f.test.ids);
    out.labels.push(...f.test.labels);
    const raw = f.test.uncalibrated ?? f.test.probabilities;
    out.stored.push(...raw);
    out.calibrated.push(...Array.from(applyPlatt(platt, raw)));
  }
  out.comparison = pairedAucDifference(out.labels, out.calibrated, out.stored, { resamples: opts.resamples ?? 1000, seed: opts.seed ?? config.seed });
  return out;
}
