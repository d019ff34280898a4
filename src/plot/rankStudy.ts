import type { RankStudyResults } from "../search/rankStudy";
import { baseLayout, Figure } from "./figure";

/**
 * Search score against fully trained cross-validation AUC, one panel-less scatter per budget
 * (legend toggles them): each point an architecture, the x error bar its full AUC's 95% interval,
 * Spearman's rho with its bootstrap interval in the legend. Points on a rising diagonal mean the
 * budget ranks architectures as full training does; a flat cloud means its scores are noise.
 * The ruler's AUC on the same readings is the dashed line.
 */
export function rankStudyFigure(r: RankStudyResults, title?: string): Figure {
  const sampled = r.architectures.filter((a) => a.role === "sampled" && a.full);
  if (!sampled.length) throw new Error(`rank study ${r.name}: no fully trained architecture yet`);
  const data: Figure["data"] = r.config.scores.map((s, k) => {
    const pts = sampled.filter((a) => a.scores[s.name]);
    const rho = r.correlations.find((c) => c.score === s.name)?.spearman;
    const rhoText = rho ? `rho ${rho.value.toFixed(2)} [${rho.lo.toFixed(2)}, ${rho.hi.toFixed(2)}]` : "rho n/a";
    return {
      type: "scatter",
      mode: "markers",
      name: `${s.name}: ${rhoText}`,
      x: pts.map((a) => a.full!.auc),
      y: pts.map((a) => a.scores[s.name].auc),
      error_x: { type: "data", symmetric: false, array: pts.map((a) => a.full!.hi - a.full!.auc), arrayminus: pts.map((a) => a.full!.auc - a.full!.lo), thickness: 1, width: 0, color: "rgba(0,0,0,0.15)" },
      marker: { size: 9, symbol: ["circle", "square", "diamond", "triangle-up"][k % 4] },
      text: pts.map((a) => a.id),
      hoverinfo: "text+x+y",
    };
  });
  const ruler = sampled[0].full!.ruler;
  const ys = data.flatMap((d) => (d.y as number[]) ?? []);
  data.push({ type: "scatter", mode: "lines", name: `${r.config.ruler.name} (same readings) ${ruler.toFixed(3)}`, x: [ruler, ruler], y: [Math.min(...ys), Math.max(...ys)], line: { dash: "dash", color: "#444" } });
  for (const a of r.architectures.filter((x) => x.role === "reference" && x.full)) {
    data.push({ type: "scatter", mode: "lines", name: `${a.id} (reference) ${a.full!.auc.toFixed(3)}`, x: [a.full!.auc, a.full!.auc], y: [Math.min(...ys), Math.max(...ys)], line: { dash: "dot", color: "#b22" } });
  }
  return {
    data,
    layout: baseLayout(title ?? `${r.name}: search score vs fully trained CV AUC (${sampled.length} architectures)`, {
      height: 460,
      xaxis: { title: { text: `fully trained pooled out-of-fold AUC (${r.config.full.epochs} epochs, folds ${r.config.full.folds.join(",")})` } },
      yaxis: { title: { text: "search score (inner-validation AUC)" } },
      legend: { orientation: "h", y: -0.25 },
    }),
  };
}
