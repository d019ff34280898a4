import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawnSync } from "child_process";
import { initBackend } from "../../src/backend/select";
import { createModel } from "../../src/models/registry";
import { setInputNorm, predictProbabilities } from "../../src/train/predict";
import { loadLidcSlices } from "../../src/data/lidcSlices";
import { repoRoot, sharedDataDir } from "../../src/util/provenance";
import { auc } from "../../src/metrics/auc";
import {
  disposeEnsemble,
  ensembleScores,
  loadEnsemble,
  memberProbabilities,
  saveEnsembleSpec,
  saveMember,
  PretrainedEnsemble,
} from "../../src/benchmark/pretrained";

const TINY = "[2,2,[2],[2],[4]]";
const bin = path.join(__dirname, "..", "..", "..", "bin", "naslung.js");

before(() => initBackend({ quiet: true }));

/** A small LIDC-style folder: a few real readings copied from the shared set. */
function miniSlicesDir(): string {
  const src = path.join(sharedDataDir(), "lidc-solid-nodule-slices-64px", "images");
  const dst = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-slices-"));
  for (const cls of ["benigno", "maligno"]) {
    for (const exam of fs.readdirSync(path.join(src, cls)).sort().slice(0, 3)) {
      fs.cpSync(path.join(src, cls, exam), path.join(dst, "images", cls, exam), { recursive: true });
    }
  }
  return dst;
}

function saveTiny(dir: string, vote: "soft" | "hard"): PretrainedEnsemble {
  const members = [1, 2, 3].map((seed) => {
    const net = createModel(TINY, { seed, attention: "reference", head: "asoftmax" });
    setInputNorm(net, { mean: 0.1 * seed, std: 0.5 });
    const m = saveMember(dir, net, { name: `m${seed}`, arch: TINY, attention: "reference", head: "asoftmax", bestEpoch: 0, val: {} });
    net.dispose();
    return m;
  });
  const spec: PretrainedEnsemble = { format: "naslung-ensemble/1", name: "tiny", vote, threshold: 0.5, members, provenance: { test: true } };
  saveEnsembleSpec(dir, spec);
  return spec;
}

test("a saved ensemble reloads to bit-identical member predictions", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-pre-"));
  const ds = loadLidcSlices(miniSlicesDir(), { radiomics: false, cacheDir: false });
  const nets = [1, 2, 3].map((seed) => {
    const net = createModel(TINY, { seed, attention: "reference", head: "asoftmax" });
    setInputNorm(net, { mean: 0.1 * seed, std: 0.5 });
    return net;
  });
  const before = nets.map((n) => predictProbabilities(n, ds.samples));
  const members = nets.map((n, i) => saveMember(dir, n, { name: `m${i}`, arch: TINY, attention: "reference", head: "asoftmax", bestEpoch: 0, val: {} }));
  saveEnsembleSpec(dir, { format: "naslung-ensemble/1", name: "t", vote: "soft", threshold: 0.5, members, provenance: {} });
  const loaded = loadEnsemble(dir);
  const after = memberProbabilities(loaded, ds.samples);
  after.forEach((p, m) => assert.deepEqual(Array.from(p), Array.from(before[m])));
  const soft = ensembleScores({ vote: "soft", threshold: 0.5 }, after);
  const hard = ensembleScores({ vote: "hard", threshold: 0.5 }, after);
  for (let i = 0; i < soft.length; i++) {
    assert.ok(Math.abs(soft[i] - (after[0][i] + after[1][i] + after[2][i]) / 3) < 1e-6);
    assert.equal(hard[i], Math.fround(after.filter((p) => p[i] >= 0.5).length / 3));
  }
});

test("corrupt or mismatched weights are named errors", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-pre-"));
  const spec = saveTiny(dir, "soft");
  const w = path.join(dir, spec.members[1].file);
  const b = fs.readFileSync(w);
  b[b.length - 1] ^= 0xff;
  fs.writeFileSync(w, b);
  assert.throws(() => loadEnsemble(dir), /m2\.weights: SHA-256 mismatch/);
  assert.throws(() => loadEnsemble(path.join(dir, "nope")), /no saved ensemble here/);
});

test("naslung evaluate-slices prints the metrics JSON line for a folder of readings", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-pre-"));
  saveTiny(dir, "hard");
  const slices = miniSlicesDir();
  const r = spawnSync(process.execPath, [bin, "evaluate-slices", "--model", dir, "--dir", slices], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop() as string);
  assert.deepEqual(Object.keys(out), ["n", "accuracy", "sensitivity", "specificity", "f1", "auc"]);
  const n = loadLidcSlices(slices, { radiomics: false, cacheDir: false }).samples.length;
  assert.equal(out.n, n);
  assert.ok(out.accuracy >= 0 && out.accuracy <= 1);
  const bad = spawnSync(process.execPath, [bin, "evaluate-slices", "--model", dir, "--dir", "/nonexistent"], { encoding: "utf8" });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /\/nonexistent: no images\/ folder/);
});

for (const [name, members] of [
  ["lidc-ensemble-16ep", ["model-1", "searched-fast"]],
] as const) {
  test(`the committed ${name} loads (checksums verified), is the trained one, and scores a folder through the CLI`, () => {
    const dir = path.join(repoRoot, "data", "pretrained", name);
    const ens = loadEnsemble(dir);
    assert.deepEqual(ens.spec.members.map((m) => m.name), members);
    assert.ok(fs.readFileSync(path.join(dir, "MODEL_CARD.md"), "utf8").includes("research and teaching only"));
    // Readings the ensemble was trained on: trained weights rank them far better than chance
    // (freshly initialised members of these architectures scored AUC 0.10-0.57 on these 40, seeds 1-2).
    const ds = loadLidcSlices();
    const pick = [...ds.samples.filter((s) => s.label === 1).slice(0, 20), ...ds.samples.filter((s) => s.label === 0).slice(0, 20)];
    const scores = ensembleScores(ens.spec, memberProbabilities(ens, pick));
    assert.ok(auc(pick.map((s) => s.label), scores) > 0.8);
    disposeEnsemble(ens);
    const slices = miniSlicesDir();
    const r = spawnSync(process.execPath, [bin, "evaluate-slices", "--model", `data/pretrained/${name}`, "--dir", slices], { encoding: "utf8", cwd: repoRoot });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split("\n").pop() as string);
    assert.equal(out.n, loadLidcSlices(slices, { radiomics: false, cacheDir: false }).samples.length);
  });
}
