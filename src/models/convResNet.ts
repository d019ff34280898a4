import * as tf from "@tensorflow/tfjs";
import { ConvResConfig, validateConfig, archId } from "./config";
import { ParamStore, WeightMap } from "./paramStore";
import { AttentionLayer, createAttention } from "./layers/attention";
import { CBR } from "./layers/cbr";
import { ForwardContext } from "./layers/context";
import { ResidualBlock } from "./layers/residualBlock";
import { AngleLinear, LinearHead } from "./layers/heads";
import { finalAvgPool4 } from "./layers/pooling";

/** Input side length the reference architecture is built for (32^3 cubes). */
export const INPUT_SIZE = 32;

/** Options of one forward pass. */
export interface ApplyOptions {
  /** Batch statistics in BatchNorm (and running-stat updates, see `updateStats`). */
  training: boolean;
  /**
   * Training mode only: update BatchNorm running statistics during this forward (default true,
   * PyTorch semantics). Pass false for extra forwards that must not count (e.g. gradient checks).
   */
  updateStats?: boolean;
  /** Also return the spatial attention map of every attention layer (stem first). */
  returnAttention?: boolean;
  /**
   * Called with the last stage's output [N, 4, 4, 4, C] (before the final pooling); what it
   * returns replaces it. Grad-CAM (src/explain/gradcam.ts) uses it to read the activations and,
   * through an added zero probe, their gradient.
   */
  lastStageHook?: (h: tf.Tensor5D) => tf.Tensor5D;
}

/** What `apply` returns. */
export interface ConvResOutput {
  /** Class logits [N, 2]: |x| cos(theta) for the A-Softmax head, the linear outputs otherwise. */
  logits: tf.Tensor2D;
  /** A-Softmax head only: |x| cos(theta) [N, 2] (same tensor as `logits`). */
  cos?: tf.Tensor2D;
  /** A-Softmax head only: |x| psi(theta) [N, 2]. */
  psi?: tf.Tensor2D;
  /** Pooled features [N, C] fed to the head. */
  features: tf.Tensor2D;
  /** With `returnAttention`: spatial maps [N, D, H, W] at 32^3, 16^3, 8^3, 4^3 (empty for `none`). */
  attention?: tf.Tensor4D[];
}

interface Stage {
  down: CBR;
  blocks: ResidualBlock[];
  att: AttentionLayer | null;
  size: number;
}

/**
 * The NAS-Lung ConvRes network (reference models/cnn_res.py, generalised to a configurable stem as
 * in the reference's `[stem1, stem2, stages...]` model list), NDHWC, written against tf ops.
 *
 * BatchNorm contract: `apply(x, { training: true })` normalises with batch statistics AND updates
 * the running statistics in place, once per call, exactly like a PyTorch forward in train mode.
 * This works inside `tf.variableGrads` / `optimizer.minimize` (the assignment is outside the loss
 * graph). Pass `updateStats: false` for forwards that must not move them. Optimise only
 * `trainableVariables` (running statistics are non-trainable variables).
 */
export class ConvResNet {
  readonly config: ConvResConfig;
  readonly seed: number;
  private readonly store: ParamStore;
  private readonly stem: [CBR, CBR];
  private readonly stemAtt: AttentionLayer | null;
  private readonly stages: Stage[];
  private readonly head: AngleLinear | LinearHead;
  readonly featureChannels: number;

  constructor(config: ConvResConfig, opts: { seed: number }) {
    // A private copy: later edits to the caller's object must not desynchronise `config` from the weights.
    validateConfig(config, "ConvResNet config");
    this.config = { ...config, stem: [...config.stem] as [number, number], stages: config.stages.map((st) => [...st]) as ConvResConfig["stages"] };
    config = this.config;
    if (!Number.isFinite(opts.seed)) throw new Error(`ConvResNet: seed must be a number (got ${opts.seed})`);
    this.seed = opts.seed;
    const s = (this.store = new ParamStore(opts.seed));
    const [s1, s2] = config.stem;
    this.stem = [new CBR(s, "stem.0", 1, s1, { kernel: 3 }), new CBR(s, "stem.1", s1, s2, { kernel: 3 })];
    this.stemAtt = createAttention(s, "stem_att", config.attention, s2);
    let c = s2;
    let size = INPUT_SIZE;
    this.stages = config.stages.map((widths, i) => {
      size /= 2;
      // The reference's `conv3d_pooling`: stride-2 CBR keeping the width, conv without bias.
      const down = new CBR(s, `stages.${i}.down`, c, c, { kernel: 3, stride: 2, bias: false });
      const blocks = widths.map((w, j) => {
        const b = new ResidualBlock(s, `stages.${i}.blocks.${j}`, c, w);
        c = w;
        return b;
      });
      const att = createAttention(s, `stages.${i}.att`, config.attention, c);
      return { down, blocks, att, size };
    });
    this.featureChannels = c;
    this.head = config.head === "asoftmax" ? new AngleLinear(s, "head", c, 2) : new LinearHead(s, "head", c, 2);
  }

  /** Readable architecture id with attention and head, e.g. `s4.4-8.8.8-16.16.16-32.32:reference:asoftmax`. */
  get id(): string {
    return archId(this.config, true);
  }

  /** Forward pass on [N, 32, 32, 32, 1] cubes. Call inside tf.tidy (or dispose the outputs). */
  apply(x: tf.Tensor5D, opts: ApplyOptions): ConvResOutput {
    const shape = x.shape;
    if (shape.length !== 5 || shape[1] !== INPUT_SIZE || shape[2] !== INPUT_SIZE || shape[3] !== INPUT_SIZE || shape[4] !== 1) {
      throw new Error(`ConvResNet.apply: input must be [N, 32, 32, 32, 1] (NDHWC), got [${shape}]`);
    }
    const ctx: ForwardContext = {
      training: opts.training,
      updateStats: opts.training && (opts.updateStats ?? true),
      attention: opts.returnAttention ? [] : undefined,
    };
    let h = this.stem[1].apply(this.stem[0].apply(x, ctx), ctx);
    if (this.stemAtt) h = this.stemAtt.apply(h, ctx);
    for (const st of this.stages) {
      h = st.down.apply(h, ctx);
      for (const b of st.blocks) h = b.apply(h, ctx);
      if (st.att) h = st.att.apply(h, ctx);
    }
    if (opts.lastStageHook) h = opts.lastStageHook(h);
    const features = finalAvgPool4(h);
    const out: ConvResOutput = { logits: features, features };
    if (this.head instanceof AngleLinear) {
      const { cos, psi } = this.head.apply(features);
      out.logits = cos;
      out.cos = cos;
      out.psi = psi;
    } else {
      out.logits = this.head.apply(features);
    }
    if (ctx.attention) out.attention = ctx.attention;
    return out;
  }

  /** P(malignant) per sample: softmax over the logits (|x| cos for A-Softmax), eval mode. */
  predictProba(x: tf.Tensor5D): tf.Tensor1D {
    return tf.tidy(() => {
      const { logits } = this.apply(x, { training: false });
      return tf.squeeze(tf.slice(tf.softmax(logits), [0, 1], [-1, 1]), [1]) as tf.Tensor1D;
    });
  }

  /** The variables an optimiser should update (BatchNorm running stats excluded). */
  get trainableVariables(): tf.Variable[] {
    return [...this.store.params.values()];
  }

  /** Trainable parameters by name. */
  namedParameters(): [string, tf.Variable][] {
    return [...this.store.params.entries()];
  }

  /** Every weight (parameters and BatchNorm running stats) by name, copied to Float32Arrays. */
  getWeights(): WeightMap {
    return this.store.getWeights();
  }

  /** Loads weights written by `getWeights` (strict: same names and shapes). */
  setWeights(weights: WeightMap, strict = true): void {
    this.store.setWeights(weights, strict);
  }

  /** Trainable parameter count, BatchNorm affine included (PyTorch's `parameters()` count). */
  paramCount(): number {
    return this.store.paramCount();
  }

  /**
   * Forward FLOPs per sample, counted as 2 x multiply-accumulates of every convolution (the
   * attention layers' spatial convs included) and linear map; BN, ReLU, pooling and other
   * elementwise work is left out (Model-1: 176.96 MFLOP, DESIGN.md's ~177).
   */
  flops(): number {
    const v32 = INPUT_SIZE ** 3;
    let macs = this.stem[0].conv.macs(v32) + this.stem[1].conv.macs(v32) + (this.stemAtt?.macs(v32) ?? 0);
    for (const st of this.stages) {
      const v = st.size ** 3;
      macs += st.down.conv.macs(v) + (st.att?.macs(v) ?? 0);
      for (const b of st.blocks) macs += b.macs(v);
    }
    macs += this.head.macs();
    return 2 * macs;
  }

  /** Frees every variable of this model. */
  dispose(): void {
    this.store.dispose();
  }
}
