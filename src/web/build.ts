import * as fs from "fs";
import * as path from "path";
import type { Plugin } from "esbuild";
import { repoRoot } from "../util/provenance";
import { parseEnsembleSpec } from "../benchmark/pretrained";

/** Where `naslung web` takes the ensemble from by default: the one shipped in the repository. */
export const DEFAULT_WEB_MODEL = path.join(repoRoot, "data", "pretrained", "lidc-ensemble-16ep");

/** Node modules the shared src code imports for its file-system entry points (see shims/node.ts). */
const NODE_BUILTINS = /^(node:)?(fs|crypto|os|child_process|worker_threads|util|url|perf_hooks)$/;

/** Redirects Node-only imports of the shared src modules to the page's shims. */
function browserShims(webDir: string): Plugin {
  return {
    name: "naslung-browser-shims",
    setup(build) {
      build.onResolve({ filter: NODE_BUILTINS }, () => ({ path: path.join(webDir, "shims", "node.ts") }));
      // Module-level path arithmetic (the repository root, the addon's location) runs at import.
      build.onResolve({ filter: /^(node:)?path$/ }, () => ({ path: require.resolve("path-browserify") }));
      build.onResolve({ filter: /^(node:)?zlib$/ }, () => ({ path: path.join(webDir, "shims", "zlib.ts") }));
      build.onResolve({ filter: /\/wasmModule$/ }, () => ({ path: path.join(webDir, "shims", "wasmModule.ts") }));
    },
  };
}

/** What {@link buildWebPage} wrote. */
export interface WebBuild {
  dir: string;
  files: string[];
  bundleBytes: number;
  ms: number;
}

/**
 * Writes the page to `outDir`: index.html and style.css, app.js (src/web/app.ts and the src modules
 * it imports, bundled by esbuild for the browser), the tfjs-backend-wasm binaries under wasm/, and
 * the ensemble (its ensemble.json, checked here, and weights files) under model/. A static folder:
 * any web server can host it. Built beside `outDir` and renamed into place, so an interrupted
 * build never leaves half a page.
 */
export async function buildWebPage(outDir: string, modelDir = DEFAULT_WEB_MODEL): Promise<WebBuild> {
  const t0 = performance.now();
  const esbuild = await import("esbuild");
  const webDir = path.join(repoRoot, "src", "web");
  const specFile = path.join(modelDir, "ensemble.json");
  if (!fs.existsSync(specFile)) throw new Error(`${modelDir}: no ensemble.json (give --model a saved ensemble folder)`);
  const spec = parseEnsembleSpec(JSON.parse(fs.readFileSync(specFile, "utf8")), specFile);
  const out = path.resolve(outDir);
  const tmp = `${out}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(path.join(tmp, "wasm"), { recursive: true });
  fs.mkdirSync(path.join(tmp, "model"), { recursive: true });
  try {
    await esbuild.build({
      entryPoints: [path.join(webDir, "app.ts")],
      outfile: path.join(tmp, "app.js"),
      bundle: true,
      format: "iife",
      platform: "browser",
      target: "es2020",
      minify: true,
      sourcemap: true,
      legalComments: "linked",
      logLevel: "silent",
      inject: [path.join(webDir, "shims", "buffer.ts")],
      // No process in a page: its environment reads as empty (no NASLUNG_* settings), and the
      // module-level `__dirname` of the shared code is a placeholder path nothing reads from.
      define: { "process.env.NODE_ENV": '"production"', "process.env": "{}", __dirname: '"/naslung-page"', global: "globalThis" },
      plugins: [browserShims(webDir)],
    });
    for (const f of ["index.html", "style.css"]) fs.copyFileSync(path.join(webDir, f), path.join(tmp, f));
    const wasmDir = path.join(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist");
    for (const f of fs.readdirSync(wasmDir).filter((n) => n.endsWith(".wasm"))) fs.copyFileSync(path.join(wasmDir, f), path.join(tmp, "wasm", f));
    fs.copyFileSync(specFile, path.join(tmp, "model", "ensemble.json"));
    for (const m of spec.members) fs.copyFileSync(path.join(modelDir, m.file), path.join(tmp, "model", m.file));
    const card = path.join(modelDir, "MODEL_CARD.md");
    if (fs.existsSync(card)) fs.copyFileSync(card, path.join(tmp, "model", "MODEL_CARD.md"));
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.renameSync(tmp, out);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const files: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(path.join(d, e.name), `${rel}${e.name}/`) : files.push(rel + e.name);
  };
  walk(out, "");
  return { dir: out, files: files.sort(), bundleBytes: fs.statSync(path.join(out, "app.js")).size, ms: performance.now() - t0 };
}
