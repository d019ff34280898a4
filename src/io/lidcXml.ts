/**
 * LIDC-IDRI radiologist annotation files (`LidcReadMessage`, namespace http://www.nih.gov).
 *
 * One XML file per CT series holds a `ResponseHeader` and one `readingSession` per radiologist.
 * Each session lists the reader's marks:
 * - `unblindedReadNodule` with `characteristics` (nine 1..5/1..6 ratings incl. malignancy) and one
 *   `roi` per slice: `imageZposition` (world z, mm), `imageSOP_UID`, `inclusion` (FALSE = a hole)
 *   and the outline as `edgeMap` (x = column, y = row, pixel coordinates);
 * - small nodules (< 3 mm): an `unblindedReadNodule` WITHOUT characteristics whose ROIs hold a
 *   single `edgeMap` point (the centre), as LIDC's protocol prescribes;
 * - `nonNodule`: a single `locus` point on one slice.
 * Reading is strict: malformed XML or a non-numeric coordinate raises an error naming the file and
 * the element path. `writeLidcXml` emits the same structure, so synthetic readers' marks can be
 * consumed by this parser and by LIDC tooling (pylidc reads the same element names).
 */
import * as fs from "fs";
import { XMLBuilder, XMLParser, XMLValidator } from "fast-xml-parser";
import { writeFileAtomic } from "../util/atomic";

/** The nine LIDC characteristics, in the order the XML lists them. */
export const LIDC_CHARACTERISTICS = [
  "subtlety",
  "internalStructure",
  "calcification",
  "sphericity",
  "margin",
  "lobulation",
  "spiculation",
  "texture",
  "malignancy",
] as const;
export type LidcCharacteristic = (typeof LIDC_CHARACTERISTICS)[number];
/** A reader's ratings; a field the reader left out is undefined. */
export type LidcCharacteristics = Partial<Record<LidcCharacteristic, number>>;

/** One outline on one slice. */
export interface LidcRoi {
  /** World z of the slice (mm), as written by the reader's workstation. */
  z: number;
  /** SOPInstanceUID of the slice the outline was drawn on. */
  sopUid: string;
  /** false: the outline marks a hole to exclude from the nodule. */
  inclusion: boolean;
  /** Outline points in pixel coordinates (x = column, y = row), in drawing order. */
  points: Array<[number, number]>;
}

/** One reader's mark of a nodule >= 3 mm (has characteristics and outlines). */
export interface LidcNoduleRead {
  noduleId: string;
  characteristics: LidcCharacteristics;
  rois: LidcRoi[];
}

/** One reader's mark of a nodule < 3 mm: no characteristics, one centre point per slice. */
export interface LidcSmallNodule {
  noduleId: string;
  rois: LidcRoi[];
}

/** A non-nodule finding (>= 3 mm but not a nodule): one point on one slice. */
export interface LidcNonNodule {
  nonNoduleId: string;
  z: number;
  sopUid: string;
  /** Pixel coordinates (x = column, y = row). */
  locus: [number, number];
}

/** All marks of one radiologist on one series. */
export interface LidcReadingSession {
  /** `servicingRadiologistID` (anonymised in the public release; may be empty). */
  radiologistId: string;
  annotationVersion?: string;
  nodules: LidcNoduleRead[];
  smallNodules: LidcSmallNodule[];
  nonNodules: LidcNonNodule[];
}

/** The `ResponseHeader` plus the root `uid` attribute. */
export interface LidcHeader {
  seriesInstanceUid: string;
  studyInstanceUid?: string;
  /** The root element's `uid` attribute. */
  uid?: string;
  /** Every other header field (Version, DateService, TaskDescription, ...), in file order. */
  fields?: Record<string, string>;
}

/** A whole parsed file. */
export interface LidcReadMessage {
  header: LidcHeader;
  sessions: LidcReadingSession[];
  /** Lenient parsing only: the marks left out and why (each reason names file and element). */
  skipped?: string[];
}

export interface ParseLidcOptions {
  /**
   * false (default): the first invalid mark (non-numeric coordinate, ROI without points, ...)
   * throws. true: invalid marks are left out and listed in `skipped`; malformed XML and a
   * missing header still throw, since nothing can be trusted then.
   */
  lenient?: boolean;
}

export const LIDC_NAMESPACE = "http://www.nih.gov";

const ARRAY_TAGS = new Set(["readingSession", "unblindedReadNodule", "roi", "edgeMap", "nonNodule", "locus"]);

type XmlNode = Record<string, unknown>;

function asNode(v: unknown): XmlNode {
  return v !== null && typeof v === "object" ? (v as XmlNode) : {};
}

/** Text content of a leaf (fast-xml-parser gives a string, or an object with #text when it has attributes). */
function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v.trim();
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  const t = (v as XmlNode)["#text"];
  return t === undefined ? "" : String(t).trim();
}

function arr(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

/**
 * Parses the text of an LIDC XML file. `source` names the file in error messages.
 * Sessions other than CT `readingSession` (e.g. `CXRreadingSession` of chest radiographs) are ignored.
 */
export function parseLidcXml(xml: string, source = "<lidc xml>", options: ParseLidcOptions = {}): LidcReadMessage {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const e = valid.err;
    throw new Error(`${source}:${e.line}:${e.col}: malformed XML (${e.code}: ${e.msg})`);
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    removeNSPrefix: true,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    isArray: (name) => ARRAY_TAGS.has(name),
  });
  const doc = asNode(parser.parse(xml));
  const root = doc["LidcReadMessage"];
  if (root === undefined) {
    const found = Object.keys(doc).filter((k) => k !== "?xml");
    throw new Error(`${source}: root element <LidcReadMessage> not found (found <${found.join(">, <") || "nothing"}>)`);
  }
  const r = asNode(root);
  const header = parseHeader(asNode(r["ResponseHeader"]), r, source);
  const skipped: string[] | undefined = options.lenient ? [] : undefined;
  const sessions = arr(r["readingSession"]).map((s, i) =>
    parseSession(asNode(s), `${source}: <readingSession>[${i + 1}]`, skipped),
  );
  return skipped ? { header, sessions, skipped } : { header, sessions };
}

/** Reads and parses an LIDC XML file from disk (see `parseLidcXml` for `lenient`). */
export function readLidcXml(file: string, options: ParseLidcOptions = {}): LidcReadMessage {
  let xml: string;
  try {
    xml = fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new Error(`${file}: cannot read LIDC XML (${(e as Error).message})`);
  }
  return parseLidcXml(xml, file, options);
}

function parseHeader(h: XmlNode, root: XmlNode, source: string): LidcHeader {
  const fields: Record<string, string> = {};
  let series: string | undefined;
  let study: string | undefined;
  for (const [k, v] of Object.entries(h)) {
    if (k.startsWith("@_")) continue;
    const t = text(arr(v)[0]) ?? "";
    // The release spells these inconsistently (SeriesInstanceUid / SeriesInstanceUID).
    if (k.toLowerCase() === "seriesinstanceuid") series = t;
    else if (k.toLowerCase() === "studyinstanceuid") study = t;
    else fields[k] = t;
  }
  if (!series) throw new Error(`${source}: <ResponseHeader>/<SeriesInstanceUid> missing or empty`);
  const uid = root["@_uid"] === undefined ? undefined : String(root["@_uid"]);
  return { seriesInstanceUid: series, studyInstanceUid: study, uid, fields };
}

function num(v: unknown, where: string): number {
  const t = text(v);
  if (t === undefined || t === "") throw new Error(`${where}: missing value`);
  const n = Number(t);
  if (!Number.isFinite(n)) throw new Error(`${where}: "${t}" is not a number`);
  return n;
}

function parseRoi(r: XmlNode, where: string): LidcRoi {
  const incl = (text(r["inclusion"]) ?? "TRUE").toUpperCase();
  if (incl !== "TRUE" && incl !== "FALSE") throw new Error(`${where}/<inclusion>: "${incl}" is not TRUE or FALSE`);
  const points = arr(r["edgeMap"]).map((e, k): [number, number] => {
    const en = asNode(e);
    const w = `${where}/<edgeMap>[${k + 1}]`;
    return [num(en["xCoord"], `${w}/<xCoord>`), num(en["yCoord"], `${w}/<yCoord>`)];
  });
  if (points.length === 0) throw new Error(`${where}: no <edgeMap> points`);
  return {
    z: num(r["imageZposition"], `${where}/<imageZposition>`),
    sopUid: text(r["imageSOP_UID"]) ?? "",
    inclusion: incl === "TRUE",
    points,
  };
}

/** Runs `f`; in lenient mode (skipped defined) an error is recorded instead of thrown. */
function guarded(skipped: string[] | undefined, f: () => void): void {
  if (!skipped) return f();
  try {
    f();
  } catch (e) {
    skipped.push((e as Error).message);
  }
}

function parseSession(s: XmlNode, where: string, skipped?: string[]): LidcReadingSession {
  const session: LidcReadingSession = {
    radiologistId: text(s["servicingRadiologistID"]) ?? "",
    annotationVersion: text(s["annotationVersion"]),
    nodules: [],
    smallNodules: [],
    nonNodules: [],
  };
  arr(s["unblindedReadNodule"]).forEach((n, i) => guarded(skipped, () => {
    const nn = asNode(n);
    const noduleId = text(nn["noduleID"]) ?? "";
    const w = `${where}/<unblindedReadNodule>[${i + 1}] (noduleID "${noduleId}")`;
    const rois = arr(nn["roi"]).map((r, k) => parseRoi(asNode(r), `${w}/<roi>[${k + 1}]`));
    if (rois.length === 0) throw new Error(`${w}: no <roi>`);
    const ch = nn["characteristics"];
    const hasCh = ch !== undefined && typeof ch === "object" && Object.keys(ch as XmlNode).length > 0;
    // LIDC protocol: nodules < 3 mm carry no characteristics and only their centre point. A few
    // >= 3 mm reads lack characteristics too; their multi-point outlines keep them nodules.
    if (!hasCh && rois.every((r) => r.points.length <= 1)) {
      session.smallNodules.push({ noduleId, rois });
      return;
    }
    const chn = asNode(hasCh ? ch : {});
    const characteristics: LidcCharacteristics = {};
    for (const c of LIDC_CHARACTERISTICS) {
      const t = text(chn[c]);
      if (t !== undefined && t !== "") characteristics[c] = num(t, `${w}/<characteristics>/<${c}>`);
    }
    session.nodules.push({ noduleId, characteristics, rois });
  }));
  arr(s["nonNodule"]).forEach((n, i) => guarded(skipped, () => {
    const nn = asNode(n);
    const id = text(nn["nonNoduleID"]) ?? "";
    const w = `${where}/<nonNodule>[${i + 1}] (nonNoduleID "${id}")`;
    const locus = arr(nn["locus"]);
    if (locus.length === 0) throw new Error(`${w}: no <locus>`);
    const l = asNode(locus[0]);
    session.nonNodules.push({
      nonNoduleId: id,
      z: num(nn["imageZposition"], `${w}/<imageZposition>`),
      sopUid: text(nn["imageSOP_UID"]) ?? "",
      locus: [num(l["xCoord"], `${w}/<locus>/<xCoord>`), num(l["yCoord"], `${w}/<locus>/<yCoord>`)],
    });
  }));
  return session;
}

/** Formats a z position the way LIDC files do (six decimals). */
function fmtZ(z: number): string {
  return z.toFixed(6);
}

function roiXml(r: LidcRoi): XmlNode {
  return {
    imageZposition: fmtZ(r.z),
    imageSOP_UID: r.sopUid,
    inclusion: r.inclusion ? "TRUE" : "FALSE",
    edgeMap: r.points.map(([x, y]) => ({ xCoord: String(x), yCoord: String(y) })),
  };
}

/**
 * Writes reading sessions as an LIDC `LidcReadMessage` document (default namespace
 * http://www.nih.gov, elements in the order of the LIDC schema), the inverse of `parseLidcXml`:
 * `parseLidcXml(writeLidcXml(s, h))` returns the same sessions and header (z to 6 decimals).
 */
export function writeLidcXml(sessions: LidcReadingSession[], header: LidcHeader): string {
  if (!header.seriesInstanceUid) throw new Error("writeLidcXml: header.seriesInstanceUid is required");
  const rh: XmlNode = {};
  const fields = header.fields ?? {};
  const order = ["Version", "MessageId", "DateRequest", "TimeRequest", "RequestingSite", "ServicingSite", "TaskDescription", "CtImageFile"];
  for (const k of order) if (k in fields) rh[k] = fields[k];
  rh["SeriesInstanceUid"] = header.seriesInstanceUid;
  for (const [k, v] of Object.entries(fields)) if (!(k in rh)) rh[k] = v;
  if (header.studyInstanceUid) rh["StudyInstanceUID"] = header.studyInstanceUid;

  const readingSession = sessions.map((s) => {
    const out: XmlNode = {};
    if (s.annotationVersion !== undefined) out["annotationVersion"] = s.annotationVersion;
    out["servicingRadiologistID"] = s.radiologistId;
    const reads: XmlNode[] = [];
    for (const n of s.nodules) {
      const ch: XmlNode = {};
      for (const c of LIDC_CHARACTERISTICS) if (n.characteristics[c] !== undefined) ch[c] = String(n.characteristics[c]);
      reads.push({ noduleID: n.noduleId, characteristics: ch, roi: n.rois.map(roiXml) });
    }
    for (const n of s.smallNodules) reads.push({ noduleID: n.noduleId, roi: n.rois.map(roiXml) });
    if (reads.length) out["unblindedReadNodule"] = reads;
    if (s.nonNodules.length)
      out["nonNodule"] = s.nonNodules.map((n) => ({
        nonNoduleID: n.nonNoduleId,
        imageZposition: fmtZ(n.z),
        imageSOP_UID: n.sopUid,
        locus: { xCoord: String(n.locus[0]), yCoord: String(n.locus[1]) },
      }));
    return out;
  });

  const root: XmlNode = {
    "@_xmlns": LIDC_NAMESPACE,
    "@_xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "@_xsi:schemaLocation": `${LIDC_NAMESPACE} http://troll.rad.med.umich.edu/lidc/LidcReadMessage.xsd`,
  };
  if (header.uid !== undefined) root["@_uid"] = header.uid;
  root["ResponseHeader"] = rh;
  if (readingSession.length) root["readingSession"] = readingSession;

  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    format: true,
    indentBy: "  ",
    suppressEmptyNode: false,
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n` + builder.build({ LidcReadMessage: root });
}

/** Writes reading sessions to an LIDC XML file atomically (see `writeLidcXml`). */
export function writeLidcXmlFile(file: string, sessions: LidcReadingSession[], header: LidcHeader): void {
  writeFileAtomic(file, writeLidcXml(sessions, header));
}
