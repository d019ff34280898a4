import * as tf from "@tensorflow/tfjs";
import { deriveSeed } from "../util/seed";

/** One named weight as stored in checkpoints: shape plus row-major float data (our NDHWC/dhwio layout). */
export interface NamedWeight {
  shape: number[];
  data: Float32Array;
}

/** A whole model's weights by dotted PyTorch-style name (e.g. `stages.0.blocks.1.conv1.bn.running_var`). */
export type WeightMap = Record<string, NamedWeight>;

/**
 * Owns the variables of one model. Trainable parameters and non-trainable buffers (BatchNorm
 * running statistics) live in separate maps under PyTorch-style dotted names, so checkpoints and
 * golden fixtures can be matched name by name. Every initialiser is seeded from the model seed and
 * the parameter's own name (`deriveSeed`), so a weight does not depend on construction order.
 *
 * tfjs registers variables globally by name and rejects duplicates, so each store prefixes its
 * tf variable names with a per-process instance id (`m3/stem.0.conv.weight`); the logical names
 * (map keys) carry no prefix. Key anything persistent (optimizer state, checkpoints) by the
 * logical names, never by `tf.Variable.name`.
 */
export class ParamStore {
  private static instances = 0;
  readonly params = new Map<string, tf.Variable>();
  readonly buffers = new Map<string, tf.Variable>();
  /** Prefix of this store's tf variable names (unique within the process). */
  readonly scope: string;

  constructor(readonly seed: number) {
    this.scope = `m${ParamStore.instances++}`;
  }

  /** Creates a trainable parameter; `init` receives the derived integer seed for tfjs initialisers. */
  param(name: string, init: (seed: number) => tf.Tensor): tf.Variable {
    if (this.params.has(name) || this.buffers.has(name)) throw new Error(`duplicate parameter name "${name}"`);
    const v = tf.tidy(() => tf.variable(init(deriveSeed(this.seed, name)), true, `${this.scope}/${name}`));
    this.params.set(name, v);
    return v;
  }

  /** Creates a non-trainable buffer (e.g. BatchNorm running mean/var). */
  buffer(name: string, value: tf.Tensor): tf.Variable {
    if (this.params.has(name) || this.buffers.has(name)) throw new Error(`duplicate buffer name "${name}"`);
    const v = tf.variable(value, false, `${this.scope}/${name}`);
    value.dispose();
    this.buffers.set(name, v);
    return v;
  }

  /** Parameters and buffers, parameters first, each in creation order. */
  all(): [string, tf.Variable][] {
    return [...this.params.entries(), ...this.buffers.entries()];
  }

  /** Copies every weight out to plain arrays. */
  getWeights(): WeightMap {
    const out: WeightMap = {};
    // dataSync may return the backend's own buffer (CPU backend): copy so callers cannot alias weights.
    for (const [name, v] of this.all()) out[name] = { shape: v.shape.slice(), data: Float32Array.from(v.dataSync()) };
    return out;
  }

  /**
   * Loads weights by name. Missing or unexpected names and shape mismatches are errors naming
   * the weight, unless `strict` is false (then only names present on both sides are loaded).
   */
  setWeights(weights: WeightMap, strict = true): void {
    const own = new Map(this.all());
    if (strict) {
      const missing = [...own.keys()].filter((k) => !(k in weights));
      const extra = Object.keys(weights).filter((k) => !own.has(k));
      if (missing.length || extra.length) {
        throw new Error(
          `setWeights: weight names do not match the model` +
            (missing.length ? `; missing: ${missing.slice(0, 8).join(", ")}${missing.length > 8 ? ", ..." : ""}` : "") +
            (extra.length ? `; unexpected: ${extra.slice(0, 8).join(", ")}${extra.length > 8 ? ", ..." : ""}` : ""),
        );
      }
    }
    for (const [name, w] of Object.entries(weights)) {
      const v = own.get(name);
      if (!v) continue;
      const size = w.shape.reduce((a, b) => a * b, 1);
      if (w.shape.length !== v.shape.length || w.shape.some((d, i) => d !== v.shape[i])) {
        throw new Error(`setWeights: "${name}" has shape [${w.shape}] but the model expects [${v.shape}]`);
      }
      if (w.data.length !== size) {
        throw new Error(`setWeights: "${name}" has ${w.data.length} values for shape [${w.shape}] (expected ${size})`);
      }
      tf.tidy(() => v.assign(tf.tensor(Float32Array.from(w.data), w.shape, "float32")));
    }
  }

  /** Number of trainable scalars (what PyTorch's `sum(p.numel() for p in parameters())` counts). */
  paramCount(): number {
    let n = 0;
    for (const v of this.params.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const [, v] of this.all()) v.dispose();
    this.params.clear();
    this.buffers.clear();
  }
}

/**
 * PyTorch's default init for Conv and Linear weights and biases: kaiming_uniform with a = sqrt(5),
 * which reduces to U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (same bound for the bias).
 */
export function torchDefaultUniform(shape: number[], fanIn: number, seed: number): tf.Tensor {
  const bound = 1 / Math.sqrt(fanIn);
  return tf.randomUniform(shape, -bound, bound, "float32", seed);
}
