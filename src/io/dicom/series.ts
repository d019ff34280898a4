import * as fs from "fs";
import * as path from "path";
import type { Volume } from "../volume";
import { DicomError, SeriesError, SeriesProblem, SeriesErrorCode } from "./errors";
import { DicomImage, ReadDicomOptions, readDicom } from "./read";

/** Options of {@link loadSeries}. */
export interface LoadSeriesOptions extends ReadDicomOptions {
  /**
   * false (default): any problem (unreadable file, mixed series, duplicate slice, gap, uneven
   * spacing, inconsistent geometry) throws a {@link SeriesError} listing all of them.
   * true: load what is valid and list what was skipped in `report.skipped`.
   */
  lenient?: boolean;
  /** Load this series when the folder holds several (otherwise mixed series is a problem). */
  seriesUID?: string;
  /** Relative tolerance on slice spacing before it counts as uneven (default 0.01 = 1 %). */
  spacingTolerance?: number;
}

/** One loaded slice, in volume order (index = z index of the volume). */
export interface SliceInfo {
  index: number;
  file: string;
  sopInstanceUID: string;
  instanceNumber: number | undefined;
  /** ImagePositionPatient [x, y, z] mm. */
  position: [number, number, number];
  /** Position projected on the slice normal (mm): the sort key. */
  location: number;
}

/** A file (or slice) left out of the volume and why. */
export interface SkippedFile {
  file: string;
  code: SeriesErrorCode | "not-dicom" | "no-pixel-data";
  reason: string;
}

/** What `loadSeries` found in the folder and what it did about it. */
export interface SeriesReport {
  dir: string;
  seriesInstanceUID: string;
  patientID: string;
  modality: string;
  seriesDescription: string;
  transferSyntaxes: string[];
  /** Files in the folder (regular files, not hidden). */
  filesSeen: number;
  slicesLoaded: number;
  /** Every problem found; in lenient mode each was worked around by skipping the listed files. */
  problems: SeriesProblem[];
  skipped: SkippedFile[];
  /** Series other than the loaded one present in the folder. */
  otherSeries: { seriesInstanceUID: string; files: number }[];
  /** Unit normal of the slices (row cosines x column cosines). */
  normal: [number, number, number];
  /** Slice spacing from positions: the value used (median step) and the range of steps seen. */
  sliceSpacing: { used: number; min: number; max: number };
  /** SliceThickness from the header (informational; spacing comes from positions). */
  sliceThickness: number | undefined;
}

/** The result of {@link loadSeries}. */
export interface LoadedSeries {
  volume: Volume;
  report: SeriesReport;
  slices: SliceInfo[];
}

/**
 * Loads one CT series from a folder of single-frame DICOM files into a HU {@link Volume}.
 * Slices are sorted by ImagePositionPatient projected on the slice normal (cross product of the
 * ImageOrientationPatient cosines), not by InstanceNumber; dz is the median step between sorted
 * positions (not SliceThickness). Origin is the position of the first sorted slice; direction
 * columns are the row cosines, column cosines and normal (ITK convention, as SimpleITK's
 * ImageSeriesReader). Detected and reported: unreadable files, mixed series, missing or
 * inconsistent geometry (size, orientation, pixel spacing, sheared positions such as gantry tilt),
 * duplicate positions, gaps and uneven spacing. Strict mode throws a {@link SeriesError}; lenient
 * mode keeps the largest consistent set (largest series, first of duplicates, longest evenly
 * spaced run) and lists the rest in `report.skipped`; sheared (tilted) stacks are kept whole on the
 * orthogonal grid and only reported. Enhanced multi-frame CT objects are not assembled.
 */
export function loadSeries(dir: string, opts: LoadSeriesOptions = {}): LoadedSeries {
  let names: string[];
  try {
    names = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter((d) => !d.name.startsWith(".") && (d.isFile() || (d.isSymbolicLink() && isFileTarget(path.join(dir, d.name)))))
      .map((d) => d.name)
      .sort();
  } catch (e) {
    throw new SeriesError(dir, [{ code: "empty", message: `cannot list folder: ${(e as Error).message}`, files: [] }]);
  }

  return assembleSeries(
    dir,
    names.map((n) => path.join(dir, n)),
    (file) => readDicom(file, opts),
    opts,
  );
}

/**
 * The series logic of {@link loadSeries} on files the caller reads (`read(file)` returns the
 * parsed image; `files` sorted, named as errors and reports should name them; `dir` labels the
 * series in errors): the browser page
 * passes dropped files' bytes to `readDicom` here, so a series loads the same there as on disk.
 */
export function assembleSeries(dir: string, files: string[], read: (file: string) => DicomImage, opts: LoadSeriesOptions = {}): LoadedSeries {
  const lenient = opts.lenient ?? false;
  const problems: SeriesProblem[] = [];
  const skipped: SkippedFile[] = [];
  const problem = (code: SeriesErrorCode, message: string, files: string[]) => {
    problems.push({ code, message, files });
    for (const file of files) skipped.push({ file, code, reason: message });
  };

  // 1. Read every header; pixel data stays undecoded until the geometry is settled.
  const images: DicomImage[] = [];
  const noPixels: DicomImage[] = [];
  for (const file of files) {
    try {
      const img = read(file);
      if (!img.hasPixelData) noPixels.push(img);
      else images.push(img);
    } catch (e) {
      // A file named *.dcm claims to be DICOM: empty or undecodable, it is a damaged slice (a
      // problem, fatal in strict mode), not an unrelated file to pass over.
      if (e instanceof DicomError && e.code === "not-dicom" && /\.dcm$/i.test(file)) problem("unreadable-file", `${e.message} (named *.dcm)`, [file]);
      else if (e instanceof DicomError && e.code === "not-dicom") skipped.push({ file, code: "not-dicom", reason: e.reason });
      else if (e instanceof DicomError) problem("unreadable-file", e.message, [file]);
      else throw e;
    }
  }

  // 2. One series.
  const bySeries = new Map<string, DicomImage[]>();
  for (const img of images) {
    const list = bySeries.get(img.seriesInstanceUID) ?? [];
    list.push(img);
    bySeries.set(img.seriesInstanceUID, list);
  }
  let uid: string;
  if (opts.seriesUID !== undefined) {
    if (!bySeries.has(opts.seriesUID)) {
      throw new SeriesError(dir, [{ code: "empty", message: `no image of series ${opts.seriesUID} (found: ${[...bySeries.keys()].join(", ") || "none"})`, files: [] }]);
    }
    uid = opts.seriesUID;
  } else {
    const ranked = [...bySeries.entries()].sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
    if (ranked.length === 0) {
      throw new SeriesError(dir, problems.length ? problems : [{ code: "empty", message: "no DICOM image files", files: [] }]);
    }
    uid = ranked[0][0];
    if (ranked.length > 1) {
      const desc = ranked.map(([u, l]) => `${u || "<no SeriesInstanceUID>"} (${l.length} files)`).join(", ");
      problem("mixed-series", `${ranked.length} series in one folder: ${desc}; pass seriesUID to pick one`, ranked.slice(1).flatMap(([, l]) => l.map((i) => i.file)));
    }
  }
  // A file without Pixel Data is passed over as "not an image" (a report, a presentation state),
  // unless it is an image of this very series (it has the series UID and image geometry): then
  // it is a damaged slice, and leaving it out silently would leave a hole in the volume.
  for (const img of noPixels) {
    if (img.seriesInstanceUID === uid && (img.rows > 0 || img.columns > 0 || img.imagePositionPatient)) {
      problem("unreadable-file", `${img.file}: an image of this series (Rows ${img.rows}, Columns ${img.columns}) without Pixel Data (7FE0,0010)`, [img.file]);
    } else skipped.push({ file: img.file, code: "no-pixel-data", reason: "no Pixel Data (not an image)" });
  }
  const otherSeries = [...bySeries.entries()].filter(([u]) => u !== uid).map(([u, l]) => ({ seriesInstanceUID: u, files: l.length }));
  let series = bySeries.get(uid)!;

  // 3. Geometry present and consistent (majority wins in lenient mode).
  const noGeom = series.filter((i) => !i.imagePositionPatient || !i.imageOrientationPatient || !i.pixelSpacing);
  if (noGeom.length) problem("missing-geometry", `${noGeom.length} image(s) lack ImagePositionPatient, ImageOrientationPatient or PixelSpacing`, noGeom.map((i) => i.file));
  series = series.filter((i) => !noGeom.includes(i));
  const multi = series.filter((i) => i.frames !== 1);
  if (multi.length) problem("inconsistent-geometry", `${multi.length} multi-frame image(s) in a single-frame series (enhanced multi-frame series are not supported)`, multi.map((i) => i.file));
  series = series.filter((i) => !multi.includes(i));
  const key = (i: DicomImage) =>
    [i.rows, i.columns, i.samplesPerPixel, ...i.imageOrientationPatient!.map((v) => v.toFixed(4)), ...i.pixelSpacing!.map((v) => v.toFixed(4))].join("/");
  const byKey = new Map<string, DicomImage[]>();
  for (const i of series) byKey.set(key(i), [...(byKey.get(key(i)) ?? []), i]);
  if (byKey.size > 1) {
    const ranked = [...byKey.entries()].sort((a, b) => b[1].length - a[1].length);
    const rest = ranked.slice(1).flatMap(([, l]) => l);
    problem("inconsistent-geometry", `images differ in size, orientation or pixel spacing (${ranked.map(([k, l]) => `${k}: ${l.length}`).join("; ")})`, rest.map((i) => i.file));
    series = ranked[0][1];
  }
  if (series.length === 0) throw new SeriesError(dir, problems.length ? problems : [{ code: "empty", message: "no usable image", files: [] }]);
  const ref = series[0];
  if (ref.samplesPerPixel !== 1) {
    throw new SeriesError(dir, [{ code: "inconsistent-geometry", message: `SamplesPerPixel ${ref.samplesPerPixel}: not a grey-level CT series`, files: [ref.file] }]);
  }
  const iop = ref.imageOrientationPatient!;
  const row = normalize([iop[0], iop[1], iop[2]]);
  const col = normalize([iop[3], iop[4], iop[5]]);
  const normal = normalize(cross(row, col));

  // 4. Sort along the normal; duplicates; shear.
  let ordered = series
    .map((img) => ({ img, loc: dot(img.imagePositionPatient!, normal) }))
    .sort((a, b) => a.loc - b.loc || (a.img.instanceNumber ?? 0) - (b.img.instanceNumber ?? 0) || (a.img.file < b.img.file ? -1 : 1));
  const steps0 = ordered.slice(1).map((s, i) => s.loc - ordered[i].loc);
  const positive = steps0.filter((d) => d > 1e-3);
  const typical = positive.length ? median(positive) : 1;
  const dupTol = Math.max(1e-3, 0.01 * typical);
  const dups: typeof ordered = [];
  let lastLoc = -Infinity;
  ordered = ordered.filter((s) => {
    if (s.loc - lastLoc > dupTol) {
      lastLoc = s.loc;
      return true;
    }
    dups.push(s);
    return false;
  });
  if (dups.length) {
    problem("duplicate-slice", `${dups.length} slice(s) share a position with another slice (e.g. ${baseName(dups[0].img.file)} at ${dups[0].loc.toFixed(3)} mm)`, dups.map((d) => d.img.file));
  }
  const p0 = ordered[0].img.imagePositionPatient!;
  const inPlaneOffset = (s: { img: DicomImage }) => {
    const d = sub(s.img.imagePositionPatient!, p0);
    const along = dot(d, normal);
    return Math.hypot(d[0] - along * normal[0], d[1] - along * normal[1], d[2] - along * normal[2]);
  };
  const shearTol = Math.max(0.01, 0.01 * Math.min(...ref.pixelSpacing!));
  const sheared = ordered.filter((s) => inPlaneOffset(s) > shearTol);
  if (sheared.length) {
    // Not "skipped": a tilted stack is still the scan. Lenient mode keeps every slice on the
    // orthogonal grid (in-plane offsets ignored, as the message says); strict mode refuses.
    const worst = Math.max(...sheared.map(inPlaneOffset));
    problems.push({
      code: "inconsistent-geometry",
      message: `${sheared.length} slice(s) are offset in-plane from the first slice by up to ${worst.toFixed(2)} mm (gantry tilt or mixed stacks); the volume ignores these offsets`,
      files: sheared.map((s) => s.img.file),
    });
  }

  // 5. Spacing: gaps and unevenness.
  const steps = ordered.slice(1).map((s, i) => s.loc - ordered[i].loc);
  const dz = steps.length ? median(steps) : ref.sliceThickness ?? 1;
  const tol = Math.max(0.01, (opts.spacingTolerance ?? 0.01) * dz);
  const badSteps = steps.map((d, i) => ({ d, i })).filter(({ d }) => Math.abs(d - dz) > tol);
  if (badSteps.length) {
    const gaps = badSteps.filter(({ d }) => d > 1.5 * dz);
    const code: SeriesErrorCode = gaps.length ? "gap" : "uneven-spacing";
    const where = badSteps
      .slice(0, 3)
      .map(({ d, i }) => `${d.toFixed(3)} mm between ${baseName(ordered[i].img.file)} and ${baseName(ordered[i + 1].img.file)}`)
      .join("; ");
    const msg = gaps.length
      ? `${gaps.length} gap(s) in slice positions (median step ${dz.toFixed(3)} mm): ${where}`
      : `uneven slice spacing (median step ${dz.toFixed(3)} mm, tolerance ${tol.toFixed(3)}): ${where}`;
    // Lenient: keep the longest run of evenly spaced slices.
    let best = [0, 0];
    let start = 0;
    for (let i = 0; i <= steps.length; i++) {
      if (i === steps.length || Math.abs(steps[i] - dz) > tol) {
        if (i - start > best[1] - best[0]) best = [start, i];
        start = i + 1;
      }
    }
    const keep = ordered.slice(best[0], best[1] + 1);
    problem(code, msg, ordered.filter((s) => !keep.includes(s)).map((s) => s.img.file));
    ordered = keep;
  }

  if (problems.length && !lenient) throw new SeriesError(dir, problems);

  // 6. Decode in order into one z-major HU volume.
  const ny = ref.rows;
  const nx = ref.columns;
  const loaded: typeof ordered = [];
  const planes: Float32Array[] = [];
  for (const s of ordered) {
    try {
      planes.push(s.img.hu(0));
      loaded.push(s);
    } catch (e) {
      if (!(e instanceof DicomError)) throw e;
      problem("unreadable-file", e.message, [s.img.file]);
      if (!lenient) throw new SeriesError(dir, problems);
    }
  }
  if (loaded.length === 0) throw new SeriesError(dir, problems);
  const data = new Float32Array(loaded.length * ny * nx);
  planes.forEach((p, k) => data.set(p, k * ny * nx));
  const realSteps = loaded.slice(1).map((s, i) => s.loc - loaded[i].loc);
  const dzUsed = realSteps.length ? median(realSteps) : dz;
  const [dy, dx] = ref.pixelSpacing!;
  const first = loaded[0].img.imagePositionPatient!;
  const volume: Volume = {
    data,
    shape: [loaded.length, ny, nx],
    spacing: [dzUsed, dy, dx],
    origin: [first[0], first[1], first[2]],
    direction: [row[0], col[0], normal[0], row[1], col[1], normal[1], row[2], col[2], normal[2]],
  };
  const slices: SliceInfo[] = loaded.map((s, index) => ({
    index,
    file: s.img.file,
    sopInstanceUID: s.img.sopInstanceUID,
    instanceNumber: s.img.instanceNumber,
    position: [...s.img.imagePositionPatient!] as [number, number, number],
    location: s.loc,
  }));
  const report: SeriesReport = {
    dir,
    seriesInstanceUID: uid,
    patientID: ref.patientID,
    modality: ref.modality,
    seriesDescription: ref.seriesDescription,
    transferSyntaxes: [...new Set(loaded.map((s) => s.img.transferSyntax))],
    filesSeen: files.length,
    slicesLoaded: loaded.length,
    problems,
    skipped,
    otherSeries,
    normal,
    sliceSpacing: { used: dzUsed, min: realSteps.length ? Math.min(...realSteps) : dzUsed, max: realSteps.length ? Math.max(...realSteps) : dzUsed },
    sliceThickness: ref.sliceThickness,
  };
  return { volume, report, slices };
}

/** The last component of a path (POSIX or Windows separators), without node's path module. */
function baseName(p: string): string {
  return p.slice(Math.max(p.lastIndexOf("/"), p.lastIndexOf("\\")) + 1);
}

function isFileTarget(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

type V3 = [number, number, number];
function dot(a: number[], b: number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
function cross(a: V3, b: V3): V3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
function sub(a: number[], b: number[]): V3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}
function normalize(a: V3): V3 {
  const n = Math.hypot(a[0], a[1], a[2]) || 1;
  return [a[0] / n, a[1] / n, a[2] / n];
}
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
