import type { Figure } from "./figure";
import { baseLayout } from "./figure";
import { ConvResConfig, archId } from "../models/config";
import { describeArchitecture, LayerSummary } from "../models/complexity";

const KIND_COLOUR: Record<LayerSummary["kind"], string> = {
  input: "#bdbdbd",
  cbr: "#6baed6",
  down: "#2171b5",
  residual: "#74c476",
  attention: "#fd8d3c",
  pool: "#9e9ac8",
  head: "#e7298a",
};

const KIND_NAME: Record<LayerSummary["kind"], string> = {
  input: "input",
  cbr: "CBR (conv+BN+ReLU)",
  down: "stride-2 CBR",
  residual: "residual block",
  attention: "attention",
  pool: "global avg-pool",
  head: "head",
};

function human(n: number, unit: string): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G${unit}`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(n >= 1e7 ? 1 : 3)} M${unit}`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k${unit}`;
  return `${n} ${unit}`.trim();
}

/**
 * A block diagram of a ConvRes network drawn from its config (the paper's architecture figure,
 * for any searched model): one box per layer in forward order, box height growing with the
 * channel width (log2), colour by layer kind, shaded bands for the stem and the three stages with
 * their map size; hovering a box shows its parameters and FLOPs.
 */
export function architectureFigure(config: ConvResConfig, opts: { title?: string } = {}): Figure {
  const rows = describeArchitecture(config);
  const params = rows.reduce((s, r) => s + r.params, 0);
  const flops = rows.reduce((s, r) => s + r.flops, 0);
  const maxC = Math.max(...rows.map((r) => r.outChannels));
  const height = (c: number) => 0.25 + (0.75 * Math.log2(c + 1)) / Math.log2(maxC + 1);
  const shapes: Array<Record<string, unknown>> = [];
  const annotations: Array<Record<string, unknown>> = [];
  // Bands: stem (size 32) then one per stage (16, 8, 4).
  const groupOf = (r: LayerSummary) => (r.name.startsWith("stages.") ? `stage ${Number(r.name.split(".")[1]) + 1}` : r.name.startsWith("stem") ? "stem" : "");
  let start = 0;
  for (let i = 1; i <= rows.length; i++) {
    const g = groupOf(rows[start]);
    if (i === rows.length || groupOf(rows[i]) !== g) {
      if (g) {
        shapes.push({ type: "rect", x0: start - 0.45, x1: i - 0.55, y0: -1.15, y1: 1.15, fillcolor: g === "stem" ? "#f7f7f7" : "#eef3fa", line: { width: 0 }, layer: "below" });
        annotations.push({ x: (start + i - 1) / 2, y: 1.3, text: `<b>${g}</b> ${rows[start].size}³`, showarrow: false, font: { size: 12 } });
      }
      start = i;
    }
  }
  rows.forEach((r, i) => {
    const h = height(r.outChannels);
    shapes.push({ type: "rect", x0: i - 0.35, x1: i + 0.35, y0: -h, y1: h, fillcolor: KIND_COLOUR[r.kind], line: { color: "#333", width: 1 } });
    annotations.push({ x: i, y: -1.25, text: r.label, textangle: -50, showarrow: false, xanchor: "right", yanchor: "top", font: { size: 10 } });
  });
  const hover = {
    type: "scatter",
    mode: "markers",
    x: rows.map((_, i) => i),
    y: rows.map(() => 0),
    marker: { size: 18, opacity: 0 },
    hovertext: rows.map((r) => `${r.name}: ${r.label}<br>${r.inChannels}->${r.outChannels} ch, ${r.size}³<br>${human(r.params, "params")}, ${human(r.flops, "FLOP")}`),
    hoverinfo: "text",
    showlegend: false,
  };
  // Legend entries, one per kind present.
  const kinds = [...new Set(rows.map((r) => r.kind))];
  const legend = kinds.map((k) => ({
    type: "scatter",
    mode: "markers",
    x: [null],
    y: [null],
    name: KIND_NAME[k],
    marker: { symbol: "square", size: 12, color: KIND_COLOUR[k] },
  }));
  const att = { reference: "reference ResCBAM", cbam: "CBAM (Woo 2018)", none: "no attention" }[config.attention];
  const head = config.head === "asoftmax" ? "A-Softmax" : "linear head";
  const title = opts.title ?? `ConvRes ${archId(config)} (${att}, ${head}): ${human(params, "params")}, ${human(flops, "FLOP")}/sample`;
  return {
    data: [hover, ...legend],
    layout: baseLayout(title, {
      width: Math.max(720, 48 * rows.length + 160),
      height: 460,
      shapes,
      annotations,
      xaxis: { visible: false, range: [-1, rows.length] },
      yaxis: { visible: false, range: [-2.6, 1.5] },
      legend: { orientation: "h", y: -0.02 },
      margin: { l: 30, r: 30, t: 70, b: 40 },
    }),
  };
}
