import * as fs from "fs";
import * as path from "path";
import { sharedDataDir } from "../../src/util/provenance";

/** Expected decode statistics of one shared DICOM sample, as its SOURCE.md states them. */
export interface SampleExpectation {
  /** Path relative to dicom-samples/. */
  rel: string;
  file: string;
  min: number;
  max: number;
  sum: number;
}

export const samplesDir = path.join(sharedDataDir(), "dicom-samples");

function num(s: string): number {
  return Number(s.replace(/\u2212/g, "-").replace(/,/g, ""));
}

/**
 * Parses dicom-samples/SOURCE.md: table rows "| `name.dcm` | ... | min A, max B, sum C |" under a
 * "## folder/" heading, "identical to X.dcm" rows, and the LIDC slice's "Decode: min A, max B, sum C".
 */
export function sampleExpectations(): SampleExpectation[] {
  const text = fs.readFileSync(path.join(samplesDir, "SOURCE.md"), "utf8");
  const out: SampleExpectation[] = [];
  let folder = "";
  const stat = /min ([\u2212\-\d,]+), max ([\u2212\-\d,]+), sum ([\u2212\-\d,]+)/;
  for (const line of text.split("\n")) {
    const h = /^## ([^ ]+)\//.exec(line);
    if (h) folder = h[1];
    const row = /^\| `([^`]+\.dcm)` \|/.exec(line);
    if (row && folder) {
      const rel = `${folder}/${row[1]}`;
      const m = stat.exec(line);
      const same = /identical to ([\w.]+\.dcm)/.exec(line);
      if (m) out.push({ rel, file: path.join(samplesDir, rel), min: num(m[1]), max: num(m[2]), sum: num(m[3]) });
      else if (same) {
        const ref = out.find((e) => e.rel === `${folder}/${same[1]}`);
        if (ref) out.push({ ...ref, rel, file: path.join(samplesDir, rel) });
      }
    }
    if (folder === "lidc-idri-0001-single-slice" && /Decode: min/.test(line)) {
      const m = /Decode: min ([\u2212\-\d,]+), max ([\u2212\-\d,]+), sum ([\u2212\-\d,]+)/.exec(line);
      if (m) out.push({ rel: `${folder}/000001.dcm`, file: path.join(samplesDir, folder, "000001.dcm"), min: num(m[1]), max: num(m[2]), sum: num(m[3]) });
    }
  }
  return out;
}

/** Every .dcm under dicom-samples/ (to check none is left without an expectation). */
export function allSampleFiles(): string[] {
  const walk = (d: string): string[] =>
    fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith(".dcm") ? [path.join(d, e.name)] : []));
  return walk(samplesDir).sort();
}

/** The jpeg-lossless-decoder-js package's own DICOM test files (selection values 1-7 and more). */
export const losslessDataDir = path.join(path.dirname(require.resolve("jpeg-lossless-decoder-js")), "..", "..", "tests", "data");

/** Stats of stored values over all frames. */
export function storedStats(frames: Int32Array[]): { min: number; max: number; sum: number } {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const f of frames) for (let i = 0; i < f.length; i++) {
    const v = f[i];
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, max, sum };
}
