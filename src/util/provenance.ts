import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** Repository root (the folder holding package.json), independent of the caller's cwd. */
export const repoRoot = path.resolve(__dirname, "..", "..", "..");

/** The git commit of the working tree ("unknown" outside git), with "+dirty" when modified. */
export function gitCommit(cwd = repoRoot): string {
  try {
    const sha = execFileSync("git", ["rev-parse", "HEAD"], { cwd, stdio: ["ignore", "pipe", "ignore"] })
      .toString()
      .trim();
    const dirty = execFileSync("git", ["status", "--porcelain", "--untracked-files=no"], {
      cwd,
      stdio: ["ignore", "pipe", "ignore"],
    })
      .toString()
      .trim();
    return dirty ? `${sha}+dirty` : sha;
  } catch {
    return "unknown";
  }
}

/** The shared real-data folder (../shared/data from the project root), overridable by env. */
export function sharedDataDir(): string {
  return process.env.NASLUNG_SHARED_DATA ?? path.resolve(repoRoot, "..", "shared", "data");
}

/**
 * Quick mode (NASLUNG_QUICK=1, set by the test suite when it executes notebooks): notebooks and
 * demos shrink their budgets so the whole suite stays fast; the narrative and code are the same.
 */
export function quickMode(): boolean {
  return process.env.NASLUNG_QUICK === "1";
}

/**
 * Retrain mode (NASLUNG_RETRAIN=1, `naslung figures --retrain`): studies that normally resume
 * finished runs under runs/ train into a fresh folder instead (`runsRoot`).
 */
export function retrainMode(): boolean {
  return process.env.NASLUNG_RETRAIN === "1";
}

let freshRuns: string | null = null;

/**
 * Where studies keep their resumable run folders: runs/ (finished work is reused), or in retrain
 * mode a fresh runs/retrain-<time>-<pid>/ made once per process (so studies that share runs,
 * e.g. the ensemble and the attention study, still share them).
 */
export function runsRoot(): string {
  if (!retrainMode()) return path.join(repoRoot, "runs");
  if (!freshRuns) {
    freshRuns = path.join(repoRoot, "runs", `retrain-${new Date().toISOString().replace(/[-:]/g, "").slice(0, 15)}-${process.pid}`);
    fs.mkdirSync(freshRuns, { recursive: true });
  }
  return freshRuns;
}

/** Whether opt-in slow tests run (NASLUNG_SLOW=1, `npm run test:slow`). */
export function slowTests(): boolean {
  return process.env.NASLUNG_SLOW === "1";
}
