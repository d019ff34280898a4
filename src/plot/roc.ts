import { baseLayout, Figure } from "./figure";
import type { RocCurve } from "../metrics/auc";
import type { RocBand } from "../metrics/rocBand";

/** Plotly's default colour sequence: a curve and its band share one colour. */
export const PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/** One curve of `rocBandFigure`. */
export interface RocCurveSpec {
  name: string;
  roc: RocCurve;
  /** AUC with its 95% interval (shown in the legend). */
  auc: { value: number; lo?: number; hi?: number };
  /** Pointwise 95% band (`rocBand`), drawn as a shaded area in the curve's colour. */
  band?: RocBand;
  style?: "thick" | "thin" | "dotted";
}

const hexToRgba = (hex: string, a: number) => {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
};

/**
 * ROC curves with AUC [95% CI] in the legend, pointwise 95% bootstrap bands as shaded areas for
 * the curves that carry one, the chance diagonal, and the legend beside the plot (never over
 * the curves).
 */
export function rocBandFigure(curves: RocCurveSpec[], title: string, opts: { width?: number; height?: number; note?: string } = {}): Figure {
  const data: Array<Record<string, unknown>> = [];
  curves.forEach((c, i) => {
    const colour = PALETTE[i % PALETTE.length];
    if (c.band) {
      data.push({ type: "scatter", mode: "lines", x: c.band.fpr, y: c.band.hi, line: { width: 0, color: colour, shape: "hv" }, hoverinfo: "skip", showlegend: false, legendgroup: c.name });
      data.push({
        type: "scatter",
        mode: "lines",
        x: c.band.fpr,
        y: c.band.lo,
        fill: "tonexty",
        fillcolor: hexToRgba(colour, 0.18),
        line: { width: 0, color: colour, shape: "hv" },
        hoverinfo: "skip",
        showlegend: false,
        legendgroup: c.name,
      });
    }
    const ci = c.auc.lo !== undefined && c.auc.hi !== undefined ? ` [${c.auc.lo.toFixed(3)}, ${c.auc.hi.toFixed(3)}]` : "";
    data.push({
      type: "scatter",
      mode: "lines",
      name: `${c.name}: AUC ${Number.isFinite(c.auc.value) ? c.auc.value.toFixed(3) : "n/a"}${ci}${c.band ? " (band: 95% CI)" : ""}`,
      legendgroup: c.name,
      x: c.roc.fpr,
      y: c.roc.tpr,
      line: { color: colour, width: c.style === "thick" ? 3 : c.style === "dotted" ? 1.5 : 1.8, dash: c.style === "dotted" ? "dot" : "solid" },
    });
  });
  data.push({ type: "scatter", mode: "lines", name: "chance", x: [0, 1], y: [0, 1], line: { color: "grey", dash: "dash", width: 1 }, showlegend: false });
  return {
    data,
    layout: baseLayout(title, {
      width: opts.width ?? 1000,
      height: opts.height ?? 540,
      margin: { l: 70, r: 30, t: 60, b: opts.note ? 110 : 60 },
      xaxis: { title: { text: "1 - specificity (false positive rate)" }, range: [0, 1], constrain: "domain" },
      yaxis: { title: { text: "sensitivity (true positive rate)" }, range: [0, 1.02], scaleanchor: "x", constrain: "domain" },
      legend: { x: 1.02, xanchor: "left", y: 1, yanchor: "top", font: { size: 12 } },
      annotations: opts.note ? [{ text: opts.note, xref: "paper", yref: "paper", x: 0, y: -0.22, yanchor: "top", xanchor: "left", showarrow: false, font: { size: 11, color: "#555" } }] : [],
    }),
  };
}
