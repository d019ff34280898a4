import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { repoRoot } from "../util/provenance";

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
      if (code === 0) resolve({ notebook, ok: true, seconds });
      else {
        const idx = err.search(/CellExecutionError|An error occurred while executing/);
        resolve({ notebook, ok: false, seconds, error: (idx >= 0 ? err.slice(idx) : err).slice(0, 4000) });
      }
    });
  });
}
