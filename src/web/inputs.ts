import { nonZeroBBox, SliceStack, sliceStackFromPngs } from "../data/lidcCube";
import { DicomImage, readDicom } from "../io/dicom/read";
import { assembleSeries, LoadedSeries } from "../io/dicom/series";

/** A dropped or chosen file: its name (with the folder path when a folder was dropped) and bytes. */
export interface DroppedFile {
  name: string;
  bytes: Uint8Array;
}

/** What a set of dropped files is. */
export type DroppedInput = { kind: "reading"; where: string; stack: SliceStack } | { kind: "dicom"; where: string; series: LoadedSeries };

const baseName = (p: string) => p.slice(p.lastIndexOf("/") + 1);
const folderOf = (p: string) => (p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "dropped files");

/**
 * Reads dropped files: a reading's PNG slices (`0.png ... n.png`, the shared LIDC layout; other
 * files beside them are an error, not silently left out) or a DICOM series (assembled as
 * `loadSeries` assembles a folder, strict: any inconsistency is reported). Errors name the file
 * and the problem.
 */
export function readDroppedFiles(files: DroppedFile[]): DroppedInput {
  if (!files.length) throw new Error("no files dropped");
  const pngs = files.filter((f) => /\.png$/i.test(f.name));
  const where = folderOf(files[0].name);
  if (pngs.length) {
    if (pngs.length !== files.length) {
      const other = files.find((f) => !/\.png$/i.test(f.name))!;
      throw new Error(`${other.name}: not a PNG slice; drop one reading's slices 0.png, 1.png, ... alone (or a DICOM series)`);
    }
    const stack = sliceStackFromPngs(
      files.map((f) => ({ name: baseName(f.name), bytes: f.bytes })),
      where,
    );
    if (!nonZeroBBox(stack)) throw new Error(`${where}: every voxel is 0 (no segmented nodule in these slices)`);
    return { kind: "reading", where, stack };
  }
  const byName = new Map(files.map((f) => [f.name, f.bytes]));
  const names = [...byName.keys()].sort();
  // Each header is parsed once: here, to say what each file is when not one reads as DICOM
  // (rather than "no DICOM image files"), and then handed to the series assembly.
  const parsed = new Map<string, DicomImage | Error>();
  for (const n of names) {
    try {
      parsed.set(n, readDicom(byName.get(n)!, { name: n }));
    } catch (e) {
      parsed.set(n, e as Error);
    }
  }
  const failures = [...parsed.values()].filter((v): v is Error => v instanceof Error);
  if (failures.length === names.length) {
    throw new Error(`${failures.slice(0, 3).map((e) => e.message).join("; ")}${names.length > 3 ? `; and ${names.length - 3} more` : ""}. The page takes one reading's PNG slices (0.png, 1.png, ...) or a DICOM series.`);
  }
  const series = assembleSeries(where, names, (n) => {
    const img = parsed.get(n)!;
    if (img instanceof Error) throw img;
    return img;
  });
  return { kind: "dicom", where, series };
}
