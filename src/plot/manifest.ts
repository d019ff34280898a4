import * as fs from "fs";
import * as path from "path";
import { writeJsonAtomic } from "../util/atomic";
import { gitCommit, repoRoot } from "../util/provenance";
import type { Figure } from "./figure";
import { exportFigure } from "./export";

/** One entry of figures/manifest.json: how a figure file was made. */
export interface ManifestEntry {
  name: string;
  title: string;
  files: string[];
  command: string;
  config: unknown;
  seed: number | null;
  gitCommit: string;
  createdAt: string;
}

export const figuresDir = path.join(repoRoot, "figures");
export const manifestPath = path.join(figuresDir, "manifest.json");

/** Reads figures/manifest.json (an empty manifest when absent). */
export function readManifest(file = manifestPath): { figures: ManifestEntry[] } {
  if (!fs.existsSync(file)) return { figures: [] };
  const m = JSON.parse(fs.readFileSync(file, "utf8"));
  if (!m || !Array.isArray(m.figures)) throw new Error(`${file}: expected {"figures": [...]}`);
  return m;
}

/**
 * Exports a figure to `figures/<name>.{png,svg}` and records (replacing any entry of the same
 * name) the command, config, seed and git commit that made it.
 */
export async function saveFigure(
  name: string,
  fig: Figure,
  meta: { command: string; config?: unknown; seed?: number | null },
  dir = figuresDir,
): Promise<ManifestEntry> {
  const files = (await exportFigure(fig, path.join(dir, name))).map((f) => path.relative(dir, f));
  const entry: ManifestEntry = {
    name,
    title: String((fig.layout.title as { text?: string })?.text ?? name),
    files,
    command: meta.command,
    config: meta.config ?? null,
    seed: meta.seed ?? null,
    gitCommit: gitCommit(),
    createdAt: new Date().toISOString(),
  };
  const mpath = path.join(dir, "manifest.json");
  const m = readManifest(mpath);
  m.figures = m.figures.filter((e) => e.name !== name).concat(entry).sort((a, b) => a.name.localeCompare(b.name));
  writeJsonAtomic(mpath, m);
  return entry;
}
