/**
 * Importers for the public label lists kept in ../shared/data (see each folder's SOURCE.md):
 * DeepLung's 1004-nodule benign/malignant list (the exact set NAS-Lung trains on) in its
 * preprocessed-voxel form and its world-mm "doctor" form with the radiologists' ratings, the same
 * list as shipped by NAS-Lung (odd suffixed ids), LUNA16's annotations and series list, the
 * LIDC <-> LUNA16 UID map and pylidc's per-cluster nodule table.
 */
import * as path from "path";
import { cellNumber, cellString, columnIndex, readCsv } from "../io/csv";
import { sharedDataDir } from "../util/provenance";
import { labelFromMalignancy } from "./labels";

/** Path of a file in the shared data folder. */
export function sharedFile(...parts: string[]): string {
  return path.join(sharedDataDir(), ...parts);
}

function label01(v: number, where: string): 0 | 1 {
  if (v !== 0 && v !== 1) throw new Error(`${where}: label must be 0 or 1, got ${v}`);
  return v;
}

/**
 * One nodule of DeepLung's classification list (`annotationdetclsconvfnl_v3.csv`).
 * DeepLung wrote the voxel index of its preprocessed volume (`<uid>_clean.npy`: 1 mm isotropic,
 * cropped to the lung box, array order z,y,x) into the columns it calls coordX, coordY, coordZ, so
 * they hold z, y, x in that order (its crop is `clean[cx-16:cx+16, cy-16:cy+16, cz-16:cz+16]`).
 * We name them by what they are.
 */
export interface DeepLungNodule {
  /** `<seriesUid>-<index>`: DeepLung's crop file name `crop_v3/<id>.npy`. */
  id: string;
  seriesUid: string;
  /** Row index 0..1003 (the id suffix). */
  index: number;
  /** Voxel index [z, y, x] in DeepLung's preprocessed 1 mm volume (the file's coordX, coordY, coordZ). */
  zyx: [number, number, number];
  diameterMm: number;
  label: 0 | 1;
}

function splitIndexedId(raw: string, where: string): { seriesUid: string; index: number; suffix: string } {
  // DeepLung: "<uid>-12". NAS-Lung repeats the suffix 12 times ("<uid>-12-12-...-12") and its
  // augmented list appends an axis name ("...-12horizontal").
  const m = /^([0-9.]+?)((?:-\d+)+)([a-z]*)$/.exec(raw);
  if (!m) throw new Error(`${where}: seriesuid "${raw}" is not "<uid>-<index>"`);
  const parts = m[2].slice(1).split("-");
  if (parts.some((p) => p !== parts[0])) throw new Error(`${where}: seriesuid "${raw}" repeats differing indices`);
  return { seriesUid: m[1], index: Number(parts[0]), suffix: m[3] };
}

/**
 * Reads DeepLung's `annotationdetclsconvfnl_v3.csv` (default: the shared copy): 1004 nodules,
 * 450 malignant / 554 benign, 544 series. Also accepts NAS-Lung's copy of it (ids with the
 * repeated suffix are normalised to `<uid>-<index>`); use `readNasLungLabels` for the augmented list.
 */
export function readDeepLungLabels(file = sharedFile("deeplung-annotations", "annotationdetclsconvfnl_v3.csv")): DeepLungNodule[] {
  const t = readCsv(file);
  const c = columnIndex(t, ["seriesuid", "coordX", "coordY", "coordZ", "diameter_mm", "malignant"]);
  return t.rows.map((_, i) => {
    const where = `${file}:${t.lines[i]}`;
    const { seriesUid, index, suffix } = splitIndexedId(cellString(t, i, c.seriesuid, "seriesuid"), where);
    if (suffix) throw new Error(`${where}: augmented id "${t.rows[i][c.seriesuid]}" (use readNasLungLabels)`);
    return {
      id: `${seriesUid}-${index}`,
      seriesUid,
      index,
      zyx: [cellNumber(t, i, c.coordX, "coordX"), cellNumber(t, i, c.coordY, "coordY"), cellNumber(t, i, c.coordZ, "coordZ")],
      diameterMm: cellNumber(t, i, c.diameter_mm, "diameter_mm"),
      label: label01(cellNumber(t, i, c.malignant, "malignant"), `${where}: malignant`),
    };
  });
}

/** A row of NAS-Lung's list: a DeepLung nodule, possibly a flip-augmented copy. */
export interface NasLungNodule extends DeepLungNodule {
  /** The id exactly as NAS-Lung writes it (crop file name). */
  rawId: string;
  /** "" for the original crop, else the flipped axis NAS-Lung's data_enhancement.py used. */
  augmentation: "" | "horizontal" | "vertical" | "deep";
}

/**
 * Reads NAS-Lung's `annotationdetclsconvfnl_v3.csv` (default) or `..._enhance.csv` (3740 rows:
 * the 1004 plus flipped copies of training nodules), normalising ids to `<uid>-<index>`.
 */
export function readNasLungLabels(file = sharedFile("naslung-annotations", "annotationdetclsconvfnl_v3.csv")): NasLungNodule[] {
  const t = readCsv(file);
  const c = columnIndex(t, ["seriesuid", "coordX", "coordY", "coordZ", "diameter_mm", "malignant"]);
  return t.rows.map((_, i) => {
    const where = `${file}:${t.lines[i]}`;
    const rawId = cellString(t, i, c.seriesuid, "seriesuid");
    const { seriesUid, index, suffix } = splitIndexedId(rawId, where);
    if (!["", "horizontal", "vertical", "deep"].includes(suffix)) throw new Error(`${where}: unknown augmentation suffix "${suffix}"`);
    return {
      id: `${seriesUid}-${index}`,
      rawId,
      augmentation: suffix as NasLungNodule["augmentation"],
      seriesUid,
      index,
      zyx: [cellNumber(t, i, c.coordX, "coordX"), cellNumber(t, i, c.coordY, "coordY"), cellNumber(t, i, c.coordZ, "coordZ")],
      diameterMm: cellNumber(t, i, c.diameter_mm, "diameter_mm"),
      label: label01(cellNumber(t, i, c.malignant, "malignant"), `${where}: malignant`),
    };
  });
}

/** A row of DeepLung's `annotationdetclssgm_doctor.csv`: world position and the readers' ratings. */
export interface DoctorNodule {
  seriesUid: string;
  /** Row index in this file (NOT DeepLung's index: the two files order rows differently; see `alignDoctorToDeepLung`). */
  index: number;
  /** World centre [x, y, z] in mm (LUNA16 convention). */
  worldXYZ: [number, number, number];
  diameterMm: number;
  label: 0 | 1;
  /** The individual radiologists' malignancy ratings 1..5 (unnamed trailing columns). */
  scores: number[];
}

/**
 * Reads `annotationdetclssgm_doctor.csv` (the same 1004 nodules as the preprocessed list, in another
 * row order, in world mm, plus each reader's rating). Checks every row's label against the reference rule
 * (mean > 3 malignant, < 3 benign) and fails naming the line if one disagrees.
 */
export function readDeepLungDoctor(file = sharedFile("deeplung-annotations", "annotationdetclssgm_doctor.csv")): DoctorNodule[] {
  const t = readCsv(file);
  const c = columnIndex(t, ["seriesuid", "coordX", "coordY", "coordZ", "diameter_mm", "malignant"]);
  return t.rows.map((row, i) => {
    const where = `${file}:${t.lines[i]}`;
    const scores: number[] = [];
    for (let k = t.header.length; k < row.length; k++) if (row[k] !== "") scores.push(cellNumber(t, i, k, `rating column ${k + 1}`));
    const label = label01(cellNumber(t, i, c.malignant, "malignant"), `${where}: malignant`);
    const expect = labelFromMalignancy(scores);
    if (expect !== label) throw new Error(`${where}: malignant = ${label} but ratings [${scores.join(",")}] give ${expect}`);
    return {
      seriesUid: cellString(t, i, c.seriesuid, "seriesuid"),
      index: i,
      worldXYZ: [cellNumber(t, i, c.coordX, "coordX"), cellNumber(t, i, c.coordY, "coordY"), cellNumber(t, i, c.coordZ, "coordZ")],
      diameterMm: cellNumber(t, i, c.diameter_mm, "diameter_mm"),
      label,
      scores,
    };
  });
}

/**
 * Pairs each DeepLung nodule with its doctor-file row: same series and same diameter (the two files
 * share DeepLung's diameter_mm to all printed digits). Returns the doctor rows in DeepLung order;
 * throws if a nodule has no match or an ambiguous one.
 */
export function alignDoctorToDeepLung(labels: DeepLungNodule[], doctor: DoctorNodule[]): DoctorNodule[] {
  const bySeries = new Map<string, DoctorNodule[]>();
  for (const w of doctor) {
    if (!bySeries.has(w.seriesUid)) bySeries.set(w.seriesUid, []);
    bySeries.get(w.seriesUid)!.push(w);
  }
  const used = new Set<DoctorNodule>();
  return labels.map((n) => {
    const cands = (bySeries.get(n.seriesUid) ?? []).filter((w) => Math.abs(w.diameterMm - n.diameterMm) < 1e-6 && !used.has(w));
    if (cands.length !== 1)
      throw new Error(`alignDoctorToDeepLung: nodule ${n.id} (diameter ${n.diameterMm}) has ${cands.length} matching doctor rows`);
    used.add(cands[0]);
    return cands[0];
  });
}

/** A LUNA16 reference nodule (`annotations.csv`): world centre and diameter, no malignancy. */
export interface Luna16Annotation {
  seriesUid: string;
  worldXYZ: [number, number, number];
  diameterMm: number;
}

/** Reads LUNA16's `annotations.csv` (1186 nodules >= 3 mm accepted by >= 3 of 4 readers). */
export function readLuna16Annotations(file = sharedFile("deeplung-annotations", "luna16_annotations.csv")): Luna16Annotation[] {
  const t = readCsv(file);
  const c = columnIndex(t, ["seriesuid", "coordX", "coordY", "coordZ", "diameter_mm"]);
  return t.rows.map((_, i) => ({
    seriesUid: cellString(t, i, c.seriesuid, "seriesuid"),
    worldXYZ: [cellNumber(t, i, c.coordX, "coordX"), cellNumber(t, i, c.coordY, "coordY"), cellNumber(t, i, c.coordZ, "coordZ")],
    diameterMm: cellNumber(t, i, c.diameter_mm, "diameter_mm"),
  }));
}

/** Reads LUNA16's `seriesuids.csv` (888 series UIDs, one a line, no header). */
export function readLuna16SeriesUids(file = sharedFile("deeplung-annotations", "luna16_seriesuids.csv")): string[] {
  const t = readCsv(file, { header: false, delimiter: "," });
  return t.rows.map((_, i) => {
    const uid = cellString(t, i, 0, "seriesuid");
    if (!/^[0-9.]+$/.test(uid)) throw new Error(`${file}:${t.lines[i]}: "${uid}" is not a DICOM UID`);
    return uid;
  });
}

/** One line of the LIDC <-> LUNA16 map. */
export interface LidcLunaEntry {
  /** LIDC-IDRI-xxxx. */
  patientId: string;
  studyUid: string;
  /** SeriesInstanceUID = the LUNA16 seriesuid. */
  seriesUid: string;
}

/** Reads DeepLung's `LIDC-IDRI-mappingLUNA16` (space separated, 888 series). */
export function readLidcLunaMap(file = sharedFile("deeplung-annotations", "LIDC-IDRI-mappingLUNA16.txt")): LidcLunaEntry[] {
  const t = readCsv(file, { delimiter: " " });
  const c = columnIndex(t, ["PatientID", "StudyInstanceUID", "SeriesInstanceUID"]);
  return t.rows.map((_, i) => {
    const patientId = cellString(t, i, c.PatientID, "PatientID");
    if (!/^LIDC-IDRI-\d{4}$/.test(patientId)) throw new Error(`${file}:${t.lines[i]}: PatientID "${patientId}" is not LIDC-IDRI-xxxx`);
    return { patientId, studyUid: cellString(t, i, c.StudyInstanceUID, "StudyInstanceUID"), seriesUid: cellString(t, i, c.SeriesInstanceUID, "SeriesInstanceUID") };
  });
}

/** A pylidc annotation cluster (`nodule_info.csv` of jsyoonDL/Malignancy-classification-in-LIDC-IDRI). */
export interface PylidcNodule {
  patientId: string;
  seriesUid: string;
  /** Pixel spacing [x, y] and slice spacing z (mm). */
  spacing: [number, number, number];
  /** Cluster centroid in voxels [x, y, z] after that repo's resampling. */
  centroidVoxel: [number, number, number];
  /** Bounding-box extent [x, y, z] (mm). */
  bboxMm: [number, number, number];
  diameterMm: number;
  /** Mean reader malignancy. */
  malignancyLevel: number;
  /** That repo's label: 1 iff level > 3 (level 3 counts as benign). */
  label: 0 | 1;
}

/** Reads pylidc's nodule table (2625 clusters, 875 patients, 633 malignant / 1992 benign). */
export function readPylidcNoduleInfo(file = sharedFile("lidc-pylidc-nodule-info", "nodule_info.csv")): PylidcNodule[] {
  const t = readCsv(file);
  const names = ["patient_id", "serisuid", "pixel_x", "pixel_y", "pixel_z", "interp_cent_x", "interp_cent_y", "interp_cent_z", "bbox_x", "bbox_y", "bbox_z", "diameter", "malignancy_level", "malignancy"] as const;
  const c = columnIndex(t, names);
  const n = (i: number, k: (typeof names)[number]) => cellNumber(t, i, c[k], k);
  return t.rows.map((_, i) => ({
    patientId: cellString(t, i, c.patient_id, "patient_id"),
    seriesUid: cellString(t, i, c.serisuid, "serisuid"),
    spacing: [n(i, "pixel_x"), n(i, "pixel_y"), n(i, "pixel_z")],
    centroidVoxel: [n(i, "interp_cent_x"), n(i, "interp_cent_y"), n(i, "interp_cent_z")],
    bboxMm: [n(i, "bbox_x"), n(i, "bbox_y"), n(i, "bbox_z")],
    diameterMm: n(i, "diameter"),
    malignancyLevel: n(i, "malignancy_level"),
    label: label01(n(i, "malignancy"), `${file}:${t.lines[i]}: malignancy`),
  }));
}
