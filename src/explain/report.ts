import type { NoduleSample } from "../data/sample";
import type { NoduleExplanation } from "./maps";
import { massInside, maskFraction } from "./insideMask";
import { noduleCentre, orthoSlices, OrthoSlices } from "./slices";
import { relativeDensity } from "./resize";

/** How one ensemble member voted on a nodule. */
export interface MemberVote {
  member: string;
  prob: number;
  vote: "malignant" | "benign";
}

/** A per-nodule report: slices of the crop and of every map, the prediction and the votes. */
export interface NoduleReport {
  id: string;
  label: 0 | 1;
  synthetic: boolean;
  /** P(malignant) of the explained model. */
  probability: number;
  /** How the ensemble's members voted (when an ensemble evaluation is given). */
  votes: MemberVote[];
  /** The ensembles' scores on this nodule (when given). */
  ensembles: Record<string, number>;
  centre: [number, number, number];
  image: OrthoSlices;
  /** Nodule mask slices (synthetic cohort), for outlines. */
  mask?: OrthoSlices;
  /** Per map: its slices as density relative to a uniform map (`relativeDensity`: 1 = chance) and inside-mask mass if known. */
  maps: Array<{ name: string; nativeSize: number; slices: OrthoSlices; insideMass?: number }>;
  /** Mask volume fraction: the random-map baseline of `insideMass`. */
  maskFraction?: number;
}

/**
 * Builds the report of one nodule: slices through the nodule centre (mask centroid, or the cube
 * centre) of the crop, the mask and every explanation map, with the model's probability and,
 * optionally, the ensemble members' votes (`votesForSample` of src/ensemble).
 */
export function noduleReport(
  sample: NoduleSample,
  explanation: NoduleExplanation,
  opts: { synthetic: boolean; votes?: MemberVote[]; ensembles?: Record<string, number> },
): NoduleReport {
  if (sample.id !== explanation.id) throw new Error(`noduleReport: sample "${sample.id}" but explanation of "${explanation.id}"`);
  const size = sample.size;
  const centre = noduleCentre(sample.mask, size);
  const mask = sample.mask && maskFraction(sample.mask) > 0 ? sample.mask : undefined;
  return {
    id: sample.id,
    label: sample.label,
    synthetic: opts.synthetic,
    probability: explanation.probability,
    votes: opts.votes ?? [],
    ensembles: opts.ensembles ?? {},
    centre,
    image: orthoSlices(sample.crop, size, centre),
    mask: mask ? orthoSlices(mask, size, centre) : undefined,
    maps: explanation.maps.map((m) => ({
      name: m.name,
      nativeSize: m.nativeSize,
      slices: orthoSlices(relativeDensity(m.map), size, centre),
      insideMass: mask ? massInside(m.map, mask) : undefined,
    })),
    maskFraction: mask ? maskFraction(mask) : undefined,
  };
}

/** The report's facts as markdown (probability, votes, inside-mask mass per map). */
export function noduleReportMarkdown(r: NoduleReport): string {
  const cls = (y: number) => (y === 1 ? "malignant" : "benign");
  const lines = [
    `**Nodule ${r.id}**${r.synthetic ? " (synthetic cohort)" : ""}: true class ${cls(r.label)}; model P(malignant) = ${r.probability.toFixed(3)} -> ${cls(r.probability >= 0.5 ? 1 : 0)}.`,
  ];
  if (r.votes.length) {
    const k = r.votes.filter((v) => v.vote === "malignant").length;
    lines.push("", `Votes: ${k} of ${r.votes.length} members say malignant.`, "", "| member | P(malignant) | vote |", "|---|---|---|");
    for (const v of r.votes) lines.push(`| ${v.member} | ${v.prob.toFixed(3)} | ${v.vote} |`);
  }
  const ens = Object.entries(r.ensembles);
  if (ens.length) lines.push("", ens.map(([n, s]) => `${n}: ${s.toFixed(3)} -> ${cls(s >= 0.5 ? 1 : 0)}`).join("; "));
  if (r.maskFraction !== undefined) {
    lines.push("", `Share of each map's mass inside the nodule mask (chance = mask volume fraction ${r.maskFraction.toFixed(3)}):`);
    lines.push("", r.maps.map((m) => `${m.name} ${Number.isFinite(m.insideMass) ? m.insideMass!.toFixed(3) : "n/a (map is 0 everywhere)"}`).join(" · "));
  }
  return lines.join("\n");
}
