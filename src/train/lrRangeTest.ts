import type { NoduleSample } from "../data/sample";
import { assembleBatch } from "../augment/batch";
import { createRng } from "../util/rng";
import { deriveSeed } from "../util/seed";
import { resolveTrainConfig, RawTrainConfig, TrainConfig } from "./config";
import { ArchSpec, buildNet } from "./net";
import { createOptimizer, setLearningRate } from "./optimizer";
import { cropStatistics } from "./predict";
import { balancedClassWeights, trainStep } from "./trainer";

/** Options of `lrRangeTest`. */
export interface LrRangeOptions {
  arch?: ArchSpec;
  train: NoduleSample[];
  config: TrainConfig | RawTrainConfig;
  /** Learning rates swept geometrically from `minLr` to `maxLr` over `steps` optimizer steps. */
  minLr?: number;
  maxLr?: number;
  steps?: number;
  /** Smoothing of the loss curve (exponential moving average, bias-corrected); default 0.9. */
  smoothing?: number;
  /** Stop once the smoothed loss exceeds this multiple of its minimum (default 4). */
  divergeFactor?: number;
  seed?: number;
}

/** The curve of an LR range test and the learning rates it suggests. */
export interface LrRangeResult {
  points: Array<{ step: number; lr: number; loss: number; smoothed: number }>;
  /** Learning rate at the minimum of the smoothed loss. */
  minLossLr: number;
  /** Learning rate where the smoothed loss falls fastest per log-LR (Smith's suggestion). */
  steepestLr: number;
  /** A conservative choice: minLossLr / 10 (fastai's rule of thumb). */
  suggestedLr: number;
  /** Whether the sweep stopped because the loss diverged. */
  diverged: boolean;
}

/**
 * The learning-rate range test (Smith, "Cyclical Learning Rates for Training Neural Networks",
 * WACV 2017; the "LR finder" of fastai): one fresh network is trained with the config's optimizer,
 * loss and augmentation while the learning rate grows geometrically each step from `minLr` to
 * `maxLr`; the smoothed training loss against the rate shows where learning starts, where it is
 * fastest and where it breaks down. Seeded like training (model init, batch order, augmentation).
 */
export async function lrRangeTest(opts: LrRangeOptions): Promise<LrRangeResult> {
  const config = resolveTrainConfig(opts.config, "lrRangeTest config");
  const seed = opts.seed ?? config.seed;
  const minLr = opts.minLr ?? 1e-5;
  const maxLr = opts.maxLr ?? 1;
  const steps = opts.steps ?? 100;
  const beta = opts.smoothing ?? 0.9;
  const factor = opts.divergeFactor ?? 4;
  if (!(minLr > 0 && maxLr > minLr)) throw new Error(`lrRangeTest: need 0 < minLr < maxLr (got ${minLr}, ${maxLr})`);
  if (!Number.isInteger(steps) || steps < 5) throw new Error(`lrRangeTest: steps must be an integer >= 5 (got ${steps})`);
  if (!opts.train.length) throw new Error("lrRangeTest: no training samples");
  const n = opts.train[0].size;
  const net = buildNet(opts.arch ?? config.arch, deriveSeed(seed, "model"), config);
  const optimizer = createOptimizer(config.optimizer);
  const norm = config.preprocessing === "standardize" ? cropStatistics(opts.train) : null;
  const classWeights = config.classWeight === "balanced" ? balancedClassWeights(opts.train) : undefined;
  const src = { crops: opts.train.map((s) => s.crop), labels: opts.train.map((s) => s.label), n };
  const points: LrRangeResult["points"] = [];
  let avg = 0;
  let best = Infinity;
  let diverged = false;
  let order: number[] = [];
  let pos = 0;
  let epoch = 0;
  try {
    for (let step = 0; step < steps; step++) {
      if (pos + config.batchSize > order.length) {
        order = createRng(seed, `lr-range:shuffle:${epoch}`).shuffle(opts.train.map((_, i) => i));
        pos = 0;
        epoch++;
      }
      const lr = minLr * Math.pow(maxLr / minLr, step / (steps - 1));
      setLearningRate(optimizer, lr);
      const batch = assembleBatch(src, order.slice(pos, pos + config.batchSize), config.augment.enabled ? { config: config.augment, seed: deriveSeed(seed, "augment"), epoch, position: pos } : null);
      pos += config.batchSize;
      const { loss } = trainStep(net, optimizer, batch.x, batch.labels, n, norm, config, step + 1, classWeights);
      if (!Number.isFinite(loss)) {
        diverged = true;
        break;
      }
      avg = beta * avg + (1 - beta) * loss;
      const smoothed = avg / (1 - Math.pow(beta, step + 1));
      points.push({ step, lr, loss, smoothed });
      best = Math.min(best, smoothed);
      if (step > 5 && smoothed > factor * best) {
        diverged = true;
        break;
      }
    }
  } finally {
    optimizer.dispose();
    net.dispose();
  }
  if (points.length < 3) throw new Error(`lrRangeTest: the loss diverged after ${points.length} steps; lower minLr`);
  let iMin = 0;
  points.forEach((p, i) => {
    if (p.smoothed < points[iMin].smoothed) iMin = i;
  });
  let iSteep = 1;
  let slope = Infinity;
  for (let i = 1; i <= iMin; i++) {
    const s = (points[i].smoothed - points[i - 1].smoothed) / Math.log(points[i].lr / points[i - 1].lr);
    if (s < slope) {
      slope = s;
      iSteep = i;
    }
  }
  return { points, minLossLr: points[iMin].lr, steepestLr: points[iSteep].lr, suggestedLr: points[iMin].lr / 10, diverged };
}
