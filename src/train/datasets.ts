import type { NoduleDataset } from "../data/sample";
import { loadLidcSlices, LoadLidcSlicesOptions } from "../data/lidcSlices";
import { demoDataset, DemoDatasetOptions } from "../data/pipeline";
import { sizeOnlyDataset, SizeOnlyOptions } from "../data/synthetic/sizeOnly";

/** Dataset names a training config may use. */
export const DATASET_NAMES = ["demo", "lidc-slices", "size-only"] as const;

/**
 * Loads the dataset a config names: `demo` (the seeded SYNTHETIC cohort, `demoDataset` of
 * src/data/pipeline.ts; options such as `patients`, `seed`, `preprocess` are passed through) or
 * `lidc-slices` (the real LIDC readings in the shared data folder with their protocol folds;
 * options: `dir` plus LoadLidcSlicesOptions) or `size-only` (the SYNTHETIC sanity set of spheres
 * whose classes differ only in size, `sizeOnlyDataset`).
 */
export async function loadDatasetByName(name: string, options: Record<string, unknown> = {}, where = "config"): Promise<NoduleDataset> {
  if (name === "lidc-slices") {
    const { dir, ...rest } = options as { dir?: string } & LoadLidcSlicesOptions;
    return dir ? loadLidcSlices(dir, rest) : loadLidcSlices(undefined, rest);
  }
  if (name === "demo") return demoDataset(options as DemoDatasetOptions);
  if (name === "size-only") return sizeOnlyDataset(options as SizeOnlyOptions);
  throw new Error(`${where}: key \`dataset\`: unknown dataset "${name}" (expected one of ${DATASET_NAMES.join(", ")})`);
}
