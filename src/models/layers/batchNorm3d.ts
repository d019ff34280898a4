import * as tf from "@tensorflow/tfjs";
import { ParamStore } from "../paramStore";
import { ForwardContext } from "./context";

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

  apply(x: tf.Tensor5D, ctx: ForwardContext): tf.Tensor5D {
    if (!ctx.training) {
      const inv = tf.rsqrt(tf.add(this.runningVar, this.eps));
      return tf.add(tf.mul(tf.sub(x, this.runningMean), tf.mul(inv, this.gamma)), this.beta);
    }
    const { mean, variance } = tf.moments(x, [0, 1, 2, 3]);
    if (ctx.updateStats) this.updateRunning(mean as tf.Tensor1D, variance as tf.Tensor1D, x.size / this.channels);
    const inv = tf.rsqrt(tf.add(variance, this.eps));
    return tf.add(tf.mul(tf.sub(x, mean), tf.mul(inv, this.gamma)), this.beta);
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
