import * as fs from "fs";
import * as path from "path";
import { createModel } from "../../src/models/registry";
import { saveCheckpoint } from "../../src/train/checkpoint";
import type { NoduleSample } from "../../src/data/sample";
import { createRng } from "../../src/util/rng";
import { DEFAULT_TRAIN_CONFIG } from "../../src/train/config";

/* Fake finished training runs (src/train layout) for the ensemble tests: no training needed. */

export const TINY = "s2.2-2-2-4";

export function samples(n: number): NoduleSample[] {
  const rng = createRng(4, "runs-test");
  return Array.from({ length: n }, (_, i) => ({
    id: `n${i}`,
    label: (i % 2) as 0 | 1,
    group: `p${i}`,
    size: 32,
    crop: Float32Array.from({ length: 32 ** 3 }, () => rng.next()),
  }));
}

/** A fake finished run: config, folds.json, per fold a result and a best.ckpt of a tiny net. */
export function fakeRun(root: string, name: string, split: { id: number; val: string[]; test: string[] }[], probs: (id: string) => number, seed: number, folder = name): string {
  const dir = path.join(root, folder);
  fs.mkdirSync(dir, { recursive: true });
  const config = { ...DEFAULT_TRAIN_CONFIG, name, arch: TINY, seed, epochs: 1 };
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(config));
  fs.writeFileSync(path.join(dir, "folds.json"), JSON.stringify({ scheme: "grouped-stratified", folds: split.map((f, index) => ({ index, id: f.id, train: [], val: f.val, test: f.test })) }));
  for (const f of split) {
    const fd = path.join(dir, `fold-${f.id}`);
    fs.mkdirSync(fd, { recursive: true });
    const net = createModel(TINY, { seed: seed + f.id });
    saveCheckpoint(path.join(fd, "best.ckpt"), {
      state: { epoch: 1, step: 1, history: [], bestEpoch: 0, bestScore: [1], inputNorm: { mean: 0.5, std: 0.3 }, fingerprint: "x" },
      weights: net.getWeights(),
      optimizer: [],
    });
    net.dispose();
    const labels = f.test.map((id) => Number(id.slice(1)) % 2);
    fs.writeFileSync(path.join(fd, "result.json"), JSON.stringify({ index: 0, id: f.id, test: { ids: f.test, labels, probabilities: f.test.map(probs) } }));
  }
  return dir;
}

