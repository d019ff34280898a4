import * as fs from "fs";
import * as path from "path";
import type { Browser, Page } from "playwright-core";
import type { Figure } from "./figure";

/** Chromium flags for a closed network, as root, without a GPU. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let browser: Browser | null = null;
let page: Page | null = null;

/** Debian's Chromium (or NASLUNG_CHROMIUM), for playwright-core's `executablePath`. */
export function chromiumPath(): string {
  const p = process.env.NASLUNG_CHROMIUM ?? "/usr/bin/chromium";
  if (!fs.existsSync(p)) {
    throw new Error(`static figure export needs Chromium at ${p} (run scripts/setup.sh, or set NASLUNG_CHROMIUM)`);
  }
  return p;
}

/** Lazily starts one headless Chromium page with plotly loaded; later figures reuse it. */
async function plotlyPage(): Promise<Page> {
  if (page) return page;
  const { chromium } = await import("playwright-core");
  browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  page = await browser.newPage();
  const plotlyJs = require.resolve("plotly.js-dist-min/plotly.min.js");
  await page.setContent("<html><body style='margin:0'><div id='fig'></div></body></html>");
  await page.addScriptTag({ path: plotlyJs });
  return page;
}

/**
 * Renders a figure to PNG or SVG bytes with plotly's own `toImage` in headless Chromium.
 * The first call starts the browser (~2.5 s); later calls reuse the page (~0.1 s).
 */
export async function renderFigure(fig: Figure, format: "png" | "svg", scale = 1): Promise<Buffer> {
  const p = await plotlyPage();
  const width = Number(fig.layout.width ?? 720);
  const height = Number(fig.layout.height ?? 480);
  const dataUrl: string = await p.evaluate(
    async ({ fig, format, width, height, scale }) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const Plotly = (window as any).Plotly;
      const gd = document.getElementById("fig");
      // Trace uids are random unless given; fixed ones keep SVG class names the same run to run.
      const data = fig.data.map((t: Record<string, unknown>, i: number) => ({ uid: `t${i}`, ...t }));
      await Plotly.newPlot(gd, data, fig.layout, { staticPlot: true });
      const url = await Plotly.toImage(gd, { format, width, height, scale });
      Plotly.purge(gd);
      return url as string;
    },
    { fig, format, width, height, scale },
  );
  const comma = dataUrl.indexOf(",");
  const head = dataUrl.slice(0, comma);
  const body = dataUrl.slice(comma + 1);
  if (head.includes("base64")) return Buffer.from(body, "base64");
  const svg = decodeURIComponent(body);
  return Buffer.from(format === "svg" ? deterministicSvg(svg) : svg, "utf8");
}

/**
 * Replaces the random 6-hex id plotly gives each plot (`defs-3fa2c1`, `clip3fa2c1xy`, …) by a
 * fixed one, so that regenerating an unchanged figure rewrites its SVG byte for byte.
 */
export function deterministicSvg(svg: string): string {
  const m = /id="defs-([0-9a-f]{6})"/.exec(svg);
  // Only where it is part of an id (after a word of two letters or more: clip…, legend…, or after
  // `defs-`), never in path data, where a single command letter or a minus sign precedes numbers.
  let out = m ? svg.replace(new RegExp(`(?<=[A-Za-z]{2}|defs-)${m[1]}`, "g"), "f1g000") : svg;
  // Colour bars draw their gradient with an id of their own (`g3fa2c1-cbt7`), one per colour bar.
  const gradients = [...new Set([...out.matchAll(/id="g([0-9a-f]{6})-cb/g)].map((x) => x[1]))];
  gradients.forEach((hex, k) => (out = out.replace(new RegExp(`(?<=[#"]g)${hex}(?=-cb)`, "g"), `f1g${String(k + 1).padStart(3, "0")}`)));
  return out;
}

/** Writes `<base>.png` and `<base>.svg`; returns the two paths. */
export async function exportFigure(fig: Figure, base: string): Promise<string[]> {
  fs.mkdirSync(path.dirname(base), { recursive: true });
  const out: string[] = [];
  for (const fmt of ["png", "svg"] as const) {
    const file = `${base}.${fmt}`;
    const { writeFileAtomic } = await import("../util/atomic");
    writeFileAtomic(file, await renderFigure(fig, fmt, fmt === "png" ? 2 : 1));
    out.push(file);
  }
  return out;
}

/** Closes the shared browser (call at the end of a CLI run so the process can exit). */
export async function closeRenderer(): Promise<void> {
  const b = browser;
  browser = null;
  page = null;
  if (b) await b.close();
}
