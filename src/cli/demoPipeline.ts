import * as fs from "fs";
import * as path from "path";
import { demoDataset } from "../data/pipeline";
import type { NoduleDataset } from "../data/sample";
import { crossValidatedMembers, frontMembers } from "../ensemble/members";
import { evaluateEnsembles, planEnsembles } from "../ensemble/evaluate";
import { ensembleTableRows, ensembleRocFigure } from "../plot/ensemble";
import { SummaryEntry, summaryTableRows, summaryWithRuler } from "../ensemble/summary";
import { insideMaskFigure, overlayGridFigure } from "../plot/explain";
import { searchFrontFigure } from "../plot/search";
import { exportFigure, closeRenderer } from "../plot/export";
import type { Figure } from "../plot/figure";
import { showTable } from "../plot/display";
import { attentionStudy } from "../explain/study";
import { orthoSlices, noduleCentre } from "../explain/slices";
import { relativeDensity } from "../explain/resize";
import type { ExplainableModel } from "../explain/model";
import { createModel } from "../models/registry";
import { runConfig } from "../ensemble/runs";
import { loadSearchConfig, searchLogFile } from "../search/config";
import { readSearchLog } from "../search/log";
import { runConfiguredSearch } from "../search/session";
import type { TrainConfig } from "../train/config";
import { writeJsonAtomic } from "../util/atomic";
import { gitCommit, quickMode, repoRoot } from "../util/provenance";

/** configs/demo.json: the main job on the embedded synthetic cohort. */
export interface DemoConfig {
  name: string;
  seed: number;
  cohort: { patients: number; seed: number };
  /** The search config file (its budget is replaced by `searchBudget`). */
  search: string;
  searchBudget: { maxCandidates: number; maxSeconds: number | null; patience: number };
  ensemble: { maxMembers: number; train: Partial<TrainConfig>; selection: { metric: "accuracy" | "auc" | "f1"; maxSize: number; withReplacement: boolean } };
  attention: { maxNodules: number };
  outDir: string;
}

/** Reads configs/demo.json, naming the file and key on error. */
export function loadDemoConfig(file: string): DemoConfig {
  let c: DemoConfig;
  try {
    c = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: ${(e as Error).message}`);
  }
  for (const k of ["name", "seed", "cohort", "search", "searchBudget", "ensemble", "attention", "outDir"] as const) {
    if (c[k] === undefined) throw new Error(`${file}: missing key \`${k}\``);
  }
  return c;
}

/** Quick mode (tests): a tiny cohort and budgets, same code path. */
export function quickDemoConfig(c: DemoConfig): DemoConfig {
  return {
    ...c,
    cohort: { patients: 8, seed: 3 },
    searchBudget: { maxCandidates: 2, maxSeconds: 60, patience: 2 },
    ensemble: { ...c.ensemble, maxMembers: 2, train: { ...c.ensemble.train, epochs: 2, bootstrapResamples: 100 } },
    attention: { maxNodules: 6 },
    outDir: `${c.outDir}-quick`,
  };
}

/** What the demo leaves behind. */
export interface DemoResult {
  outDir: string;
  dataset: { name: string; samples: number; malignant: number; synthetic: boolean };
  metricsRows: Array<Record<string, unknown>>;
  /** Every member and ensemble by pooled test AUC, with the true-diameter ruler on the same nodules (summary.json). */
  summary: SummaryEntry[];
  insideMask: Array<{ map: string; inside: number; baseline: number; ratio: number; winRate: number }>;
  figures: string[];
}

const stage = (log: (s: string) => void, n: number, title: string) => log(`\n== [${n}/5] ${title} ==`);

/**
 * The whole NAS-Lung path on the embedded SYNTHETIC cohort: (1) synthetic DICOM series + LIDC
 * XML -> labelled 32^3 crops, (2) a scaled POP architecture search scored on an inner validation
 * split, (3) cross-validated training of the search's Pareto-front models, (4) hard/soft-vote
 * ensembles chosen on validation predictions and scored on the pooled test folds with 95% CIs,
 * (5) attention gates and Grad-CAM of a member on its fold's test nodules, with the inside-nodule
 * mass against a random-map baseline. Every stage resumes from what an interrupted run left.
 */
export async function runDemo(c: DemoConfig, log: (s: string) => void = (s) => console.error(s)): Promise<DemoResult> {
  const outDir = path.resolve(repoRoot, c.outDir);
  const figDir = path.join(outDir, "figures");
  const figures: string[] = [];
  const save = async (name: string, fig: Figure) => figures.push(...(await exportFigure(fig, path.join(figDir, name))));

  stage(log, 1, `SYNTHETIC cohort (${c.cohort.patients} patients, seed ${c.cohort.seed}): DICOM + XML -> crops`);
  let lastPct = -1;
  const ds: NoduleDataset = await demoDataset({
    patients: c.cohort.patients,
    seed: c.cohort.seed,
    onGenerate: (d, t) => log(`  generated patient ${d}/${t}`),
    onProgress: (d, t) => {
      const pct = Math.floor((100 * d) / t / 10) * 10;
      if (pct !== lastPct) log(`  preprocessing ${d}/${t} series`);
      lastPct = pct;
    },
  });
  const malignant = ds.samples.filter((s) => s.label === 1).length;
  log(`  ${ds.samples.length} labelled nodules (${malignant} malignant) from ${new Set(ds.samples.map((s) => s.group)).size} synthetic patients`);

  stage(log, 2, "POP architecture search (validation split of fold 0; scaled budget)");
  const base = loadSearchConfig(path.resolve(repoRoot, c.search));
  const scfg = {
    ...base,
    name: `${c.name}-search`,
    seed: c.seed,
    outDir: path.relative(repoRoot, path.join(outDir, "search")),
    strategies: ["pop" as const],
    budget: { ...base.budget, ...c.searchBudget },
    workers: 0,
    evaluator: base.evaluator.kind === "train" ? { ...base.evaluator, data: { dataset: "demo", options: { patients: c.cohort.patients, seed: c.cohort.seed } } } : base.evaluator,
  };
  const res = await runConfiguredSearch(scfg as typeof base, {
    onRecord: (r, st) => log(`  trained ${r.id}: val score ${r.accuracy.toFixed(3)} (AUC ${Number(r.val.auc).toFixed(3)}), ${r.latency.batch1.medianMs.toFixed(1)} ms @1; front ${st.front.length}`),
  });
  const popLog = searchLogFile(scfg as typeof base, "pop");
  const records = readSearchLog(popLog, { strategy: "pop", searchSeed: scfg.seed, space: scfg.space });
  log(`  ${records.length} candidates trained; front: ${(res.pop?.front ?? []).map((p: { id: string }) => p.id).join(", ")}`);
  await save("search_front", searchFrontFigure([{ name: "POP", records }], "POP search on the SYNTHETIC cohort: validation score vs latency"));

  stage(log, 3, "cross-validated training of the front's models");
  const members = frontMembers(popLog, { maxMembers: c.ensemble.maxMembers }).map((m) => ({ ...m, arch: String(m.arch) }));
  const training = await crossValidatedMembers({
    dataset: ds,
    members,
    train: { ...c.ensemble.train, dataset: "demo" },
    seed: c.seed,
    workDir: path.join(outDir, "members"),
    keepModels: true,
    log: (l) => log(`  ${l}`),
  });

  stage(log, 4, "ensembles (members chosen on validation predictions; scored once on the pooled test folds)");
  const options = { selection: c.ensemble.selection, tie: "soft" as const, bootstrap: { resamples: Number(c.ensemble.train.bootstrapResamples ?? 500), seed: c.seed } };
  const evaluation = evaluateEnsembles(training.members, options, planEnsembles(training.members, options));
  const metricsRows = ensembleTableRows(evaluation);
  const summary = summaryWithRuler(evaluation, ds.samples, { name: "true diameter (ruler)", metaKey: "truthDiameterMm" }, options.bootstrap);
  writeJsonAtomic(path.join(outDir, "summary.json"), summary);
  await save("ensemble_roc", ensembleRocFigure(evaluation, { synthetic: true }));

  stage(log, 5, "attention gates and Grad-CAM on held-out nodules");
  const sizes = training.members.map((m) => training.models.get(m.name)![0].paramCount());
  const k = sizes.indexOf(Math.max(...sizes));
  const member = training.members[k];
  const model = training.models.get(member.name)![0];
  const foldRec = training.split.folds.find((f) => f.id === member.folds[0].fold)!;
  const byId = new Map(ds.samples.map((s) => [s.id, s]));
  const samples = foldRec.test.map((id) => byId.get(id)!).slice(0, c.attention.maxNodules);
  const cfg = runConfig(training.runDirs.get(member.name)!);
  const untrained = createModel(cfg.arch, { seed: cfg.seed, attention: cfg.attention, head: cfg.head });
  const study = attentionStudy({ model: model as unknown as ExplainableModel, samples, untrained: untrained as unknown as ExplainableModel, seed: c.seed });
  untrained.dispose();
  for (const nets of training.models.values()) for (const n of nets) n.dispose();
  await save("attention_inside_mask", insideMaskFigure(study.summary, { title: `Attention mass inside the nodule (${member.name}, SYNTHETIC test nodules)`, untrained: study.untrainedSummary }));
  const mal = samples.findIndex((s) => s.label === 1);
  const i = mal >= 0 ? mal : 0;
  const s = samples[i];
  const centre = noduleCentre(s.mask, s.size);
  await save(
    "attention_overlay",
    overlayGridFigure(
      orthoSlices(s.crop, s.size, centre),
      study.explanations[i].maps.map((m) => ({ name: m.name, slices: orthoSlices(relativeDensity(m.map), s.size, centre) })),
      { title: `${s.id} (${s.label ? "malignant" : "benign"}, SYNTHETIC): attention and Grad-CAM`, mask: s.mask ? orthoSlices(s.mask, s.size, centre) : undefined },
    ),
  );
  await closeRenderer();
  const insideMask = study.summary.map((m) => ({ map: m.map, inside: m.meanInside, baseline: m.meanBaseline, ratio: m.ratio, winRate: m.winRate }));
  const result: DemoResult = {
    outDir,
    dataset: { name: ds.name, samples: ds.samples.length, malignant, synthetic: ds.synthetic },
    metricsRows,
    summary,
    insideMask,
    figures,
  };
  writeJsonAtomic(path.join(outDir, "demo.json"), { config: c, seed: c.seed, gitCommit: gitCommit(), quick: quickMode(), createdAt: new Date().toISOString(), ...result });
  log("\n== metrics (pooled test folds, 95% bootstrap CI; SYNTHETIC data) ==");
  showTable(metricsRows);
  log("\n== AUC beside the ruler (the true nodule diameter, no training; same pooled test nodules) ==");
  showTable(summaryTableRows(summary));
  log("\n== attention mass inside the nodule (mean over test nodules) vs random-map baseline ==");
  showTable(insideMask);
  log(`\nfigures:\n${figures.map((f) => `  ${path.relative(process.cwd(), f)}`).join("\n")}\nsummary: ${path.relative(process.cwd(), path.join(outDir, "demo.json"))}, ${path.relative(process.cwd(), path.join(outDir, "summary.json"))}`);
  return result;
}
