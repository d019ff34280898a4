import type { FigureRecipe } from "../registry";
import { clusterOverlays, cropGalleryFigure, everyNth, huHistogramFigure, readerScoresFigure, sliceFigure } from "../data";
import { demoCohortDir, demoDataset, listCohort, loadCohortPatient } from "../../data/pipeline";
import { petCtCases } from "../../data/petct";
import { loadSeries } from "../../io/dicom/series";

/** The data notebook's figures, regenerated from the embedded SYNTHETIC cohort (seed 7, 40 patients). */
const SEED = 7;
const PATIENTS = 40;

async function firstPatient() {
  await demoDataset({ patients: PATIENTS, seed: SEED });
  const cohort = listCohort(demoCohortDir(PATIENTS, SEED));
  return { cohort, pat: loadCohortPatient(cohort[0]) };
}

export const recipes: FigureRecipe[] = [
  {
    name: "01_synthetic_readers_outlines",
    description: "SYNTHETIC patient 1: the most-read nodule with the four simulated readers' outlines",
    async build() {
      const { pat } = await firstPatient();
      const readers = pat.sessions.map((s) => s.radiologistId);
      const nod = [...pat.clusters].sort((a, b) => b.readers.length - a.readers.length || b.diameterMm - a.diameterMm)[0];
      const widest = nod.marks[0].read.rois.reduce((best, r) => (r.points.length > best.points.length ? r : best));
      const k = pat.slices.findIndex((s) => Math.abs(s.position[2] - widest.z) < 0.01);
      const col = (nod.centroid[0] - pat.volume.origin[0]) / pat.volume.spacing[2];
      const row = (nod.centroid[1] - pat.volume.origin[1]) / pat.volume.spacing[1];
      const figure = sliceFigure(pat.volume, k, {
        title: `SYNTHETIC ${pat.patient.id}: nodule ${nod.id}, readers' outlines (scores ${nod.scores.join(", ")})`,
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
      const real = petCtCases()[0];
      const rs = loadSeries(real.seriesDir);
      const figure = huHistogramFigure(
        [
          { name: `SYNTHETIC ${pat.patient.id}`, values: everyNth(pat.volume.data, 7) },
          { name: `real ${real.patientId} (Lung-PET-CT-Dx)`, values: everyNth(rs.volume.data, 97) },
        ],
        "HU histograms (log density): SYNTHETIC phantom vs a real chest CT",
      );
      return { figure, config: { synthetic: pat.patient.id, real: real.patientId, subsample: [7, 97] }, seed: SEED };
    },
  },
];
