import * as fs from "fs";
import type { NoduleDataset } from "../data/sample";
import { loadLidcSlices, LoadLidcSlicesOptions } from "../data/lidcSlices";
import { demoDataset, DemoDatasetOptions } from "../data/pipeline";
import { readCohortManifest } from "../data/synthetic/cohort";
import { sizeOnlyDataset, SizeOnlyOptions } from "../data/synthetic/sizeOnly";
import { parseInput, z } from "../util/schema";

/** Dataset names a training config may use. */
export const DATASET_NAMES = ["demo", "lidc-slices", "size-only"] as const;

const existingDir = (what: string) =>
  z.string().min(1).refine((d) => fs.existsSync(d) && fs.statSync(d).isDirectory(), (d) => ({ message: `${what} ${JSON.stringify(d)} does not exist (or is not a folder)` }));

/**
 * The options each dataset accepts (strict: an unknown key is an error). A `dir` given in a
 * config must already hold the data: the synthetic cohort is generated only into its documented
 * default folder (data/demo, data/demo-<n>p-seed<s>), never into a folder a config names.
 */
export const DATASET_OPTION_SCHEMAS = {
  demo: z
    .object({
      dir: z
        .string()
        .min(1)
        .refine((d) => fs.existsSync(d) && readCohortManifest(d) !== null, (d) => ({
          message: `${fs.existsSync(d) ? "holds no naslung synthetic cohort (no cohort.json)" : "does not exist"}; leave \`dir\` out to use the generated default cohort`,
        })),
      patients: z.number().int().min(2).max(10000),
      seed: z.number().int().nonnegative(),
      preprocess: z.enum(["reference", "modern"]),
      cacheDir: z.union([z.string().min(1), z.null()]),
    })
    .partial()
    .strict(),
  "lidc-slices": z
    .object({
      dir: existingDir("LIDC slices folder"),
      lenient: z.boolean(),
      radiomics: z.boolean(),
      cacheDir: z.union([z.string().min(1), z.literal(false)]),
    })
    .partial()
    .strict(),
  "size-only": z
    .object({
      samples: z.number().int().min(4).max(100000),
      seed: z.number().int().nonnegative(),
      size: z.number().int().min(8).max(128),
      benignDiameter: z.tuple([z.number().positive(), z.number().positive()]),
      malignantDiameter: z.tuple([z.number().positive(), z.number().positive()]),
      groups: z.number().int().positive(),
    })
    .partial()
    .strict(),
} as const;

/**
 * Validates a dataset name and its options; errors name `where`, the key path (under `prefix`,
 * e.g. `datasetOptions.patients`) and the problem.
 */
export function checkDatasetOptions(name: string, options: unknown, where = "config", prefix = "datasetOptions"): Record<string, unknown> {
  const schema = DATASET_OPTION_SCHEMAS[name as keyof typeof DATASET_OPTION_SCHEMAS];
  if (!schema) throw new Error(`${where}: key \`dataset\`: unknown dataset "${name}" (expected one of ${DATASET_NAMES.join(", ")})`);
  return parseInput(schema, options ?? {}, where, prefix) as Record<string, unknown>;
}

/**
 * Loads the dataset a config names: `demo` (the seeded SYNTHETIC cohort, `demoDataset` of
 * src/data/pipeline.ts; options such as `patients`, `seed`, `preprocess` are passed through) or
 * `lidc-slices` (the real LIDC readings in the shared data folder with their protocol folds;
 * options: `dir` plus LoadLidcSlicesOptions) or `size-only` (the SYNTHETIC sanity set of spheres
 * whose classes differ only in size, `sizeOnlyDataset`). Options are validated first
 * (`checkDatasetOptions`).
 */
export async function loadDatasetByName(name: string, options: Record<string, unknown> = {}, where = "config"): Promise<NoduleDataset> {
  const o = checkDatasetOptions(name, options, where);
  if (name === "lidc-slices") {
    const { dir, ...rest } = o as { dir?: string } & LoadLidcSlicesOptions;
    return dir ? loadLidcSlices(dir, rest) : loadLidcSlices(undefined, rest);
  }
  if (name === "demo") return demoDataset(o as DemoDatasetOptions);
  return sizeOnlyDataset(o as SizeOnlyOptions);
}
