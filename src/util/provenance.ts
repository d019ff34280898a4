import { execFileSync } from "child_process";
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

/** Whether opt-in slow tests run (NASLUNG_SLOW=1, `npm run test:slow`). */
export function slowTests(): boolean {
  return process.env.NASLUNG_SLOW === "1";
}
