/**
 * The reference's 1,004-nodule LIDC set, rebuilt from the user's own LUNA16 / LIDC-IDRI copy.
 *
 * NAS-Lung trains on DeepLung's `crop_v3` cubes, which were never published. Their labels are
 * (../shared/data/deeplung-annotations): 1004 nodules in 544 LUNA16 series, 450 malignant / 554
 * benign (mean reader malignancy > 3 / < 3). This module locates each nodule's CT (LUNA16
 * `subsetK/<seriesuid>.mhd`, or the LIDC-IDRI DICOM series folder with that SeriesInstanceUID),
 * preprocesses it as DeepLung did (src/preprocess: window, lung mask, 1 mm) and crops 32^3 at
 * the nodule's world centre (the doctor file's coordinates; the preprocessed-space coordinates
 * of the other file depend on DeepLung's lung-box crop, which we recompute instead). Test folds
 * are the LUNA16 subsets 0..9, as in the reference (by series, so no patient spans two folds).
 * Where the LIDC tree holds the series' XML, each nodule is also matched to our own clustering of
 * the readers' marks (`meta.xml`, summary in `stats.xmlCheck`), measuring how well our annotation
 * pipeline reproduces DeepLung's labels.
 */
import * as fs from "fs";
import * as path from "path";
import { readDicom } from "../io/dicom/read";
import { loadSeries, SeriesReport } from "../io/dicom/series";
import { readMetaImage } from "../io/metaimage";
import type { Volume } from "../io/volume";
import { resolvePreprocess, PreprocessConfig } from "../preprocess/config";
import { cropAt, prepareVolume } from "../preprocess/prepare";
import { meanStd, zScoreInPlace } from "../preprocess/window";
import { repoRoot } from "../util/provenance";
import { cacheKey, cachedDataset } from "./cache";
import { alignDoctorToDeepLung, readDeepLungDoctor, readDeepLungLabels, readLidcLunaMap } from "./importers";
import { readLidcXml } from "../io/lidcXml";
import { clusterReads, geometryFromVolume } from "./cluster";
import { aggregateMalignancy, labelFromMalignancy } from "./labels";
import type { NoduleDataset, NoduleSample } from "./sample";

/** Bumped when the crops built here change for the same inputs. */
export const REFERENCE_SET_VERSION = 1;

/** One nodule of the reference list with everything needed to crop it. */
export interface ReferenceNodule {
  /** DeepLung id `<seriesuid>-<index>`. */
  id: string;
  seriesUid: string;
  /** LIDC-IDRI-xxxx (from the LIDC <-> LUNA16 map), when known. */
  patientId?: string;
  /** World centre [x, y, z] mm (doctor file). */
  worldXYZ: [number, number, number];
  diameterMm: number;
  label: 0 | 1;
  /** The radiologists' malignancy ratings. */
  scores: number[];
  /** DeepLung's own [z, y, x] in its preprocessed volume (kept for comparison). */
  deeplungZyx: [number, number, number];
}

/** The 1004 reference nodules: DeepLung's list joined with the doctor file's world centres and ratings. */
export function referenceNodules(files: { labels?: string; doctor?: string; map?: string } = {}): ReferenceNodule[] {
  const labels = readDeepLungLabels(files.labels);
  const doctor = alignDoctorToDeepLung(labels, readDeepLungDoctor(files.doctor));
  const patientOf = new Map(readLidcLunaMap(files.map).map((m) => [m.seriesUid, m.patientId]));
  return labels.map((n, i) => ({
    id: n.id,
    seriesUid: n.seriesUid,
    patientId: patientOf.get(n.seriesUid),
    worldXYZ: doctor[i].worldXYZ,
    diameterMm: n.diameterMm,
    label: n.label,
    scores: doctor[i].scores,
    deeplungZyx: n.zyx,
  }));
}

/** Where a series' CT lives. */
export interface ScanSource {
  kind: "mhd" | "dicom";
  /** The .mhd file, or the DICOM series folder. */
  path: string;
  /** LUNA16 subset (0..9) of a .mhd found under `subsetK/`. */
  subset?: number;
}

function walkDirs(root: string, maxDepth: number, visit: (dir: string, files: string[], depth: number) => void): void {
  const rec = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      throw new Error(`${dir}: cannot list (${(e as Error).message})`);
    }
    const files = entries.filter((e) => e.isFile()).map((e) => e.name).sort();
    visit(dir, files, depth);
    if (depth >= maxDepth) return;
    for (const e of entries.filter((x) => x.isDirectory() && !x.name.startsWith(".")).map((x) => x.name).sort()) rec(path.join(dir, e), depth + 1);
  };
  rec(root, 0);
}

/**
 * Indexes a LUNA16 folder: every `<seriesuid>.mhd` (up to 3 levels deep), with its subset number
 * taken from the nearest `subsetK` folder above it. Two files for one series is an error.
 */
export function indexLuna16(lunaDir: string): Map<string, ScanSource> {
  if (!fs.existsSync(lunaDir)) throw new Error(`${lunaDir}: LUNA16 folder does not exist`);
  const out = new Map<string, ScanSource>();
  walkDirs(lunaDir, 3, (dir, files) => {
    const rel = path.relative(lunaDir, dir).split(path.sep);
    const sub = rel.map((p) => /^subset(\d+)$/i.exec(p)).filter((m): m is RegExpExecArray => !!m).pop();
    for (const f of files) {
      if (!f.toLowerCase().endsWith(".mhd")) continue;
      const uid = f.slice(0, -4);
      const p = path.join(dir, f);
      const prev = out.get(uid);
      if (prev) throw new Error(`${lunaDir}: series ${uid} found twice (${prev.path} and ${p})`);
      out.set(uid, { kind: "mhd", path: p, subset: sub ? Number(sub[1]) : undefined });
    }
  });
  return out;
}

/**
 * Indexes a LIDC-IDRI DICOM tree (TCIA layout `LIDC-IDRI-xxxx/<study>/<series>/*.dcm`, any depth
 * up to 5): each folder holding DICOM files is keyed by the SeriesInstanceUID of its first file;
 * its LIDC XML is the .xml in that folder (TCIA layout) or the only .xml one level up.
 * Folders whose first file does not parse are listed in `unreadable`, not fatal.
 */
export function indexLidcDicom(lidcDir: string): { series: Map<string, ScanSource & { xml?: string }>; unreadable: Array<{ dir: string; reason: string }> } {
  if (!fs.existsSync(lidcDir)) throw new Error(`${lidcDir}: LIDC-IDRI folder does not exist`);
  const series = new Map<string, ScanSource & { xml?: string }>();
  const unreadable: Array<{ dir: string; reason: string }> = [];
  walkDirs(lidcDir, 5, (dir, files) => {
    const dcm = files.filter((f) => f.toLowerCase().endsWith(".dcm"));
    if (!dcm.length) return;
    let uid: string;
    try {
      uid = readDicom(path.join(dir, dcm[0])).seriesInstanceUID;
    } catch (e) {
      unreadable.push({ dir, reason: (e as Error).message });
      return;
    }
    if (!uid) {
      unreadable.push({ dir, reason: `${dcm[0]} has no SeriesInstanceUID` });
      return;
    }
    // TCIA puts the reading-session XML beside the slices; naslung cohorts one folder up.
    const own = files.find((f) => f.toLowerCase().endsWith(".xml"));
    let xml = own ? path.join(dir, own) : undefined;
    if (!xml) {
      const up = fs.readdirSync(path.dirname(dir)).filter((f) => f.toLowerCase().endsWith(".xml"));
      if (up.length === 1) xml = path.join(path.dirname(dir), up[0]);
    }
    if (!series.has(uid)) series.set(uid, { kind: "dicom", path: dir, xml });
  });
  return { series, unreadable };
}

/** A nodule matched to its scan (and, when the LIDC tree has one, the series' XML annotations). */
export type PlannedNodule = ReferenceNodule & { source: ScanSource; fold?: number; annotations?: string };

/** Which nodules can be built from the available scans. */
export interface ReferencePlan {
  items: PlannedNodule[];
  /** Nodules whose series is in neither folder. */
  missing: ReferenceNodule[];
  seriesFound: number;
  seriesMissing: number;
}

/**
 * Matches nodules to scans: LUNA16 .mhd first (it carries the subset = fold), else the LIDC DICOM
 * folder; a DICOM-only series takes its fold from the LUNA16 index when the same series is there.
 */
export function planReferenceSet(
  nodules: ReferenceNodule[],
  luna?: Map<string, ScanSource>,
  lidc?: Map<string, ScanSource & { xml?: string }>,
): ReferencePlan {
  const items: ReferencePlan["items"] = [];
  const missing: ReferenceNodule[] = [];
  const found = new Set<string>();
  const lost = new Set<string>();
  for (const n of nodules) {
    const src = luna?.get(n.seriesUid) ?? lidc?.get(n.seriesUid);
    if (!src) {
      missing.push(n);
      lost.add(n.seriesUid);
      continue;
    }
    found.add(n.seriesUid);
    const xml = lidc?.get(n.seriesUid)?.xml;
    items.push({ ...n, source: src, fold: src.subset ?? luna?.get(n.seriesUid)?.subset, ...(xml ? { annotations: xml } : {}) });
  }
  return { items, missing, seriesFound: found.size, seriesMissing: lost.size };
}

/** Our own reading of a reference nodule from the LIDC XML: the matched reader cluster. */
export interface XmlCrossCheck {
  /** Distance from the reference centre to the cluster centroid (mm). */
  distanceMm: number;
  readers: number;
  scores: number[];
  meanMalignancy?: number;
  /** Our label rule on the cluster's ratings (null: dropped). */
  label: 0 | 1 | null;
}

/**
 * Clusters the series' LIDC XML marks (pylidc rule, see cluster.ts) and matches each reference
 * nodule to the nearest cluster centroid within max(3 mm, radius): how far our own annotation
 * pipeline agrees with DeepLung's list. Unmatched nodules map to null.
 */
export function crossCheckWithXml(items: ReferenceNodule[], xmlFile: string, volume: Volume): Map<string, XmlCrossCheck | null> {
  const msg = readLidcXml(xmlFile, { lenient: true });
  const clusters = clusterReads(msg.sessions, geometryFromVolume(volume));
  const out = new Map<string, XmlCrossCheck | null>();
  for (const it of items) {
    let best: (typeof clusters)[number] | undefined;
    let bestD = Infinity;
    for (const c of clusters) {
      const d = Math.hypot(c.centroid[0] - it.worldXYZ[0], c.centroid[1] - it.worldXYZ[1], c.centroid[2] - it.worldXYZ[2]);
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    out.set(
      it.id,
      best && bestD <= Math.max(3, it.diameterMm / 2)
        ? { distanceMm: bestD, readers: best.marks.length, scores: best.scores, meanMalignancy: aggregateMalignancy(best.scores), label: labelFromMalignancy(best.scores) }
        : null,
    );
  }
  return out;
}

/** A loaded scan and, for DICOM, what lenient loading found and dropped. */
export interface LoadedScan {
  volume: Volume;
  report: SeriesReport | null;
  /** Image slices left out (gaps, uneven spacing, unreadable or inconsistent files; duplicates not counted). */
  dropped: number;
  /** dropped / (kept + dropped). */
  droppedFraction: number;
}

/** Skip codes that lose image content (a duplicate slice or a non-image file loses nothing). */
const LOSSY_SKIPS = new Set(["gap", "uneven-spacing", "unreadable-file", "inconsistent-geometry", "missing-geometry"]);

/**
 * Loads a scan's HU volume (.mhd via readMetaImage; DICOM via loadSeries, lenient because LIDC
 * has duplicate slices) with the lenient report kept, so callers can print it and refuse a scan
 * that lost too much.
 */
export function loadScan(src: ScanSource): LoadedScan {
  if (src.kind === "mhd") return { volume: readMetaImage(src.path), report: null, dropped: 0, droppedFraction: 0 };
  const { volume, report } = loadSeries(src.path, { lenient: true });
  const dropped = new Set(report.skipped.filter((k) => LOSSY_SKIPS.has(k.code)).map((k) => k.file)).size;
  return { volume, report, dropped, droppedFraction: dropped / Math.max(1, report.slicesLoaded + dropped) };
}

/** One series' lenient-loading outcome, as `prepare` prints and records it. */
export interface SeriesLoadNote {
  seriesUid: string;
  path: string;
  slicesLoaded: number;
  dropped: number;
  problems: string[];
  /** Set when the series was refused (too many slices dropped, or unreadable). */
  failed?: string;
}

export interface PrepareReferenceOptions extends Partial<PreprocessConfig> {
  /** Cache root (default <repo>/data/cache); null disables the cache. */
  cacheDir?: string | null;
  /** Only the first N series (for a quick look). */
  limitSeries?: number;
  onProgress?: (done: number, total: number, seriesUid: string) => void;
  /**
   * A DICOM series whose lenient load dropped more than this share of its image slices (gaps,
   * uneven spacing, unreadable files) is refused: its nodules are left out and the series is
   * listed with its reason. Default 0.05.
   */
  maxDroppedFraction?: number;
  /** Called for every series whose load reported problems (printed by `prepare`). */
  onSeriesNote?: (note: SeriesLoadNote) => void;
}

/** Cheap fingerprint of a scan (path, size, mtime of its files): hashing ~120 GB of CT is not an option. */
function scanStamp(src: ScanSource): string {
  const files = src.kind === "mhd" ? [src.path, src.path.replace(/\.mhd$/i, ".raw"), src.path.replace(/\.mhd$/i, ".zraw")] : fs.readdirSync(src.path).map((f) => path.join(src.path, f));
  return files
    .filter((f) => fs.existsSync(f))
    .sort()
    .map((f) => {
      const s = fs.statSync(f);
      return `${path.basename(f)}:${s.size}:${Math.round(s.mtimeMs)}`;
    })
    .join("|");
}

/**
 * Builds (or reuses from the crop cache) the labelled 32^3 crops of a plan: per series, load ->
 * prepareVolume (reference: window, lung mask, 1 mm; or modern) -> crop at each nodule's world
 * centre. Reference crops are /255; modern crops are z-scored over the set. id = DeepLung id,
 * group = series, fold = LUNA16 subset.
 */
export async function prepareReferenceSet(
  plan: ReferencePlan,
  options: PrepareReferenceOptions = {},
): Promise<NoduleDataset & { cacheHit: boolean; cacheDir?: string; seriesProcessed: number; stats?: Record<string, unknown> }> {
  const pc = resolvePreprocess(options);
  const bySeries = new Map<string, ReferencePlan["items"]>();
  for (const it of plan.items) {
    if (!bySeries.has(it.seriesUid)) bySeries.set(it.seriesUid, []);
    bySeries.get(it.seriesUid)!.push(it);
  }
  let series = [...bySeries.keys()].sort();
  if (options.limitSeries !== undefined) series = series.slice(0, options.limitSeries);
  const name = "lidc-reference-1004";
  const source = `LIDC-IDRI / LUNA16 (real), DeepLung's 1004-nodule label list; ${series.length} series`;
  const keyed = {
    version: REFERENCE_SET_VERSION,
    preprocess: pc,
    items: series.flatMap((u) => bySeries.get(u)!.map((it) => [it.id, it.label, it.worldXYZ, it.fold ?? null])),
    scans: series.map((u) => scanStamp(bySeries.get(u)![0].source)),
    maxDroppedFraction: options.maxDroppedFraction ?? 0.05,
  };
  const build = async () => {
    const samples: NoduleSample[] = [];
    const xmlCheck = { series: 0, nodules: 0, matched: 0, labelAgree: 0 };
    const notes: SeriesLoadNote[] = [];
    const maxDropped = options.maxDroppedFraction ?? 0.05;
    series.forEach((uid, k) => {
      const items = bySeries.get(uid)!;
      let scan: LoadedScan;
      try {
        scan = loadScan(items[0].source);
      } catch (e) {
        const note: SeriesLoadNote = { seriesUid: uid, path: items[0].source.path, slicesLoaded: 0, dropped: 0, problems: [(e as Error).message], failed: `unreadable: ${(e as Error).message}` };
        notes.push(note);
        options.onSeriesNote?.(note);
        options.onProgress?.(k + 1, series.length, uid);
        return;
      }
      if (scan.report && scan.report.problems.length) {
        const note: SeriesLoadNote = {
          seriesUid: uid,
          path: items[0].source.path,
          slicesLoaded: scan.report.slicesLoaded,
          dropped: scan.dropped,
          problems: scan.report.problems.map((p) => `${p.code}: ${p.message}`),
        };
        if (scan.droppedFraction > maxDropped) {
          note.failed = `${scan.dropped} of ${scan.dropped + scan.report.slicesLoaded} image slices dropped (${(100 * scan.droppedFraction).toFixed(1)}% > ${(100 * maxDropped).toFixed(1)}%)`;
        }
        notes.push(note);
        options.onSeriesNote?.(note);
        if (note.failed) {
          options.onProgress?.(k + 1, series.length, uid);
          return;
        }
      }
      const hu = scan.volume;
      const fromXml = items[0].annotations ? crossCheckWithXml(items, items[0].annotations, hu) : undefined;
      if (fromXml) {
        xmlCheck.series++;
        xmlCheck.nodules += items.length;
        for (const it of items) {
          const x = fromXml.get(it.id);
          if (!x) continue;
          xmlCheck.matched++;
          if (x.label === it.label) xmlCheck.labelAgree++;
        }
      }
      const prepared = prepareVolume(hu, pc);
      for (const it of items) {
        const { crop } = cropAt(prepared, it.worldXYZ);
        samples.push({
          id: it.id,
          label: it.label,
          group: it.seriesUid,
          fold: it.fold,
          size: pc.cropSize,
          crop,
          meta: {
            seriesUid: it.seriesUid,
            patientId: it.patientId,
            worldXYZ: it.worldXYZ,
            diameterMm: it.diameterMm,
            scores: it.scores,
            meanMalignancy: aggregateMalignancy(it.scores),
            deeplungZyx: it.deeplungZyx,
            source: it.source.path,
            ...(fromXml ? { xml: fromXml.get(it.id) } : {}),
          },
        });
      }
      options.onProgress?.(k + 1, series.length, uid);
    });
    if (pc.preprocess === "reference") for (const s of samples) for (let i = 0; i < s.crop.length; i++) s.crop[i] /= 255;
    else if (samples.length) {
      const z = meanStd(samples.map((s) => s.crop));
      for (const s of samples) zScoreInPlace(s.crop, z.mean, z.std);
    }
    const malignant = samples.filter((s) => s.label === 1).length;
    return {
      dataset: { name, source, synthetic: false, samples } as NoduleDataset,
      stats: { samples: samples.length, malignant, benign: samples.length - malignant, series: series.length, xmlCheck, seriesNotes: notes, failedSeries: notes.filter((n) => n.failed).length },
    };
  };
  if (options.cacheDir === null) {
    const r = await build();
    return { ...r.dataset, cacheHit: false, seriesProcessed: series.length, stats: r.stats };
  }
  const root = options.cacheDir ?? path.join(repoRoot, "data", "cache");
  const r = await cachedDataset(root, name, cacheKey(keyed), keyed, build);
  return { ...r.dataset, cacheHit: r.hit, cacheDir: r.dir, seriesProcessed: series.length, stats: r.index.stats as Record<string, unknown> | undefined };
}
