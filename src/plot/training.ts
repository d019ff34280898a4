import { baseLayout, Figure } from "./figure";
import type { EpochRecord } from "../train/checkpoint";
import type { RocCurve } from "../metrics/auc";

/**
 * Training curves: train/validation loss (left axis) and validation accuracy and AUC (right
 * axis) per epoch, with the selected checkpoint marked.
 */
export function trainingCurvesFigure(history: EpochRecord[], title = "Training curves"): Figure {
  const ep = history.map((h) => h.epoch + 1);
  const best = history.filter((h) => h.best).slice(-1)[0];
  const data: Array<Record<string, unknown>> = [
    { type: "scatter", mode: "lines+markers", name: "train loss", x: ep, y: history.map((h) => h.trainLoss) },
    { type: "scatter", mode: "lines+markers", name: "val loss", x: ep, y: history.map((h) => h.valLoss) },
    { type: "scatter", mode: "lines", name: "val accuracy", x: ep, y: history.map((h) => h.valAccuracy), yaxis: "y2", line: { dash: "dot" } },
    { type: "scatter", mode: "lines", name: "val AUC", x: ep, y: history.map((h) => h.valAuc), yaxis: "y2", line: { dash: "dash" } },
  ];
  if (best) data.push({ type: "scatter", mode: "markers", name: "selected", x: [best.epoch + 1], y: [best.valLoss], marker: { size: 12, symbol: "star" } });
  return {
    data,
    layout: baseLayout(title, {
      xaxis: { title: { text: "epoch" } },
      yaxis: { title: { text: "loss" }, rangemode: "tozero" },
      yaxis2: { title: { text: "accuracy / AUC" }, overlaying: "y", side: "right", range: [0, 1] },
      legend: { orientation: "h", y: -0.2 },
    }),
  };
}

/** ROC curves (one per named set) with AUC in the legend and the chance diagonal. */
export function rocFigure(curves: Array<{ name: string; roc: RocCurve; auc: number }>, title = "ROC"): Figure {
  const data: Array<Record<string, unknown>> = curves.map((c) => ({
    type: "scatter",
    mode: "lines",
    name: `${c.name} (AUC ${Number.isFinite(c.auc) ? c.auc.toFixed(3) : "n/a"})`,
    x: c.roc.fpr,
    y: c.roc.tpr,
    line: { shape: "hv" },
  }));
  data.push({ type: "scatter", mode: "lines", name: "chance", x: [0, 1], y: [0, 1], line: { dash: "dot", color: "gray" }, showlegend: false });
  return {
    data,
    layout: baseLayout(title, {
      xaxis: { title: { text: "1 - specificity (FPR)" }, range: [0, 1] },
      yaxis: { title: { text: "sensitivity (TPR)" }, range: [0, 1], scaleanchor: "x" },
      width: 560,
      height: 520,
    }),
  };
}

/** Learning rate per epoch of one or more schedules. */
export function learningRateFigure(series: Array<{ name: string; lr: number[] }>, title = "Learning-rate schedule"): Figure {
  return {
    data: series.map((s) => ({ type: "scatter", mode: "lines", name: s.name, x: s.lr.map((_, i) => i + 1), y: s.lr })),
    layout: baseLayout(title, { xaxis: { title: { text: "epoch" } }, yaxis: { title: { text: "learning rate" } } }),
  };
}
