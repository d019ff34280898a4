import { auc } from "./auc";
import { accuracyOf, confusion, Confusion, f1Of, precisionOf, sensitivityOf, specificityOf } from "./confusion";

/** Names of the scalar metrics naslung reports, in table order. */
export const METRIC_NAMES = ["accuracy", "sensitivity", "specificity", "precision", "f1", "auc"] as const;
export type MetricName = (typeof METRIC_NAMES)[number];
export type MetricValues = Record<MetricName, number>;

/**
 * All binary metrics of probabilities P(malignant) against labels: threshold-based ones at
 * `threshold` (0.5, i.e. argmax of two classes) and the threshold-free AUC.
 */
export function binaryMetrics(labels: ArrayLike<number>, probs: ArrayLike<number>, threshold = 0.5): MetricValues & { confusion: Confusion } {
  const c = confusion(labels, probs, threshold);
  return {
    accuracy: accuracyOf(c),
    sensitivity: sensitivityOf(c),
    specificity: specificityOf(c),
    precision: precisionOf(c),
    f1: f1Of(c),
    auc: auc(labels, probs),
    confusion: c,
  };
}
