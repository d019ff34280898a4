import type { RadiomicsTable } from "../data/lidcSlices";
import { lidcSliceFold } from "../data/lidcSlices";
import { auc } from "../metrics/auc";
import { fitLogistic, predictLogistic } from "./logistic";

/** Out-of-fold scores of one method on a benchmark: each reading scored by the fold that held it out. */
export interface OutOfFoldScores {
  method: string;
  /** Per test fold: the readings, their labels and P(malignant). */
  folds: Array<{ id: number; test: { ids: string[]; labels: number[]; probabilities: number[] } }>;
  /** Extra facts about the method (features used, regularisation, ...). */
  notes: Record<string, unknown>;
}

/**
 * Runs a fit/predict method over the protocol's exam-grouped folds of the radiomics table:
 * for each fold k, `fitPredict(trainRows, testRows)` sees only the other folds' rows.
 */
export function crossValidateTable(
  table: RadiomicsTable,
  method: string,
  fitPredict: (train: number[], test: number[]) => ArrayLike<number>,
  notes: Record<string, unknown> = {},
  folds = 5,
): OutOfFoldScores {
  const foldOf = table.examIds.map((e) => lidcSliceFold(e, folds));
  const out: OutOfFoldScores = { method, folds: [], notes };
  for (let k = 0; k < folds; k++) {
    const test = foldOf.flatMap((f, i) => (f === k ? [i] : []));
    const train = foldOf.flatMap((f, i) => (f !== k ? [i] : []));
    if (!test.length) continue;
    const p = fitPredict(train, test);
    out.folds.push({
      id: k,
      test: { ids: test.map((i) => table.ids[i]), labels: test.map((i) => table.labels[i]), probabilities: Array.from(p) },
    });
  }
  return out;
}

/**
 * The protocol's no-training baseline: nodule diameter alone. Its ranking (hence AUC) needs no
 * fit — AUC of the raw diameter is 0.893 on the 697 shared readings. Accuracy, sensitivity and
 * specificity need a threshold, so each fold calibrates diameter to a probability with a
 * one-feature logistic regression fitted on the training folds only.
 */
export function diameterBaseline(table: RadiomicsTable): OutOfFoldScores {
  const X = table.diameter.map((d) => [d]);
  return crossValidateTable(
    table,
    "diameter",
    (train, test) => {
      const m = fitLogistic(train.map((i) => X[i]), train.map((i) => table.labels[i]), { features: ["diameter"], l2: 1e-3 });
      return predictLogistic(m, test.map((i) => X[i]));
    },
    { rawAuc: auc(table.labels, table.diameter), calibration: "logistic on diameter, fitted per training fold" },
  );
}

/** Mean held-out log-likelihood of a logistic fit, by inner folds (the training part's own exam folds). */
function innerLogLikelihood(table: RadiomicsTable, rows: number[], l2: number, folds: number): number {
  const foldOf = rows.map((i) => lidcSliceFold(table.examIds[i], folds));
  let ll = 0;
  for (const k of new Set(foldOf)) {
    const tr = rows.filter((_, j) => foldOf[j] !== k);
    const te = rows.filter((_, j) => foldOf[j] === k);
    const m = fitLogistic(tr.map((i) => table.features[i]), tr.map((i) => table.labels[i]), { l2 });
    const p = predictLogistic(m, te.map((i) => table.features[i]));
    te.forEach((i, j) => (ll += Math.log(Math.min(Math.max(table.labels[i] ? p[j] : 1 - p[j], 1e-12), 1))));
  }
  return ll / rows.length;
}

/**
 * Logistic regression on every radiomic feature of the CSV (standardised; the reader's
 * malignancy score and the class are excluded because the label is derived from them). The L2
 * strength is chosen per test fold from `grid` by inner cross-validation on the training folds
 * only (held-out log-likelihood), so the test fold never influences it.
 */
export function radiomicsLogisticBaseline(table: RadiomicsTable, grid = [0.1, 1, 10, 100]): OutOfFoldScores {
  const chosen: number[] = [];
  const r = crossValidateTable(table, "radiomics-logistic", (train, test) => {
    let best = grid[0];
    let bestLl = -Infinity;
    for (const l2 of grid) {
      const ll = innerLogLikelihood(table, train, l2, 5);
      if (ll > bestLl) [best, bestLl] = [l2, ll];
    }
    chosen.push(best);
    const m = fitLogistic(train.map((i) => table.features[i]), train.map((i) => table.labels[i]), {
      features: table.featureNames,
      l2: best,
    });
    return predictLogistic(m, test.map((i) => table.features[i]));
  });
  r.notes = { features: table.featureNames.length, l2Grid: grid, l2ChosenPerFold: chosen, selection: "inner exam-grouped CV on the training folds" };
  return r;
}
