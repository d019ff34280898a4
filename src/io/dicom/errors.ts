/** Why a DICOM file could not be read; stable strings that tests and callers can switch on. */
export type DicomErrorCode =
  | "not-found"
  | "not-dicom"
  | "truncated"
  | "corrupt"
  | "unsupported-syntax"
  | "unsupported-pixel-format"
  | "no-pixel-data"
  | "bad-header"
  | "too-large"
  | "decode-failed";

/**
 * A file-level DICOM failure. The message is always one line, `<file>: <reason>`, so the CLI can
 * print it as is; `code` classifies the failure for callers (lenient series loading, fuzz tests).
 */
export class DicomError extends Error {
  readonly file: string;
  readonly code: DicomErrorCode;
  readonly reason: string;
  constructor(file: string, code: DicomErrorCode, reason: string) {
    super(`${file}: ${oneLine(reason)}`);
    this.name = "DicomError";
    this.file = file;
    this.code = code;
    this.reason = oneLine(reason);
  }
}

/** Why a folder of DICOM files does not form one clean series. */
export type SeriesErrorCode =
  | "empty"
  | "mixed-series"
  | "duplicate-slice"
  | "gap"
  | "uneven-spacing"
  | "inconsistent-geometry"
  | "unreadable-file"
  | "missing-geometry";

/**
 * A series-level failure raised by strict `loadSeries`; `problems` lists every problem found (the
 * message names the folder and the first problem), so one run shows all that is wrong.
 */
export class SeriesError extends Error {
  readonly dir: string;
  readonly code: SeriesErrorCode;
  readonly problems: SeriesProblem[];
  constructor(dir: string, problems: SeriesProblem[]) {
    const first = problems[0];
    const more = problems.length > 1 ? ` (+${problems.length - 1} more problem(s))` : "";
    super(`${dir}: ${first ? `${first.code}: ${oneLine(first.message)}` : "series error"}${more}`);
    this.name = "SeriesError";
    this.dir = dir;
    this.code = first ? first.code : "empty";
    this.problems = problems;
  }
}

/** One problem found while assembling a series; `files` are the files concerned (may be empty). */
export interface SeriesProblem {
  code: SeriesErrorCode;
  message: string;
  files: string[];
}

/** Any thrown value -> one-line text (dicom-parser throws strings and `{exception}` objects). */
export function describeThrown(e: unknown): string {
  if (e instanceof Error) return oneLine(e.message);
  if (typeof e === "string") return oneLine(e);
  if (e && typeof e === "object" && "exception" in e) return describeThrown((e as { exception: unknown }).exception);
  return oneLine(String(e));
}

function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, " ").trim();
}
