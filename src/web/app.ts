/**
 * The browser page (`naslung web`): scores a nodule with the shipped ensemble in tfjs and shows
 * where each member looked. Everything numeric comes from the same src modules as the command
 * line (`naslung predict`): cube placement, DICOM reading and series assembly, the ensemble's
 * checks and vote, the attention and Grad-CAM maps.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { placeInCube, SliceStack } from "../data/lidcCube";
import type { NoduleSample } from "../data/sample";
import type { LoadedSeries } from "../io/dicom/series";
import { readingFromClick } from "../preprocess/clickReading";
import { scoreCube, CubeScore, LoadedEnsemble } from "../benchmark/pretrained";
import { explainSamples, ExplanationMap } from "../explain/maps";
import type { ExplainableModel } from "../explain/model";
import { orthoSlices } from "../explain/slices";
import { choosePageBackend } from "./backend";
import { buildFetchedEnsemble, fetchEnsemble } from "./browserEnsemble";
import { disposeEnsemble } from "../benchmark/pretrained";
import { DroppedFile, readDroppedFiles } from "./inputs";
import { drawSlice, lungWindowGrey } from "./render";

/** What tests and curious readers can read off the page (`window.naslung`). */
interface PageState {
  backend?: string;
  modelReadyMs?: number;
  scores: number;
  lastScoreMs?: number;
  lastScore?: CubeScore;
  errors: number;
  /** Milliseconds since navigation: ensemble fetched, backend chosen (ensemble built and checked on it). */
  timings: { fetchedMs?: number; backendMs?: number; filesMs?: number };
}
declare global {
  interface Window {
    naslung: PageState;
  }
}

const el = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const state: PageState = { scores: 0, errors: 0, timings: {} };
window.naslung = state;
let ensemble: LoadedEnsemble | null = null;
let cube: Float32Array | null = null;
let maps: ExplanationMap[][] = [];
let series: LoadedSeries | null = null;
let busy = false;

function setStatus(text: string): void {
  el("status").textContent = text;
}

function showError(e: unknown): void {
  state.errors++;
  const box = el("error");
  box.textContent = (e as Error)?.message ?? String(e);
  box.hidden = false;
  setStatus("Could not score that input; drop another.");
}

function clearError(): void {
  el("error").hidden = true;
  el("error").textContent = "";
}

const pct = (p: number) => `${(100 * p).toFixed(1)}%`;

/** Places a stack in the protocol cube, scores it with every member, explains it, draws it. */
async function scoreStack(stack: SliceStack, label: string, caveat: string | null): Promise<void> {
  const ens = ensemble!;
  setStatus(`Scoring ${label} ...`);
  await tf.nextFrame();
  const placed = placeInCube(stack);
  cube = placed.cube;
  const score = scoreCube(ens, cube);
  const rows = score.members.map((m, i) => {
    const spec = ens.spec.members[i];
    return `<tr><td>${spec.name}</td><td><code>${spec.arch}</code></td><td class="num" data-member="${spec.name}" data-value="${m.probability}">${m.probability.toFixed(6)}</td></tr>`;
  });
  el("member-probabilities").innerHTML = rows.join("");
  const out = el("ensemble-probability");
  out.textContent = score.ensemble.toFixed(6);
  out.dataset.value = String(score.ensemble);
  el("verdict").textContent =
    `${pct(score.ensemble)} (${ens.spec.vote} vote of ${ens.members.length}): ` +
    (score.ensemble >= ens.spec.threshold ? `at or above the threshold ${ens.spec.threshold}, the ensemble calls it malignant-looking` : `below the threshold ${ens.spec.threshold}, the ensemble calls it benign-looking`);
  el("input-label").textContent = label;
  const cav = el("caveat");
  cav.textContent = caveat ?? "";
  cav.hidden = !caveat;
  el("result").hidden = false;
  state.lastScore = score;
  state.scores++;
  state.lastScoreMs = performance.now();
  setStatus(`Scored ${label} in the browser (${state.backend}); computing attention and Grad-CAM ...`);
  await tf.nextFrame();
  const sample: NoduleSample = { id: label, label: 0, group: label, size: 32, crop: cube, meta: {} };
  maps = ens.members.map((m) => explainSamples(m as unknown as ExplainableModel, [sample])[0].maps);
  fillMapChoices();
  for (const id of ["slice-axial", "slice-coronal", "slice-sagittal"]) el<HTMLInputElement>(id).value = "16";
  el("overlays").hidden = false;
  drawOverlays();
  setStatus(`Scored ${label} in the browser (${state.backend}). Drop another reading or series to score it.`);
}

function fillMapChoices(): void {
  const member = el<HTMLSelectElement>("member");
  const prevMember = member.value;
  member.innerHTML = ensemble!.spec.members.map((m, i) => `<option value="${i}">${m.name}</option>`).join("");
  if (prevMember && Number(prevMember) < maps.length) member.value = prevMember;
  const map = el<HTMLSelectElement>("map");
  const prev = map.value;
  const names = maps[Number(member.value)].map((m) => m.name);
  map.innerHTML = [...names.map((n) => `<option value="${n}">${n === "Grad-CAM" ? "Grad-CAM (malignant logit)" : `attention: ${n}`}</option>`), `<option value="none">no overlay</option>`].join("");
  map.value = names.includes(prev) || prev === "none" ? prev : "Grad-CAM";
}

function drawOverlays(): void {
  if (!cube) return;
  const k = Number(el<HTMLSelectElement>("member").value);
  const name = el<HTMLSelectElement>("map").value;
  const m = maps[k]?.find((x) => x.name === name) ?? null;
  const z = Number(el<HTMLInputElement>("slice-axial").value);
  const y = Number(el<HTMLInputElement>("slice-coronal").value);
  const x = Number(el<HTMLInputElement>("slice-sagittal").value);
  const grey = orthoSlices(cube, 32, [z, y, x]);
  const over = m ? orthoSlices(m.map, 32, [z, y, x]) : null;
  let max = 0;
  if (m) for (const v of m.map) if (v > max) max = v;
  drawSlice(el<HTMLCanvasElement>("plane-axial"), grey.axial, over?.axial ?? null, max);
  drawSlice(el<HTMLCanvasElement>("plane-coronal"), grey.coronal, over?.coronal ?? null, max);
  drawSlice(el<HTMLCanvasElement>("plane-sagittal"), grey.sagittal, over?.sagittal ?? null, max);
  el("slice-axial-value").textContent = `z = ${z}`;
  el("slice-coronal-value").textContent = `y = ${y}`;
  el("slice-sagittal-value").textContent = `x = ${x}`;
  el("map-note").textContent = m
    ? `${m.kind === "gradcam" ? "Grad-CAM of the malignant logit on the last stage" : `spatial attention gate of ${m.name}`} (native ${m.nativeSize}³, trilinearly upsampled to 32³), scaled to its maximum over the cube.`
    : "";
}

/** Draws the series' current axial slice and, once clicked, the clicked voxel. */
function drawSeries(click?: [number, number, number]): void {
  if (!series) return;
  const [nz, ny, nx] = series.volume.shape;
  const z = Number(el<HTMLInputElement>("series-slice").value);
  el("series-slice-value").textContent = `slice ${z + 1} of ${nz}`;
  const canvas = el<HTMLCanvasElement>("series-canvas");
  canvas.width = nx;
  canvas.height = ny;
  const ctx = canvas.getContext("2d")!;
  const img = ctx.createImageData(nx, ny);
  const d = series.volume.data;
  for (let i = 0; i < ny * nx; i++) {
    const g = lungWindowGrey(d[z * ny * nx + i]) * 255;
    img.data[4 * i] = img.data[4 * i + 1] = img.data[4 * i + 2] = g;
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  if (click && click[0] === z) {
    ctx.strokeStyle = "#ff3b30";
    ctx.lineWidth = Math.max(1, nx / 256);
    ctx.strokeRect(click[2] - 32, click[1] - 32, 64, 64);
  }
}

let lastClick: [number, number, number] | undefined;

function showSeries(s: LoadedSeries, where: string): void {
  series = s;
  const [nz, ny, nx] = s.volume.shape;
  const slider = el<HTMLInputElement>("series-slice");
  slider.max = String(nz - 1);
  slider.value = String(Math.floor(nz / 2));
  lastClick = undefined;
  el("series-info").textContent = `${where}: ${s.report.modality ?? "?"} series, ${nz} slices of ${ny} x ${nx}, voxel ${s.volume.spacing.map((v) => v.toFixed(2)).join(" x ")} mm (z, y, x). Click the nodule's centre.`;
  el("series").hidden = false;
  drawSeries();
  setStatus("DICOM series loaded: pick the slice through the nodule and click its centre.");
}

async function onSeriesClick(ev: MouseEvent): Promise<void> {
  if (!series || busy) return;
  const canvas = el<HTMLCanvasElement>("series-canvas");
  const r = canvas.getBoundingClientRect();
  const [, ny, nx] = series.volume.shape;
  const voxel: [number, number, number] = [
    Number(el<HTMLInputElement>("series-slice").value),
    Math.min(ny - 1, Math.max(0, Math.floor(((ev.clientY - r.top) / r.height) * ny))),
    Math.min(nx - 1, Math.max(0, Math.floor(((ev.clientX - r.left) / r.width) * nx))),
  ];
  lastClick = voxel;
  drawSeries(voxel);
  await run(async () => {
    const cut = readingFromClick(series!.volume, voxel);
    const caveat =
      "Segmented here by a -500 HU threshold grown from your click; the shipped readings were segmented by radiologists' contours, so this score is further from what the ensemble was trained on." +
      (cut.touchesBox ? " The region reached the edge of the 64-pixel box (it leaked into a vessel, the pleura or the mediastinum): the reading holds more than the nodule." : "");
    await scoreStack(cut.stack, `voxel [${voxel.join(", ")}] (z, y, x) of ${series!.report.seriesDescription || "the series"}: ${cut.voxels} voxels, ${cut.extentMm.map((v) => v.toFixed(0)).join(" x ")} mm`, caveat);
  });
}

async function run(task: () => Promise<void>): Promise<void> {
  if (busy) return;
  busy = true;
  clearError();
  try {
    await task();
  } catch (e) {
    showError(e);
  } finally {
    busy = false;
  }
}

async function handleFiles(files: DroppedFile[]): Promise<void> {
  await run(async () => {
    if (!ensemble) throw new Error("the model is still loading; drop the files again in a moment");
    state.timings.filesMs = performance.now();
    setStatus(`Reading ${files.length} file(s) ...`);
    await tf.nextFrame();
    const input = readDroppedFiles(files);
    if (input.kind === "reading") {
      el("series").hidden = true;
      series = null;
      await scoreStack(input.stack, `${input.where} (${input.stack.shape[0]} slices)`, null);
    } else showSeries(input.series, input.where);
  });
}

async function fromFileList(list: FileList | File[]): Promise<DroppedFile[]> {
  return Promise.all(
    Array.from(list).map(async (f) => ({ name: (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name, bytes: new Uint8Array(await f.arrayBuffer()) })),
  );
}

/** Files of a drop, folders walked (the File and Directory Entries API). */
async function fromDrop(dt: DataTransfer): Promise<DroppedFile[]> {
  const entries = Array.from(dt.items)
    .map((i) => i.webkitGetAsEntry?.())
    .filter((e): e is FileSystemEntry => !!e);
  if (!entries.length) return fromFileList(dt.files);
  const out: DroppedFile[] = [];
  const walk = async (e: FileSystemEntry, prefix: string): Promise<void> => {
    if (e.isFile) {
      const f = await new Promise<File>((res, rej) => (e as FileSystemFileEntry).file(res, rej));
      out.push({ name: prefix + f.name, bytes: new Uint8Array(await f.arrayBuffer()) });
    } else if (e.isDirectory) {
      const reader = (e as FileSystemDirectoryEntry).createReader();
      for (;;) {
        const batch = await new Promise<FileSystemEntry[]>((res, rej) => reader.readEntries(res, rej));
        if (!batch.length) break;
        for (const c of batch) await walk(c, `${prefix}${e.name}/`);
      }
    }
  };
  for (const e of entries) await walk(e, "");
  return out;
}

async function main(): Promise<void> {
  const params = new URLSearchParams(location.search);
  for (const id of ["files", "folder"]) {
    const input = el<HTMLInputElement>(id);
    input.addEventListener("change", async () => {
      if (input.files?.length) await handleFiles(await fromFileList(input.files));
      input.value = "";
    });
  }
  const drop = el("drop");
  drop.addEventListener("dragover", (e) => {
    e.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", async (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    if (e.dataTransfer) await handleFiles(await fromDrop(e.dataTransfer));
  });
  for (const id of ["member", "map"]) el(id).addEventListener("change", () => {
    if (id === "member") fillMapChoices();
    drawOverlays();
  });
  for (const id of ["slice-axial", "slice-coronal", "slice-sagittal"]) el(id).addEventListener("input", drawOverlays);
  el("series-slice").addEventListener("input", () => drawSeries(lastClick));
  el("series-canvas").addEventListener("click", (e) => void onSeriesClick(e));
  try {
    setStatus("Loading the ensemble ...");
    const fetched = await fetchEnsemble("./model");
    state.timings.fetchedMs = performance.now();
    setStatus("Starting tfjs ...");
    const choice = await choosePageBackend("./wasm/", params.get("backend"), async () => {
      const ens = buildFetchedEnsemble(fetched);
      try {
        // A blank cube through every member: the ops of scoring (the explainers' gradients are
        // checked when first used, so the first score is not delayed by them).
        const s = scoreCube(ens, new Float32Array(32 ** 3));
        if (!s.members.every((m) => Number.isFinite(m.probability))) throw new Error("scores are not finite");
        return ens;
      } catch (e) {
        disposeEnsemble(ens);
        throw e;
      }
    });
    ensemble = choice.value;
    state.timings.backendMs = performance.now();
    state.backend = choice.name;
    const b = el("backend");
    b.textContent = choice.name;
    b.title = choice.skipped.length ? `passed over: ${choice.skipped.map((s) => `${s.name} (${s.reason})`).join("; ")}` : "the fastest backend started";
    el("model").innerHTML =
      `<strong>${ensemble.spec.name}</strong>: ` +
      ensemble.spec.members.map((m) => `${m.name} (<code>${m.arch}</code>, ${m.params?.toLocaleString("en") ?? "?"} parameters)`).join(", ") +
      `; ${ensemble.spec.vote} vote, threshold ${ensemble.spec.threshold}.`;
    state.modelReadyMs = performance.now();
    setStatus("Ready: drop one reading's PNG slices (or its folder), or a DICOM series.");
    document.body.dataset.ready = "true";
  } catch (e) {
    showError(e);
  }
}

void main();
