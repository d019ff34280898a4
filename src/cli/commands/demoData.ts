import type { Command } from "commander";
import * as path from "path";
import { SingleBar, Presets } from "cli-progress";
import { demoCohortDir, ensureDemoCohort, prepareDataset } from "../../data/pipeline";
import { readCohortManifest } from "../../data/synthetic/cohort";

/** A cli-progress bar on stderr (ETA included); silent when stderr is not a terminal. */
function progressBar(label: string): SingleBar {
  return new SingleBar(
    { format: `${label} [{bar}] {value}/{total} patients | {percentage}% | elapsed {duration_formatted} | ETA {eta_formatted}`, stream: process.stderr, noTTYOutput: false },
    Presets.shades_classic,
  );
}

/**
 * `naslung demo-data`: writes the embedded SYNTHETIC cohort (DICOM series + LIDC-style XML +
 * truth.json per patient) and, with --crops, runs the full pipeline to labelled crops (cached).
 */
export function register(program: Command): void {
  program
    .command("demo-data")
    .description("generate the embedded SYNTHETIC chest-CT cohort (DICOM + LIDC XML) under data/")
    .option("--out <dir>", "cohort folder (default data/demo, or data/demo-<n>p-seed<s> for other sizes)")
    .option("--patients <n>", "number of patients", "40")
    .option("--seed <n>", "seed", "7")
    .option("--crops", "also run DICOM + XML -> labelled 32^3 crops (cached under data/cache)")
    .option("--preprocess <variant>", "reference | modern (with --crops)", "reference")
    .action(async (o: { out?: string; patients: string; seed: string; crops?: boolean; preprocess: string }) => {
      const patients = Number(o.patients);
      const seed = Number(o.seed);
      if (!Number.isInteger(patients) || patients < 1) throw new Error(`--patients must be a positive integer, got "${o.patients}"`);
      if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer, got "${o.seed}"`);
      if (o.preprocess !== "reference" && o.preprocess !== "modern") throw new Error(`--preprocess must be reference or modern, got "${o.preprocess}"`);
      const dir = path.resolve(o.out ?? demoCohortDir(patients, seed));
      const t0 = Date.now();
      const gen = progressBar("SYNTHETIC cohort");
      let started = false;
      ensureDemoCohort(dir, patients, seed, (done, total) => {
        if (!started) gen.start(total, 0);
        started = true;
        gen.update(done);
      });
      if (started) gen.stop();
      const m = readCohortManifest(dir)!;
      console.log(
        JSON.stringify({ synthetic: true, dir, patients: m.patients.length, nodules: m.nodules, seed: m.options.seed, generated: started, seconds: (Date.now() - t0) / 1000 }),
      );
      if (!o.crops) return;
      const t1 = Date.now();
      const bar = progressBar("DICOM+XML -> crops");
      bar.start(patients, 0);
      const ds = await prepareDataset(dir, {
        preprocess: o.preprocess,
        name: `synthetic-${patients}p-seed${seed}`,
        onProgress: (done) => bar.update(done),
      });
      bar.stop();
      const s = ds.stats;
      console.log(
        JSON.stringify({
          synthetic: ds.synthetic,
          samples: ds.samples.length,
          benign: s?.benign,
          malignant: s?.malignant,
          dropped: s?.dropped.length,
          cacheHit: ds.cacheHit,
          seconds: (Date.now() - t1) / 1000,
        }),
      );
    });
}
