/**
 * A plotly figure spec: plain JSON (traces + layout), built by the functions in src/plot and
 * rendered either inline in a notebook or to PNG/SVG by headless Chromium.
 */
export interface Figure {
  data: Array<Record<string, unknown>>;
  layout: Record<string, unknown>;
}

/** Default layout shared by naslung figures: readable fonts, white background, fixed size. */
export function baseLayout(title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { text: title },
    width: 720,
    height: 480,
    font: { family: "DejaVu Sans, Arial, sans-serif", size: 13 },
    paper_bgcolor: "white",
    plot_bgcolor: "white",
    margin: { l: 70, r: 30, t: 60, b: 60 },
    ...extra,
  };
}

/** A histogram of values; used by the setup notebook and the HU-histogram figures. */
export function histogramFigure(
  series: Array<{ name: string; values: ArrayLike<number> }>,
  opts: { title: string; xTitle: string; nbins?: number },
): Figure {
  return {
    data: series.map((s) => ({
      type: "histogram",
      name: s.name,
      x: Array.from(s.values),
      nbinsx: opts.nbins ?? 60,
      opacity: series.length > 1 ? 0.6 : 1,
    })),
    layout: baseLayout(opts.title, {
      barmode: "overlay",
      xaxis: { title: { text: opts.xTitle } },
      yaxis: { title: { text: "count" } },
    }),
  };
}
