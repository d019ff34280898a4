import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "../util/provenance";
import { writeFileAtomic } from "../util/atomic";

export const notebooksDir = path.join(repoRoot, "notebooks");
/** The committed kernelspec lives under jupyter/kernels/tslab; JUPYTER_PATH points there. */
export const jupyterPath = path.join(repoRoot, "jupyter");

/** Notebooks in run order (numbered file names). */
export function listNotebooks(dir = notebooksDir): string[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb"))
    .sort()
    .map((f) => path.join(dir, f));
}

/**
 * The reviewable text source of a notebook: `notebooks/src/<name>.tsnb` (cells separated by
 * `# %%` / `# %% [markdown]` lines). The .ipynb is generated from it, so diffs stay readable.
 */
export function notebookSource(ipynb: string): string | null {
  const src = path.join(path.dirname(ipynb), "src", path.basename(ipynb, ".ipynb") + ".tsnb");
  return fs.existsSync(src) ? src : null;
}

/** Generates an .ipynb (no outputs) from a .tsnb source with scripts/nbgen.py. */
export function buildNotebook(tsnb: string, ipynb: string): void {
  const r = spawnSync("/usr/bin/python3", [path.join(repoRoot, "scripts", "nbgen.py"), tsnb, ipynb], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${tsnb}: cannot build notebook (${(r.stderr || r.error?.message || "").trim()})`);
}

export interface NotebookResult {
  notebook: string;
  ok: boolean;
  seconds: number;
  /** The nbconvert error text (the failing cell and its message) when not ok. */
  error?: string;
}

/**
 * Executes a notebook headless through the committed tslab kernelspec with nbconvert. With
 * `output` unset the notebook is saved in place; otherwise the executed copy goes there.
 * Any cell error fails the run (no --allow-errors: with tslab it hides later failures).
 */
export function executeNotebook(
  notebook: string,
  opts: { output?: string; timeoutSec?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<NotebookResult> {
  // tslab resolves imports against the kernel's cwd (the executed file's folder), so an
  // executed copy must sit beside the original: a hidden sibling, moved to `output` afterwards.
  const dir = path.dirname(notebook);
  const work = opts.output ? path.join(dir, `.tmp-${process.pid}-${path.basename(notebook)}`) : notebook;
  const src = notebookSource(notebook);
  if (src) buildNotebook(src, work);
  else if (work !== notebook) fs.copyFileSync(notebook, work);
  const args = [
    "--to",
    "notebook",
    "--execute",
    "--inplace",
    "--ExecutePreprocessor.kernel_name=tslab",
    `--ExecutePreprocessor.timeout=${opts.timeoutSec ?? 1800}`,
    work,
  ];
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn("jupyter-nbconvert", args, {
      cwd: dir,
      env: { ...process.env, ...opts.env, JUPYTER_PATH: jupyterPath, OMP_WAIT_POLICY: "passive" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr.on("data", (d) => (err += d.toString()));
    child.stdout.on("data", () => undefined);
    child.on("error", (e) =>
      reject(new Error(`cannot start jupyter-nbconvert (${e.message}); run scripts/setup.sh to install Jupyter`)),
    );
    child.on("close", (code) => {
      const seconds = (Date.now() - t0) / 1000;
      if (work !== notebook && opts.output) {
        fs.mkdirSync(path.dirname(path.resolve(opts.output)), { recursive: true });
        fs.renameSync(work, path.resolve(opts.output));
      }
      if (code === 0) {
        tidyExecutedNotebook(opts.output ? path.resolve(opts.output) : notebook);
        resolve({ notebook, ok: true, seconds });
      }
      else {
        const idx = err.search(/CellExecutionError|An error occurred while executing/);
        resolve({ notebook, ok: false, seconds, error: (idx >= 0 ? err.slice(idx) : err).slice(0, 4000) });
      }
    });
  });
}

/**
 * Makes an executed notebook portable: paths under the repository (and the shared data folder
 * beside it) are written relative to the repository root (`runs/…`, `../shared/data/…`) instead of
 * this machine's absolute ones, and the code cells, which nbconvert ran top to bottom exactly once,
 * get their execution counts 1..n (tslab's replies leave them null).
 */
export function tidyExecutedNotebook(file: string): void {
  const nb = JSON.parse(fs.readFileSync(file, "utf8")) as { cells: Array<{ cell_type: string; execution_count?: number | null; outputs?: Array<Record<string, unknown>> }> };
  const shared = path.join(path.dirname(repoRoot), "shared") + path.sep;
  const rel = (t: string) => t.split(shared).join(`..${path.sep}shared${path.sep}`).split(repoRoot + path.sep).join("");
  const fix = (v: unknown): unknown => (typeof v === "string" ? rel(v) : Array.isArray(v) ? v.map(fix) : v);
  let n = 0;
  for (const c of nb.cells) {
    if (c.cell_type !== "code") continue;
    c.execution_count = ++n;
    for (const o of c.outputs ?? []) {
      if ("execution_count" in o) o.execution_count = n;
      if (o.text !== undefined) o.text = fix(o.text);
      const data = o.data as Record<string, unknown> | undefined;
      if (data) for (const k of ["text/plain", "text/html", "text/markdown"]) if (data[k] !== undefined) data[k] = fix(data[k]);
    }
  }
  writeFileAtomic(file, JSON.stringify(nb, null, 1) + "\n");
}
