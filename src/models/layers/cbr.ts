import * as tf from "@tensorflow/tfjs";
import { ParamStore } from "../paramStore";
import { BatchNorm3d } from "./batchNorm3d";
import { ForwardContext } from "./context";
import { Conv3d, Conv3dOptions } from "./conv3d";

/** Conv3d + BatchNorm3d + ReLU (the reference's `make_conv3d`). */
export class CBR {
  readonly conv: Conv3d;
  readonly bn: BatchNorm3d;

  constructor(store: ParamStore, name: string, inChannels: number, outChannels: number, opts: Conv3dOptions) {
    this.conv = new Conv3d(store, `${name}.conv`, inChannels, outChannels, opts);
    this.bn = new BatchNorm3d(store, `${name}.bn`, outChannels);
  }

  apply(x: tf.Tensor5D, ctx: ForwardContext): tf.Tensor5D {
    return tf.relu(this.bn.apply(this.conv.apply(x), ctx));
  }
}
