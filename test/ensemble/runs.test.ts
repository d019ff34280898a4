import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { membersFromRuns, loadFoldModel } from "../../src/ensemble/runs";
import { frontMembers } from "../../src/ensemble/members";
import { createModel } from "../../src/models/registry";
import { predictProbabilities, setInputNorm } from "../../src/train/predict";
import { fakeRun, samples, TINY } from "./fakeRuns";

test("members from training runs: test predictions from results, validation recomputed from the selected checkpoint", async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-ens-runs-"));
  const data = samples(12);
  const split = [
    { id: 0, val: ["n0", "n1"], test: ["n2", "n3", "n4"] },
    { id: 1, val: ["n5", "n6"], test: ["n7", "n8", "n9"] },
  ];
  const a = fakeRun(root, "a", split, () => 0.7, 1);
  const b = fakeRun(root, "b", split, () => 0.2, 2);
  const dataset = { name: "toy", source: "test", synthetic: true, samples: data };
  const { members } = await membersFromRuns([a, b], { dataset });
  assert.deepEqual(members.map((m) => m.name), ["a", "b"]);
  assert.deepEqual(members[0].folds.map((f) => f.fold), [0, 1]);
  assert.deepEqual(members[0].folds[1].test.ids, ["n7", "n8", "n9"]);
  assert.deepEqual(members[1].folds[0].test.probs, [0.2, 0.2, 0.2]);
  // Validation = the fold's checkpoint on the validation samples with its input scaling.
  const net = createModel(TINY, { seed: 1 + 1 });
  setInputNorm(net, { mean: 0.5, std: 0.3 });
  const want = Array.from(predictProbabilities(net, [data[5], data[6]]));
  net.dispose();
  members[0].folds[1].validation.probs.forEach((p, i) => assert.ok(Math.abs(p - want[i]) < 1e-6));
  assert.deepEqual(members[0].folds[1].validation.labels, [1, 0]);
  const m = loadFoldModel(a, 0);
  assert.equal(m.paramCount(), createModel(TINY, { seed: 0 }).paramCount());
  m.dispose();
  tf.disposeVariables();

  // A run on another split is refused: its validation samples could be another member's test samples.
  const c = fakeRun(root, "c", [{ id: 0, val: ["n2", "n1"], test: ["n0", "n3", "n4"] }, split[1]], () => 0.5, 3);
  await assert.rejects(membersFromRuns([a, c], { dataset }), /split differs from .*a\/folds.json/);
  // Same config name twice: members are named after their run folders.
  const a2 = fakeRun(root, "a", split, () => 0.9, 4, "a-again");
  const two = await membersFromRuns([a, a2], { dataset });
  assert.deepEqual(two.members.map((x) => x.name), ["a", "a-again"]);
  fs.rmSync(root, { recursive: true, force: true });
});

test("Pareto-front members from a search log, most accurate first", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-ens-log-"));
  const log = path.join(dir, "pop.jsonl");
  const rec = (id: string, accuracy: number, ms: number) => JSON.stringify({ v: 1, id, accuracy, latency: { batch1: { medianMs: ms } }, params: 100, flops: 1000 });
  fs.writeFileSync(log, [rec("s4.4-4-4-4", 0.7, 1), rec("s4.4-8-8-8", 0.8, 2), rec("s4.4-8-8-16", 0.75, 3), rec("s4.4-16-16-16", 0.85, 5)].join("\n") + "\n");
  const front = frontMembers(log);
  assert.deepEqual(front.map((m) => m.name), ["s4.4-16-16-16", "s4.4-8-8-8", "s4.4-4-4-4"]);
  assert.equal(front[0].meta?.latencyMs, 5);
  assert.deepEqual(frontMembers(log, { maxMembers: 2 }).map((m) => m.arch), ["s4.4-16-16-16", "s4.4-8-8-8"]);
  fs.writeFileSync(log, JSON.stringify({ v: 1, id: "s4.4-4-4-4", accuracy: 0.7 }) + "\n");
  assert.throws(() => frontMembers(log), /record 1: field "latency.batch1.medianMs" missing/);
  assert.throws(() => frontMembers(path.join(dir, "none.jsonl")), /search log not found/);
  fs.rmSync(dir, { recursive: true, force: true });
});
