import { ConvResConfig, validateConfig } from "./config";
import { attentionHidden } from "./layers/attention";
import { INPUT_SIZE } from "./convResNet";

/** One row of an architecture summary (a layer or block, in forward order). */
export interface LayerSummary {
  /** Weight-name prefix of the layer (`stem.0`, `stages.1.blocks.2`, `head`, ...). */
  name: string;
  kind: "input" | "cbr" | "down" | "residual" | "attention" | "pool" | "head";
  /** Short human label, e.g. `CBR 4->8 k3`, `ResBlock 8->16`. */
  label: string;
  inChannels: number;
  outChannels: number;
  /** Side of the (cubic) output map; 1 after pooling. */
  size: number;
  /** Trainable parameters (BN affine included). */
  params: number;
  /** Forward FLOPs per sample (2 x multiply-accumulates). */
  flops: number;
}

const convParams = (i: number, o: number, k: number, bias: boolean) => k ** 3 * i * o + (bias ? o : 0);
const cbrParams = (i: number, o: number, k: number, bias: boolean) => convParams(i, o, k, bias) + 2 * o;

/**
 * The layers of a ConvRes config with shapes, parameter counts and FLOPs, computed analytically
 * (no weights are allocated, so it is cheap enough to score the whole search space). Equal to
 * what `ConvResNet.paramCount()` / `flops()` report for the built model (tested).
 */
export function describeArchitecture(config: ConvResConfig): LayerSummary[] {
  const cfg = validateConfig(config, "describeArchitecture");
  const rows: LayerSummary[] = [];
  const att = (name: string, c: number, size: number) => {
    if (cfg.attention === "none") return;
    const h = attentionHidden(c);
    const k = cfg.attention === "cbam" ? 7 : 3;
    const mlp = 2 * c * h + (cfg.attention === "cbam" ? h + c : 0);
    rows.push({
      name,
      kind: "attention",
      label: cfg.attention === "cbam" ? `CBAM ${c} (k7)` : `ResCBAM ${c}`,
      inChannels: c,
      outChannels: c,
      size,
      params: mlp + 2 * k ** 3,
      flops: 2 * (size ** 3 * 2 * k ** 3 + 2 * 2 * c * h),
    });
  };
  const [s1, s2] = cfg.stem;
  let size = INPUT_SIZE;
  let v = size ** 3;
  rows.push({ name: "input", kind: "input", label: "input 1×32³", inChannels: 1, outChannels: 1, size, params: 0, flops: 0 });
  rows.push({ name: "stem.0", kind: "cbr", label: `CBR 1->${s1} k3`, inChannels: 1, outChannels: s1, size, params: cbrParams(1, s1, 3, true), flops: 2 * v * 27 * s1 });
  rows.push({ name: "stem.1", kind: "cbr", label: `CBR ${s1}->${s2} k3`, inChannels: s1, outChannels: s2, size, params: cbrParams(s1, s2, 3, true), flops: 2 * v * 27 * s1 * s2 });
  att("stem_att", s2, size);
  let c = s2;
  cfg.stages.forEach((widths, i) => {
    size /= 2;
    v = size ** 3;
    rows.push({ name: `stages.${i}.down`, kind: "down", label: `CBR ${c}->${c} k3 s2`, inChannels: c, outChannels: c, size, params: cbrParams(c, c, 3, false), flops: 2 * v * 27 * c * c });
    widths.forEach((w, j) => {
      rows.push({
        name: `stages.${i}.blocks.${j}`,
        kind: "residual",
        label: `ResBlock ${c}->${w}`,
        inChannels: c,
        outChannels: w,
        size,
        params: cbrParams(c, w, 3, true) + cbrParams(w, w, 3, true) + cbrParams(c, w, 1, true),
        flops: 2 * v * (27 * c * w + 27 * w * w + c * w),
      });
      c = w;
    });
    att(`stages.${i}.att`, c, size);
  });
  rows.push({ name: "pool", kind: "pool", label: "avg-pool 4 (global)", inChannels: c, outChannels: c, size: 1, params: 0, flops: 0 });
  rows.push({
    name: "head",
    kind: "head",
    label: cfg.head === "asoftmax" ? `AngleLinear ${c}->2 (m=4)` : `Linear ${c}->2`,
    inChannels: c,
    outChannels: 2,
    size: 1,
    params: cfg.head === "asoftmax" ? 2 * c : 2 * c + 2,
    flops: 2 * 2 * c,
  });
  return rows;
}

/** Trainable parameter count of a config without building it (PyTorch's count, BN affine included). */
export function paramCountOf(config: ConvResConfig): number {
  return describeArchitecture(config).reduce((s, r) => s + r.params, 0);
}

/** Forward FLOPs per sample of a config without building it (2 x MACs of convs and linear maps). */
export function flopsOf(config: ConvResConfig): number {
  return describeArchitecture(config).reduce((s, r) => s + r.flops, 0);
}
