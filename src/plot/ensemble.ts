import { baseLayout, Figure } from "./figure";
import type { EnsembleEvaluation } from "../ensemble/evaluate";
import { metricRows } from "../metrics/report";

/**
 * ROC curves of the ensemble members (thin dotted) and ensembles (thick) on the pooled test
 * folds, AUC in the legend. Hard votes have few score levels, so their curves are polylines.
 */
export function ensembleRocFigure(ev: EnsembleEvaluation, opts: { title?: string; synthetic?: boolean } = {}): Figure {
  const trace = (name: string, r: EnsembleEvaluation["members"][number]["report"], thick: boolean) => ({
    type: "scatter",
    mode: "lines",
    name: `${name} (AUC ${r.metrics.auc.value.toFixed(3)})`,
    x: r.roc.fpr,
    y: r.roc.tpr,
    line: thick ? { width: 3, shape: "linear" } : { width: 1.2, dash: "dot" },
  });
  const title = opts.title ?? `${opts.synthetic ? "[synthetic] " : ""}ROC: members vs ensembles (n = ${ev.n} test nodules)`;
  return {
    data: [
      ...ev.members.map((m) => trace(m.name, m.report, false)),
      ...ev.ensembles.map((e) => trace(e.name, e.report, true)),
      { type: "scatter", mode: "lines", name: "chance", x: [0, 1], y: [0, 1], line: { color: "grey", dash: "dash", width: 1 }, showlegend: false },
    ],
    layout: baseLayout(title, {
      width: 760,
      height: 560,
      xaxis: { title: { text: "1 - specificity (false positive rate)" }, range: [0, 1] },
      yaxis: { title: { text: "sensitivity (true positive rate)" }, range: [0, 1.02] },
      legend: { x: 0.45, y: 0.05, bgcolor: "rgba(255,255,255,0.8)" },
    }),
  };
}

/**
 * Table rows (for `nl.plot.showTable`): members then ensembles, each metric as value [95% CI],
 * with the ensembles' members per fold.
 */
export function ensembleTableRows(ev: EnsembleEvaluation, digits = 3): Array<Record<string, unknown>> {
  const members = metricRows(ev.members.map((m) => ({ name: m.name, report: m.report })), digits).map((r) => ({ kind: "member", ...r, members: "" }));
  const ens = metricRows(ev.ensembles.map((e) => ({ name: e.name, report: e.report })), digits).map((r, i) => ({
    kind: "ensemble",
    ...r,
    members: ev.ensembles[i].folds
      .map((f) => f.members.map((m, j) => (f.weights[j] > 1 ? `${m}x${f.weights[j]}` : m)).join("+"))
      .filter((v, j, a) => a.indexOf(v) === j)
      .join(" | "),
  }));
  return [...members, ...ens];
}
