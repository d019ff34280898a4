import type { NoduleDataset, NoduleSample } from "../data/sample";
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
 * the stored predictions on the same readings. Nothing is retrained and nothing chooses on the
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
      out.stored.push(...f.test.probabilities);
      out.rescored.push(...Array.from(p));
    } finally {
      net.dispose();
    }
  }
  out.comparison = pairedAucDifference(out.labels, out.rescored, out.stored, { resamples: opts.resamples ?? 1000, seed: opts.seed ?? config.seed });
  return out;
}
