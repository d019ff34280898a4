import { AttentionKind } from "./layers/attention";
import { ConvResConfig, HeadKind, parseArch } from "./config";
import { ConvResNet } from "./convResNet";

/**
 * The ten searched configurations the reference ships in `data/model.npy`, in DESIGN.md order,
 * with their PyTorch parameter counts (reference code, BN affine included). Which of them is the
 * paper's "Model-k" is not recorded by the reference; `model-1` is the 0.159M net.
 */
export const REFERENCE_MODELS: { name: string; arch: string; params: number }[] = [
  { name: "model-1", arch: "[4,4,[8,8,8],[16,16,16],[32,32]]", params: 158500 },
  { name: "model-2", arch: "[4,4,[8,16,16],[16,32,64],[128,128]]", params: 1957252 },
  { name: "model-3", arch: "[4,4,[4,8,16,16,16],[32,128],[128]]", params: 2013016 },
  { name: "model-4", arch: "[4,4,[64,64,64,64],[64],[128,128]]", params: 2832140 },
  { name: "model-5", arch: "[4,4,[8,32],[64,64,64],[64,64,128,128]]", params: 2835572 },
  { name: "model-6", arch: "[32,64,[64],[64],[64,64,128,128]]", params: 2882008 },
  { name: "model-7", arch: "[32,64,[64,64,64],[64,64,64,64],[64,64,64,64,128]]", params: 3560728 },
  { name: "model-8", arch: "[32,64,[64],[64,64,256],[512,512]]", params: 30300184 },
  { name: "model-9", arch: "[32,64,[64,64],[64,128,128,128,128],[256,256,512,512]]", params: 36393496 },
  { name: "model-10", arch: "[32,64,[64,64],[64,64],[64,128,512,512,512]]", params: 40091800 },
];

/** Options of `createModel`. */
export interface CreateModelOptions {
  seed: number;
  attention?: AttentionKind;
  head?: HeadKind;
}

/** Names of the registered models (`model-1` .. `model-10`). */
export function listModels(): string[] {
  return REFERENCE_MODELS.map((m) => m.name);
}

/**
 * Resolves a registered name, an architecture string (`[4,4,[8],[16],[32]]` or `s4.4-8-16-32`) or
 * a config object into a full config; `attention`/`head` options override it.
 */
export function resolveConfig(nameOrConfig: string | ConvResConfig, opts: { attention?: AttentionKind; head?: HeadKind } = {}): ConvResConfig {
  let cfg: ConvResConfig;
  if (typeof nameOrConfig === "string") {
    const known = REFERENCE_MODELS.find((m) => m.name === nameOrConfig.trim().toLowerCase());
    if (known) cfg = parseArch(known.arch);
    else if (/^[[s]/.test(nameOrConfig.trim())) cfg = parseArch(nameOrConfig);
    else throw new Error(`createModel: unknown model "${nameOrConfig}" (registered: ${listModels().join(", ")}; or give an architecture like s4.4-8.8.8-16.16.16-32.32)`);
  } else {
    cfg = { ...nameOrConfig, stem: [...nameOrConfig.stem] as [number, number], stages: nameOrConfig.stages.map((s) => [...s]) as ConvResConfig["stages"] };
  }
  if (opts.attention) cfg.attention = opts.attention;
  if (opts.head) cfg.head = opts.head;
  return cfg;
}

/** Builds a ConvResNet by registered name, architecture string or config, seeded. */
export function createModel(nameOrConfig: string | ConvResConfig, opts: CreateModelOptions): ConvResNet {
  return new ConvResNet(resolveConfig(nameOrConfig, opts), { seed: opts.seed });
}
