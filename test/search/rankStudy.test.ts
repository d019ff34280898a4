import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { initBackend } from "../../src/backend/select";
import { sizeOnlyDataset } from "../../src/data/synthetic/sizeOnly";
import { spearman } from "../../src/metrics/spearman";
import { blockCount, inSpace, searchId } from "../../src/search/space";
import { rankCorrelationRows, rankStudyTableRows, readRankStudyResults, resolveRankStudyConfig, runRankStudy, sampleStudyArchitectures } from "../../src/search/rankStudy";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "naslung-rank-"));
const space = { widths: [2, 4], minBlocks: 3, maxBlocks: 4, stem: [2, 2] };

function searchConfigFile(dir: string): string {
  const file = path.join(dir, "search.json");
  fs.writeFileSync(
    file,
    JSON.stringify({
      name: "tiny-search",
      seed: 5,
      space,
      evaluator: {
        kind: "train",
        data: { dataset: "size-only", options: { samples: 48 } },
        folds: { k: 3, fold: 0, seed: 5, innerValFraction: 0.3 },
        subsample: { train: 8 },
        train: { epochs: 1, batchSize: 4, loss: "softmax", head: "linear" },
        latency: { batchSizes: [1], repeats: 1, warmup: 0 },
      },
    }),
  );
  return file;
}

function studyConfig(dir: string, extra: Record<string, unknown> = {}) {
  const sc = searchConfigFile(dir);
  return {
    name: "tiny-rank",
    seed: 5,
    space,
    architectures: 3,
    references: ["s2.2-2-2-4.4"],
    scores: [
      { name: "small", searchConfig: sc, set: {} },
      { name: "all", searchConfig: sc, set: { subsample: null } },
    ],
    full: {
      base: { dataset: "size-only", datasetOptions: { samples: 48 }, arch: "model-1", seed: 5, batchSize: 4, loss: "softmax", head: "linear", optimizer: { name: "adam", lr: 0.003 }, folds: { scheme: "grouped", k: 3, innerValFraction: 0.3 }, progress: "none", prefetch: "inline", calibration: "none" },
      epochs: 1,
      folds: [0, 1],
    },
    ruler: { name: "diameter", metaKey: "diameter" },
    outDir: path.join(dir, "runs"),
    resultsFile: path.join(dir, "results.json"),
    bootstrapResamples: 50,
    ...extra,
  };
}

test("rank-study configs: bad keys and overrides are named before any training", () => {
  const dir = tmp();
  const ok = studyConfig(dir);
  assert.doesNotThrow(() => resolveRankStudyConfig(ok, "r.json"));
  assert.throws(() => resolveRankStudyConfig({ ...ok, archs: 3 }, "r.json"), /r\.json: key `archs`: unknown key/);
  assert.throws(() => resolveRankStudyConfig({ ...ok, architectures: 2 }, "r.json"), /key `architectures`: must be >= 3: a rank correlation needs at least 3/);
  assert.throws(() => resolveRankStudyConfig({ ...ok, scores: [{ name: "x", searchConfig: path.join(dir, "nope.json"), set: {} }] }, "r.json"), /scores\[0\]\.searchConfig`: search config file not found/);
  assert.throws(() => resolveRankStudyConfig({ ...ok, scores: [{ name: "x", searchConfig: ok.scores[0].searchConfig, set: { "folds.fold": 7 } }] }, "r.json"), /evaluator\.folds\.fold`: must be below folds\.k/);
  assert.throws(() => resolveRankStudyConfig({ ...ok, scores: [ok.scores[0], ok.scores[0]] }, "r.json"), /scores\[1\]\.name`: "small" appears twice/);
  assert.throws(() => resolveRankStudyConfig({ ...ok, references: ["s2.2-x"] }, "r.json"), /references\[0\]/);
  assert.throws(() => resolveRankStudyConfig({ ...ok, full: { ...ok.full, base: { ...ok.full.base, optimizr: {} } } }, "r.json"), /full\.base.*optimizr/);
});

test("sampled architectures are distinct, in the space, seeded, and cover every depth", () => {
  const s = { widths: [4, 8, 16, 32], minBlocks: 3, maxBlocks: 5, stem: [4, 4] as [number, number] };
  const a = sampleStudyArchitectures(s, 9, 11);
  assert.equal(new Set(a.map(searchId)).size, 9);
  assert.ok(a.every((x) => inSpace(s, x)));
  assert.deepEqual(a.map(blockCount).sort(), [3, 3, 3, 4, 4, 4, 5, 5, 5]);
  assert.deepEqual(sampleStudyArchitectures(s, 9, 11).map(searchId), a.map(searchId));
  assert.notDeepEqual(sampleStudyArchitectures(s, 9, 12).map(searchId), a.map(searchId));
});

test("a rank study scores every architecture with every budget, trains each fully, correlates, and resumes", async () => {
  await initBackend({ backend: "cpu", quiet: true });
  const dir = tmp();
  const c = resolveRankStudyConfig(studyConfig(dir), "tiny");
  const dataset = sizeOnlyDataset({ samples: 48 });
  const r = await runRankStudy(c, { dataset, log: () => {} });
  assert.equal(r.complete, true);
  assert.equal(r.architectures.length, 4);
  assert.deepEqual(r.architectures.map((a) => a.role), ["sampled", "sampled", "sampled", "reference"]);
  for (const a of r.architectures) {
    assert.deepEqual(Object.keys(a.scores).sort(), a.role === "sampled" ? ["all", "small"] : [], "references are trained fully, not scored");
    assert.ok(a.full && a.full.auc >= 0 && a.full.auc <= 1 && a.full.lo <= a.full.hi, a.id);
    assert.ok(fs.existsSync(path.join(a.full.runDir, "run.json")), a.full.runDir);
  }
  // The correlation is over the sampled architectures only, and it is the Spearman of the table.
  const sampled = r.architectures.filter((a) => a.role === "sampled");
  const rho = r.correlations.find((x) => x.score === "all")?.spearman;
  const expect = spearman(sampled.map((a) => a.scores.all.auc), sampled.map((a) => (a.full as { auc: number }).auc));
  if (Number.isFinite(expect)) assert.equal(rho?.value, expect);
  assert.equal(rho?.n ?? 3, 3);
  const onDisk = readRankStudyResults(c.resultsFile);
  assert.equal(onDisk.architectures.length, 4);
  assert.equal(rankStudyTableRows(onDisk).length, 4);
  assert.equal(rankCorrelationRows(onDisk).length, 2);
  // Rerun: every score comes back from the results file (its measured seconds too) and every fold from its run folder.
  const again = await runRankStudy(c, { dataset, log: () => {} });
  assert.deepEqual(again.architectures.map((a) => a.scores), r.architectures.map((a) => a.scores));
  assert.deepEqual(again.architectures.map((a) => a.full?.auc), r.architectures.map((a) => a.full?.auc));
  assert.throws(() => readRankStudyResults(path.join(dir, "missing.json")), /rank-study results not found/);
});
