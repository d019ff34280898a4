import * as tf from "@tensorflow/tfjs";
import { ParamStore } from "../paramStore";
import { ForwardContext } from "./context";
import { batchNormTrainFused, fusedBatchNormAvailable } from "../../backend/nativeKernels";

/**
 * BatchNorm over the channel axis of NDHWC tensors, written from tf ops because `tf.batchNorm`'s
 * gradient fails on rank 5 in tfjs 4.22 and tf.layers has no rank-5 batch norm.
 * Matches `nn.BatchNorm3d` (eps 1e-5, momentum 0.1): training normalises with the biased batch
 * variance and updates running_var with the unbiased one (n/(n-1)); eval uses running stats.
 */
export class BatchNorm3d {
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;

  constructor(store: ParamStore, name: string, readonly channels: number, readonly momentum = 0.1, readonly eps = 1e-5) {
    this.gamma = store.param(`${name}.weight`, () => tf.ones([channels]));
    this.beta = store.param(`${name}.bias`, () => tf.zeros([channels]));
    this.runningMean = store.buffer(`${name}.running_mean`, tf.zeros([channels]));
    this.runningVar = store.buffer(`${name}.running_var`, tf.ones([channels]));
  }

  /**
   * Batch norm of x, followed by max(0, .) when `relu` (CBR): with the native kernels the training
   * ReLU is fused into the batch-norm pass and its gradient into the batch-norm backward.
   */
  apply(x: tf.Tensor5D, ctx: ForwardContext, relu = false): tf.Tensor5D {
    if (!ctx.training) {
      // y = x * scale + shift with per-channel scale/shift: two passes over x.
      const scale = tf.mul(tf.rsqrt(tf.add(this.runningVar, this.eps)), this.gamma);
      const y = tf.add(tf.mul(x, scale), tf.sub(this.beta, tf.mul(this.runningMean, scale))) as tf.Tensor5D;
      return relu ? tf.relu(y) : y;
    }
    if (relu && fusedBatchNormAvailable()) return this.trainForward(x, this.gamma, this.beta, ctx.updateStats, true);
    const y = this.trainForward(x, this.gamma, this.beta, ctx.updateStats);
    return relu ? tf.relu(y) : y;
  }

  /**
   * Training-mode BN with the textbook backward (Ioffe & Szegedy 2015, sec. 3):
   * dx = gamma / sigma * (dy - mean(dy) - xhat * mean(dy * xhat)), dgamma = sum(dy * xhat),
   * dbeta = sum(dy). Hand-written because autodiff through tf.moments makes about three times
   * as many full-size passes; the golden tests check it against PyTorch.
   */
  private trainForward(x: tf.Tensor5D, gamma: tf.Tensor, beta: tf.Tensor, updateStats: boolean, fusedRelu = false): tf.Tensor5D {
    const axes = [0, 1, 2, 3];
    const n = x.size / this.channels;
    if (fusedBatchNormAvailable()) {
      // CPU backend with naslung's native kernels: the same forward/backward in one native pass
      // each way (src/backend/native/batchNorm.ts; equivalence-tested against this formula).
      const stats = updateStats ? (m: tf.Tensor1D, v: tf.Tensor1D) => this.updateRunningPlain(m, v, n) : undefined;
      return batchNormTrainFused(x, gamma as tf.Tensor1D, beta as tf.Tensor1D, this.eps, stats, fusedRelu) as tf.Tensor5D;
    }
    const f = tf.customGrad(((xIn: tf.Tensor5D, g: tf.Tensor1D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
      const { mean, variance } = tf.moments(xIn, axes);
      if (updateStats) this.updateRunning(mean as tf.Tensor1D, variance as tf.Tensor1D, n);
      const inv = tf.rsqrt(tf.add(variance, this.eps));
      const xhat = tf.mul(tf.sub(xIn, mean), inv);
      save([xhat, inv, g]);
      return {
        value: tf.add(tf.mul(xhat, g), b),
        gradFunc: (dy: tf.Tensor5D, saved: tf.Tensor[]) => {
          const [xh, iv, gm] = saved;
          const dbeta = tf.sum(dy, axes);
          const dgamma = tf.sum(tf.mul(dy, xh), axes);
          const centred = tf.sub(tf.sub(dy, tf.div(dbeta, n)), tf.mul(xh, tf.div(dgamma, n)));
          return [tf.mul(centred, tf.mul(gm, iv)), dgamma, dbeta];
        },
      };
    }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Tensor5D;
    return f(x, gamma, beta);
  }

  /**
   * `updateRunning` computed in JS on the C-element arrays (same float32 roundings as the tf ops:
   * each product and the sum rounded), for the native path: 6 tfjs kernel calls fewer per batch
   * norm, ~170 of a Model-1 step's ~1,400.
   */
  private updateRunningPlain(mean: tf.Tensor1D, variance: tf.Tensor1D, n: number): void {
    const f = Math.fround, m = this.momentum;
    const unbiased = n > 1 ? n / (n - 1) : 1;
    const keep = f(1 - m), mf = f(m), mv = f(m * unbiased);
    const mix = (run: tf.Variable, batch: tf.Tensor1D, w: number) => {
      const r = run.dataSync() as Float32Array, b = batch.dataSync() as Float32Array;
      const out = new Float32Array(r.length);
      for (let i = 0; i < r.length; i++) out[i] = f(r[i] * keep) + f(b[i] * w);
      return out;
    };
    const newMean = mix(this.runningMean, mean, mf), newVar = mix(this.runningVar, variance, mv);
    tf.tidy(() => {
      this.runningMean.assign(tf.tensor1d(newMean));
      this.runningVar.assign(tf.tensor1d(newVar));
    });
  }

  private updateRunning(mean: tf.Tensor1D, variance: tf.Tensor1D, n: number): void {
    const m = this.momentum;
    const unbiased = n > 1 ? n / (n - 1) : 1;
    // Assigning inside a tidy / gradient tape is safe: the variable takes its own reference.
    tf.tidy(() => {
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(variance, m * unbiased)));
    });
  }
}
