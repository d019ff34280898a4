import * as tf from "@tensorflow/tfjs";
import { ParamStore, torchDefaultUniform } from "../paramStore";
import { conv3dFused, nativeFusionAvailable } from "../../backend/nativeKernels";

/** Options of a 3-D convolution; padding is always PyTorch's symmetric `kernel // 2`. */
export interface Conv3dOptions {
  kernel: number;
  stride?: number;
  bias?: boolean;
}

/**
 * 3-D convolution on NDHWC tensors with `dhwio` weights ([kd, kh, kw, in, out]) and PyTorch's
 * default init. Padding is symmetric `k // 2` like `nn.Conv3d(padding=k//2)`: for stride 1 this is
 * tfjs "same"; for stride 2 tfjs "same" would pad only at the end, so we pad explicitly and use
 * "valid" (same output size as PyTorch, same values). Calls `tf.conv3d`, so native CPU kernels
 * registered for Conv3D are used automatically; with naslung's native kernels active on the CPU
 * backend it instead calls `conv3dFused` (one oneDNN primitive with the bias and symmetric padding
 * built in, each way; equivalence-tested against this tf-ops path).
 */
export class Conv3d {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable | null;
  readonly kernel: number;
  readonly stride: number;

  constructor(store: ParamStore, name: string, readonly inChannels: number, readonly outChannels: number, opts: Conv3dOptions) {
    this.kernel = opts.kernel;
    this.stride = opts.stride ?? 1;
    const k = this.kernel;
    const fanIn = inChannels * k * k * k;
    this.weight = store.param(`${name}.weight`, (s) => torchDefaultUniform([k, k, k, inChannels, outChannels], fanIn, s));
    this.bias = opts.bias ?? true ? store.param(`${name}.bias`, (s) => torchDefaultUniform([outChannels], fanIn, s)) : null;
  }

  apply(x: tf.Tensor5D): tf.Tensor5D {
    if (nativeFusionAvailable()) return conv3dFused(x, this.weight as tf.Tensor5D, this.bias as tf.Tensor1D | null, this.stride);
    const p = Math.floor(this.kernel / 2);
    let y: tf.Tensor5D;
    if (this.stride === 1 || p === 0) {
      y = tf.conv3d(x, this.weight as tf.Tensor5D, this.stride, p === 0 ? "valid" : "same");
    } else {
      const padded = tf.pad(x, [[0, 0], [p, p], [p, p], [p, p], [0, 0]]);
      y = tf.conv3d(padded, this.weight as tf.Tensor5D, this.stride, "valid");
    }
    return this.bias ? tf.add(y, this.bias) : y;
  }

  /** Multiply-accumulates for one sample whose output map has `outVoxels` voxels. */
  macs(outVoxels: number): number {
    return outVoxels * this.inChannels * this.outChannels * this.kernel ** 3;
  }
}
