import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseLidcXml, readLidcXml, writeLidcXml, writeLidcXmlFile, LIDC_NAMESPACE } from "../../src/io/lidcXml";
import type { LidcReadingSession } from "../../src/io/lidcXml";
import { repoRoot } from "../../src/util/provenance";

const FIXTURE = path.join(repoRoot, "test", "fixtures", "lidc", "lidc-0001-like.xml");

test("parses the LIDC-style fixture: header, four readers, nodules, small nodule, non-nodule", () => {
  const m = readLidcXml(FIXTURE);
  assert.equal(m.header.seriesInstanceUid, "1.3.6.1.4.1.14519.5.2.1.6279.6001.179049373636438705059720603192");
  assert.equal(m.header.studyInstanceUid, "1.3.6.1.4.1.14519.5.2.1.6279.6001.298806137288633453246975630178");
  assert.equal(m.header.uid, "1.3.6.1.4.1.14519.5.2.1.6279.6001.1307390687819.0");
  assert.equal(m.header.fields!["TaskDescription"], "Second unblinded read");
  assert.deepEqual(
    m.sessions.map((s) => s.radiologistId),
    ["540461523", "327435226", "150455219", "191498346"],
  );
  assert.deepEqual(m.sessions.map((s) => s.nodules.length), [2, 1, 2, 1]);
  assert.deepEqual(m.sessions.map((s) => s.smallNodules.length), [0, 1, 0, 0]);
  assert.deepEqual(m.sessions.map((s) => s.nonNodules.length), [0, 0, 0, 1]);
  assert.equal(m.sessions[0].annotationVersion, "3.12");

  const n1 = m.sessions[0].nodules[0];
  assert.equal(n1.noduleId, "Nodule 001");
  assert.deepEqual(n1.characteristics, {
    subtlety: 5,
    internalStructure: 1,
    calcification: 6,
    sphericity: 3,
    margin: 3,
    lobulation: 3,
    spiculation: 4,
    texture: 5,
    malignancy: 5,
  });
  // Five included outlines plus one exclusion (hole) on z = -130.
  assert.equal(n1.rois.length, 6);
  assert.deepEqual(n1.rois.map((r) => r.inclusion), [true, true, true, false, true, true]);
  assert.equal(n1.rois[0].z, -125); // "-125.000000 " with the trailing space real files have
  assert.match(n1.rois[0].sopUid, /^1\.3\.6\.1\.4\.1\.14519\./);
  // Outlines are closed chains: the first point is repeated at the end, as in LIDC files.
  const p = n1.rois[2].points;
  assert.deepEqual(p[0], p[p.length - 1]);
  assert.ok(p.every(([x, y]) => Math.hypot(x - 317, y - 367) < 11.5));
  // Numeric-looking noduleIDs stay strings.
  assert.equal(m.sessions[3].nodules[0].noduleId, "0");

  const small = m.sessions[1].smallNodules[0];
  assert.equal(small.noduleId, "IL057_127365");
  assert.deepEqual(small.rois[0].points, [[151, 301]]);
  const nn = m.sessions[3].nonNodules[0];
  assert.deepEqual(nn, {
    nonNoduleId: "Non-nodule 001",
    z: -235,
    sopUid: "1.3.6.1.4.1.14519.5.2.1.6279.6001.241124451183553406386025744413",
    locus: [361, 175],
  });
});

test("writeLidcXml round-trips the fixture exactly", () => {
  const m = readLidcXml(FIXTURE);
  const xml = writeLidcXml(m.sessions, m.header);
  assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>/);
  assert.ok(xml.includes(`<LidcReadMessage xmlns="${LIDC_NAMESPACE}"`));
  const back = parseLidcXml(xml, "roundtrip");
  assert.deepEqual(back, m);
  // Writing what was read gives the same text again (stable output).
  assert.equal(writeLidcXml(back.sessions, back.header), xml);
});

test("writeLidcXml round-trips generated sessions, incl. missing characteristics and fractional z", () => {
  const sessions: LidcReadingSession[] = [
    {
      radiologistId: "reader-a",
      nodules: [
        {
          noduleId: "N1",
          characteristics: { malignancy: 4, texture: 5 },
          rois: [
            { z: -12.625, sopUid: "1.2.3.1", inclusion: true, points: [[10, 10], [12, 10], [12, 12], [10, 12], [10, 10]] },
            { z: -11.375, sopUid: "1.2.3.2", inclusion: false, points: [[11, 11], [11, 11]] },
          ],
        },
      ],
      smallNodules: [{ noduleId: "S1", rois: [{ z: 3.5, sopUid: "1.2.3.9", inclusion: true, points: [[100, 200]] }] }],
      nonNodules: [],
    },
    { radiologistId: "", nodules: [], smallNodules: [], nonNodules: [{ nonNoduleId: "NN", z: 0, sopUid: "x", locus: [1, 2] }] },
  ];
  const header = { seriesInstanceUid: "1.2.3", studyInstanceUid: "1.2", fields: { Version: "1.8.1" } };
  const back = parseLidcXml(writeLidcXml(sessions, header));
  assert.deepEqual(back.sessions, sessions.map((s) => ({ ...s, annotationVersion: undefined })));
  assert.deepEqual(back.header, { ...header, uid: undefined });

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lidcxml-"));
  const f = path.join(dir, "069.xml");
  writeLidcXmlFile(f, sessions, header);
  assert.deepEqual(readLidcXml(f).sessions[0].nodules, sessions[0].nodules);
  fs.rmSync(dir, { recursive: true });
});

test("bad input: errors name the file and the element", () => {
  assert.throws(() => parseLidcXml("<LidcReadMessage><ResponseHeader>", "a.xml"), /^Error: a\.xml:\d+:\d+: malformed XML/);
  assert.throws(() => parseLidcXml("<Other/>", "b.xml"), /b\.xml: root element <LidcReadMessage> not found \(found <Other>\)/);
  assert.throws(() => parseLidcXml("<LidcReadMessage><ResponseHeader/></LidcReadMessage>", "c.xml"), /c\.xml: <ResponseHeader>\/<SeriesInstanceUid> missing/);
  const xml = fs.readFileSync(FIXTURE, "utf8").replace("<xCoord>322</xCoord>", "<xCoord>3x2</xCoord>");
  assert.throws(
    () => parseLidcXml(xml, "d.xml"),
    /d\.xml: <readingSession>\[1\]\/<unblindedReadNodule>\[1\] \(noduleID "Nodule 001"\)\/<roi>\[1\]\/<edgeMap>\[1\]\/<xCoord>: "3x2" is not a number/,
  );
  const bad = fs.readFileSync(FIXTURE, "utf8").replace("<inclusion>TRUE</inclusion>", "<inclusion>maybe</inclusion>");
  assert.throws(() => parseLidcXml(bad, "e.xml"), /e\.xml: .*<roi>\[1\]\/<inclusion>: "MAYBE" is not TRUE or FALSE/);
  assert.throws(() => readLidcXml("/nonexistent/069.xml"), /\/nonexistent\/069\.xml: cannot read LIDC XML/);
});

test("lenient mode leaves out invalid marks and lists them; strict mode throws on the first", () => {
  const xml = fs
    .readFileSync(FIXTURE, "utf8")
    .replace("<xCoord>322</xCoord>", "<xCoord>3x2</xCoord>")
    .replace("<xCoord>361</xCoord>", "<xCoord></xCoord>");
  assert.throws(() => parseLidcXml(xml, "f.xml"), /f\.xml: .*"3x2" is not a number/);
  const m = parseLidcXml(xml, "f.xml", { lenient: true });
  assert.equal(m.skipped!.length, 2);
  assert.match(m.skipped![0], /f\.xml: <readingSession>\[1\]\/<unblindedReadNodule>\[1\] \(noduleID "Nodule 001"\).*"3x2" is not a number/);
  assert.match(m.skipped![1], /f\.xml: <readingSession>\[4\]\/<nonNodule>\[1\] \(nonNoduleID "Non-nodule 001"\)\/<locus>\/<xCoord>: missing value/);
  // Everything else is kept.
  assert.deepEqual(m.sessions.map((s) => s.nodules.length), [1, 1, 2, 1]);
  assert.equal(m.sessions[0].nodules[0].noduleId, "Nodule 002");
  assert.deepEqual(m.sessions.map((s) => s.nonNodules.length), [0, 0, 0, 0]);
  // A clean file parsed leniently has an empty list.
  assert.deepEqual(readLidcXml(FIXTURE, { lenient: true }).skipped, []);
  assert.throws(() => parseLidcXml("<LidcReadMessage>", "g.xml", { lenient: true }), /g\.xml:\d+:\d+: malformed XML/);
});

test("accepts the SeriesInstanceUID spelling variant and prefixed namespaces", () => {
  const xml = `<?xml version="1.0"?><nih:LidcReadMessage xmlns:nih="http://www.nih.gov"><nih:ResponseHeader><nih:SeriesInstanceUID>9.9</nih:SeriesInstanceUID></nih:ResponseHeader>
  <nih:readingSession><nih:servicingRadiologistID>7</nih:servicingRadiologistID></nih:readingSession></nih:LidcReadMessage>`;
  const m = parseLidcXml(xml);
  assert.equal(m.header.seriesInstanceUid, "9.9");
  assert.deepEqual(m.sessions, [{ radiologistId: "7", annotationVersion: undefined, nodules: [], smallNodules: [], nonNodules: [] }]);
});
