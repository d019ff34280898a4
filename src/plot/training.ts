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
      xaxis: { title: { text: "epoch" }, ...(history.length <= 12 ? { dtick: 1 } : {}) },
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

/** A-Softmax target-logit curves: cos(theta), psi(theta) and the lambda-blended logit. */
export function psiCurveFigure(psi: (theta: number) => number, lambdas: number[] = [1500, 5, 0], title = "A-Softmax target logit (m = 4)"): Figure {
  const deg = Array.from({ length: 181 }, (_, i) => i);
  const rad = deg.map((d) => (d * Math.PI) / 180);
  const data: Array<Record<string, unknown>> = [{ type: "scatter", mode: "lines", name: "cos θ (softmax)", x: deg, y: rad.map(Math.cos), line: { dash: "dot" } }];
  for (const l of lambdas) {
    data.push({
      type: "scatter",
      mode: "lines",
      name: l === 0 ? "ψ(θ) (full margin, λ = 0)" : `(λ cos θ + ψ(θ)) / (1 + λ), λ = ${l}`,
      x: deg,
      y: rad.map((t) => (l * Math.cos(t) + psi(t)) / (1 + l)),
    });
  }
  return {
    data,
    layout: baseLayout(title, { xaxis: { title: { text: "θ between feature and class weight (degrees)" } }, yaxis: { title: { text: "target logit / |x|" } } }),
  };
}

/** 2-D features coloured by class with the two class-weight directions (A-Softmax geometry). */
export function featurePlaneFigure(
  geom: { features: Array<[number, number]>; labels: number[]; weights: Array<[number, number]> },
  title: string,
): Figure {
  const names = ["benign", "malignant"];
  const colors = ["#1f77b4", "#d62728"];
  let r = 0;
  for (const f of geom.features) r = Math.max(r, Math.hypot(f[0], f[1]));
  const data: Array<Record<string, unknown>> = [0, 1].map((c) => ({
    type: "scatter",
    mode: "markers",
    name: names[c],
    x: geom.features.filter((_, i) => geom.labels[i] === c).map((f) => f[0]),
    y: geom.features.filter((_, i) => geom.labels[i] === c).map((f) => f[1]),
    marker: { color: colors[c], size: 6, opacity: 0.7 },
  }));
  for (const c of [0, 1]) {
    data.push({ type: "scatter", mode: "lines", name: `W ${names[c]}`, x: [0, geom.weights[c][0] * r], y: [0, geom.weights[c][1] * r], line: { color: colors[c], width: 3 } });
  }
  return {
    data,
    layout: baseLayout(title, { xaxis: { title: { text: "feature 1" }, zeroline: true }, yaxis: { title: { text: "feature 2" }, scaleanchor: "x", zeroline: true }, width: 560, height: 540 }),
  };
}

/** Overlaid histograms of angles (degrees). */
export function angleHistogramFigure(series: Array<{ name: string; theta: number[] }>, title: string): Figure {
  return {
    data: series.map((s) => ({ type: "histogram", name: s.name, x: s.theta, opacity: 0.6, xbins: { start: 0, end: 180, size: 5 } })),
    layout: baseLayout(title, { barmode: "overlay", xaxis: { title: { text: "θ (degrees)" }, range: [0, 180] }, yaxis: { title: { text: "samples" } } }),
  };
}
