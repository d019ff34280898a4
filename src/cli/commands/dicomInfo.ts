import type { Command } from "commander";
import { readDicom } from "../../io/dicom/read";

/** Header summary and stored-value statistics of one DICOM file, as printed by `naslung dicom-info`. */
export interface DicomInfo {
  transferSyntax: string;
  modality: string;
  rows: number;
  columns: number;
  frames: number;
  bitsStored: number;
  pixelRepresentation: number;
  /** Over the stored (pre-rescale) values of all frames and samples. */
  min: number;
  max: number;
  sum: number;
}

/** Decodes every frame of `file` and summarises it; throws DicomError (one line, names the file). */
export function dicomInfo(file: string): DicomInfo {
  const img = readDicom(file);
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const frame of img.storedFrames()) {
    for (let i = 0; i < frame.length; i++) {
      const v = frame[i];
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
    }
  }
  return {
    transferSyntax: img.transferSyntax,
    modality: img.modality,
    rows: img.rows,
    columns: img.columns,
    frames: img.frames,
    bitsStored: img.bitsStored,
    pixelRepresentation: img.pixelRepresentation,
    min,
    max,
    sum,
  };
}

/** `naslung dicom-info <files...>`: one JSON line per file (see {@link DicomInfo}). */
export function register(program: Command): void {
  program
    .command("dicom-info")
    .description("decode a DICOM file and print one JSON line: syntax, size, and min/max/sum of stored pixel values")
    .argument("<files...>", "DICOM file(s); one JSON line each")
    .action((files: string[]) => {
      // One file: errors propagate to the CLI entry, which prints `naslung: <file>: <reason>` and
      // exits 1. Several: each failure is printed the same way and the exit status is 1 at the end.
      if (files.length === 1) {
        console.log(JSON.stringify(dicomInfo(files[0])));
        return;
      }
      let failed = 0;
      for (const f of files) {
        try {
          console.log(JSON.stringify(dicomInfo(f)));
        } catch (e) {
          failed++;
          console.error(`naslung: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      if (failed) process.exitCode = 1;
    });
}
