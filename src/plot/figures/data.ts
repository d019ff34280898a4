import type { FigureRecipe } from "../registry";
import { boxOutline, clusterOverlays, cropGalleryFigure, everyNth, huHistogramFigure, readerScoresFigure, sliceFigure } from "../data";
import { demoCohortDir, demoDataset, listCohort, loadCohortPatient } from "../../data/pipeline";
import { locateBoxes, petCtCases, readPetCtBoxes } from "../../data/petct";
import { loadLidcSlices } from "../../data/lidcSlices";
import type { NoduleSample } from "../../data/sample";
import { loadSeries } from "../../io/dicom/series";
import { subVolume } from "../../preprocess/crop";
import { cropAt, prepareVolume } from "../../preprocess/prepare";

/** The data notebook's figures, regenerated from the embedded SYNTHETIC cohort (seed 7, 40 patients) and the shared real data. */
const SEED = 7;
const PATIENTS = 40;

async function firstPatient() {
  await demoDataset({ patients: PATIENTS, seed: SEED });
  const cohort = listCohort(demoCohortDir(PATIENTS, SEED));
  return { cohort, pat: loadCohortPatient(cohort[0]) };
}

/** Patient 1's most-read nodule (largest first), the slice where its first reader's outline is widest. */
async function mostReadNodule() {
  const { pat } = await firstPatient();
  const readers = pat.sessions.map((s) => s.radiologistId);
  const nod = [...pat.clusters].sort((a, b) => b.readers.length - a.readers.length || b.diameterMm - a.diameterMm)[0];
  const widest = nod.marks[0].read.rois.reduce((best, r) => (r.points.length > best.points.length ? r : best));
  const k = pat.slices.findIndex((s) => Math.abs(s.position[2] - widest.z) < 0.01);
  const col = (nod.centroid[0] - pat.volume.origin[0]) / pat.volume.spacing[2];
  const row = (nod.centroid[1] - pat.volume.origin[1]) / pat.volume.spacing[1];
  return { pat, readers, nod, widest, k, col, row };
}

/** The first Lung-PET-CT-Dx series, loaded once per process, with its tumour boxes placed in it. */
let realCase: ReturnType<typeof loadRealCase> | null = null;
function loadRealCase() {
  const real = petCtCases()[0];
  const series = loadSeries(real.seriesDir);
  const boxes = locateBoxes(series.volume, series.slices, readPetCtBoxes(real.annotationsDir));
  return { real, series, boxes, middle: boxes[Math.floor(boxes.length / 2)] };
}
/** The first real chest CT of the shared data (Lung-PET-CT-Dx), its boxes and the middle box (notebook 01). */
export function realChestCt(): ReturnType<typeof loadRealCase> {
  realCase ??= loadRealCase();
  return realCase;
}

export const recipes: FigureRecipe[] = [
  {
    name: "01_synthetic_whole_slice",
    description: "SYNTHETIC patient 1: a whole axial slice through its most-read nodule, with the readers' outlines",
    async build() {
      const { pat, readers, nod, widest, k } = await mostReadNodule();
      const figure = sliceFigure(pat.volume, k, { title: `SYNTHETIC ${pat.patient.id}, slice ${k}: whole slice`, overlays: clusterOverlays(nod, widest.z, readers) });
      return { figure, config: { patients: PATIENTS, patient: pat.patient.id, nodule: nod.id, slice: k }, seed: SEED };
    },
  },
  {
    name: "01_synthetic_readers_outlines",
    description: "SYNTHETIC patient 1: the most-read nodule with the four simulated readers' outlines",
    async build() {
      const { pat, readers, nod, widest, k, col, row } = await mostReadNodule();
      const figure = sliceFigure(pat.volume, k, {
        title: `SYNTHETIC ${pat.patient.id}: nodule ${nod.id} (${nod.readers.length} readers, scores ${nod.scores.join(", ")})`,
        overlays: clusterOverlays(nod, widest.z, readers),
        zoom: { x: [col - 30, col + 30], y: [row - 30, row + 30] },
      });
      return { figure, config: { patients: PATIENTS, patient: pat.patient.id, nodule: nod.id, slice: k }, seed: SEED };
    },
  },
  {
    name: "01_synthetic_crop_gallery",
    description: "SYNTHETIC 32^3 crops (reference preprocessing), 8 benign and 8 malignant, with truth masks",
    async build() {
      const ds = await demoDataset({ patients: PATIENTS, seed: SEED });
      const gallery = [...ds.samples.filter((s) => s.label === 0).slice(0, 8), ...ds.samples.filter((s) => s.label === 1).slice(0, 8)];
      const figure = cropGalleryFigure(gallery, { title: "SYNTHETIC crops (middle axial slice): top benign, bottom malignant", cols: 8 });
      return { figure, config: { patients: PATIENTS, preprocess: "reference", ids: gallery.map((s) => s.id) }, seed: SEED };
    },
  },
  {
    name: "01_synthetic_reader_scores",
    description: "SYNTHETIC readers' malignancy ratings per nodule (first 12 patients)",
    async build() {
      const { cohort, pat } = await firstPatient();
      const readers = pat.sessions.map((s) => s.radiologistId);
      const rows = cohort.slice(0, 12).flatMap((p) => loadCohortPatient(p).clusters.map((c) => ({ nodule: `${p.id}:${c.id}`, scores: c.malignancy })));
      const figure = readerScoresFigure(rows, readers, `SYNTHETIC readers' malignancy ratings (${rows.length} nodules; blank = not marked)`);
      return { figure, config: { patients: 12 }, seed: SEED };
    },
  },
  {
    name: "01_hu_histograms",
    description: "HU histograms: a SYNTHETIC series vs the real Lung-PET-CT-Dx A0001 series",
    async build() {
      const { pat } = await firstPatient();
      const { real, series } = realChestCt();
      const figure = huHistogramFigure(
        [
          { name: `SYNTHETIC ${pat.patient.id}`, values: everyNth(pat.volume.data, 7) },
          { name: `real ${real.patientId} (Lung-PET-CT-Dx)`, values: everyNth(series.volume.data, 97) },
        ],
        "HU histograms (log density): SYNTHETIC phantom vs a real chest CT",
      );
      return { figure, config: { synthetic: pat.patient.id, real: real.patientId, subsample: [7, 97] }, seed: SEED };
    },
  },
  {
    name: "01_real_ct_tumour_box",
    description: "real Lung-PET-CT-Dx chest CT (TCIA, CC BY 4.0): the slice through the middle tumour box, placed through the series geometry",
    async build() {
      const { real, middle: b0 } = realChestCt();
      const figure = sliceFigure(realChestCt().series.volume, b0.sliceIndex, {
        title: `real ${real.patientId}, slice ${b0.sliceIndex}: tumour box (${b0.box.label})`,
        overlays: [{ name: `tumour ${b0.box.label}`, points: boxOutline(b0.box.xmin, b0.box.ymin, b0.box.xmax, b0.box.ymax), colour: "#ffd700" }],
        stride: 2,
      });
      return { figure, config: { patient: real.patientId, slice: b0.sliceIndex, box: b0.box }, seed: null };
    },
  },
  {
    name: "01_real_ct_tumour_crops",
    description: "32^3 crops of the real chest CT at the tumour centre: the modern preprocessing (HU clip, on a sub-volume) and the reference one (lung mask on the whole series)",
    async build() {
      const { real, series, middle: b0 } = realChestCt();
      const modern = prepareVolume(subVolume(series.volume, b0.centreWorld, 30), { preprocess: "modern" });
      const reference = prepareVolume(series.volume, {});
      const crops: NoduleSample[] = [
        { id: "modern (HU, not yet z-scored)", label: 1, group: real.patientId, size: 32, crop: cropAt(modern, b0.centreWorld).crop.map((v) => (v + 1000) / 1400) },
        { id: "reference", label: 1, group: real.patientId, size: 32, crop: cropAt(reference, b0.centreWorld).crop.map((v) => v / 255) },
      ];
      const figure = cropGalleryFigure(crops, { title: `real ${real.patientId}: 32³ crops at the tumour centre (${crops.map((c) => c.id).join(" | ")})`, cols: crops.length });
      return { figure, config: { patient: real.patientId, centreWorld: b0.centreWorld, preprocess: ["modern", "reference"] }, seed: null };
    },
  },
  {
    name: "01_lidc_gallery",
    description: "the first 8 benign and 8 malignant of the 697 real LIDC readings as 32^3 cubes (middle slice)",
    async build() {
      const lidc = loadLidcSlices();
      const gallery = [...lidc.samples.filter((s) => s.label === 0).slice(0, 8), ...lidc.samples.filter((s) => s.label === 1).slice(0, 8)];
      const figure = cropGalleryFigure(gallery, { title: "real LIDC readings as 32³ cubes (middle slice): top benign, bottom malignant", cols: 8 });
      return { figure, config: { dataset: lidc.name, ids: gallery.map((s) => s.id) }, seed: null };
    },
  },
];
