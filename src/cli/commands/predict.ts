import type { Command } from "commander";
import { initBackend } from "../../backend/select";
import { placeInCube } from "../../data/lidcCube";
import { readSliceStack } from "../../data/lidcSlices";
import { loadSeries } from "../../io/dicom/series";
import { readingFromClick } from "../../preprocess/clickReading";
import { disposeEnsemble, loadEnsemble, scoreCube } from "../../benchmark/pretrained";

/** Parses `--voxel z,y,x` (0-based voxel indices of the series). */
function parseVoxel(s: string): [number, number, number] {
  const v = s.split(",").map((t) => Number(t.trim()));
  if (v.length !== 3 || v.some((x) => !Number.isInteger(x) || x < 0)) throw new Error(`--voxel "${s}": expected z,y,x as three non-negative integers (slice, row, column)`);
  return v as [number, number, number];
}

/**
 * `naslung predict --model <ensemble> (--reading <folder> | --dicom <folder> --voxel z,y,x)`:
 * one nodule's P(malignant) per member and for the ensemble, as one JSON line. The browser page
 * (`naslung web`) scores with the same functions, so its numbers are these.
 */
export function register(program: Command): void {
  program
    .command("predict")
    .description("score one nodule with a saved ensemble: a reading folder of <k>.png slices, or a DICOM series and the nodule's voxel")
    .requiredOption("--model <path>", "saved ensemble folder or its ensemble.json (e.g. data/pretrained/lidc-ensemble-16ep)")
    .option("--reading <folder>", "one reading's slices 0.png, 1.png, ... (the layout of the shared LIDC readings)")
    .option("--dicom <folder>", "a CT series (one folder of DICOM files)")
    .option("--voxel <z,y,x>", "with --dicom: the nodule centre as slice, row, column (0-based, slices sorted along the patient axis)")
    .action(async (o: { model: string; reading?: string; dicom?: string; voxel?: string }) => {
      if (!!o.reading === !!o.dicom) throw new Error("predict: give exactly one of --reading <folder> or --dicom <folder>");
      if (o.dicom && !o.voxel) throw new Error("predict: --dicom needs --voxel z,y,x (the nodule centre)");
      const voxel = o.voxel ? parseVoxel(o.voxel) : null; // checked before the series is loaded
      await initBackend({ quiet: true });
      let input: Record<string, unknown>;
      let stack;
      if (o.reading) {
        stack = readSliceStack(o.reading);
        input = { reading: o.reading, slices: stack.shape[0] };
      } else {
        const series = loadSeries(o.dicom!);
        const r = readingFromClick(series.volume, voxel!);
        stack = r.stack;
        input = { dicom: o.dicom, voxel, seed: r.seed, slices: stack.shape[0], voxels: r.voxels, extentMm: r.extentMm, touchesBox: r.touchesBox };
      }
      const { cube } = placeInCube(stack);
      const ens = loadEnsemble(o.model);
      try {
        const s = scoreCube(ens, cube);
        console.log(JSON.stringify({ ...input, model: ens.spec.name, vote: ens.spec.vote, threshold: ens.spec.threshold, members: s.members, ensemble: s.ensemble, malignant: s.ensemble >= ens.spec.threshold }));
      } finally {
        disposeEnsemble(ens);
      }
    });
}
