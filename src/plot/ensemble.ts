import { baseLayout, Figure } from "./figure";
import { rocBandFigure } from "./roc";
import { rocBand } from "../metrics/rocBand";
import type { EnsembleEvaluation } from "../ensemble/evaluate";
import { metricRows } from "../metrics/report";

/**
 * ROC curves of the ensembles (thick: soft votes, with pointwise 95% bootstrap bands from the
 * pooled test predictions; dotted: hard votes, polylines because they have few score levels) and
 * the members (thin), AUC [95% CI] in the legend beside the plot.
 */
export function ensembleRocFigure(ev: EnsembleEvaluation, opts: { title?: string; synthetic?: boolean; seed?: number } = {}): Figure {
  const labels = ev.samples.map((s) => s.label);
  const title = opts.title ?? `${opts.synthetic ? "[synthetic] " : ""}ROC: members vs ensembles (n = ${ev.n} test nodules)`;
  return rocBandFigure(
    [
      ...ev.ensembles.map((e) => {
        const soft = e.rule === "soft";
        return {
          name: e.name,
          roc: e.report.roc,
          auc: e.report.metrics.auc,
          band: soft ? rocBand(labels, ev.samples.map((s) => s.ensembles[e.name]), { seed: opts.seed ?? 0, resamples: 1000 }) : undefined,
          style: soft ? ("thick" as const) : ("dotted" as const),
        };
      }),
      ...ev.members.map((m) => ({ name: m.name, roc: m.report.roc, auc: m.report.metrics.auc, style: "thin" as const })),
    ],
    title,
    { note: "Shaded: pointwise 95% bootstrap bands of the soft-vote ensembles (class-stratified, 1000 resamples); brackets: AUC 95% CI." },
  );
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
