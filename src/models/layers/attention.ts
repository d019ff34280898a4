import * as tf from "@tensorflow/tfjs";
import { ParamStore, torchDefaultUniform } from "../paramStore";
import { ForwardContext } from "./context";
import { Conv3d } from "./conv3d";
import { channelMax, globalAvgPool3d, globalMaxPool3d } from "./pooling";
import { attentionPoolFused, nativeFusionAvailable, scaleResidualFused } from "../../backend/nativeKernels";

/** Which attention layer closes the stem and each stage. */
export type AttentionKind = "reference" | "cbam" | "none";

/** Common surface of the attention variants. */
export interface AttentionLayer {
  readonly kind: AttentionKind;
  apply(x: tf.Tensor5D, ctx: ForwardContext): tf.Tensor5D;
  /** Multiply-accumulates per sample at a map of `voxels` voxels. */
  macs(voxels: number): number;
}

/** Hidden width of the channel MLP: C / 4 (floor) as in the reference, at least 1. */
export function attentionHidden(channels: number): number {
  return Math.max(1, Math.floor(channels / 4));
}

/** [max over channels, mean over channels] stacked as a 2-channel NDHWC map (the reference's order). */
function channelPoolMap(x: tf.Tensor5D): tf.Tensor5D {
  return tf.concat([channelMax(x), tf.mean(x, -1, true)], -1) as tf.Tensor5D;
}

/**
 * ResCBAM exactly as coded in the NAS-Lung reference (`ResCBAMLayer` in models/cnn_res.py), which
 * differs from CBAM (Woo et al. 2018):
 * - channel MLP C -> C/4 -> C without biases and WITHOUT a ReLU between the two linear maps,
 *   applied to the global average and global max pools (the reference's AvgPool3d/MaxPool3d with
 *   kernel = feature size are global pools);
 * - channel weights are a SOFTMAX over channels (they sum to 1) instead of a sigmoid gate;
 * - spatial map s = sigmoid(conv3d_k3([max_c, mean_c] of the channel-weighted tensor)), no bias;
 * - output = s * x + x: the channel weights only steer the spatial map; x itself is not
 *   channel-gated, and the residual keeps the signal when s -> 0.
 * (The reference's cnn_res_cbam_sp.py variant uses a softmax over voxels instead of the sigmoid;
 * we follow cnn_res.py, the model the paper describes.)
 */
export class ReferenceResCBAM implements AttentionLayer {
  readonly kind = "reference" as const;
  readonly fc1: tf.Variable;
  readonly fc2: tf.Variable;
  readonly spatial: Conv3d;
  readonly hidden: number;

  constructor(store: ParamStore, name: string, readonly channels: number) {
    const h = (this.hidden = attentionHidden(channels));
    // Stored as [in, out] (x @ W); PyTorch's nn.Linear keeps [out, in].
    this.fc1 = store.param(`${name}.fc1.weight`, (s) => torchDefaultUniform([channels, h], channels, s));
    this.fc2 = store.param(`${name}.fc2.weight`, (s) => torchDefaultUniform([h, channels], h, s));
    this.spatial = new Conv3d(store, `${name}.spatial`, 2, 1, { kernel: 3, bias: false });
  }

  apply(x: tf.Tensor5D, ctx: ForwardContext): tf.Tensor5D {
    const [n, , , , c] = x.shape;
    const mlp = (v: tf.Tensor2D) => tf.matMul(tf.matMul(v, this.fc1 as tf.Tensor2D), this.fc2 as tf.Tensor2D);
    const avg = globalAvgPool3d(x);
    const mx = globalMaxPool3d(x);
    const chWeights = tf.softmax(tf.add(mlp(avg), mlp(mx))) as tf.Tensor2D;
    // With the native kernels: the channel pool of x * weights and s * x + x in one native pass
    // each (src/backend/native/attention.ts, equivalence-tested against these tf ops).
    const fused = nativeFusionAvailable();
    const pooled = fused ? attentionPoolFused(x, chWeights) : channelPoolMap(tf.mul(x, tf.reshape(chWeights, [n, 1, 1, 1, c])) as tf.Tensor5D);
    const s = tf.sigmoid(this.spatial.apply(pooled)) as tf.Tensor5D;
    if (ctx.attention) ctx.attention.push(tf.squeeze(s, [4]) as tf.Tensor4D);
    return fused ? scaleResidualFused(x, s) : tf.add(tf.mul(s, x), x);
  }

  macs(voxels: number): number {
    return this.spatial.macs(voxels) + 2 * 2 * this.channels * this.hidden;
  }
}

/**
 * Textbook CBAM (Woo et al., ECCV 2018, eqs. 2-3): Mc = sigmoid(MLP(avg) + MLP(max)) with
 * MLP = W1 ReLU(W0 .) (biases as in the authors' nn.Linear), x' = Mc * x;
 * Ms = sigmoid(conv7x7x7([max_c, mean_c](x'))), out = Ms * x'. Reduction ratio 4 (the paper's 16
 * would leave 0-2 hidden units at these widths). The authors' code adds a BatchNorm after the
 * spatial conv; the paper (and we) do not. No residual: the gates multiply x directly.
 */
export class CBAM implements AttentionLayer {
  readonly kind = "cbam" as const;
  readonly fc1: tf.Variable;
  readonly fc1Bias: tf.Variable;
  readonly fc2: tf.Variable;
  readonly fc2Bias: tf.Variable;
  readonly spatial: Conv3d;
  readonly hidden: number;

  constructor(store: ParamStore, name: string, readonly channels: number, readonly spatialKernel = 7) {
    const h = (this.hidden = attentionHidden(channels));
    this.fc1 = store.param(`${name}.fc1.weight`, (s) => torchDefaultUniform([channels, h], channels, s));
    this.fc1Bias = store.param(`${name}.fc1.bias`, (s) => torchDefaultUniform([h], channels, s));
    this.fc2 = store.param(`${name}.fc2.weight`, (s) => torchDefaultUniform([h, channels], h, s));
    this.fc2Bias = store.param(`${name}.fc2.bias`, (s) => torchDefaultUniform([channels], h, s));
    this.spatial = new Conv3d(store, `${name}.spatial`, 2, 1, { kernel: spatialKernel, bias: false });
  }

  apply(x: tf.Tensor5D, ctx: ForwardContext): tf.Tensor5D {
    const [n, , , , c] = x.shape;
    const mlp = (v: tf.Tensor2D) =>
      tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(v, this.fc1 as tf.Tensor2D), this.fc1Bias)), this.fc2 as tf.Tensor2D), this.fc2Bias);
    const avg = globalAvgPool3d(x);
    const mx = globalMaxPool3d(x);
    const gate = tf.sigmoid(tf.add(mlp(avg), mlp(mx)));
    const xc = tf.mul(x, tf.reshape(gate, [n, 1, 1, 1, c])) as tf.Tensor5D;
    const s = tf.sigmoid(this.spatial.apply(channelPoolMap(xc))) as tf.Tensor5D;
    if (ctx.attention) ctx.attention.push(tf.squeeze(s, [4]) as tf.Tensor4D);
    return tf.mul(s, xc);
  }

  macs(voxels: number): number {
    return this.spatial.macs(voxels) + 2 * 2 * this.channels * this.hidden;
  }
}

/** Builds the attention layer of a kind; `none` gives null (the stage output passes through). */
export function createAttention(store: ParamStore, name: string, kind: AttentionKind, channels: number): AttentionLayer | null {
  switch (kind) {
    case "reference":
      return new ReferenceResCBAM(store, name, channels);
    case "cbam":
      return new CBAM(store, name, channels);
    case "none":
      return null;
    default:
      throw new Error(`attention: unknown kind "${kind as string}" (expected reference, cbam or none)`);
  }
}
