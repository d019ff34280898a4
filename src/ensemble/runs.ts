import * as fs from "fs";
import * as path from "path";
import type { NoduleDataset, NoduleSample } from "../data/sample";
import { loadCheckpoint } from "../train/checkpoint";
import { resolveTrainConfig, TrainConfig } from "../train/config";
import type { FoldResult, SplitRecord } from "../train/crossValidate";
import { loadDatasetByName } from "../train/datasets";
import { buildNet, TrainableNet } from "../train/net";
import { predictProbabilities, setInputNorm } from "../train/predict";
import type { FoldPredictions, MemberPredictions } from "./types";
import { checkSplit } from "./types";

/** Reads and parses a JSON file of a run; errors name the file. */
function readJson<T>(file: string, what: string): T {
  if (!fs.existsSync(file)) throw new Error(`${file}: missing (${what})`);
  try {
    return JSON.parse(fs.readFileSync(file, "utf8")) as T;
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
}

/** The resolved config of a training run directory (runs/<id>/config.json). */
export function runConfig(runDir: string): TrainConfig {
  const file = path.join(runDir, "config.json");
  return resolveTrainConfig(readJson(file, "the run's resolved config"), file);
}

/**
 * The network one fold of a run selected (fold-<id>/best.ckpt: the epoch chosen on the inner
 * validation split), with the input scaling it was trained with; ready for
 * `predictProbabilities` or `explainSamples`. The caller disposes it.
 */
export function loadFoldModel(runDir: string, foldId: number, config: TrainConfig = runConfig(runDir)): TrainableNet {
  const file = path.join(runDir, `fold-${foldId}`, "best.ckpt");
  if (!fs.existsSync(file)) throw new Error(`${file}: missing (fold ${foldId} has no selected checkpoint; did it finish?)`);
  const ck = loadCheckpoint(file);
  const net = buildNet(config.arch, config.seed, config);
  try {
    net.setWeights(ck.weights);
  } catch (e) {
    net.dispose();
    throw new Error(`${file}: ${(e as Error).message} (config.json arch ${config.arch})`);
  }
  setInputNorm(net, ck.state.inputNorm);
  return net;
}

/**
 * Ensemble members from finished cross-validated training runs (src/train `runTraining` /
 * `crossValidate` directories), one member per run: its test-fold predictions from
 * fold-<id>/result.json and its inner-validation predictions recomputed from the selected
 * checkpoint (result.json keeps only validation metrics). Runs must share the same split
 * (folds.json: identical test and validation ids per fold): otherwise one member's validation
 * samples could be another's test samples and selection would peek at test data. Only folds
 * finished in every run are used. The dataset is loaded from the first run's config unless given.
 */
export async function membersFromRuns(
  runDirs: string[],
  opts: { dataset?: NoduleDataset; names?: string[] } = {},
): Promise<{ members: MemberPredictions[]; split: SplitRecord; configs: TrainConfig[] }> {
  if (!runDirs.length) throw new Error("membersFromRuns: no run directories given");
  const configs = runDirs.map(runConfig);
  const splits = runDirs.map((d) => readJson<SplitRecord>(path.join(d, "folds.json"), "the run's data split"));
  const key = (s: SplitRecord) => JSON.stringify(s.folds.map((f) => [f.id, f.val, f.test]));
  splits.forEach((s, i) => {
    if (key(s) !== key(splits[0])) {
      throw new Error(`${path.join(runDirs[i], "folds.json")}: its split differs from ${path.join(runDirs[0], "folds.json")}; ensemble members must share folds and validation splits (same dataset, folds.k and seed)`);
    }
  });
  const finished = splits[0].folds.filter((f) => runDirs.every((d) => fs.existsSync(path.join(d, `fold-${f.id}`, "result.json"))));
  if (!finished.length) throw new Error(`membersFromRuns: no fold is finished in every run (${runDirs.join(", ")})`);
  let dataset = opts.dataset ?? null;
  const byId = new Map<string, NoduleSample>();
  const sampleOf = async (id: string): Promise<NoduleSample> => {
    if (!dataset) {
      dataset = await loadDatasetByName(configs[0].dataset, configs[0].datasetOptions, path.join(runDirs[0], "config.json"));
    }
    if (!byId.size) for (const s of dataset.samples) byId.set(s.id, s);
    const s = byId.get(id);
    if (!s) throw new Error(`membersFromRuns: sample "${id}" of the run's split is not in dataset ${dataset.name}`);
    return s;
  };
  const baseNames = opts.names ?? configs.map((c) => c.name);
  const names = baseNames.map((n, i) => (baseNames.indexOf(n) !== baseNames.lastIndexOf(n) && !opts.names ? path.basename(runDirs[i]) : n));
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup) throw new Error(`membersFromRuns: member name "${dup}" appears twice`);
  const members: MemberPredictions[] = [];
  for (const [i, dir] of runDirs.entries()) {
    const folds: FoldPredictions[] = [];
    for (const f of finished) {
      const resFile = path.join(dir, `fold-${f.id}`, "result.json");
      const res = readJson<FoldResult & { valPredictions?: { ids: string[]; labels: number[]; probabilities: number[] } }>(resFile, "fold result");
      const test = { ids: res.test.ids, labels: res.test.labels as Array<0 | 1>, probs: res.test.probabilities.map(Number) };
      checkSplit(test, `${resFile} test`);
      let validation;
      if (res.valPredictions) {
        validation = { ids: res.valPredictions.ids, labels: res.valPredictions.labels as Array<0 | 1>, probs: res.valPredictions.probabilities.map(Number) };
      } else {
        const val: NoduleSample[] = [];
        for (const id of f.val) val.push(await sampleOf(id));
        const net = loadFoldModel(dir, f.id, configs[i]);
        try {
          validation = { ids: val.map((s) => s.id), labels: val.map((s) => s.label), probs: Array.from(predictProbabilities(net, val, configs[i].evalBatchSize), Number) };
        } finally {
          net.dispose();
        }
      }
      checkSplit(validation, `${dir} fold ${f.id} validation`);
      folds.push({ fold: f.id, validation, test });
    }
    members.push({ name: names[i], folds, meta: { runDir: dir, arch: configs[i].arch, attention: configs[i].attention, head: configs[i].head } });
  }
  return { members, split: splits[0], configs };
}
