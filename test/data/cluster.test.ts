import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "path";
import { clusterReads, geometryFromVolume, minDistance } from "../../src/data/cluster";
import { labelFromMalignancy } from "../../src/data/labels";
import { readLidcXml } from "../../src/io/lidcXml";
import type { LidcNoduleRead, LidcReadingSession } from "../../src/io/lidcXml";
import { createRng } from "../../src/util/rng";
import { repoRoot } from "../../src/util/provenance";

const FIXTURE = path.join(repoRoot, "test", "fixtures", "lidc", "lidc-0001-like.xml");

/** A circular outline (closed chain of rounded pixel points) on each of the given slices. */
function disc(id: string, cx: number, cy: number, r: number, zs: number[], malignancy?: number): LidcNoduleRead {
  const rois = zs.map((z) => {
    const pts: Array<[number, number]> = [];
    const n = Math.max(8, Math.round(2 * Math.PI * r * 1.5));
    for (let k = 0; k <= n; k++) {
      const a = (2 * Math.PI * k) / n;
      pts.push([Math.round(cx + r * Math.cos(a)), Math.round(cy + r * Math.sin(a))]);
    }
    return { z, sopUid: `z${z}`, inclusion: true, points: pts };
  });
  return { noduleId: id, characteristics: malignancy === undefined ? {} : { malignancy }, rois };
}

function session(id: string, nodules: LidcNoduleRead[]): LidcReadingSession {
  return { radiologistId: id, nodules, smallNodules: [], nonNodules: [] };
}

function checkInvariants(sessions: LidcReadingSession[], clusters: ReturnType<typeof clusterReads>): void {
  for (const c of clusters) {
    const readers = c.marks.map((m) => m.readerIndex);
    assert.equal(new Set(readers).size, readers.length, `cluster ${c.id} holds two marks of one reader`);
    assert.deepEqual(readers, [...readers].sort((a, b) => a - b));
  }
  const seen = clusters.flatMap((c) => c.marks.map((m) => m.read));
  const all = sessions.flatMap((s) => s.nodules);
  assert.equal(seen.length, all.length, "every mark lands in exactly one cluster");
  assert.equal(new Set(seen).size, all.length);
  assert.deepEqual(clusters.map((c) => c.id), clusters.map((_, i) => i));
}

test("fixture: 2 physical nodules (4 readers and 2 readers); small nodules are not clustered", () => {
  const m = readLidcXml(FIXTURE);
  const g = { pixelSpacing: [0.703125, 0.703125] as [number, number], origin: [-166.0, -171.7] as [number, number] };
  const cl = clusterReads(m.sessions, g);
  checkInvariants(m.sessions, cl);
  assert.equal(cl.length, 2);
  const [b, a] = cl; // ordered by z: B at z -201, A at z -130
  assert.deepEqual(a.readers, ["540461523", "327435226", "150455219", "191498346"]);
  assert.deepEqual(a.scores, [5, 4, 5, 5]);
  assert.equal(labelFromMalignancy(a.scores), 1);
  assert.ok(Math.abs(a.centroid[0] - (-166 + 317 * 0.703125)) < 0.5, `x ${a.centroid[0]}`);
  assert.ok(Math.abs(a.centroid[1] - (-171.7 + 367 * 0.703125)) < 0.5, `y ${a.centroid[1]}`);
  assert.ok(Math.abs(a.centroid[2] - -130) < 1e-9);
  // Readers drew radius 9..11 px at the widest slice: about 20 px = 14 mm.
  assert.ok(a.diameterMm > 12 && a.diameterMm < 16, `diameter ${a.diameterMm}`);
  assert.deepEqual(b.readers, ["540461523", "150455219"]);
  assert.deepEqual(b.malignancy, { "540461523": 2, "150455219": 1 });
  assert.equal(labelFromMalignancy(b.scores), 0);
});

test("reader conflict: one reader's two touching nodules are split, each joining its own partner", () => {
  // Reader 0 outlines L and R separately (contours touch); reader 1 marks L, reader 2 marks R.
  const zs = [0, 1.25];
  const s = [
    session("r0", [disc("L", 100, 100, 6, zs, 2), disc("R", 113, 100, 6, zs, 5)]),
    session("r1", [disc("L", 99, 101, 6, zs, 1)]),
    session("r2", [disc("R", 114, 100, 7, zs, 4)]),
  ];
  const cl = clusterReads(s, undefined, { maxMarks: 4 });
  checkInvariants(s, cl);
  assert.equal(cl.length, 2);
  const byX = [...cl].sort((p, q) => p.centroid[0] - q.centroid[0]);
  assert.deepEqual(byX.map((c) => c.marks.map((m) => `${m.reader}:${m.read.noduleId}`)), [["r0:L", "r1:L"], ["r0:R", "r2:R"]]);
});

test("pylidc tolerance shrink: a component with more marks than readers is split by lowering tol", () => {
  // Four readers mark A; two of them also mark C, whose outline passes 1 mm from A's (x 55 vs 56),
  // so at tol 1.2 all six marks form one component (> 4 readers): tol shrinks to 0.97 and splits it.
  const zs = [0];
  const s = [0, 1, 2, 3].map((k) =>
    session(`r${k}`, k < 2 ? [disc("A", 50, 50, 5, zs, 4), disc("C", 61, 50, 5, zs, 2)] : [disc("A", 50, 50, 5, zs, 4)]),
  );
  const tight = clusterReads(s, undefined, { tol: 1.2 });
  checkInvariants(s, tight);
  assert.deepEqual(tight.map((c) => c.marks.length).sort(), [2, 4]);
  // If tol may not shrink that far, the reader split still separates them.
  const floor = clusterReads(s, undefined, { tol: 1.2, minTol: 1.1 });
  checkInvariants(s, floor);
  assert.deepEqual(floor.map((c) => c.marks.length).sort(), [2, 4]);
  // One reader's two touching marks never merge, even when tol cannot shrink (maxMarks 2).
  const one = [session("r0", [disc("A", 50, 50, 5, zs, 4), disc("C", 61, 50, 5, zs, 2)])];
  assert.equal(clusterReads(one, undefined, { tol: 1.2, maxMarks: 2 }).length, 2);
  // Centroid metric links by centre distance instead.
  const byCentre = clusterReads(s, undefined, { metric: "centroid", tol: 2 });
  checkInvariants(s, byCentre);
  assert.deepEqual(byCentre.map((c) => c.marks.length).sort(), [2, 4]);
});

test("random cohorts: invariants hold and well-separated nodules are recovered exactly", () => {
  const rng = createRng(11, "cluster-test");
  for (let trial = 0; trial < 15; trial++) {
    const nNod = rng.int(1, 6);
    const truth = Array.from({ length: nNod }, (_, i) => ({ x: 60 + i * 70 + rng.int(0, 20), y: rng.int(50, 450), z: -rng.int(0, 200) * 1.25, r: rng.int(2, 12) }));
    const nReaders = rng.int(1, 4);
    const s = Array.from({ length: nReaders }, (_, k) =>
      session(
        `r${k}`,
        truth
          .map((t, i) => ({ t, i }))
          .filter(() => rng.next() < 0.75)
          .map(({ t, i }) => {
            const zs = Array.from({ length: Math.max(1, Math.round(t.r / 2)) }, (_, j) => t.z - j * 1.25);
            return disc(`n${i}`, t.x + rng.int(-1, 1), t.y + rng.int(-1, 1), Math.max(2, t.r + rng.int(-1, 1)), zs, rng.int(1, 5));
          }),
      ),
    );
    const cl = clusterReads(s, { pixelSpacing: [0.7, 0.7] });
    checkInvariants(s, cl);
    for (const c of cl) assert.equal(new Set(c.marks.map((m) => m.read.noduleId)).size, 1, `trial ${trial}: mixed nodules`);
    const marked = new Set(s.flatMap((x) => x.nodules.map((n) => n.noduleId)));
    assert.equal(cl.length, marked.size, `trial ${trial}`);
  }
});

test("minDistance is exact below the cutoff (brute force on random z-sorted point sets)", () => {
  const rng = createRng(5, "mindist");
  const cloud = (n: number, z0: number) => {
    const pts = Array.from({ length: n }, () => [rng.next() * 20, rng.next() * 20, z0 + 1.25 * rng.int(0, 8)]).sort((p, q) => p[2] - q[2]);
    const xyz = Float64Array.from(pts.flat());
    const min = [0, 1, 2].map((k) => Math.min(...pts.map((p) => p[k])));
    const max = [0, 1, 2].map((k) => Math.max(...pts.map((p) => p[k])));
    return { xyz, min, max, pts };
  };
  for (let t = 0; t < 40; t++) {
    const a = cloud(rng.int(1, 60), 0);
    const b = cloud(rng.int(1, 60), 1.25 * rng.int(-4, 8));
    let brute = Infinity;
    for (const p of a.pts) for (const q of b.pts) brute = Math.min(brute, Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]));
    for (const cutoff of [0.5, 1, 2, 5, 100]) {
      const d = minDistance(a, b, cutoff);
      if (brute <= cutoff) assert.ok(Math.abs(d - brute) < 1e-12, `t${t} cutoff ${cutoff}: ${d} vs ${brute}`);
      else assert.ok(d > cutoff, `t${t} cutoff ${cutoff}: ${d} should exceed it (true ${brute})`);
    }
  }
});

test("geometryFromVolume takes in-plane spacing and origin", () => {
  const g = geometryFromVolume({ data: new Float32Array(1), shape: [1, 1, 1], spacing: [2.5, 0.7, 0.8], origin: [-10, -20, -30], direction: [1, 0, 0, 0, 1, 0, 0, 0, 1] });
  assert.deepEqual(g, { pixelSpacing: [0.7, 0.8], origin: [-10, -20] });
});
