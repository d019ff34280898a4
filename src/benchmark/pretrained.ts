import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import type { NoduleSample } from "../data/sample";
import { createModel, resolveConfig } from "../models/registry";
import { decodeCheckpoint, encodeCheckpoint, InputNorm } from "../train/checkpoint";
import type { TrainableNet } from "../train/net";
import { getInputNorm, predictProbabilities, setInputNorm } from "../train/predict";
import { writeFileAtomic, writeJsonAtomic } from "../util/atomic";
import { finite, parseInput, safeInt, safeRelativeName, z } from "../util/schema";

/** One member of a saved ensemble. */
export interface PretrainedMember {
  name: string;
  /** Registry name or arch string (`createModel` accepts both). */
  arch: string;
  attention: "reference" | "cbam" | "none";
  head: "asoftmax" | "linear";
  /** Weights file (naslung checkpoint format, no optimizer state), relative to the ensemble folder. */
  file: string;
  sha256: string;
  params: number;
  inputNorm: InputNorm | null;
  /** Selected epoch and the inner-validation metrics it was chosen by. */
  bestEpoch: number;
  val: Record<string, number>;
}

/** ensemble.json: everything needed to rebuild and score a saved ensemble. */
export interface PretrainedEnsemble {
  format: "naslung-ensemble/1";
  name: string;
  /** "soft": mean P(malignant) >= threshold; "hard": majority of members' votes. */
  vote: "soft" | "hard";
  threshold: number;
  members: PretrainedMember[];
  /** Free-form provenance: data, protocol, seed, git commit, config, CV metrics. */
  provenance: Record<string, unknown>;
}

/** A loaded ensemble ready to score crops. */
export interface LoadedEnsemble {
  spec: PretrainedEnsemble;
  dir: string;
  members: TrainableNet[];
}

const inputNormSchema = z
  .object({ mean: finite(), std: finite().gt(0, "must be > 0 (a zero or negative std would divide the input away)") })
  .strict();

const memberSchema = z
  .object({
    name: z.string().min(1),
    arch: z.string().min(1),
    attention: z.enum(["reference", "cbam", "none"]),
    head: z.enum(["asoftmax", "linear"]),
    file: safeRelativeName,
    sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits"),
    params: safeInt().positive().optional(),
    // Required, and explicit: null means the member was trained on unscaled crops.
    inputNorm: z.union([inputNormSchema, z.null()], { required_error: "is required ({mean, std} or null for unscaled input)" }),
    bestEpoch: safeInt().nonnegative().optional(),
    // Validation metrics (accuracy, sensitivity, ..., auc) are fractions; null where undefined.
    val: z.record(z.number().min(0, "must be a fraction in [0, 1]").max(1, "must be a fraction in [0, 1]").nullable()).optional(),
  })
  .passthrough();

/** The schema of ensemble.json (`naslung-ensemble/1`). */
export const ensembleSpecSchema = z
  .object({
    format: z.literal("naslung-ensemble/1"),
    name: z.string().min(1),
    vote: z.enum(["soft", "hard"]),
    threshold: finite().gt(0, "must be in (0, 1)").lt(1, "must be in (0, 1)"),
    members: z.array(memberSchema).min(1, "must list at least one member"),
    provenance: z.record(z.unknown()).optional(),
  })
  .passthrough()
  .superRefine((spec, ctx) => {
    const seen = new Set<string>();
    spec.members.forEach((m, i) => {
      if (seen.has(m.name)) ctx.addIssue({ code: "custom", path: ["members", i, "name"], message: `"${m.name}" appears twice` });
      seen.add(m.name);
      try {
        resolveConfig(m.arch, { attention: m.attention, head: m.head });
      } catch (e) {
        ctx.addIssue({ code: "custom", path: ["members", i, "arch"], message: (e as Error).message });
      }
    });
  });

/**
 * Validates a parsed ensemble.json; errors name the file, the key path and the problem (a wrong
 * manifest is refused before any weights file is read).
 */
export function parseEnsembleSpec(raw: unknown, file: string): PretrainedEnsemble {
  return parseInput(ensembleSpecSchema, raw, file) as unknown as PretrainedEnsemble;
}

const sha256 = (b: Uint8Array) => crypto.createHash("sha256").update(b).digest("hex");

/** Writes one trained member's weights (no optimizer state) and returns its manifest entry. */
export function saveMember(
  dir: string,
  net: TrainableNet,
  info: Omit<PretrainedMember, "file" | "sha256" | "params" | "inputNorm">,
): PretrainedMember {
  const file = `${info.name}.weights`;
  const bytes = encodeCheckpoint({
    weights: net.getWeights(),
    optimizer: [],
    state: { epoch: info.bestEpoch + 1, step: 0, history: [], bestEpoch: info.bestEpoch, bestScore: [], inputNorm: getInputNorm(net), fingerprint: "pretrained" },
  });
  writeFileAtomic(path.join(dir, file), bytes);
  return { ...info, file, sha256: sha256(bytes), params: net.paramCount(), inputNorm: getInputNorm(net) };
}

/** Writes ensemble.json atomically. */
export function saveEnsembleSpec(dir: string, spec: PretrainedEnsemble): void {
  writeJsonAtomic(path.join(dir, "ensemble.json"), spec);
}

/**
 * Loads a saved ensemble: `p` is its folder or its ensemble.json. Every weights file is checked
 * against its recorded SHA-256 and every tensor against the architecture, with errors naming
 * the file.
 */
export function loadEnsemble(p: string): LoadedEnsemble {
  const file = fs.existsSync(p) && fs.statSync(p).isDirectory() ? path.join(p, "ensemble.json") : p;
  if (!fs.existsSync(file)) throw new Error(`${file}: no saved ensemble here (expected ensemble.json)`);
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const spec = parseEnsembleSpec(raw, file);
  const dir = path.dirname(file);
  const weights = spec.members.map((m, i) => {
    const wfile = path.join(dir, m.file);
    if (!fs.existsSync(wfile)) throw new Error(`${file}: key \`members[${i}].file\`: ${m.file} not found`);
    const bytes = fs.readFileSync(wfile);
    return { file: wfile, bytes, sha256: sha256(bytes) };
  });
  return { spec, dir, members: buildEnsembleMembers(spec, file, weights) };
}

/** A member's weights file as read by the caller: its name for errors, its bytes and their SHA-256. */
export interface MemberWeights {
  file: string;
  bytes: Uint8Array;
  sha256: string;
}

/**
 * Builds the members of a parsed ensemble from their weights (one per member, in order), with
 * no file system: `loadEnsemble` and the browser page (which hashes with WebCrypto) share it.
 * Checks each file's SHA-256 against the manifest, that what the manifest says of the weights
 * (input scaling, epoch, parameter count) agrees with them, and that they fit the architecture;
 * errors name `file` (the manifest) and the key, or the weights file.
 */
export function buildEnsembleMembers(spec: PretrainedEnsemble, file: string, weights: MemberWeights[]): TrainableNet[] {
  if (weights.length !== spec.members.length) throw new Error(`${file}: ${spec.members.length} members but ${weights.length} weights files given`);
  const members: TrainableNet[] = [];
  try {
    spec.members.forEach((m, i) => {
      const key = (k: string) => `${file}: key \`members[${i}].${k}\``;
      const w = weights[i];
      if (w.sha256 !== m.sha256) throw new Error(`${w.file}: SHA-256 mismatch (corrupt or replaced weights)`);
      const ck = decodeCheckpoint(w.bytes, w.file);
      // The weights file is authentic (its hash matched): what the manifest says about it must
      // agree with what it records, or the member would be scored with the wrong input scaling.
      if (JSON.stringify(ck.state.inputNorm) !== JSON.stringify(m.inputNorm)) {
        throw new Error(`${key("inputNorm")}: ${JSON.stringify(m.inputNorm)}, but ${m.file} was trained with ${JSON.stringify(ck.state.inputNorm)}`);
      }
      if (m.bestEpoch !== undefined && m.bestEpoch !== ck.state.bestEpoch) throw new Error(`${key("bestEpoch")}: ${m.bestEpoch}, but ${m.file} holds epoch ${ck.state.bestEpoch}`);
      const net = createModel(m.arch, { seed: 0, attention: m.attention, head: m.head });
      members.push(net);
      try {
        net.setWeights(ck.weights, true);
      } catch (e) {
        throw new Error(`${w.file}: weights do not fit ${m.arch} (${(e as Error).message})`);
      }
      if (m.params !== undefined && m.params !== net.paramCount()) throw new Error(`${key("params")}: ${m.params}, but ${m.arch} has ${net.paramCount()} parameters`);
      setInputNorm(net, m.inputNorm);
    });
  } catch (e) {
    for (const n of members) n.dispose();
    throw e;
  }
  return members;
}

/** Each member's P(malignant) for each sample: memberProbs[m][i]. */
export function memberProbabilities(e: LoadedEnsemble, samples: NoduleSample[]): Float32Array[] {
  return e.members.map((net) => predictProbabilities(net, samples));
}

/**
 * The ensemble's score per sample: the mean probability (soft vote) or the fraction of members
 * voting malignant (hard vote; >= 0.5 is a majority for an odd number of members).
 */
export function ensembleScores(spec: Pick<PretrainedEnsemble, "vote" | "threshold">, memberProbs: Float32Array[]): Float32Array {
  const n = memberProbs[0]?.length ?? 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (const p of memberProbs) s += spec.vote === "soft" ? p[i] : p[i] >= spec.threshold ? 1 : 0;
    out[i] = s / memberProbs.length;
  }
  return out;
}

/** One nodule's scores: each member's P(malignant) and the ensemble's score. */
export interface CubeScore {
  members: Array<{ name: string; probability: number }>;
  ensemble: number;
}

/**
 * Scores one protocol cube (32^3, values in [0, 1]) with a loaded ensemble: what `naslung
 * predict` prints and what the browser page shows, from the same code.
 */
export function scoreCube(e: LoadedEnsemble, cube: Float32Array, size = 32): CubeScore {
  const sample: NoduleSample = { id: "cube", label: 0, group: "cube", fold: 0, size, crop: cube, meta: {} };
  const probs = memberProbabilities(e, [sample]);
  return {
    members: e.spec.members.map((m, i) => ({ name: m.name, probability: probs[i][0] })),
    ensemble: ensembleScores(e.spec, probs)[0],
  };
}

/** Frees the members' tensors. */
export function disposeEnsemble(e: LoadedEnsemble): void {
  for (const m of e.members) m.dispose();
}
