import * as tf from "@tensorflow/tfjs";
import { ParamStore } from "../paramStore";
import { BatchNorm3d } from "./batchNorm3d";
import { ForwardContext } from "./context";
import { Conv3d, Conv3dOptions } from "./conv3d";
import { BnEval, conv3dBnInfer, nativeFusionAvailable } from "../../backend/nativeKernels";

/** Conv3d + BatchNorm3d + ReLU (the reference's `make_conv3d`). */
export class CBR {
  readonly conv: Conv3d;
  readonly bn: BatchNorm3d;

  constructor(store: ParamStore, name: string, inChannels: number, outChannels: number, opts: Conv3dOptions) {
    this.conv = new Conv3d(store, `${name}.conv`, inChannels, outChannels, opts);
    this.bn = new BatchNorm3d(store, `${name}.bn`, outChannels);
  }

  /**
   * relu(bn(conv(x))). With the native kernels on the CPU backend, an eval forward outside any
   * gradient tape is one oneDNN convolution with the batch norm folded in and a ReLU post-op; in
   * training the ReLU is fused into the native batch norm. Elsewhere: the plain tf-ops path.
   */
  apply(x: tf.Tensor5D, ctx: ForwardContext): tf.Tensor5D {
    if (CBR.fusedEval(ctx)) return this.evalNative(x);
    return this.bn.apply(this.conv.apply(x), ctx, true);
  }

  /** relu(bn(conv(x))) + residual (ResidualBlock's sum), the add fused into the native eval conv. */
  applyAdd(x: tf.Tensor5D, residual: tf.Tensor5D, ctx: ForwardContext): tf.Tensor5D {
    if (CBR.fusedEval(ctx)) return this.evalNative(x, residual);
    return tf.add(this.apply(x, ctx), residual);
  }

  /** Whether an eval forward can take the folded native path (no tape: it has no gradient). */
  static fusedEval(ctx: ForwardContext): boolean {
    return !ctx.training && nativeFusionAvailable() && !tf.engine().isTapeOn();
  }

  private evalNative(x: tf.Tensor5D, residual?: tf.Tensor5D): tf.Tensor5D {
    const { conv, bn } = this;
    const stats: BnEval = {
      gamma: bn.gamma as tf.Tensor1D, beta: bn.beta as tf.Tensor1D,
      runningMean: bn.runningMean as tf.Tensor1D, runningVar: bn.runningVar as tf.Tensor1D, eps: bn.eps,
    };
    return conv3dBnInfer(x, conv.weight as tf.Tensor5D, conv.bias as tf.Tensor1D | null, stats, conv.stride, true, residual);
  }
}
