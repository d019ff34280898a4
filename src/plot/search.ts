import { baseLayout, Figure } from "./figure";
import type { SearchRecord } from "../search/log";
import type { SearchStep } from "../search/history";
import { paretoFront } from "../search/pareto";
import { tradeoffPoint } from "../search/pop";
import { countsByDepth, SearchSpaceConfig } from "../search/space";

const COLORS: Record<string, string> = { pop: "#1f77b4", random: "#ff7f0e" };

/** Marker diameters proportional to sqrt(params), so marker area tracks parameter count. */
function markerSizes(records: readonly SearchRecord[], maxParams: number): number[] {
  return records.map((r) => 7 + 23 * Math.sqrt(r.params / Math.max(1, maxParams)));
}

function hover(r: SearchRecord): string {
  return `${r.id}<br>val ${r.objective ?? "accuracy"} ${r.accuracy.toFixed(3)}<br>${r.latency.batch1.medianMs.toFixed(1)} ms @1 (${r.latency.backend})<br>${(r.params / 1e3).toFixed(1)}k params, ${(r.flops / 1e6).toFixed(0)} MFLOP`;
}

/** The y-axis title: the validation metric the records were ranked by. */
function objectiveTitle(records: readonly SearchRecord[]): string {
  return `validation ${records[0]?.objective === "auc" ? "AUC" : records[0]?.objective ?? "accuracy"}`;
}

/** Configurations per depth of the search space (bar chart, log scale). */
export function spaceDepthFigure(space: SearchSpaceConfig, title = "Search space: configurations per depth"): Figure {
  const rows = countsByDepth(space);
  const total = rows.reduce((a, r) => a + r.count, 0);
  return {
    data: [{ type: "bar", x: rows.map((r) => r.blocks), y: rows.map((r) => r.count), text: rows.map((r) => String(r.count)), textposition: "outside", marker: { color: "#4c72b0" } }],
    layout: baseLayout(`${title} (${total.toLocaleString("en-US")} in all)`, {
      xaxis: { title: { text: "residual blocks" }, dtick: 1 },
      yaxis: { title: { text: "configurations" }, type: "log" },
    }),
  };
}

/**
 * Validation accuracy (or the search's objective) vs batch-1 latency of every trained candidate (marker size by parameter
 * count), one colour per search, with each search's Pareto front as a step line.
 */
export function searchFrontFigure(
  logs: ReadonlyArray<{ name: string; records: readonly SearchRecord[] }>,
  title = "Trained candidates and Pareto fronts",
  opts: { verb?: string } = {},
): Figure {
  const maxParams = Math.max(1, ...logs.flatMap((l) => l.records.map((r) => r.params)));
  const verb = opts.verb ?? "trained";
  const clouds: Array<Record<string, unknown>> = [];
  const fronts: Array<Record<string, unknown>> = [];
  for (const l of logs) {
    const color = COLORS[l.records[0]?.strategy ?? ""] ?? undefined;
    clouds.push({
      type: "scatter",
      mode: "markers",
      name: `${l.name} (${l.records.length} ${verb})`,
      x: l.records.map((r) => r.latency.batch1.medianMs),
      y: l.records.map((r) => r.accuracy),
      text: l.records.map(hover),
      hoverinfo: "text",
      marker: { size: markerSizes(l.records, maxParams), color, opacity: 0.45, line: { width: 1, color: "white" } },
    });
    const front = paretoFront(l.records.map((r) => ({ ...tradeoffPoint(r), rec: r })));
    fronts.push({
      type: "scatter",
      mode: "lines+markers",
      name: `${l.name} front`,
      x: front.map((p) => p.latency),
      y: front.map((p) => p.accuracy),
      line: { shape: "hv", color, width: 3 },
      marker: { symbol: "diamond", size: 11, color, line: { width: 1.5, color: "black" } },
    });
  }
  return {
    // Every cloud first, then every front, so no strategy's front hides under another's points.
    data: [...clouds, ...fronts],
    layout: baseLayout(title, {
      xaxis: { title: { text: "latency, batch 1 (ms, log scale)" }, type: "log" },
      yaxis: { title: { text: objectiveTitle(logs.flatMap((l) => l.records)) } },
      legend: { orientation: "h", y: -0.2 },
      annotations: [{ text: "marker area ∝ parameters", xref: "paper", yref: "paper", x: 1, y: 1.02, xanchor: "right", yanchor: "bottom", showarrow: false, font: { size: 11, color: "#555" } }],
    }),
  };
}

/**
 * The front growing: every candidate coloured by the order it was trained in, and the front
 * after several points of the search, later fronts darker.
 */
export function frontGrowthFigure(records: readonly SearchRecord[], opts: { snapshots?: number; title?: string } = {}): Figure {
  const n = records.length;
  const k = Math.min(opts.snapshots ?? 4, n);
  const maxParams = Math.max(1, ...records.map((r) => r.params));
  const data: Array<Record<string, unknown>> = [];
  for (let s = 1; s <= k; s++) {
    const upTo = Math.round((s * n) / k);
    const front = paretoFront(records.slice(0, upTo).map(tradeoffPoint));
    const shade = Math.round(200 - (150 * s) / k);
    data.push({
      type: "scatter",
      mode: "lines",
      name: `front after ${upTo}`,
      x: front.map((p) => p.latency),
      y: front.map((p) => p.accuracy),
      line: { shape: "hv", width: 2, color: `rgb(${shade},${shade},${shade})` },
    });
  }
  data.push({
    type: "scatter",
    mode: "markers",
    name: "candidates",
    x: records.map((r) => r.latency.batch1.medianMs),
    y: records.map((r) => r.accuracy),
    text: records.map((r, i) => `#${i + 1} ${hover(r)}`),
    hoverinfo: "text",
    marker: { size: markerSizes(records, maxParams), color: records.map((_, i) => i + 1), colorscale: "Viridis", showscale: true, colorbar: { title: { text: "trained #" } }, opacity: 0.8 },
  });
  return {
    data,
    layout: baseLayout(opts.title ?? "The front growing (marker size: parameters)", {
      xaxis: { title: { text: "latency, batch 1 (ms, log scale)" }, type: "log" },
      yaxis: { title: { text: objectiveTitle(records) } },
      legend: { orientation: "h", y: -0.2 },
    }),
  };
}

/**
 * What pruning buys: architectures POP has pruned (left axis) and the front's hypervolume (right
 * axis) against the number of trained candidates, for POP and for random search.
 */
export function pruningFigure(histories: ReadonlyArray<{ name: string; steps: readonly SearchStep[] }>, title = "POP vs random search"): Figure {
  const data: Array<Record<string, unknown>> = [];
  for (const h of histories) {
    const color = COLORS[h.name] ?? undefined;
    data.push({ type: "bar", name: `${h.name}: pruned`, x: h.steps.map((s) => s.trained), y: h.steps.map((s) => s.pruned), marker: { color, opacity: 0.45 } });
    data.push({ type: "scatter", mode: "lines+markers", name: `${h.name}: front hypervolume`, x: h.steps.map((s) => s.trained), y: h.steps.map((s) => s.hypervolume), yaxis: "y2", line: { color } });
  }
  return {
    data,
    layout: baseLayout(title, {
      barmode: "group",
      xaxis: { title: { text: "trained candidates" } },
      yaxis: { title: { text: "untrained architectures pruned" }, rangemode: "tozero" },
      yaxis2: { title: { text: "front hypervolume (acc x ms)" }, overlaying: "y", side: "right", rangemode: "tozero" },
      legend: { orientation: "h", y: -0.2 },
    }),
  };
}
