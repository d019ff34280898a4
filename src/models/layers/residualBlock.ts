import * as tf from "@tensorflow/tfjs";
import { ParamStore } from "../paramStore";
import { CBR } from "./cbr";
import { ForwardContext } from "./context";

/**
 * The reference's ResidualBlock: CBR3(CBR3(x)) + CBR1(x). The shortcut is always a 1x1 CBR (even
 * when in == out) and the sum is not followed by a ReLU, exactly as in the reference.
 * All three convolutions carry a bias (the reference's default), although BN makes it redundant.
 */
export class ResidualBlock {
  readonly conv1: CBR;
  readonly conv2: CBR;
  readonly shortcut: CBR;

  constructor(store: ParamStore, name: string, readonly inChannels: number, readonly outChannels: number) {
    this.conv1 = new CBR(store, `${name}.conv1`, inChannels, outChannels, { kernel: 3 });
    this.conv2 = new CBR(store, `${name}.conv2`, outChannels, outChannels, { kernel: 3 });
    this.shortcut = new CBR(store, `${name}.shortcut`, inChannels, outChannels, { kernel: 1 });
  }

  apply(x: tf.Tensor5D, ctx: ForwardContext): tf.Tensor5D {
    const short = this.shortcut.apply(x, ctx);
    return this.conv2.applyAdd(this.conv1.apply(x, ctx), short, ctx);
  }

  macs(voxels: number): number {
    return this.conv1.conv.macs(voxels) + this.conv2.conv.macs(voxels) + this.shortcut.conv.macs(voxels);
  }
}
