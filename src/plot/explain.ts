import { baseLayout, Figure } from "./figure";
import type { OrthoSlices } from "../explain/slices";
import type { NoduleReport } from "../explain/report";
import type { InsideMaskSummary } from "../explain/insideMask";

/** The three views in column order and their axis titles. */
const VIEWS: Array<{ key: "axial" | "coronal" | "sagittal"; title: string; x: string; y: string }> = [
  { key: "axial", title: "axial", x: "x", y: "y" },
  { key: "coronal", title: "coronal", x: "x", y: "z" },
  { key: "sagittal", title: "sagittal", x: "y", y: "z" },
];

/**
 * A diverging colour scale for log2 of a map's density relative to chance (`relativeDensity`),
 * over [-2, 2]: transparent at 0 (exactly what a uniform map puts there), blue below (a quarter
 * of chance and less: opaque blue), red to yellow above (4x chance and more: opaque yellow). So a
 * gate at chance level leaves the CT visible instead of looking like a hotspot.
 */
export const DENSITY_SCALE: Array<[number, string]> = [
  [0, "rgba(40,90,255,0.6)"],
  [0.25, "rgba(70,130,255,0.3)"],
  [0.5, "rgba(0,0,0,0)"],
  [0.625, "rgba(200,20,0,0.35)"],
  [0.75, "rgba(240,70,0,0.6)"],
  [0.875, "rgba(255,160,0,0.8)"],
  [1, "rgba(255,255,0,0.9)"],
];

/** log2 of a density slice, clipped to the colour scale's [-2, 2]. */
const log2Density = (rows: number[][]) => rows.map((r) => r.map((v) => Math.max(-2, Math.min(2, Math.log2(Math.max(v, 1e-6))))));

/** One row of an overlay grid: a name and the map's slices as density relative to chance (`relativeDensity`: 1 = chance). */
export interface OverlayRow {
  name: string;
  slices: OrthoSlices;
}

/**
 * Attention overlays: one row per map, one column per view (axial, coronal, sagittal through
 * the nodule centre); each cell is the grey CT slice under the map's density relative to chance
 * on a fixed log2 scale (`DENSITY_SCALE`: transparent at chance, blue below, red-yellow above),
 * optionally with the nodule mask outline.
 * Rows with `slices` of different cubes are an error.
 */
export function overlayGridFigure(
  image: OrthoSlices,
  rows: OverlayRow[],
  opts: { title: string; mask?: OrthoSlices; cellPx?: number } = { title: "attention overlays" },
): Figure {
  const nRows = Math.max(rows.length, 1);
  const cell = opts.cellPx ?? 170;
  const gap = 0.02;
  const left = 0.21;
  const data: Array<Record<string, unknown>> = [];
  const layout: Record<string, unknown> = baseLayout(opts.title, {
    width: Math.round(cell * 3 / (1 - left) + 40),
    height: Math.round(cell * nRows + 120),
    margin: { l: 10, r: 10, t: 90, b: 10 },
    title: { text: opts.title, font: { size: 14 } },
    showlegend: false,
  });
  const annotations: Array<Record<string, unknown>> = [];
  const list = rows.length ? rows : [{ name: "image", slices: image }];
  list.forEach((row, r) => {
    const y1 = 1 - r / nRows;
    const y0 = 1 - (r + 1) / nRows + gap;
    annotations.push({ text: row.name, x: 0, y: (y0 + y1) / 2, xref: "paper", yref: "paper", xanchor: "left", showarrow: false, font: { size: 13 } });
    VIEWS.forEach((v, c) => {
      const k = r * 3 + c + 1;
      const xa = k === 1 ? "x" : `x${k}`;
      const ya = k === 1 ? "y" : `y${k}`;
      const x0 = left + ((1 - left) * c) / 3;
      const x1 = left + ((1 - left) * (c + 1)) / 3 - gap;
      layout[k === 1 ? "xaxis" : `xaxis${k}`] = { domain: [x0, x1], anchor: ya, showticklabels: false, ticks: "", showgrid: false, zeroline: false, constrain: "domain" };
      layout[k === 1 ? "yaxis" : `yaxis${k}`] = { domain: [y0, y1], anchor: xa, showticklabels: false, ticks: "", showgrid: false, zeroline: false, autorange: "reversed", scaleanchor: xa, constrain: "domain" };
      if (r === 0) annotations.push({ text: v.title, x: (x0 + x1) / 2, y: 1.0, xref: "paper", yref: "paper", yanchor: "bottom", showarrow: false });
      data.push({ type: "heatmap", z: image[v.key], xaxis: xa, yaxis: ya, colorscale: [[0, "black"], [1, "white"]], showscale: false, hoverinfo: "skip" });
      if (row.slices !== image) {
        data.push({
          type: "heatmap",
          z: log2Density(row.slices[v.key]),
          xaxis: xa,
          yaxis: ya,
          zmin: -2,
          zmax: 2,
          colorscale: DENSITY_SCALE,
          showscale: r === 0 && c === 2,
          colorbar: {
            title: { text: "map vs<br>chance" },
            tickvals: [-2, -1, 0, 1, 2],
            ticktext: ["≤ ¼×", "½×", "1× (chance)", "2×", "≥ 4×"],
            len: Math.min(1, 2 / nRows),
            y: 1,
            yanchor: "top",
            thickness: 12,
          },
          name: row.name,
        });
      }
      if (opts.mask) {
        data.push({
          type: "contour",
          z: opts.mask[v.key],
          xaxis: xa,
          yaxis: ya,
          showscale: false,
          contours: { coloring: "none", start: 0.5, end: 0.5, size: 1 },
          line: { color: "cyan", width: 1.5 },
          hoverinfo: "skip",
        });
      }
    });
  });
  layout.annotations = annotations;
  return { data, layout };
}

/** "in mask 23% (chance 16%)", "map is 0" for an all-zero map, "" without a mask. */
export function insideLabel(inside: number | undefined, chance: number | undefined): string {
  if (inside === undefined || chance === undefined) return "";
  if (!Number.isFinite(inside)) return "<br>map is 0 everywhere";
  return `<br>in mask ${(100 * inside).toFixed(1)}%<br>(chance ${(100 * chance).toFixed(1)}%)`;
}

/** The per-nodule report as a figure: the overlay grid titled with class, probability and votes. */
export function noduleReportFigure(r: NoduleReport): Figure {
  const cls = (y: number) => (y === 1 ? "malignant" : "benign");
  const k = r.votes.filter((v) => v.vote === "malignant").length;
  const votes = r.votes.length ? `<br>${k}/${r.votes.length} members vote malignant` : "";
  const title = `${r.synthetic ? "[synthetic] " : ""}nodule ${r.id}: ${cls(r.label)}, P(malignant) = ${r.probability.toFixed(2)}${votes}`;
  return overlayGridFigure(
    r.image,
    r.maps.map((m) => ({ name: `${m.name}<br>(${m.nativeSize}³)${insideLabel(m.insideMass, r.maskFraction)}`, slices: m.slices })),
    { title, mask: r.mask },
  );
}

/**
 * The inside-mask statistic per map: mean share of map mass inside the nodule (error bars: the
 * 95% bootstrap CI of its difference to the baseline, placed on the bar) against the random-map
 * baseline (mask volume fraction), optionally beside an untrained network's maps.
 */
export function insideMaskFigure(
  rows: InsideMaskSummary[],
  opts: { title?: string; name?: string; untrained?: InsideMaskSummary[]; extra?: Array<{ name: string; rows: InsideMaskSummary[] }> } = {},
): Figure {
  const bar = (name: string, rs: InsideMaskSummary[]) => ({
    type: "bar",
    name,
    x: rs.map((r) => r.map),
    y: rs.map((r) => r.meanInside),
    error_y: { type: "data", symmetric: false, array: rs.map((r) => r.ci.hi - r.meanDifference), arrayminus: rs.map((r) => r.meanDifference - r.ci.lo) },
  });
  const data: Array<Record<string, unknown>> = [bar(opts.name ?? "trained network: mass inside nodule", rows)];
  for (const e of opts.extra ?? []) data.push(bar(e.name, e.rows));
  if (opts.untrained) data.push(bar("untrained network (same architecture)", opts.untrained));
  data.push({ type: "bar", name: "random-map baseline (mask volume fraction)", x: rows.map((r) => r.map), y: rows.map((r) => r.meanBaseline), marker: { color: "grey" } });
  return {
    data,
    layout: baseLayout(opts.title ?? "Share of map mass inside the nodule mask", {
      barmode: "group",
      yaxis: { title: { text: "fraction of map mass inside the mask" }, rangemode: "tozero" },
      legend: { orientation: "h", y: -0.15 },
    }),
  };
}
