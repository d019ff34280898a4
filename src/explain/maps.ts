import * as tf from "@tensorflow/tfjs";
import type { NoduleSample } from "../data/sample";
import { gradCam } from "./gradcam";
import { attentionLayerNames, ExplainableModel } from "./model";
import { resizeTrilinear } from "./resize";
import { getInputNorm } from "../train/predict";
import type { InputNorm } from "../train/checkpoint";

/** One explanation map of one nodule, upsampled to the crop's size. */
export interface ExplanationMap {
  /** "stem", "stage 1".."stage 3" (attention gates) or "Grad-CAM". */
  name: string;
  kind: "attention" | "gradcam";
  /** Edge of the map before upsampling (32, 16, 8, 4). */
  nativeSize: number;
  /** The map at the crop's size (z-major), trilinearly upsampled, original scale (>= 0). */
  map: Float32Array;
  /** Grad-CAM only: the class whose logit it explains (1 = malignant). */
  classIndex?: number;
}

/** Everything the explainers computed for one nodule. */
export interface NoduleExplanation {
  id: string;
  label: 0 | 1;
  /** The model's P(malignant). */
  probability: number;
  size: number;
  maps: ExplanationMap[];
}

/**
 * The crops of `samples` as one [N, s, s, s, 1] tensor (checked to be cubes of one size),
 * scaled by `norm` ((x - mean) / std) when given: the scaling the model was trained with.
 */
export function cropsTensor(samples: NoduleSample[], norm: InputNorm | null = null): tf.Tensor5D {
  if (!samples.length) throw new Error("explain: no samples given");
  const s = samples[0].size;
  const data = new Float32Array(samples.length * s * s * s);
  samples.forEach((x, i) => {
    if (x.size !== s || x.crop.length !== s * s * s) throw new Error(`explain: sample "${x.id}" crop is not a ${s}^3 cube (${x.crop.length} voxels)`);
    data.set(x.crop, i * s * s * s);
  });
  if (norm) for (let i = 0; i < data.length; i++) data[i] = (data[i] - norm.mean) / norm.std;
  return tf.tensor5d(data, [samples.length, s, s, s, 1]);
}

/** Splits [N, d, h, w] maps into per-sample cubes upsampled to `size`^3. */
function upsampleEach(maps: tf.Tensor4D, size: number): { nativeSize: number; maps: Float32Array[] } {
  const [n, d, h, w] = maps.shape;
  const data = maps.dataSync();
  const out: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const one = data.subarray(i * d * h * w, (i + 1) * d * h * w);
    out.push(d === size && h === size && w === size ? Float32Array.from(one) : resizeTrilinear(one, [d, h, w], [size, size, size]));
  }
  return { nativeSize: d, maps: out };
}

/**
 * Explains a model's predictions on nodules: the spatial attention gate of every attention
 * layer (CBAM's M_s, the reference ResCBAM's sigmoid map; stem at 32^3, stages at 16/8/4^3) and
 * Grad-CAM on the last stage, all trilinearly upsampled to the crop size, plus P(malignant).
 * Eval mode, with the input scaling the model was trained with (`getInputNorm` of src/train,
 * overridable by `inputNorm`); processed in batches of `batchSize` to bound memory. Models with
 * attention `none` give Grad-CAM only.
 */
export function explainSamples(
  model: ExplainableModel,
  samples: NoduleSample[],
  opts: {
    batchSize?: number;
    gradCam?: boolean;
    /**
     * Which logit Grad-CAM explains: `malignant` (default; the same map for every nodule) or
     * `predicted` (the class the model chose, Selvaraju et al.'s usual choice).
     */
    gradCamClass?: "malignant" | "predicted";
    inputNorm?: InputNorm | null;
  } = {},
): NoduleExplanation[] {
  const bs = Math.max(1, opts.batchSize ?? 8);
  const norm = opts.inputNorm !== undefined ? opts.inputNorm : getInputNorm(model as unknown as Parameters<typeof getInputNorm>[0]);
  const out: NoduleExplanation[] = [];
  for (let b = 0; b < samples.length; b += bs) {
    const batch = samples.slice(b, b + bs);
    const size = batch[0].size;
    const x = cropsTensor(batch, norm);
    try {
      const { probs, att } = tf.tidy(() => {
        const r = model.apply(x, { training: false, returnAttention: true });
        const p = tf.softmax(r.logits).slice([0, 1], [-1, 1]).dataSync();
        return { probs: Array.from(p), att: (r.attention ?? []).map((a) => tf.keep(a)) };
      });
      const names = attentionLayerNames(att.length);
      const perLayer = att.map((a) => upsampleEach(a, size));
      tf.dispose(att);
      let cams: { nativeSize: number; maps: Float32Array[] } | null = null;
      if (opts.gradCam ?? true) {
        const cam = gradCam(model, x, 1);
        cams = upsampleEach(cam, size);
        cam.dispose();
        if (opts.gradCamClass === "predicted" && probs.some((p) => p < 0.5)) {
          const cam0 = gradCam(model, x, 0);
          const benign = upsampleEach(cam0, size);
          cam0.dispose();
          probs.forEach((p, i) => {
            if (p < 0.5) cams!.maps[i] = benign.maps[i];
          });
        }
      }
      batch.forEach((s, i) => {
        const maps: ExplanationMap[] = perLayer.map((l, j) => ({ name: names[j], kind: "attention", nativeSize: l.nativeSize, map: l.maps[i] }));
        if (cams) maps.push({ name: "Grad-CAM", kind: "gradcam", nativeSize: cams.nativeSize, map: cams.maps[i], classIndex: opts.gradCamClass === "predicted" && probs[i] < 0.5 ? 0 : 1 });
        out.push({ id: s.id, label: s.label, probability: probs[i], size, maps });
      });
    } finally {
      x.dispose();
    }
  }
  return out;
}
