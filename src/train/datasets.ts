import type { NoduleDataset } from "../data/sample";
import { loadLidcSlices, LoadLidcSlicesOptions } from "../data/lidcSlices";
import { demoDataset, DemoDatasetOptions } from "../data/pipeline";

/** Dataset names a training config may use. */
export const DATASET_NAMES = ["demo", "lidc-slices"] as const;

/**
 * Loads the dataset a config names: `demo` (the seeded SYNTHETIC cohort, `demoDataset` of
 * src/data/pipeline.ts; options such as `patients`, `seed`, `preprocess` are passed through) or
 * `lidc-slices` (the real LIDC readings in the shared data folder with their protocol folds;
 * options: `dir` plus LoadLidcSlicesOptions).
 */
export async function loadDatasetByName(name: string, options: Record<string, unknown> = {}, where = "config"): Promise<NoduleDataset> {
  if (name === "lidc-slices") {
    const { dir, ...rest } = options as { dir?: string } & LoadLidcSlicesOptions;
    return dir ? loadLidcSlices(dir, rest) : loadLidcSlices(undefined, rest);
  }
  if (name === "demo") return demoDataset(options as DemoDatasetOptions);
  throw new Error(`${where}: key \`dataset\`: unknown dataset "${name}" (expected one of ${DATASET_NAMES.join(", ")})`);
}
