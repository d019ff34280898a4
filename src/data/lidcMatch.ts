/**
 * Checking that an LIDC annotation file belongs to a loaded CT series before its marks are used:
 * same SeriesInstanceUID, every outline on a slice of the series (by SOPInstanceUID, and at that
 * slice's z), every point inside the slice. A mismatch would silently put crops in the wrong
 * place, so strict mode throws naming the file and the marks; lenient mode drops the offending
 * marks and lists them.
 */
import type { LidcReadMessage, LidcReadingSession, LidcRoi } from "../io/lidcXml";
import type { Volume } from "../io/volume";

/** What the check needs from a loaded series (`loadSeries` returns it). */
export interface SeriesForCheck {
  seriesInstanceUID?: string;
  volume: Pick<Volume, "shape" | "spacing">;
  /** Slices in volume order with their SOP UID and ImagePositionPatient. */
  slices: Array<{ sopInstanceUID: string; position: [number, number, number] }>;
}

export interface MatchOptions {
  /** Largest |roi z - slice z| accepted, mm (default: half the slice spacing). */
  zTolerance?: number;
  lenient?: boolean;
}

/** Result: the sessions to use (offending marks removed in lenient mode) and every problem found. */
export interface MatchResult {
  sessions: LidcReadingSession[];
  problems: string[];
}

function roiProblem(roi: LidcRoi, s: SeriesForCheck, bySop: Map<string, number>, zs: number[], tol: number): string | undefined {
  const [, ny, nx] = s.volume.shape;
  const idx = roi.sopUid ? bySop.get(roi.sopUid) : undefined;
  if (roi.sopUid && idx === undefined) return `imageSOP_UID ${roi.sopUid} is not a slice of the series`;
  if (idx !== undefined && Math.abs(zs[idx] - roi.z) > tol) return `z ${roi.z} but slice ${roi.sopUid} is at z ${zs[idx]}`;
  if (idx === undefined && !zs.some((z) => Math.abs(z - roi.z) <= tol)) return `z ${roi.z} matches no slice`;
  const out = roi.points.find(([x, y]) => !(x >= 0 && y >= 0 && x < nx && y < ny));
  if (out) return `point (${out[0]}, ${out[1]}) outside the ${nx}x${ny} slice`;
  return undefined;
}

/**
 * Checks `message` (parsed from `file`) against a series. Strict (default): throws one error
 * naming the file and listing the problems. Lenient: removes each mark with a problem and returns
 * the problems. A different SeriesInstanceUID is always an error.
 */
export function matchReadsToSeries(file: string, message: LidcReadMessage, series: SeriesForCheck, options: MatchOptions = {}): MatchResult {
  if (series.seriesInstanceUID && message.header.seriesInstanceUid !== series.seriesInstanceUID)
    throw new Error(`${file}: annotations are for series ${message.header.seriesInstanceUid}, the CT is series ${series.seriesInstanceUID}`);
  const tol = options.zTolerance ?? series.volume.spacing[0] / 2;
  const bySop = new Map(series.slices.map((sl, i) => [sl.sopInstanceUID, i]));
  const zs = series.slices.map((sl) => sl.position[2]);
  const problems: string[] = [];
  const sessions = message.sessions.map((sess, si) => {
    const check = <T extends { rois: LidcRoi[] }>(marks: T[], what: string, id: (m: T) => string): T[] =>
      marks.filter((m) => {
        for (let k = 0; k < m.rois.length; k++) {
          const p = roiProblem(m.rois[k], series, bySop, zs, tol);
          if (p) {
            problems.push(`reader ${si + 1} (${sess.radiologistId || "no id"}) ${what} "${id(m)}" roi ${k + 1}: ${p}`);
            return false;
          }
        }
        return true;
      });
    const nodules = check(sess.nodules, "nodule", (m) => m.noduleId);
    const smallNodules = check(sess.smallNodules, "small nodule", (m) => m.noduleId);
    const nonNodules = sess.nonNodules.filter((n) => {
      const p = roiProblem({ z: n.z, sopUid: n.sopUid, inclusion: true, points: [n.locus] }, series, bySop, zs, tol);
      if (p) problems.push(`reader ${si + 1} (${sess.radiologistId || "no id"}) non-nodule "${n.nonNoduleId}": ${p}`);
      return !p;
    });
    return { ...sess, nodules, smallNodules, nonNodules };
  });
  if (problems.length && !options.lenient) {
    const shown = problems.slice(0, 5).join("; ");
    throw new Error(`${file}: does not match the CT series: ${shown}${problems.length > 5 ? `; ... (${problems.length} problems)` : ""}`);
  }
  return { sessions, problems };
}
