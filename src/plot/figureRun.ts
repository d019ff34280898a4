import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { SingleBar } from "cli-progress";
import type { FigureRecipe } from "./registry";
import { figureRunProvenance, figuresDir, inputHash, ManifestEntry, readManifest, saveFigure } from "./manifest";

/** Options of `runFigureRecipes`. */
export interface FigureRunOptions {
  recipes: FigureRecipe[];
  /** Output folder (figures/ by default): PNG + SVG, manifest.json, README.md (the gallery). */
  dir?: string;
  /** The active backend, as `describeBackend` prints it (recorded per figure). */
  backend: string;
  /** Small budgets (NASLUNG_QUICK=1): recorded in every entry. */
  quick: boolean;
  /** Retrain (NASLUNG_RETRAIN=1): recipes that train reuse no finished run. */
  retrain?: boolean;
  log?: (line: string) => void;
}

/**
 * Builds and saves each recipe in order (instant ones first: `figureRecipes` sorts them), with
 * a progress bar on a terminal and one line per figure with its wall time. The provenance (commit
 * and dirty state of the tree) is read once, before the first figure is written.
 */
export async function runFigureRecipes(o: FigureRunOptions): Promise<ManifestEntry[]> {
  const log = o.log ?? ((l: string) => console.error(l));
  const dir = o.dir ?? figuresDir;
  const provenance = figureRunProvenance(o.backend);
  const bar = process.stderr.isTTY ? new SingleBar({ format: "figures [{bar}] {value}/{total} {name}", hideCursor: true, stream: process.stderr }) : null;
  bar?.start(o.recipes.length, 0, { name: o.recipes[0]?.name ?? "" });
  const out: ManifestEntry[] = [];
  try {
    for (const [k, r] of o.recipes.entries()) {
      bar?.update(k, { name: `${r.name}${r.trains ? " (trains networks)" : ""}` });
      const t0 = Date.now();
      const { figure, config, seed } = await r.build();
      const e = await saveFigure(
        r.name,
        figure,
        {
          command: `naslung figures --only ${r.name}${o.quick ? " --quick" : ""}${o.retrain && r.trains ? " --retrain" : ""}`,
          config,
          seed,
          description: r.description,
          inputs: r.inputs,
          trains: r.trains ?? false,
          quick: o.quick,
          reused: o.retrain ? null : (r.reuses ?? null),
          startedAt: t0,
          provenance,
        },
        dir,
      );
      out.push(e);
      bar?.update(k + 1);
      const line = `[${k + 1}/${o.recipes.length}] ${r.name}: ${e.files.join(", ")} (${(e.seconds ?? 0).toFixed(1)} s${r.trains ? ", trained" : ""})`;
      if (bar) process.stderr.write(`\r\x1b[2K${line}\n`);
      else log(line);
    }
  } finally {
    bar?.stop();
  }
  return out;
}

/** One finding of `checkFigures`. */
export interface FigureCheck {
  name: string;
  status: "ok" | "stale" | "missing" | "orphan";
  detail: string;
}

/**
 * Checks the committed figures against their recipes: every recipe has its files and manifest
 * entry, every entry a recipe; the committed inputs (results files) still hash as recorded; and
 * every figure that trains nothing is rebuilt (into a temporary folder) and must equal the
 * committed PNG byte for byte. Figures that train networks are checked for files, entry and
 * inputs only (rebuilding them is `naslung figures --only <name>`).
 */
export async function checkFigures(recipes: FigureRecipe[], o: { dir?: string; backend: string; log?: (l: string) => void }): Promise<FigureCheck[]> {
  const dir = o.dir ?? figuresDir;
  const manifest = readManifest(path.join(dir, "manifest.json"));
  const byName = new Map(manifest.figures.map((e) => [e.name, e]));
  const results: FigureCheck[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-figcheck-"));
  try {
    for (const r of recipes) {
      const e = byName.get(r.name);
      const png = path.join(dir, `${r.name}.png`);
      if (!e || !fs.existsSync(png) || !fs.existsSync(path.join(dir, `${r.name}.svg`))) {
        results.push({ name: r.name, status: "missing", detail: !e ? "no manifest entry" : "PNG or SVG file missing" });
        continue;
      }
      const changed = (r.inputs ?? []).filter((f) => {
        const rec = e.inputs?.find((i) => i.file === f);
        return !rec || rec.sha256 !== inputHash(f).sha256;
      });
      if (changed.length) {
        results.push({ name: r.name, status: "stale", detail: `inputs changed since it was made: ${changed.join(", ")}` });
        continue;
      }
      if (r.trains) {
        results.push({ name: r.name, status: "ok", detail: "trains networks: files, entry and inputs checked, not rebuilt" });
        continue;
      }
      const { figure } = await r.build();
      const [fresh] = await (await import("./export")).exportFigure(figure, path.join(tmp, r.name));
      const same = fs.readFileSync(fresh).equals(fs.readFileSync(png));
      results.push({ name: r.name, status: same ? "ok" : "stale", detail: same ? "rebuilt: PNG identical" : "rebuilt: PNG differs from the committed one" });
      o.log?.(`${r.name}: ${results[results.length - 1].detail}`);
    }
    const names = new Set(recipes.map((r) => r.name));
    for (const e of manifest.figures) if (!names.has(e.name)) results.push({ name: e.name, status: "orphan", detail: "manifest entry without a recipe" });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return results;
}
