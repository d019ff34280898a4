import type { Figure } from "./figure";
import { renderFigure } from "./export";
import { DataFrame } from "danfojs-node";

/* tslab is only present inside a notebook kernel; outside one these helpers print text. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function tslabDisplay(): any | null {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    const jupyter = require("tslab/dist/jupyter");
    if (jupyter.lastWriteDisplayData == null) return null; // not inside a kernel cell
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return require("tslab").display ?? null;
  } catch {
    return null;
  }
}

/** True when running inside a tslab notebook cell. */
export function inNotebook(): boolean {
  return tslabDisplay() !== null;
}

/**
 * A display entry that later calls overwrite in place (Jupyter update_display_data), for live
 * training curves. Outside a notebook it returns null.
 */
export function newLiveDisplay(): { png(b: Uint8Array): void; html(s: string): void; text(s: string): void } | null {
  if (!tslabDisplay()) return null;
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  return require("tslab").newDisplay();
}

let figureCounter = 0;

/** The caption under a notebook figure that comes from a recipe: its name and the command that regenerates it. */
export function recipeCaption(name: string): string {
  return `*Figure \`${name}\`* — regenerate with \`naslung figures --only ${name}\` (\`figures/${name}.png\`).`;
}

/** The recipe name in a caption written by `recipeCaption`, or null. */
export function captionRecipeName(markdown: string): string | null {
  return /^\*Figure `([^`]+)`\* — regenerate with `naslung figures --only \1`/.exec(markdown)?.[1] ?? null;
}

/** Options of `showFigure`. */
export interface ShowFigureOptions {
  /** The figure recipe it comes from: a caption naming it follows the figure. */
  recipe?: string;
}

/**
 * Shows a plotly figure in the notebook. By default it embeds a PNG rendered by headless
 * Chromium, which survives saving and is readable anywhere (GitHub, nbviewer, CI artefacts).
 * With NASLUNG_PLOT=interactive (set by `npm run lab`) the output is one bundle holding live
 * plotly HTML (plotly.js loaded from the project's node_modules through the notebook server)
 * *and* the PNG: the HTML shows the PNG until the script replaces it by the live plot, so a
 * notebook saved from the lab still shows every figure where scripts do not run.
 */
export async function showFigure(fig: Figure, opts: ShowFigureOptions = {}): Promise<void> {
  const d = tslabDisplay();
  if (!d) {
    console.log(`[figure${opts.recipe ? ` ${opts.recipe}` : ""}] ${JSON.stringify((fig.layout.title as { text?: string })?.text ?? "untitled")}`);
    return;
  }
  const png = Buffer.from(await renderFigure(fig, "png")).toString("base64");
  if (process.env.NASLUNG_PLOT === "interactive") {
    const id = `naslung-fig-${process.pid}-${figureCounter++}`;
    const html =
      `<div id="${id}"><img src="data:image/png;base64,${png}" style="max-width:100%"/></div>` +
      `<script>require.config({paths:{plotly:"/files/node_modules/plotly.js-dist-min/plotly.min"}});` +
      `require(["plotly"],function(P){var e=document.getElementById("${id}");e.innerHTML="";P.newPlot(e,${JSON.stringify(fig.data)},${JSON.stringify(fig.layout)});});</script>`;
    writeBundle({ "text/html": html, "image/png": png, "text/plain": figureTitle(fig) });
  } else {
    writeBundle({ "image/png": png, "text/plain": figureTitle(fig) });
  }
  if (opts.recipe) d.markdown(recipeCaption(opts.recipe));
}

/** Builds figure recipe `name` (see `naslung figures --list`) and shows it with its caption. */
export async function showRecipe(name: string): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const { figureRecipes } = require("./registry") as typeof import("./registry");
  const recipe = figureRecipes().find((r) => r.name === name);
  if (!recipe) throw new Error(`showRecipe: no figure recipe named "${name}" (see naslung figures --list)`);
  const { figure } = await recipe.build();
  await showFigure(figure, { recipe: name });
}

function figureTitle(fig: Figure): string {
  return String((fig.layout.title as { text?: string } | undefined)?.text ?? "figure").replace(/<[^>]+>/g, "");
}

/** One display_data output with several representations (tslab's public display writes one). */
function writeBundle(data: Record<string, string>): void {
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const jupyter = require("tslab/dist/jupyter");
  jupyter.lastWriteDisplayData({ data, metadata: {}, transient: {} }, false);
}

/** Escapes text for HTML. */
function esc(v: unknown): string {
  return String(v).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c] as string);
}

/** Formats a table cell: fixed decimals for non-integers, as-is otherwise. */
function cell(v: unknown, digits: number): string {
  if (typeof v === "number" && !Number.isInteger(v)) return v.toFixed(digits);
  return String(v ?? "");
}

/** Builds a danfojs DataFrame from row objects (columns in first-seen order). */
export function toDataFrame(rows: Array<Record<string, unknown>>): DataFrame {
  const cols: string[] = [];
  for (const r of rows) for (const k of Object.keys(r)) if (!cols.includes(k)) cols.push(k);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return new DataFrame(rows.map((r) => cols.map((c) => (r[c] ?? null) as any)), { columns: cols });
}

/** Renders a danfojs DataFrame as an HTML table. */
export function dataFrameHtml(df: DataFrame, digits = 3): string {
  const cols = df.columns;
  const rows = df.values as unknown[][];
  const head = `<tr>${cols.map((c) => `<th>${esc(c)}</th>`).join("")}</tr>`;
  const body = rows.map((r) => `<tr>${r.map((v) => `<td>${esc(cell(v, digits))}</td>`).join("")}</tr>`).join("");
  return `<table class="naslung-table"><thead>${head}</thead><tbody>${body}</tbody></table>`;
}

/** Renders a DataFrame as aligned plain text (for terminals and the CLI). */
export function dataFrameText(df: DataFrame, digits = 3): string {
  const cols = df.columns;
  const rows = (df.values as unknown[][]).map((r) => r.map((v) => cell(v, digits)));
  const w = cols.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((v, i) => v.padStart(w[i])).join("  ");
  return [line(cols), line(w.map((n) => "-".repeat(n))), ...rows.map(line)].join("\n");
}

/**
 * Shows a table (rows or a DataFrame) as HTML in a notebook, or as text elsewhere. Returns
 * nothing so that a cell ending in `showTable(...)` does not also print the DataFrame object.
 */
export function showTable(table: DataFrame | Array<Record<string, unknown>>, digits = 3): void {
  const df = Array.isArray(table) ? toDataFrame(table) : table;
  const d = tslabDisplay();
  if (d) d.html(dataFrameHtml(df, digits));
  else console.log(dataFrameText(df, digits));
}

/** Shows markdown in a notebook (plain text elsewhere). */
export function showMarkdown(md: string): void {
  const d = tslabDisplay();
  if (d) d.markdown(md);
  else console.log(md);
}

/** Shows raw PNG bytes in a notebook. */
export function showPng(png: Uint8Array): void {
  const d = tslabDisplay();
  if (d) d.png(png);
}
