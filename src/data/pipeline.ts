import * as fs from "fs";
import * as path from "path";
import { loadSeries, SeriesReport, SliceInfo } from "../io/dicom/series";
import { readLidcXml, LidcReadingSession } from "../io/lidcXml";
import type { Volume } from "../io/volume";
import { voxelToWorld } from "../io/volume";
import { PreprocessConfig, resolvePreprocess } from "../preprocess/config";
import { cropAt } from "../preprocess/prepare";
import { prepareVolume } from "../preprocess/prepare";
import { meanStd, zScoreInPlace } from "../preprocess/window";
import { repoRoot } from "../util/provenance";
import { cachedDataset, cacheKey, fingerprintFiles } from "./cache";
import { clusterReads, ClusterOptions, geometryFromVolume, NoduleCluster } from "./cluster";
import { aggregateMalignancy, LabelRule, labelFromMalignancy, REFERENCE_LABEL_RULE } from "./labels";
import type { NoduleDataset, NoduleSample } from "./sample";
import type { NoduleTruth, PatientTruth } from "./synthetic/cohort";
import { GENERATOR_VERSION, readCohortManifest, writeCohort } from "./synthetic/cohort";
import { shapeDistance } from "./synthetic/shape";

/**
 * From a folder of CT series and LIDC-style annotations to labelled 32^3 crops:
 * `<cohort>/<patient>/series/*.dcm` (one series) + `<cohort>/<patient>/annotations.xml`
 * (+ optional `truth.json` from the synthetic generator, which adds exact nodule masks).
 * Per patient: loadSeries -> HU volume; readLidcXml -> reading sessions; clusterReads -> physical
 * nodules (pylidc rule); labelFromMalignancy -> label (reference: mean > 3 / < 3 / == 3
 * dropped); prepareVolume -> 1 mm preprocessed volume; a crop at each cluster centroid. The
 * result is cached on disk (src/data/cache.ts) keyed by config + input contents.
 */

/** Bumped when this pipeline's output changes for the same inputs and config. */
export const PIPELINE_VERSION = 2;

/** Settings of `prepareDataset`: preprocessing plus labels, clustering, folds and caching. */
export interface PipelineConfig extends Partial<PreprocessConfig> {
  labelRule?: LabelRule;
  cluster?: ClusterOptions;
  /** Number of patient-grouped folds assigned round-robin over sorted patients (default 10). */
  folds?: number;
  /** Cache root (default <repo>/data/cache); null disables caching. */
  cacheDir?: string | null;
  /** Dataset name (default: the cohort folder's name). */
  name?: string;
  /** Called after each patient. */
  onProgress?: (done: number, total: number, patientId: string) => void;
}

/** Why a cluster produced no sample. */
export interface DroppedNodule {
  patientId: string;
  cluster: number;
  reason: string;
  scores: number[];
}

/** What a pipeline run did (also stored in the cache index as `stats`). */
export interface PipelineStats {
  patients: number;
  clusters: number;
  samples: number;
  benign: number;
  malignant: number;
  dropped: DroppedNodule[];
  /** Modern variant: the dataset mean/std used for z-scoring (HU). */
  zscore?: { mean: number; std: number };
}

/** One annotated series of a cohort. */
export interface CohortPatient {
  /** Unique key: the folder's path relative to the cohort, "/"-separated (our layout: the patient id). */
  id: string;
  /** Patient (first path component): the group that folds never split. */
  patientId: string;
  seriesDir: string;
  xml: string;
  truth?: string;
}

/** Whether a file starts like an LIDC reading-session document. */
function isLidcXml(file: string): boolean {
  const fd = fs.openSync(file, "r");
  try {
    const b = Buffer.alloc(4096);
    const n = fs.readSync(fd, b, 0, b.length, 0);
    return b.subarray(0, n).toString("utf8").includes("LidcReadMessage");
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Lists the annotated series of a cohort folder, in either layout:
 * - naslung's: `<patient>/series/*.dcm` + `<patient>/annotations.xml` (+ `truth.json`);
 * - TCIA's LIDC-IDRI download: `<patient>/<study>/<series>/` holding the slices and the LIDC XML
 *   (series without an LIDC XML, e.g. radiographs, are skipped).
 * A malformed naslung patient folder (one of series/ and annotations.xml missing) is an error.
 */
export function listCohort(cohortDir: string): CohortPatient[] {
  if (!fs.existsSync(cohortDir)) throw new Error(`${cohortDir}: cohort folder does not exist`);
  const out: CohortPatient[] = [];
  const walk = (dir: string, depth: number) => {
    const rel = path.relative(cohortDir, dir).split(path.sep).join("/");
    const entries = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => !e.name.startsWith("."));
    const seriesDir = path.join(dir, "series");
    const xml = path.join(dir, "annotations.xml");
    const hasSeries = entries.some((e) => e.isDirectory() && e.name === "series");
    const hasXml = entries.some((e) => e.isFile() && e.name === "annotations.xml");
    if (hasSeries || hasXml) {
      if (!hasSeries) throw new Error(`${dir}: has annotations.xml but no series/ folder`);
      if (!hasXml) throw new Error(`${dir}: has series/ but no annotations.xml`);
      const truth = path.join(dir, "truth.json");
      out.push({ id: rel, patientId: rel.split("/")[0], seriesDir, xml, truth: fs.existsSync(truth) ? truth : undefined });
      return;
    }
    const xmls = entries.filter((e) => e.isFile() && e.name.toLowerCase().endsWith(".xml")).map((e) => path.join(dir, e.name));
    const hasDicom = entries.some((e) => e.isFile() && e.name.toLowerCase().endsWith(".dcm"));
    if (rel && hasDicom && xmls.length) {
      const lidc = xmls.filter(isLidcXml);
      if (lidc.length > 1) throw new Error(`${dir}: ${lidc.length} LIDC XML files beside one series (${lidc.map((f) => path.basename(f)).join(", ")})`);
      if (lidc.length === 1) out.push({ id: rel, patientId: rel.split("/")[0], seriesDir: dir, xml: lidc[0] });
      return;
    }
    if (depth < 4) for (const e of entries) if (e.isDirectory()) walk(path.join(dir, e.name), depth + 1);
  };
  walk(cohortDir, 0);
  if (!out.length)
    throw new Error(`${cohortDir}: no annotated series (<patient>/series/ + <patient>/annotations.xml, or LIDC-IDRI <patient>/<study>/<series>/ with its XML)`);
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Every input file of a cohort (for the cache fingerprint). */
function cohortFiles(patients: CohortPatient[]): string[] {
  const files: string[] = [];
  for (const p of patients) {
    files.push(p.xml);
    if (p.truth) files.push(p.truth);
    for (const f of fs.readdirSync(p.seriesDir)) files.push(path.join(p.seriesDir, f));
  }
  return files;
}

/** The truth nodule a cluster corresponds to: nearest centre within its radius + 3 mm. */
export function matchTruth(truth: PatientTruth | undefined, centroid: [number, number, number]): NoduleTruth | undefined {
  if (!truth) return undefined;
  let best: NoduleTruth | undefined;
  let bestD = Infinity;
  for (const n of truth.nodules) {
    const d = Math.hypot(n.center[0] - centroid[0], n.center[1] - centroid[1], n.center[2] - centroid[2]);
    if (d < n.diameterMm / 2 + 3 && d < bestD) {
      best = n;
      bestD = d;
    }
  }
  return best;
}

/** The exact nodule mask on a crop's voxel grid (synthetic truth: shape SDF <= 0). */
export function truthMaskCrop(n: NoduleTruth, volume: Volume, start: [number, number, number], size: number): Uint8Array {
  const m = new Uint8Array(size * size * size);
  for (let k = 0; k < size; k++)
    for (let j = 0; j < size; j++)
      for (let i = 0; i < size; i++) {
        const w = voxelToWorld(volume, [start[0] + i, start[1] + j, start[2] + k]);
        if (shapeDistance(n.shape, w[0] - n.center[0], w[1] - n.center[1], w[2] - n.center[2]) <= 0) m[(k * size + j) * size + i] = 1;
      }
  return m;
}

/** One patient loaded: its series, annotations, clustered nodules and (synthetic) truth. */
export interface LoadedCohortPatient {
  patient: CohortPatient;
  volume: Volume;
  report: SeriesReport;
  slices: SliceInfo[];
  sessions: LidcReadingSession[];
  clusters: NoduleCluster[];
  truth?: PatientTruth;
}

/**
 * Loads one patient of a cohort: the DICOM series (loadSeries), the LIDC XML (checked to
 * describe that series), the readers' marks clustered into nodules (pylidc rule) and truth.json
 * when present.
 */
export function loadCohortPatient(p: CohortPatient, cluster?: ClusterOptions): LoadedCohortPatient {
  const { volume, report, slices } = loadSeries(p.seriesDir);
  const msg = readLidcXml(p.xml);
  if (msg.header.seriesInstanceUid !== report.seriesInstanceUID)
    throw new Error(`${p.xml}: annotations are for series ${msg.header.seriesInstanceUid} but ${p.seriesDir} holds series ${report.seriesInstanceUID}`);
  let truth: PatientTruth | undefined;
  if (p.truth) {
    try {
      truth = JSON.parse(fs.readFileSync(p.truth, "utf8")) as PatientTruth;
    } catch (e) {
      throw new Error(`${p.truth}: cannot read truth (${(e as Error).message})`);
    }
  }
  const clusters = clusterReads(msg.sessions, geometryFromVolume(volume), cluster);
  return { patient: p, volume, report, slices, sessions: msg.sessions, clusters, truth };
}

/** Processes one patient into raw (not yet normalised) samples. */
function processPatient(
  p: CohortPatient,
  fold: number,
  pc: PreprocessConfig,
  config: PipelineConfig,
  stats: PipelineStats,
  synthetic: boolean,
): NoduleSample[] {
  const { volume, clusters, truth } = loadCohortPatient(p, config.cluster);
  stats.clusters += clusters.length;
  const prepared = prepareVolume(volume, pc);
  const out: NoduleSample[] = [];
  for (const c of clusters) {
    const label = labelFromMalignancy(c.scores, config.labelRule);
    if (label === null) {
      stats.dropped.push({ patientId: p.patientId, cluster: c.id, scores: c.scores, reason: c.scores.length ? "mean malignancy equals the threshold" : "no malignancy ratings" });
      continue;
    }
    const { crop, start } = cropAt(prepared, c.centroid);
    const t = matchTruth(truth, c.centroid);
    const s: NoduleSample = {
      id: `${p.id}:${c.id}`,
      label,
      group: p.patientId,
      fold,
      size: pc.cropSize,
      crop,
      meta: {
        patientId: p.patientId,
        cluster: c.id,
        centroid: c.centroid,
        diameterMm: c.diameterMm,
        readers: c.readers.length,
        scores: c.scores,
        meanMalignancy: aggregateMalignancy(c.scores, config.labelRule?.rule ?? REFERENCE_LABEL_RULE.rule),
        synthetic,
        ...(t ? { truthIndex: t.index, truthMalignant: t.malignant, truthDiameterMm: t.diameterMm, calcified: t.calcified, spiculated: t.spiculated, partSolid: t.partSolid } : {}),
      },
    };
    if (t) s.mask = truthMaskCrop(t, prepared.volume, start, pc.cropSize);
    out.push(s);
  }
  return out;
}

/**
 * Turns a cohort folder into a labelled crop dataset (see the file comment). Reference crops are
 * 0..255 divided by 255; modern crops are z-scored with the mean/std over all crops.
 */
export async function prepareDataset(cohortDir: string, config: PipelineConfig = {}): Promise<NoduleDataset & { stats?: PipelineStats; cacheHit?: boolean }> {
  const pc = resolvePreprocess(config);
  const patients = listCohort(cohortDir);
  const manifest = readCohortManifest(cohortDir);
  const synthetic = manifest?.synthetic === true;
  const name = config.name ?? path.basename(path.resolve(cohortDir));
  const source = synthetic
    ? `SYNTHETIC cohort (naslung phantom, seed ${manifest!.options.seed}, ${patients.length} patients) via DICOM + LIDC XML`
    : `${path.resolve(cohortDir)} (${new Set(patients.map((p) => p.patientId)).size} patients, ${patients.length} series) via DICOM + LIDC XML`;
  const folds = config.folds ?? 10;
  const keyed = {
    pipeline: PIPELINE_VERSION,
    preprocess: pc,
    labelRule: config.labelRule ?? {},
    cluster: config.cluster ?? {},
    folds,
    name,
    source,
    inputs: fingerprintFiles(cohortDir, cohortFiles(patients)),
  };
  const build = async () => {
    const stats: PipelineStats = { patients: patients.length, clusters: 0, samples: 0, benign: 0, malignant: 0, dropped: [] };
    const samples: NoduleSample[] = [];
    // Folds are assigned round-robin over sorted patients, so a patient's series share a fold.
    const patientIds = [...new Set(patients.map((p) => p.patientId))];
    patients.forEach((p, i) => {
      samples.push(...processPatient(p, patientIds.indexOf(p.patientId) % folds, pc, config, stats, synthetic));
      config.onProgress?.(i + 1, patients.length, p.id);
    });
    if (pc.preprocess === "reference") for (const s of samples) for (let i = 0; i < s.crop.length; i++) s.crop[i] /= 255;
    else {
      const z = meanStd(samples.map((s) => s.crop));
      for (const s of samples) zScoreInPlace(s.crop, z.mean, z.std);
      stats.zscore = z;
    }
    stats.samples = samples.length;
    stats.malignant = samples.filter((s) => s.label === 1).length;
    stats.benign = samples.length - stats.malignant;
    return { dataset: { name, source, synthetic, samples } as NoduleDataset, stats: stats as unknown as Record<string, unknown> };
  };
  if (config.cacheDir === null) {
    const r = await build();
    return { ...r.dataset, stats: r.stats as unknown as PipelineStats, cacheHit: false };
  }
  const root = config.cacheDir ?? path.join(repoRoot, "data", "cache");
  const r = await cachedDataset(root, name, cacheKey(keyed), keyed, build);
  return { ...r.dataset, stats: r.index.stats as unknown as PipelineStats, cacheHit: r.hit };
}

/** Options of `demoDataset`. */
export interface DemoDatasetOptions {
  /** Cohort folder (default <repo>/data/demo for the default cohort, data/demo-<n>p-seed<s> otherwise). */
  dir?: string;
  patients?: number;
  seed?: number;
  preprocess?: "reference" | "modern";
  /** Cache root (default <repo>/data/cache). */
  cacheDir?: string | null;
  /** Progress callbacks (generation, then preprocessing). */
  onGenerate?: (done: number, total: number) => void;
  onProgress?: (done: number, total: number, patientId: string) => void;
}

/** Default cohort folder for a patients/seed pair. */
export function demoCohortDir(patients = 40, seed = 7): string {
  const base = path.join(repoRoot, "data");
  return patients === 40 && seed === 7 ? path.join(base, "demo") : path.join(base, `demo-${patients}p-seed${seed}`);
}

/**
 * Makes sure a SYNTHETIC cohort exists in `dir` (generating it when the folder has none, or one
 * of other options). Generation happens in a temporary sibling folder renamed into place, so
 * concurrent callers never see half a cohort.
 */
export function ensureDemoCohort(dir: string, patients = 40, seed = 7, onGenerate?: (done: number, total: number) => void): void {
  const m = readCohortManifest(dir);
  if (m && m.options.patients === patients && m.options.seed === seed && m.generatorVersion === GENERATOR_VERSION) return;
  // Only ever replace a folder that is empty or holds a cohort we generated.
  if (!m && fs.existsSync(dir) && fs.readdirSync(dir).length > 0)
    throw new Error(`${dir}: exists and is not a naslung synthetic cohort (no cohort.json); refusing to overwrite it`);
  const tmp = `${dir}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  writeCohort(tmp, { patients, seed }, (d, t) => onGenerate?.(d, t));
  const again = readCohortManifest(dir);
  if (again && again.options.patients === patients && again.options.seed === seed && again.generatorVersion === GENERATOR_VERSION) {
    fs.rmSync(tmp, { recursive: true, force: true });
    return;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  try {
    fs.renameSync(tmp, dir);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!readCohortManifest(dir)) throw e;
  }
}

/**
 * The embedded SYNTHETIC dataset: generates the cohort when missing (DICOM series + LIDC XML +
 * truth, ~40 patients / ~200 nodules by default), then runs the full pipeline
 * (`prepareDataset`) on the files, cached. Every sample has its exact nodule `mask`.
 */
export async function demoDataset(opts: DemoDatasetOptions = {}): Promise<NoduleDataset & { stats?: PipelineStats; cacheHit?: boolean }> {
  const patients = opts.patients ?? 40;
  const seed = opts.seed ?? 7;
  const dir = opts.dir ?? demoCohortDir(patients, seed);
  ensureDemoCohort(dir, patients, seed, opts.onGenerate);
  return prepareDataset(dir, {
    preprocess: opts.preprocess ?? "reference",
    cacheDir: opts.cacheDir,
    name: `synthetic-${patients}p-seed${seed}`,
    onProgress: opts.onProgress,
  });
}
