import { AttentionKind } from "./layers/attention";

/** Classification head: SphereFace A-Softmax (AngleLinear) or a plain linear layer. */
export type HeadKind = "asoftmax" | "linear";

/**
 * A ConvRes architecture: stem CBR(1->stem[0]) -> CBR(stem[0]->stem[1]) -> attention; then three
 * stages, each a stride-2 CBR keeping the width, one ResidualBlock per entry of the stage list
 * (entry = output width), and an attention layer; then a global average pool and the head.
 */
export interface ConvResConfig {
  stem: [number, number];
  stages: [number[], number[], number[]];
  attention: AttentionKind;
  head: HeadKind;
}

const ATTENTIONS: AttentionKind[] = ["reference", "cbam", "none"];
const HEADS: HeadKind[] = ["asoftmax", "linear"];

/** Checks a config and returns it; errors name the offending field. */
export function validateConfig(cfg: ConvResConfig, where = "config"): ConvResConfig {
  const posInt = (v: unknown, field: string) => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
      throw new Error(`${where}: ${field} must be a positive integer width (got ${JSON.stringify(v)})`);
    }
  };
  if (!Array.isArray(cfg.stem) || cfg.stem.length !== 2) throw new Error(`${where}: stem must be two widths [stem1, stem2]`);
  cfg.stem.forEach((v, i) => posInt(v, `stem[${i}]`));
  if (!Array.isArray(cfg.stages) || cfg.stages.length !== 3) throw new Error(`${where}: stages must be three lists of widths`);
  cfg.stages.forEach((st, i) => {
    if (!Array.isArray(st) || st.length === 0) throw new Error(`${where}: stages[${i}] must be a non-empty list of widths`);
    st.forEach((v, j) => posInt(v, `stages[${i}][${j}]`));
  });
  if (!ATTENTIONS.includes(cfg.attention)) {
    throw new Error(`${where}: attention must be one of ${ATTENTIONS.join(", ")} (got ${JSON.stringify(cfg.attention)})`);
  }
  if (!HEADS.includes(cfg.head)) throw new Error(`${where}: head must be one of ${HEADS.join(", ")} (got ${JSON.stringify(cfg.head)})`);
  return cfg;
}

/**
 * Parses an architecture from either the reference's `data/model.npy` string
 * `[4,4,[8,8,8],[16,16,16],[32,32]]` or our readable id `s4.4-8.8.8-16.16.16-32.32`
 * (optionally followed by `:attention:head`, as `archId(cfg, true)` writes).
 * Attention/head default to the reference's (`reference`, `asoftmax`) unless given.
 */
export function parseArch(
  text: string,
  defaults: { attention?: AttentionKind; head?: HeadKind } = {},
): ConvResConfig {
  const src = text.trim();
  let stem: number[];
  let stages: number[][];
  let attention = defaults.attention ?? "reference";
  let head = defaults.head ?? "asoftmax";
  const bad = (why: string) => new Error(`parseArch: cannot parse "${text}": ${why}`);
  if (src.startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(src);
    } catch (e) {
      throw bad(`not a valid list (${(e as Error).message})`);
    }
    if (!Array.isArray(parsed) || parsed.length !== 5) throw bad("expected [stem1, stem2, [stage1], [stage2], [stage3]]");
    const [a, b, ...rest] = parsed as unknown[];
    if (typeof a !== "number" || typeof b !== "number") throw bad("the first two entries must be the stem widths");
    if (!rest.every(Array.isArray)) throw bad("the last three entries must be lists of widths");
    stem = [a, b];
    stages = rest as number[][];
  } else {
    const [body, att, hd, ...more] = src.split(":");
    if (more.length) throw bad("too many ':' sections (expected id[:attention[:head]])");
    if (att) attention = att as AttentionKind;
    if (hd) head = hd as HeadKind;
    const m = /^s(\d+)\.(\d+)-([\d.]+)-([\d.]+)-([\d.]+)$/.exec(body);
    if (!m) throw bad("expected s<stem1>.<stem2>-<w.w.w>-<w.w.w>-<w.w.w> or a [..] list");
    stem = [Number(m[1]), Number(m[2])];
    stages = [m[3], m[4], m[5]].map((s) => s.split(".").map((v) => (v === "" ? NaN : Number(v))));
  }
  return validateConfig(
    { stem: stem as [number, number], stages: stages as [number[], number[], number[]], attention, head },
    `parseArch("${text}")`,
  );
}

/** Readable id, e.g. `s4.4-8.8.8-16.16.16-32.32`; with `full`, `:attention:head` is appended. */
export function archId(cfg: ConvResConfig, full = false): string {
  const body = `s${cfg.stem.join(".")}-${cfg.stages.map((s) => s.join(".")).join("-")}`;
  return full ? `${body}:${cfg.attention}:${cfg.head}` : body;
}

/** The reference's list notation, e.g. `[4,4,[8,8,8],[16,16,16],[32,32]]`. */
export function archList(cfg: ConvResConfig): string {
  return `[${cfg.stem.join(",")},${cfg.stages.map((s) => `[${s.join(",")}]`).join(",")}]`;
}
