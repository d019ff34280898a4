import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "path";
import { matchReadsToSeries } from "../../src/data/lidcMatch";
import type { SeriesForCheck } from "../../src/data/lidcMatch";
import { clusterReads, geometryFromVolume } from "../../src/data/cluster";
import { generatePatient } from "../../src/data/synthetic/cohort";
import { readLidcXml } from "../../src/io/lidcXml";
import { repoRoot } from "../../src/util/provenance";

const FIXTURE = path.join(repoRoot, "test", "fixtures", "lidc", "lidc-0001-like.xml");
const SERIES = "1.3.6.1.4.1.14519.5.2.1.6279.6001.179049373636438705059720603192";

/** The fixture's series: 2.5 mm slices from z -100 to -250 with the SOP UIDs the fixture uses. */
function fixtureSeries(): SeriesForCheck {
  const slices = [];
  for (let k = 0; k <= 60; k++) {
    const z = -100 - 2.5 * k;
    const sop = z === -235 ? "1.3.6.1.4.1.14519.5.2.1.6279.6001.241124451183553406386025744413" : `1.3.6.1.4.1.14519.5.2.1.6279.6001.${110383487652933113465768208719n + BigInt(Math.round(-z * 10))}`;
    slices.push({ sopInstanceUID: sop, position: [-166, -171.7, z] as [number, number, number] });
  }
  return { seriesInstanceUID: SERIES, volume: { shape: [61, 512, 512], spacing: [2.5, 0.703125, 0.703125] }, slices };
}

test("the fixture matches its series; every kind of mismatch is found and named", () => {
  const m = readLidcXml(FIXTURE);
  const ok = matchReadsToSeries(FIXTURE, m, fixtureSeries());
  assert.deepEqual(ok.problems, []);
  assert.deepEqual(ok.sessions, m.sessions);

  assert.throws(() => matchReadsToSeries("a.xml", m, { ...fixtureSeries(), seriesInstanceUID: "1.2.3" }), /a\.xml: annotations are for series 1\.3\.6.*192, the CT is series 1\.2\.3/);
  // A smaller matrix puts outlines outside; a shifted series puts z off; missing slices drop SOP UIDs.
  const small = { ...fixtureSeries(), volume: { shape: [61, 320, 320] as [number, number, number], spacing: [2.5, 0.7, 0.7] as [number, number, number] } };
  assert.throws(() => matchReadsToSeries("b.xml", m, small), /b\.xml: does not match the CT series: reader 1 \(540461523\) nodule "Nodule 001" roi 1: point \(\d+, \d+\) outside the 320x320 slice/);
  const shifted = fixtureSeries();
  shifted.slices = shifted.slices.map((s) => ({ ...s, position: [s.position[0], s.position[1], s.position[2] + 5] as [number, number, number] }));
  assert.throws(() => matchReadsToSeries("c.xml", m, shifted), /c\.xml: .*roi 1: z -125 but slice .* is at z -120/);
  const cut = fixtureSeries();
  cut.slices = cut.slices.filter((s) => s.position[2] > -180);
  const r = matchReadsToSeries("d.xml", m, cut, { lenient: true });
  // Nodule B (z -200), the small nodule (z -202.5) and the non-nodule (z -235) are not in this series.
  assert.equal(r.problems.length, 4);
  assert.ok(r.problems.every((p) => /is not a slice of the series/.test(p)));
  assert.deepEqual(r.sessions.map((s) => s.nodules.length), [1, 1, 1, 1]);
  assert.deepEqual(r.sessions.map((s) => s.smallNodules.length + s.nonNodules.length), [0, 0, 0, 0]);
  assert.throws(() => matchReadsToSeries("d.xml", m, cut), /\(4 problems\)|is not a slice/);
});

test("synthetic patient (SYNTHETIC cohort generator): reads match the series and cluster onto the true nodules", () => {
  const p = generatePatient(0, { seed: 3, matrix: 128, zExtentMm: 80 });
  const series: SeriesForCheck = {
    seriesInstanceUID: p.truth.seriesInstanceUid,
    volume: p.volume,
    slices: p.slices.map((s) => ({ sopInstanceUID: s.sopUid, position: [p.volume.origin[0], p.volume.origin[1], s.z] as [number, number, number] })),
  };
  const msg = { header: { seriesInstanceUid: p.truth.seriesInstanceUid }, sessions: p.sessions };
  assert.deepEqual(matchReadsToSeries("synthetic", msg, series).problems, []);
  const clusters = clusterReads(p.sessions, geometryFromVolume(p.volume));
  assert.ok(clusters.length >= 1 && clusters.length <= p.truth.nodules.length, `${clusters.length} clusters for ${p.truth.nodules.length} nodules`);
  const used = new Set<number>();
  for (const c of clusters) {
    // Each cluster's centroid lies inside exactly one true nodule (+2 mm), and no nodule is split.
    const hits = p.truth.nodules.filter((n) => Math.hypot(...n.center.map((v, k) => v - c.centroid[k])) < n.diameterMm / 2 + 2);
    assert.equal(hits.length, 1, `cluster ${c.id} at ${c.centroid} hits ${hits.length} nodules`);
    assert.ok(!used.has(hits[0].index), `nodule ${hits[0].index} split over two clusters`);
    used.add(hits[0].index);
  }
});
