import type { Command } from "commander";
import * as path from "path";
import { indexLidcDicom, indexLuna16, planReferenceSet, prepareReferenceSet, referenceNodules } from "../../data/referenceSet";

interface PrepareOpts {
  lidc?: string;
  luna?: string;
  preprocess: string;
  cache?: string;
  limitSeries?: string;
  dryRun?: boolean;
  maxDropped?: string;
}

/**
 * `naslung prepare --lidc <dir> --luna <dir>`: rebuilds the reference's 1,004-nodule crop set
 * from a full LIDC-IDRI and/or LUNA16 copy (labels: DeepLung's list in ../shared/data; folds:
 * LUNA16 subsets). Prints one JSON line with the counts, folds and the cache folder.
 */
export function register(program: Command): void {
  program
    .command("prepare")
    .description("build the reference 1,004-nodule LIDC set (DeepLung labels, LUNA16-subset folds) from your LIDC-IDRI / LUNA16 copy")
    .option("--lidc <dir>", "LIDC-IDRI DICOM tree (LIDC-IDRI-xxxx/<study>/<series>/*.dcm)")
    .option("--luna <dir>", "LUNA16 folder holding subset0..subset9 with <seriesuid>.mhd/.raw (gives the folds)")
    .option("--preprocess <variant>", "reference | modern", "reference")
    .option("--cache <dir>", "crop cache root (default data/cache)")
    .option("--limit-series <n>", "only the first N series (quick look)")
    .option("--max-dropped <fraction>", "refuse a DICOM series whose lenient load drops more than this share of its slices", "0.05")
    .option("--dry-run", "only match the label list to the scans and report what would be built")
    .action(async (o: PrepareOpts) => {
      if (!o.lidc && !o.luna) throw new Error("prepare: give --luna <dir> and/or --lidc <dir>");
      if (o.preprocess !== "reference" && o.preprocess !== "modern") throw new Error(`--preprocess must be reference or modern, got "${o.preprocess}"`);
      const limit = o.limitSeries === undefined ? undefined : Number(o.limitSeries);
      if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new Error(`--limit-series must be a positive integer, got "${o.limitSeries}"`);
      const nodules = referenceNodules();
      const luna = o.luna ? indexLuna16(path.resolve(o.luna)) : undefined;
      const lidc = o.lidc ? indexLidcDicom(path.resolve(o.lidc)) : undefined;
      const plan = planReferenceSet(nodules, luna, lidc?.series);
      const folds: Record<string, number> = {};
      for (const it of plan.items) folds[String(it.fold ?? "none")] = (folds[String(it.fold ?? "none")] ?? 0) + 1;
      const summary: Record<string, unknown> = {
        synthetic: false,
        referenceNodules: nodules.length,
        matched: plan.items.length,
        missing: plan.missing.length,
        seriesFound: plan.seriesFound,
        seriesMissing: plan.seriesMissing,
        foldsBySubset: folds,
        unreadableDicomFolders: lidc?.unreadable.length ?? 0,
      };
      if (plan.items.length === 0) throw new Error(`prepare: none of the ${nodules.length} reference nodules' series was found under ${[o.luna, o.lidc].filter(Boolean).join(" or ")}`);
      if (!o.dryRun) {
        const t0 = Date.now();
        const ds = await prepareReferenceSet(plan, {
          preprocess: o.preprocess as "reference" | "modern",
          cacheDir: o.cache ? path.resolve(o.cache) : undefined,
          limitSeries: limit,
          onProgress: (d, t) => process.stderr.write(`\rprepare: ${d}/${t} series`),
          maxDroppedFraction: maxDroppedOption(o.maxDropped),
          onSeriesNote: (n) =>
            process.stderr.write(`\nprepare: ${n.failed ? "REFUSED" : "warning"} ${n.path}: ${n.failed ?? `${n.dropped} slice(s) dropped`}\n${n.problems.map((p) => `  - ${p}`).join("\n")}\n`),
        });
        process.stderr.write("\n");
        const mal = ds.samples.filter((s) => s.label === 1).length;
        Object.assign(summary, {
          samples: ds.samples.length,
          malignant: mal,
          benign: ds.samples.length - mal,
          series: ds.seriesProcessed,
          cacheHit: ds.cacheHit,
          cacheDir: ds.cacheDir,
          xmlCheck: ds.stats?.xmlCheck,
          seriesWithProblems: (ds.stats?.seriesNotes as unknown[] | undefined)?.length ?? 0,
          failedSeries: ((ds.stats?.seriesNotes as Array<{ failed?: string; path: string }> | undefined) ?? []).filter((n) => n.failed).map((n) => ({ path: n.path, reason: n.failed })),
          seconds: (Date.now() - t0) / 1000,
        });
      }
      console.log(JSON.stringify(summary));
    });
}

function maxDroppedOption(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!(x >= 0 && x <= 1)) throw new Error(`prepare: --max-dropped must be a fraction in [0, 1] (got ${JSON.stringify(v)})`);
  return x;
}
