import type { Volume } from "../io/volume";
import type { NoduleSample } from "../data/sample";
import { baseLayout, Figure } from "./figure";

/**
 * Figure specs for the data notebook: CT slices with readers' outlines, crop galleries and
 * reader-agreement heatmaps. Images are plotly heatmaps in a grey colour scale with image
 * orientation (row 0 at the top) and square pixels.
 */

const GREY: Array<[number, string]> = [
  [0, "black"],
  [1, "white"],
];

/** Distinct colours for readers / overlays. */
export const READER_COLOURS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4"];

/** An outline to draw on a slice, in pixel coordinates (x = column, y = row). */
export interface SliceOverlay {
  name: string;
  points: Array<[number, number]>;
  colour?: string;
  /** Dash style (plotly), e.g. "dot" for boxes. */
  dash?: string;
}

/** Rows of one axial slice (HU), optionally subsampled by `stride`, as a 2-D array. */
export function sliceRows(volume: Volume, k: number, stride = 1): number[][] {
  const [nz, ny, nx] = volume.shape;
  if (!(k >= 0 && k < nz)) throw new Error(`sliceRows: slice ${k} outside 0..${nz - 1}`);
  const rows: number[][] = [];
  for (let j = 0; j < ny; j += stride) {
    const r: number[] = [];
    for (let i = 0; i < nx; i += stride) r.push(volume.data[(k * ny + j) * nx + i]);
    rows.push(r);
  }
  return rows;
}

/**
 * One CT slice (HU, shown in `window`) with outlines drawn on it: the readers' contours of a
 * nodule, or a tumour box. `stride` subsamples large (512^2) slices to keep the spec small;
 * overlay coordinates stay in full-resolution pixels.
 */
export function sliceFigure(
  volume: Volume,
  k: number,
  opts: { title: string; overlays?: SliceOverlay[]; window?: [number, number]; stride?: number; zoom?: { x: [number, number]; y: [number, number] } },
): Figure {
  const stride = opts.stride ?? 1;
  const [, ny, nx] = volume.shape;
  const [lo, hi] = opts.window ?? [-1200, 600];
  const rows = sliceRows(volume, k, stride);
  const data: Array<Record<string, unknown>> = [
    {
      type: "heatmap",
      z: rows,
      x: rows[0].map((_, i) => i * stride),
      y: rows.map((_, j) => j * stride),
      colorscale: GREY,
      zmin: lo,
      zmax: hi,
      showscale: true,
      colorbar: { title: { text: "HU" }, len: 0.8 },
      hovertemplate: "col %{x}, row %{y}: %{z:.0f} HU<extra></extra>",
    },
  ];
  (opts.overlays ?? []).forEach((o, i) =>
    data.push({
      type: "scatter",
      mode: "lines",
      name: o.name,
      x: o.points.map((p) => p[0]),
      y: o.points.map((p) => p[1]),
      line: { color: o.colour ?? READER_COLOURS[i % READER_COLOURS.length], width: 2, dash: o.dash ?? "solid" },
    }),
  );
  const xr = opts.zoom?.x ?? [-0.5, nx - 0.5];
  const yr = opts.zoom?.y ?? [-0.5, ny - 0.5];
  const aspect = (yr[1] - yr[0]) / (xr[1] - xr[0]);
  return {
    data,
    layout: baseLayout(opts.title, {
      width: 620,
      height: Math.round(Math.min(900, Math.max(300, 520 * aspect)) + 80),
      xaxis: { range: xr, title: { text: "column" }, constrain: "domain" },
      yaxis: { range: [yr[1], yr[0]], title: { text: "row" }, scaleanchor: "x", scaleratio: volume.spacing[1] / volume.spacing[2] },
      legend: { orientation: "h", y: -0.15 },
    }),
  };
}

/** A rectangle outline (closed) from pixel bounds, for tumour boxes. */
export function boxOutline(xmin: number, ymin: number, xmax: number, ymax: number): Array<[number, number]> {
  return [
    [xmin, ymin],
    [xmax, ymin],
    [xmax, ymax],
    [xmin, ymax],
    [xmin, ymin],
  ];
}

/**
 * A gallery of crops: the middle axial slice of each sample (z = size/2), tiled `cols` wide
 * with a 2-pixel gap, each titled with its label (B/M) and id; when a sample has a mask, its
 * outline on that slice is drawn in colour. `range` is the display range of the crop values.
 */
export function cropGalleryFigure(samples: NoduleSample[], opts: { title: string; cols?: number; range?: [number, number]; showMask?: boolean }): Figure {
  if (!samples.length) throw new Error("cropGalleryFigure: no samples");
  const size = samples[0].size;
  const cols = opts.cols ?? Math.min(8, samples.length);
  const rowsN = Math.ceil(samples.length / cols);
  const gap = 2;
  const W = cols * (size + gap) - gap;
  const H = rowsN * (size + gap) - gap;
  const z: Array<Array<number | null>> = Array.from({ length: H }, () => new Array<number | null>(W).fill(null));
  const maskX: Array<number | null> = [];
  const maskY: Array<number | null> = [];
  const annotations: Array<Record<string, unknown>> = [];
  const mid = Math.floor(size / 2);
  samples.forEach((s, t) => {
    const ox = (t % cols) * (size + gap);
    const oy = Math.floor(t / cols) * (size + gap);
    for (let j = 0; j < size; j++) for (let i = 0; i < size; i++) z[oy + j][ox + i] = s.crop[(mid * size + j) * size + i];
    if ((opts.showMask ?? true) && s.mask) {
      // Mask boundary pixels on the middle slice, as points.
      const m = (i: number, j: number) => (i >= 0 && j >= 0 && i < size && j < size ? s.mask![(mid * size + j) * size + i] : 0);
      for (let j = 0; j < size; j++)
        for (let i = 0; i < size; i++)
          if (m(i, j) && (!m(i - 1, j) || !m(i + 1, j) || !m(i, j - 1) || !m(i, j + 1))) {
            maskX.push(ox + i);
            maskY.push(oy + j);
          }
    }
    annotations.push({
      x: ox + 1,
      y: oy + 1,
      xanchor: "left",
      yanchor: "top",
      text: `<b>${s.label === 1 ? "M" : "B"}</b>`,
      showarrow: false,
      font: { color: s.label === 1 ? "#ff6060" : "#60ff60", size: 12 },
    });
  });
  const [lo, hi] = opts.range ?? [0, 1];
  const data: Array<Record<string, unknown>> = [
    { type: "heatmap", z, colorscale: GREY, zmin: lo, zmax: hi, showscale: false, hoverongaps: false },
  ];
  if (maskX.length) data.push({ type: "scatter", mode: "markers", x: maskX, y: maskY, marker: { size: 2, color: "#ffd700" }, name: "nodule mask (truth)", hoverinfo: "skip" });
  const px = Math.max(4, Math.floor(900 / W));
  return {
    data,
    layout: baseLayout(opts.title, {
      width: W * px + 60,
      height: H * px + 110,
      margin: { l: 30, r: 30, t: 60, b: 50 },
      xaxis: { visible: false, range: [-0.5, W - 0.5] },
      yaxis: { visible: false, range: [H - 0.5, -0.5], scaleanchor: "x" },
      annotations,
      showlegend: maskX.length > 0,
      legend: { orientation: "h", y: -0.02 },
    }),
  };
}

/**
 * Reader-by-nodule heatmap of malignancy ratings (blank where the reader did not mark the
 * nodule), nodules sorted by mean rating: shows who saw what and how much readers disagree.
 */
export function readerScoresFigure(rows: Array<{ nodule: string; scores: Record<string, number | undefined> }>, readers: string[], title: string): Figure {
  const sorted = [...rows].sort((a, b) => meanOf(a.scores) - meanOf(b.scores));
  return {
    data: [
      {
        type: "heatmap",
        x: sorted.map((r) => r.nodule),
        y: readers,
        z: readers.map((rd) => sorted.map((r) => r.scores[rd] ?? null)),
        zmin: 1,
        zmax: 5,
        // plotly RdBu runs blue (1, benign) to red (5, malignant).
        colorscale: "RdBu",
        colorbar: { title: { text: "malignancy" } },
        hoverongaps: false,
      },
    ],
    layout: baseLayout(title, {
      width: 900,
      height: 360,
      xaxis: { title: { text: "nodule (sorted by mean rating)" }, showticklabels: false },
      yaxis: { title: { text: "" }, automargin: true },
      margin: { l: 150, r: 30, t: 60, b: 60 },
    }),
  };
}

function meanOf(s: Record<string, number | undefined>): number {
  const v = Object.values(s).filter((x): x is number => typeof x === "number");
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : 0;
}

/** Minimal view of a clustered nodule's marks (see data/cluster.ts NoduleCluster). */
interface ClusterLike {
  marks: Array<{ reader: string; read: { rois: Array<{ z: number; inclusion: boolean; points: Array<[number, number]> }> } }>;
}

/**
 * Each reader's outline of a clustered nodule on the slice at world z (within `tol` mm): one
 * overlay per reader and outline, coloured by reader order in `readers`.
 */
export function clusterOverlays(cluster: ClusterLike, z: number, readers: string[], tol = 0.01): SliceOverlay[] {
  const out: SliceOverlay[] = [];
  for (const m of cluster.marks)
    for (const roi of m.read.rois)
      if (Math.abs(roi.z - z) <= tol)
        out.push({
          name: m.reader + (roi.inclusion ? "" : " (hole)"),
          points: roi.points.length > 1 ? [...roi.points, roi.points[0]] : roi.points,
          colour: READER_COLOURS[Math.max(0, readers.indexOf(m.reader)) % READER_COLOURS.length],
          dash: roi.inclusion ? "solid" : "dot",
        });
  return out;
}

/** Every `step`-th value of an array (for histograms of large volumes). */
export function everyNth(values: ArrayLike<number>, step: number): Float32Array {
  const out = new Float32Array(Math.ceil(values.length / step));
  for (let i = 0, j = 0; i < values.length; i += step, j++) out[j] = values[i];
  return out;
}

/**
 * HU histograms of several volumes as probability densities (so volumes of different sizes
 * compare), over the CT range that matters (-1100..1500 HU).
 */
export function huHistogramFigure(series: Array<{ name: string; values: ArrayLike<number> }>, title: string): Figure {
  return {
    data: series.map((s) => ({
      type: "histogram",
      name: s.name,
      x: Array.from(s.values),
      histnorm: "probability density",
      xbins: { start: -1100, end: 1500, size: 20 },
      opacity: 0.6,
    })),
    layout: baseLayout(title, {
      barmode: "overlay",
      xaxis: { title: { text: "HU" }, range: [-1100, 1500] },
      yaxis: { title: { text: "density" }, type: "log" },
      legend: { orientation: "h", y: -0.2 },
    }),
  };
}
