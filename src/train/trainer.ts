import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import type { NoduleSample } from "../data/sample";
import type { WeightMap } from "../models/paramStore";
import { createBatchLoader, prefetchBatches, BatchRequest } from "../augment/loader";
import { auc } from "../metrics/auc";
import { binaryMetrics, MetricValues } from "../metrics/binary";
import { writeJsonAtomic } from "../util/atomic";
import { killPoint } from "../util/killPoint";
import { createRng } from "../util/rng";
import { deriveSeed } from "../util/seed";
import { Checkpoint, EpochRecord, InputNorm, loadCheckpoint, saveCheckpoint, TrainState } from "./checkpoint";
import { RawTrainConfig, resolveTrainConfig, TrainConfig } from "./config";
import { ArchSpec, buildNet, TrainableNet } from "./net";
import { trainingLoss } from "./objective";
import { createOptimizer, loadOptimizerState, saveOptimizerState, setLearningRate } from "./optimizer";
import { batchTensor, binaryCrossEntropy, cropStatistics, predictProbabilities, setInputNorm } from "./predict";
import { createProgress } from "./progress";
import { learningRateAt } from "./schedule";

/** Thrown when the loss becomes NaN or infinite; the last good checkpoint is left in place. */
export class TrainingDivergedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TrainingDivergedError";
  }
}

/** Options of `trainModel`. */
export interface TrainModelOptions {
  /** Registry name / arch string / ConvResConfig, or a seeded factory (tests). */
  arch: ArchSpec;
  train: NoduleSample[];
  /** Inner validation set: early stopping and checkpoint choice. Never the test fold. */
  val: NoduleSample[];
  /** A resolved config, or a partial one (defaults are filled in, nested keys too). */
  config: TrainConfig | RawTrainConfig;
  /** Overrides `config.seed`. */
  seed?: number;
  /** Where checkpoints (last.ckpt, best.ckpt) and history.json go; none = in memory only. */
  runDir?: string;
  /** Continue from `runDir/last.ckpt` when it exists (default true). */
  resume?: boolean;
  /** Called after each epoch, once its checkpoint is on disk. May throw to stop the run. */
  onEpoch?: (rec: EpochRecord, history: EpochRecord[]) => void | Promise<void>;
  /** Label shown in progress output (e.g. "fold 2/10"). */
  label?: string;
}

/** What `trainModel` returns. */
export interface TrainResult {
  /** The network with the selected (best validation) epoch's weights loaded. */
  model: TrainableNet;
  history: EpochRecord[];
  /** 0-based epoch whose weights `model` holds. */
  bestEpoch: number;
  /** Validation predictions of the selected model. */
  val: { ids: string[]; labels: number[]; probabilities: Float32Array; metrics: MetricValues };
  inputNorm: InputNorm | null;
  /** Whether early stopping ended the run before `config.epochs`. */
  stoppedEarly: boolean;
  /** Whether this call continued from a checkpoint. */
  resumedFrom: number | null;
}

/**
 * Balanced class weights of a training set: w_c = N / (2 N_c), so each class carries half of the
 * total weight and the weights average 1 over the set (sklearn's `class_weight="balanced"`).
 */
export function balancedClassWeights(samples: NoduleSample[]): [number, number] {
  const n1 = samples.filter((s) => s.label === 1).length;
  const n0 = samples.length - n1;
  if (!n0 || !n1) throw new Error(`classWeight "balanced": the training set has ${n0} benign and ${n1} malignant samples (both classes needed)`);
  return [samples.length / (2 * n0), samples.length / (2 * n1)];
}

/** Selection score of an epoch, compared lexicographically (higher is better). */
function selectionScore(selectBy: TrainConfig["earlyStopping"]["selectBy"], valLoss: number, valAcc: number, valAuc: number): number[] {
  const clean = (v: number) => (Number.isFinite(v) ? v : -1e9);
  const negLoss = clean(-valLoss);
  if (selectBy === "loss") return [negLoss];
  if (selectBy === "accuracy") return [clean(valAcc), negLoss];
  return [clean(valAuc), negLoss];
}

function better(a: number[], b: number[] | null): boolean {
  if (!b) return true;
  for (let i = 0; i < a.length; i++) {
    if (a[i] > b[i] + 1e-12) return true;
    if (a[i] < b[i] - 1e-12) return false;
  }
  return false;
}

/** What must stay the same for a checkpoint to be resumable. */
function fingerprint(config: TrainConfig, seed: number, train: NoduleSample[], val: NoduleSample[]): string {
  // Keys that do not change the training trajectory (display, threads, final-prediction TTA).
  const { progress, prefetch, backend, evalBatchSize, bootstrapResamples, tta, calibration, ...rest } = config;
  void progress, prefetch, backend, evalBatchSize, bootstrapResamples, tta, calibration;
  const h = crypto.createHash("sha1");
  h.update(JSON.stringify({ rest, seed, train: train.map((s) => s.id), val: val.map((s) => s.id) }));
  return h.digest("hex");
}

function checkSamples(samples: NoduleSample[], what: string): number {
  if (!samples.length) throw new Error(`trainModel: the ${what} set is empty`);
  const n = samples[0].size;
  for (const s of samples) {
    if (s.size !== n || s.crop.length !== n * n * n) {
      throw new Error(`trainModel: ${what} sample "${s.id}" has size ${s.size} and ${s.crop.length} voxels (expected ${n}^3)`);
    }
    if (s.label !== 0 && s.label !== 1) throw new Error(`trainModel: ${what} sample "${s.id}" has label ${s.label} (expected 0 or 1)`);
  }
  return n;
}

/** The first weight tensor holding a NaN or an infinity, or null. */
function nonFiniteWeight(w: WeightMap): string | null {
  for (const [k, v] of Object.entries(w)) for (let i = 0; i < v.data.length; i++) if (!Number.isFinite(v.data[i])) return `${k}[${i}] = ${v.data[i]}`;
  return null;
}

function copyWeights(w: WeightMap): WeightMap {
  const out: WeightMap = {};
  for (const [k, v] of Object.entries(w)) out[k] = { shape: v.shape.slice(), data: v.data.slice() };
  return out;
}

/**
 * Trains one network on `train`, choosing the epoch by `val` (inner validation, never the test
 * fold), with the config's optimizer, schedule, augmentation and early stopping.
 *
 * Reproducibility: every random draw derives from the seed and a stable key (model init, epoch
 * shuffle, per-sample augmentation), and the checkpoint written after every epoch holds the
 * weights (BatchNorm running statistics included), the optimizer slots, the step counter
 * (A-Softmax's lambda annealing) and the history. A run resumed from `runDir` therefore ends with
 * the same weights, bit for bit, as one never interrupted.
 *
 * A NaN or infinite loss stops training before the bad step is applied, with a
 * TrainingDivergedError; the previous epoch's checkpoint stays on disk.
 */
export async function trainModel(opts: TrainModelOptions): Promise<TrainResult> {
  const config = resolveTrainConfig(opts.config, "trainModel config");
  const seed = opts.seed ?? config.seed;
  const n = checkSamples(opts.train, "training");
  const nVal = checkSamples(opts.val, "validation");
  if (nVal !== n) throw new Error(`trainModel: validation crops are ${nVal}^3 but training crops are ${n}^3`);
  const fp = fingerprint(config, seed, opts.train, opts.val);
  const lastFile = opts.runDir ? path.join(opts.runDir, "last.ckpt") : null;
  const bestFile = opts.runDir ? path.join(opts.runDir, "best.ckpt") : null;

  const net = buildNet(opts.arch, deriveSeed(seed, "model"), config);
  const optimizer = createOptimizer(config.optimizer);
  let state: TrainState = {
    epoch: 0,
    step: 0,
    history: [],
    bestEpoch: -1,
    bestScore: [],
    inputNorm: config.preprocessing === "standardize" ? cropStatistics(opts.train) : null,
    fingerprint: fp,
  };
  let bestWeights: WeightMap | null = null;
  let resumedFrom: number | null = null;
  if (lastFile && fs.existsSync(lastFile)) {
    if (opts.resume === false) throw new Error(`${lastFile}: a checkpoint exists; pass resume to continue it or use a new run directory`);
    const ck = loadCheckpoint(lastFile);
    if (ck.state.fingerprint !== fp) {
      throw new Error(`${lastFile}: checkpoint was written with a different config, seed or data split; cannot resume`);
    }
    net.setWeights(ck.weights);
    await loadOptimizerState(optimizer, ck.optimizer);
    state = ck.state;
    resumedFrom = state.epoch;
    if (bestFile && fs.existsSync(bestFile) && state.bestEpoch >= 0) {
      // best.ckpt is written just before last.ckpt: a kill between the two leaves a best.ckpt one
      // epoch ahead of the state resumed here. That epoch is retrained (identically), so the
      // newer best is ignored and the best of the resumed state is kept.
      const best = loadCheckpoint(bestFile);
      if (best.state.bestEpoch === state.bestEpoch) bestWeights = best.weights;
      else if (best.state.bestEpoch < state.bestEpoch) throw new Error(`${bestFile}: holds epoch ${best.state.bestEpoch + 1} but ${lastFile} says the best was epoch ${state.bestEpoch + 1}; the run folder was edited`);
    }
  }
  setInputNorm(net, state.inputNorm);

  const trainIdx = opts.train.map((_, i) => i);
  const stepsPerEpoch = Math.ceil(opts.train.length / config.batchSize);
  const augSeed = deriveSeed(seed, "augment");
  const loader = createBatchLoader(
    { crops: opts.train.map((s) => s.crop), labels: opts.train.map((s) => s.label), n },
    { augment: config.augment, seed: augSeed },
    config.prefetch,
  );
  const progress = createProgress(config.progress, { label: opts.label ?? "", epochs: config.epochs, stepsPerEpoch, startEpoch: state.epoch });
  const valLabels = opts.val.map((s) => s.label as number);
  const classWeights = config.classWeight === "balanced" ? balancedClassWeights(opts.train) : undefined;
  let stoppedEarly = false;
  const who = opts.label ? ` (${opts.label})` : "";
  const kept = () => (lastFile && state.epoch > 0 ? `the last good checkpoint (after epoch ${state.epoch}) is kept at ${lastFile}` : "no checkpoint was written yet");
  try {
    const patience = config.earlyStopping.patience;
    const since = () => state.epoch - 1 - state.bestEpoch;
    if (patience !== null && state.bestEpoch >= 0 && since() >= patience) stoppedEarly = true;
    for (let epoch = state.epoch; epoch < config.epochs && !stoppedEarly; epoch++) {
      const t0 = Date.now();
      const lr = learningRateAt(config.optimizer.lr, config.schedule, epoch, config.epochs);
      setLearningRate(optimizer, lr);
      const order = createRng(seed, `shuffle:${epoch}`).shuffle(trainIdx.slice());
      const requests: BatchRequest[] = [];
      for (let p = 0; p < order.length; p += config.batchSize) {
        requests.push({ indices: order.slice(p, p + config.batchSize), epoch, position: p, augment: true });
      }
      let lossSum = 0;
      let correctSum = 0;
      let seen = 0;
      let b = 0;
      for await (const batch of prefetchBatches(loader, requests)) {
        const iteration = state.step + 1;
        const { loss, correct } = trainStep(net, optimizer, batch.x, batch.labels, n, state.inputNorm, config, iteration, classWeights);
        if (!Number.isFinite(loss)) {
          const bad = nonFiniteWeight(net.getWeights());
          const cause = bad ? `the weights were already non-finite (${bad}: an earlier update overflowed)` : "the weights are finite (check the inputs)";
          throw new TrainingDivergedError(
            `training diverged${who}: loss is ${loss} at epoch ${epoch + 1}, step ${iteration} (lr ${lr}); ${cause}; the step was not applied and training stopped; ${kept()}. Lower optimizer.lr or check the inputs.`,
          );
        }
        state.step = iteration;
        killPoint("train:step");
        lossSum += loss * batch.labels.length;
        correctSum += correct;
        seen += batch.labels.length;
        b++;
        progress.step(epoch * stepsPerEpoch + b, { epoch, loss: lossSum / seen, accuracy: correctSum / seen });
      }
      // An update can overflow the weights after the epoch's last loss check: caught here, before
      // any validation score or checkpoint of this epoch is computed or written.
      const weights = net.getWeights();
      const bad = nonFiniteWeight(weights);
      if (bad) {
        throw new TrainingDivergedError(
          `training diverged${who}: the weights became non-finite during epoch ${epoch + 1} (by step ${state.step}, lr ${lr}; ${bad}); nothing of this epoch was written; ${kept()}. Lower optimizer.lr or check the inputs.`,
        );
      }
      const probs = predictProbabilities(net, opts.val, config.evalBatchSize);
      const badProb = probs.findIndex((p) => !Number.isFinite(p));
      if (badProb >= 0) {
        throw new TrainingDivergedError(
          `training diverged${who}: validation prediction for "${opts.val[badProb].id}" is ${probs[badProb]} after epoch ${epoch + 1} (step ${state.step}, lr ${lr}); nothing of this epoch was written; ${kept()}. Lower optimizer.lr or check the inputs.`,
        );
      }
      const valLoss = binaryCrossEntropy(valLabels, probs);
      const m = binaryMetrics(valLabels, probs);
      const score = selectionScore(config.earlyStopping.selectBy, valLoss, m.accuracy, m.auc);
      const improved = better(score, state.bestEpoch >= 0 ? state.bestScore : null);
      const rec: EpochRecord = {
        epoch,
        lr,
        step: state.step,
        trainLoss: lossSum / seen,
        trainAccuracy: correctSum / seen,
        valLoss,
        valAccuracy: m.accuracy,
        valAuc: m.auc,
        best: improved,
        seconds: (Date.now() - t0) / 1000,
      };
      state.history.push(rec);
      state.epoch = epoch + 1;
      if (improved) {
        state.bestEpoch = epoch;
        state.bestScore = score;
        bestWeights = copyWeights(weights);
        if (bestFile) saveCheckpoint(bestFile, { state, weights, optimizer: [] });
        killPoint("train:best-saved");
      }
      if (lastFile) {
        const ck: Checkpoint = { state, weights, optimizer: await saveOptimizerState(optimizer) };
        saveCheckpoint(lastFile, ck);
        writeJsonAtomic(path.join(path.dirname(lastFile), "history.json"), state.history);
        killPoint("train:epoch");
      }
      await progress.epoch(rec, state.history);
      if (opts.onEpoch) await opts.onEpoch(rec, state.history);
      if (patience !== null && since() >= patience) stoppedEarly = state.epoch < config.epochs;
    }
  } finally {
    progress.close();
    await loader.close();
    optimizer.dispose();
  }
  if (bestWeights) net.setWeights(bestWeights);
  const probabilities = predictProbabilities(net, opts.val, config.evalBatchSize, config.tta);
  return {
    model: net,
    history: state.history,
    bestEpoch: state.bestEpoch,
    val: { ids: opts.val.map((s) => s.id), labels: valLabels, probabilities, metrics: binaryMetrics(valLabels, probabilities) },
    inputNorm: state.inputNorm,
    stoppedEarly,
    resumedFrom,
  };
}

/**
 * One optimizer step: forward in training mode (BatchNorm batch statistics + running-stat
 * update), loss, gradients of the trainable variables, optional L2 weight decay, update. The
 * loss is read before the update so a non-finite loss is never applied. Returns the batch loss
 * and the number of correct argmax predictions.
 */
export function trainStep(
  net: TrainableNet,
  optimizer: tf.Optimizer,
  x: Float32Array,
  labels: Int32Array,
  n: number,
  norm: InputNorm | null,
  config: TrainConfig,
  iteration: number,
  classWeights?: number[],
): { loss: number; correct: number } {
  const vars = net.trainableVariables;
  const xt = batchTensor(x, labels.length, n, norm);
  const yt = tf.tensor1d(labels, "int32");
  let correctT: tf.Tensor | null = null;
  const { value, grads } = tf.variableGrads(() => {
    const out = net.apply(xt, { training: true });
    correctT = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(out.logits, 1), yt), "float32")));
    return trainingLoss(config.loss, out, yt, iteration, config.asoftmax, classWeights);
  }, vars);
  const loss = value.dataSync()[0];
  const correct = correctT ? (correctT as tf.Tensor).dataSync()[0] : 0;
  if (Number.isFinite(loss)) {
    const wd = config.optimizer.weightDecay;
    // Every variable, in a fixed order: tfjs optimizers key their slots by list position.
    const list = vars.map((v) => {
      const g = grads[v.name];
      return { name: v.name, tensor: wd && g ? tf.tidy(() => tf.add(g, tf.mul(v, wd))) : g };
    });
    optimizer.applyGradients(list);
    if (wd) tf.dispose(list.map((l) => l.tensor).filter((t) => t));
  }
  tf.dispose([xt, yt, value, correctT as unknown as tf.Tensor]);
  tf.dispose(Object.values(grads));
  return { loss, correct };
}
