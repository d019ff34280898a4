import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { fakeRun } from "./fakeRuns";
import { resolveEnsembleConfig } from "../../src/ensemble/run";

const run = promisify(execFile);
const main = path.join(__dirname, "..", "..", "src", "cli", "main.js");

test("naslung ensemble --config: members from finished runs -> metrics.json with CIs and per-fold choices", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-ens-cli-"));
  const split = [
    { id: 0, val: ["n0", "n1"], test: ["n2", "n3", "n4", "n5"] },
    { id: 1, val: ["n6", "n7"], test: ["n8", "n9", "n10", "n11"] },
  ];
  // Test probabilities: "good" is right on every test nodule, "bad" on none, "mid" on half.
  const truth = (id: string) => Number(id.slice(1)) % 2;
  const good = fakeRun(root, "good", split, (id) => (truth(id) ? 0.9 : 0.1), 1);
  const bad = fakeRun(root, "bad", split, (id) => (truth(id) ? 0.2 : 0.8), 2);
  const mid = fakeRun(root, "mid", split, (id) => (Number(id.slice(1)) % 4 < 2 ? 0.7 : 0.3), 3);
  // Validation predictions given in result.json (`valPredictions`), so no dataset is loaded;
  // on validation only "good" is right.
  for (const dir of [good, bad, mid]) {
    for (const f of split) {
      const file = path.join(dir, `fold-${f.id}`, "result.json");
      const r = JSON.parse(fs.readFileSync(file, "utf8"));
      r.valPredictions = { ids: f.val, labels: f.val.map(truth), probabilities: f.val.map((id: string) => (dir === good ? (truth(id) ? 0.8 : 0.2) : 0.4)) };
      fs.writeFileSync(file, JSON.stringify(r));
    }
  }
  const cfgFile = path.join(root, "ens.json");
  fs.writeFileSync(cfgFile, JSON.stringify({ name: "t", runs: ["good", "bad", "mid"], bootstrapResamples: 50, out: "out" }));
  const { stdout } = await run(process.execPath, [main, "ensemble", "--config", cfgFile], { env: { ...process.env, NASLUNG_BACKEND: "cpu" } });
  assert.match(stdout, /pooled test folds, n = 8/);
  assert.match(stdout, /hard vote \(all\)/);
  const m = JSON.parse(fs.readFileSync(path.join(root, "out", "metrics.json"), "utf8"));
  assert.equal(m.n, 8);
  assert.deepEqual(m.members.map((x: { name: string }) => x.name), ["good", "bad", "mid"]);
  const acc = (name: string) => m.members.concat(m.ensembles).find((x: { name: string }) => x.name === name).report.metrics.accuracy;
  assert.equal(acc("good").value, 1);
  assert.equal(acc("bad").value, 0);
  assert.equal(acc("mid").value, 0.5);
  // Hard vote of good/bad/mid = mid's vote where good and bad disagree (always): accuracy 0.5.
  assert.equal(acc("hard vote (all)").value, 0.5);
  // Greedy selection on validation picks "good" (the only member right on validation) alone.
  const greedy = m.ensembles.find((e: { name: string }) => e.name === "hard vote (greedy)");
  assert.deepEqual(greedy.folds.map((f: { members: string[] }) => f.members), [["good"], ["good"]]);
  assert.equal(acc("hard vote (greedy)").value, 1);
  assert.ok(acc("good").lo <= 1 && acc("good").hi === 1);
  const preds = JSON.parse(fs.readFileSync(path.join(root, "out", "predictions.json"), "utf8"));
  assert.equal(preds.samples.length, 8);
  fs.rmSync(root, { recursive: true, force: true });
});

test("ensemble config errors name the file and key", () => {
  assert.throws(() => resolveEnsembleConfig({ runs: ["a"], searchLog: "b" }, "e.json"), /e.json: key `runs\|searchLog\|members`: give exactly one member source \(got runs, searchLog\)/);
  assert.throws(() => resolveEnsembleConfig({ runs: [] }, "e.json"), /key `runs`: must be a non-empty list/);
  assert.throws(() => resolveEnsembleConfig({ runs: ["a"], selection: { metric: "acc" } }, "e.json"), /key `selection.metric`: must be one of "accuracy"/);
  assert.throws(() => resolveEnsembleConfig({ runs: ["a"], votes: 3 }, "e.json"), /key `votes`: unknown key/);
  assert.throws(() => resolveEnsembleConfig({ members: [{ name: "x" }] }, "e.json"), /key `members\[0\]\.arch`: is required/);
  assert.throws(() => resolveEnsembleConfig({ members: [{ name: "x", arch: "model-1" }], train: { epochs: 0 } }, "e.json"), /e.json \(train\): key `epochs`: must be a positive integer/);
  const c = resolveEnsembleConfig({ runs: ["r1"], tie: "benign" }, "e.json", "/base");
  assert.deepEqual(c.runs, ["/base/r1"]);
  assert.equal(c.tie, "benign");
  assert.deepEqual(c.selection, { metric: "accuracy", maxSize: 7, withReplacement: false });
});
