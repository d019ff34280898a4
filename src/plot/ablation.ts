import type { AblationResults } from "../train/ablation";
import { baseLayout, Figure } from "./figure";

/**
 * Forest plot of an ablation stage: each variant's pooled out-of-fold AUC minus the ruler's on the
 * same readings, with its paired 95% bootstrap interval. Left of the zero line the variant ranks
 * the readings worse than the ruler; an interval that crosses zero cannot tell them apart.
 */
export function ablationForestFigure(r: AblationResults, stage: number, title?: string): Figure {
  const rows = r.rows.filter((x) => x.stage === stage).sort((a, b) => a.test.delta - b.test.delta);
  if (!rows.length) throw new Error(`ablation ${r.name}: stage ${stage + 1} has no finished rows`);
  const label = (v: string, f: string) => `${v} (${f})`;
  return {
    data: [
      {
        type: "scatter",
        mode: "markers",
        name: `AUC − ${r.ruler.name}`,
        x: rows.map((x) => x.test.delta),
        y: rows.map((x) => label(x.variant, x.factor)),
        error_x: { type: "data", symmetric: false, array: rows.map((x) => x.test.hi - x.test.delta), arrayminus: rows.map((x) => x.test.delta - x.test.lo) },
        marker: { size: 9 },
        text: rows.map((x) => `AUC ${x.test.a.value.toFixed(3)} [${x.test.a.lo.toFixed(3)}, ${x.test.a.hi.toFixed(3)}]; ${r.ruler.name} ${x.test.b.value.toFixed(3)}`),
        hoverinfo: "text",
      },
    ],
    layout: baseLayout(title ?? `${r.name}, stage ${stage + 1}: pooled test AUC minus ${r.ruler.name} (paired 95% CI)`, {
      height: Math.max(320, 60 + 34 * rows.length),
      margin: { l: 230, r: 30, t: 60, b: 60 },
      xaxis: { title: { text: `AUC difference to ${r.ruler.name} (same readings)` }, zeroline: true, zerolinewidth: 2, zerolinecolor: "#444" },
      yaxis: { automargin: true },
      showlegend: false,
    }),
  };
}

/**
 * Learning curves of an ablation stage: the inner-validation AUC per epoch, averaged over the
 * stage's folds, one line per variant — whether a budget was long enough (the curve has
 * flattened) or cut training short.
 */
export function ablationCurvesFigure(r: AblationResults, stage: number, title?: string): Figure {
  const rows = r.rows.filter((x) => x.stage === stage);
  if (!rows.length) throw new Error(`ablation ${r.name}: stage ${stage + 1} has no finished rows`);
  const mean = (curves: number[][]) => {
    const n = Math.max(...curves.map((c) => c.length));
    return Array.from({ length: n }, (_, e) => {
      const v = curves.map((c) => c[e]).filter((x) => Number.isFinite(x));
      return v.reduce((a, b) => a + b, 0) / (v.length || NaN);
    });
  };
  return {
    data: rows.map((x) => {
      const y = mean(x.curves.map((c) => c.valAuc));
      return { type: "scatter", mode: "lines+markers", name: x.variant, x: y.map((_, e) => e + 1), y, marker: { size: 5 } };
    }),
    layout: baseLayout(title ?? `${r.name}, stage ${stage + 1}: inner-validation AUC per epoch (mean over folds)`, {
      xaxis: { title: { text: "epoch" } },
      yaxis: { title: { text: "inner-validation AUC" } },
      legend: { orientation: "v", x: 1.02, y: 1 },
      margin: { l: 70, r: 170, t: 60, b: 60 },
      width: 820,
    }),
  };
}
