import type { NoduleDataset } from "../data/sample";
import { loadLidcSlices, LoadLidcSlicesOptions } from "../data/lidcSlices";

/** Dataset names a training config may use. */
export const DATASET_NAMES = ["demo", "lidc-slices"] as const;

/**
 * Loads the dataset a config names: `demo` (the seeded synthetic cohort, `demoDataset` in
 * src/data/demo.ts; options are passed through) or `lidc-slices` (the real 64px LIDC readings in
 * the shared data folder, protocol folds; options: `dir` plus LoadLidcSlicesOptions).
 */
export async function loadDatasetByName(name: string, options: Record<string, unknown> = {}, where = "config"): Promise<NoduleDataset> {
  if (name === "lidc-slices") {
    const { dir, ...rest } = options as { dir?: string } & LoadLidcSlicesOptions;
    return dir ? loadLidcSlices(dir, rest) : loadLidcSlices(undefined, rest);
  }
  if (name === "demo") {
    let mod: { demoDataset?: (o?: Record<string, unknown>) => NoduleDataset | Promise<NoduleDataset> };
    try {
      // eslint-disable-next-line @typescript-eslint/no-var-requires
      mod = require("../data/demo");
    } catch (e) {
      throw new Error(`${where}: dataset "demo" is unavailable (${(e as Error).message.split("\n")[0]})`);
    }
    if (typeof mod.demoDataset !== "function") throw new Error(`${where}: dataset "demo": src/data/demo has no demoDataset()`);
    return await mod.demoDataset(options);
  }
  throw new Error(`${where}: key \`dataset\`: unknown dataset "${name}" (expected one of ${DATASET_NAMES.join(", ")})`);
}
