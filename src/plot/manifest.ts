import { createHash } from "crypto";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { writeFileAtomic, writeJsonAtomic } from "../util/atomic";
import { repoRoot } from "../util/provenance";
import type { Figure } from "./figure";
import { exportFigure } from "./export";

/** A committed file a figure was drawn from, with its content hash when the figure was made. */
export interface FigureInput {
  file: string;
  sha256: string;
}

/** What a whole `naslung figures` run shares: the tree it ran on and the software. */
export interface FigureRunProvenance {
  /** `git rev-parse HEAD` when the run started, or "unknown" outside a git checkout. */
  gitCommit: string;
  /** Whether tracked files differed from that commit when the run started (before any figure was written). */
  dirty: boolean;
  backend: string;
  versions: { node: string; tfjs: string; plotly: string };
}

/** One entry of figures/manifest.json: how a figure file was made. */
export interface ManifestEntry {
  name: string;
  title: string;
  /** One line on what the figure shows (the recipe's description; the gallery prints it). */
  description?: string;
  files: string[];
  command: string;
  config: unknown;
  seed: number | null;
  gitCommit: string;
  dirty?: boolean;
  /**
   * The committed files it was drawn from (results files, run summaries) with their hashes;
   * empty when the figure is computed from its config and seed alone.
   */
  inputs?: FigureInput[];
  /** True when making it trains networks (minutes); false when it is drawn or computed in seconds. */
  trains?: boolean;
  /** Made with small budgets (`--quick`, NASLUNG_QUICK=1): not the full-size figure. */
  quick?: boolean;
  /** For figures that train: the finished run folders it reused (null when it trained everything, e.g. `--retrain`). */
  reused?: string | null;
  backend?: string;
  versions?: FigureRunProvenance["versions"];
  seconds?: number;
  createdAt: string;
}

export const figuresDir = path.join(repoRoot, "figures");
export const manifestPath = path.join(figuresDir, "manifest.json");

/** Reads figures/manifest.json (an empty manifest when absent). */
export function readManifest(file = manifestPath): { figures: ManifestEntry[] } {
  if (!fs.existsSync(file)) return { figures: [] };
  let m: { figures?: unknown };
  try {
    m = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: invalid JSON (${(e as Error).message})`);
  }
  if (!m || !Array.isArray(m.figures)) throw new Error(`${file}: key \`figures\`: expected {"figures": [...]}`);
  return m as { figures: ManifestEntry[] };
}

/** SHA-256 of a repository file (path relative to the repository root); errors name the file. */
export function inputHash(file: string, root = repoRoot): FigureInput {
  const abs = path.resolve(root, file);
  if (!fs.existsSync(abs)) throw new Error(`${file}: figure input not found`);
  return { file, sha256: createHash("sha256").update(fs.readFileSync(abs)).digest("hex") };
}

function packageVersion(name: string): string {
  try {
    // eslint-disable-next-line @typescript-eslint/no-var-requires
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/**
 * The provenance of a figures run, read once before it writes anything: the commit and whether
 * the tree was dirty then (so a run on a clean checkout is recorded clean, although it rewrites
 * tracked figure files as it goes), the backend and the versions that draw.
 */
export function figureRunProvenance(backend: string, root = repoRoot): FigureRunProvenance {
  let gitCommit = "unknown";
  let dirty = false;
  try {
    gitCommit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
    dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], { cwd: root, stdio: ["ignore", "pipe", "ignore"] }).toString().trim() !== "";
  } catch {
    /* not a git checkout: "unknown", recorded as such */
  }
  return { gitCommit, dirty, backend, versions: { node: process.version, tfjs: packageVersion("@tensorflow/tfjs"), plotly: packageVersion("plotly.js-dist-min") } };
}

/** Options of `saveFigure`. */
export interface SaveFigureMeta {
  command: string;
  config?: unknown;
  seed?: number | null;
  description?: string;
  /** Repository-relative files the figure was drawn from (hashed into the entry). */
  inputs?: string[];
  trains?: boolean;
  quick?: boolean;
  /** The finished run folders the figure reused, if any. */
  reused?: string | null;
  /** When making the figure began (ms since the epoch): the entry records the wall time to its last file. */
  startedAt?: number;
  /** The run's provenance (`figureRunProvenance`); read here when absent. */
  provenance?: FigureRunProvenance;
}

/**
 * Exports a figure to `figures/<name>.{png,svg}` and records (replacing any entry of the same
 * name) the command, config, seed, input hashes, commit, software and time that made it, then
 * rewrites the gallery (figures/README.md).
 */
export async function saveFigure(name: string, fig: Figure, meta: SaveFigureMeta, dir = figuresDir): Promise<ManifestEntry> {
  const prov = meta.provenance ?? figureRunProvenance("unknown");
  const inputs = (meta.inputs ?? []).map((f) => inputHash(f));
  const files = (await exportFigure(fig, path.join(dir, name))).map((f) => path.relative(dir, f));
  const entry: ManifestEntry = {
    name,
    title: String((fig.layout.title as { text?: string })?.text ?? name),
    ...(meta.description ? { description: meta.description } : {}),
    files,
    command: meta.command,
    config: meta.config ?? null,
    seed: meta.seed ?? null,
    gitCommit: prov.gitCommit,
    dirty: prov.dirty,
    inputs,
    trains: meta.trains ?? false,
    quick: meta.quick ?? false,
    ...(meta.trains ? { reused: meta.reused ?? null } : {}),
    backend: prov.backend,
    versions: prov.versions,
    ...(meta.startedAt !== undefined ? { seconds: Math.round((Date.now() - meta.startedAt) / 100) / 10 } : {}),
    createdAt: new Date().toISOString(),
  };
  const mpath = path.join(dir, "manifest.json");
  const m = readManifest(mpath);
  m.figures = m.figures.filter((e) => e.name !== name).concat(entry).sort((a, b) => a.name.localeCompare(b.name));
  writeJsonAtomic(mpath, m);
  writeFileAtomic(path.join(dir, "README.md"), galleryMarkdown(m.figures));
  return entry;
}

/** figures/README.md: one row per figure (thumbnail, title, what it shows, how to remake it, provenance). */
export function galleryMarkdown(entries: ManifestEntry[]): string {
  const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");
  const lines = [
    "# Figures",
    "",
    "Generated by `npm run figures` (`naslung figures`) with `figures/manifest.json`, which records for",
    "every figure the command, resolved config, seed, git commit (and whether the tree was dirty), the",
    "hashes of the committed files it was drawn from, the backend, versions and wall time.",
    "`naslung figures --check` reports figures that no longer match their inputs. Do not edit by hand.",
    "",
    "| figure | what it shows | remake | made from |",
    "|---|---|---|---|",
  ];
  for (const e of entries) {
    const png = e.files.find((f) => f.endsWith(".png")) ?? e.files[0];
    const from = [
      e.inputs?.length ? e.inputs.map((i) => `\`${i.file}\``).join(", ") : "config and seed",
      e.trains ? (e.reused ? `trains networks (reused finished runs: ${e.reused})` : "trains networks") : "",
      e.quick ? "**quick budgets**" : "",
      `commit ${e.gitCommit.slice(0, 10)}${e.dirty ? " (dirty tree)" : ""}`,
    ].filter(Boolean);
    lines.push(`| <img src="${png}" width="240" alt="${cell(e.name)}"><br>**${cell(e.title)}** | ${cell(e.description ?? "")} | \`naslung figures --only ${e.name}\` | ${cell(from.join("; "))} |`);
  }
  return lines.join("\n") + "\n";
}
