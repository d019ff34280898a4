import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot, sharedDataDir } from "../../src/util/provenance";

const main = path.join(repoRoot, "dist", "src", "cli", "main.js");
const MODEL = "data/pretrained/lidc-ensemble-16ep";
const images = path.join(sharedDataDir(), "lidc-solid-nodule-slices-64px", "images");
const series = path.join(sharedDataDir(), "lung-pet-ct-dx-sample", "Lung_Dx-A0002", "2.000000-ThoraxRoutine-B70f-62919");

function naslung(args: string[]) {
  return spawnSync(process.execPath, [main, ...args], { encoding: "utf8", cwd: repoRoot });
}

/** The one JSON line a successful command prints on stdout. */
function jsonLines(stdout: string): Array<Record<string, unknown>> {
  return stdout
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The first reading (sorted) of the first exam of a class folder: [exam, reading]. */
function firstReading(cls: string): [string, string] {
  const exam = fs.readdirSync(path.join(images, cls)).sort()[0];
  const reading = fs.readdirSync(path.join(images, cls, exam)).sort()[0];
  return [exam, reading];
}

interface Member {
  name: string;
  probability: number;
}

test("predict --reading: the ensemble's probability is evaluate-slices' for that reading, members soft-voted", () => {
  const spec = JSON.parse(fs.readFileSync(path.join(repoRoot, MODEL, "ensemble.json"), "utf8")) as { vote: string; members: Array<{ name: string }> };
  assert.equal(spec.vote, "soft");
  const picks = (["maligno", "benigno"] as const).map((cls) => ({ cls, rel: firstReading(cls) }));
  // evaluate-slices over a folder holding copies of just these readings.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-predict-"));
  try {
    for (const { cls, rel } of picks) fs.cpSync(path.join(images, cls, ...rel), path.join(tmp, "images", cls, ...rel), { recursive: true });
    const ev = naslung(["evaluate-slices", "--model", MODEL, "--dir", tmp, "--per-sample"]);
    assert.equal(ev.status, 0, ev.stderr);
    const perSample = new Map(
      jsonLines(ev.stdout)
        .filter((l) => "id" in l)
        .map((l) => [l.id as string, l]),
    );
    assert.equal(perSample.size, 2);
    for (const { cls, rel } of picks) {
      const dir = path.join(images, cls, ...rel);
      const r = naslung(["predict", "--model", MODEL, "--reading", dir]);
      assert.equal(r.status, 0, r.stderr);
      const lines = jsonLines(r.stdout);
      assert.equal(lines.length, 1, r.stdout);
      const out = lines[0];
      const ref = perSample.get(rel.join("/"));
      assert.ok(ref, `evaluate-slices printed no line for ${rel.join("/")}`);
      assert.equal(ref.label, cls === "maligno" ? 1 : 0);
      const p = out.ensemble as number;
      assert.ok(Math.abs(p - (ref.probability as number)) <= 1e-6, `${cls} ${rel.join("/")}: predict ${p} vs evaluate-slices ${ref.probability}`);
      assert.equal(out.slices, fs.readdirSync(dir).filter((f) => f.endsWith(".png")).length);
      const members = out.members as Member[];
      assert.deepEqual(
        members.map((m) => m.name),
        spec.members.map((m) => m.name),
      );
      for (const m of members) assert.ok(m.probability >= 0 && m.probability <= 1, `${m.name}: ${m.probability}`);
      const mean = members.reduce((s, m) => s + m.probability, 0) / members.length;
      assert.ok(Math.abs(mean - p) <= 1e-6, `soft vote: mean of members ${mean} vs ensemble ${p}`);
      assert.equal(out.malignant, p >= (out.threshold as number));
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test("predict --dicom --voxel: a reading cut from a CT series at the click, scored", () => {
  const r = naslung(["predict", "--model", MODEL, "--dicom", series, "--voxel", "17,302,199"]);
  assert.equal(r.status, 0, r.stderr);
  const lines = jsonLines(r.stdout);
  assert.equal(lines.length, 1, r.stdout);
  const out = lines[0];
  assert.deepEqual(out.voxel, [17, 302, 199]);
  const seed = out.seed as number[];
  assert.equal(seed.length, 3);
  assert.ok(seed.every((v) => Number.isInteger(v)));
  // The seed is the click or tissue within the search radius (3 voxels) of it.
  assert.ok(seed.every((v, a) => Math.abs(v - [17, 302, 199][a]) <= 3), `seed ${seed}`);
  assert.ok(Number.isInteger(out.voxels) && (out.voxels as number) > 0);
  assert.equal(typeof out.touchesBox, "boolean");
  assert.equal((out.extentMm as number[]).length, 3);
  const members = out.members as Member[];
  assert.ok(members.length >= 1);
  for (const m of members) assert.ok(m.probability >= 0 && m.probability <= 1);
  const p = out.ensemble as number;
  assert.ok(p >= 0 && p <= 1);
  const mean = members.reduce((s, m) => s + m.probability, 0) / members.length;
  assert.ok(Math.abs(mean - p) <= 1e-6);
});

test("predict: bad arguments exit non-zero with a clear message", () => {
  const reading = path.join(images, ...["maligno", ...firstReading("maligno")]);
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), "naslung-nopng-"));
  fs.writeFileSync(path.join(empty, "notes.txt"), "not a slice\n");
  try {
    const cases: Array<[string, string[], RegExp]> = [
      ["neither input", [], /exactly one of --reading <folder> or --dicom <folder>/],
      ["both inputs", ["--reading", reading, "--dicom", series, "--voxel", "17,302,199"], /exactly one of --reading <folder> or --dicom <folder>/],
      ["--dicom without --voxel", ["--dicom", series], /--dicom needs --voxel/],
      ["--voxel with two numbers", ["--dicom", series, "--voxel", "1,2"], /--voxel "1,2": expected z,y,x/],
      ["--voxel outside the series", ["--dicom", series, "--voxel", "99,0,0"], /outside the series/],
      ["a folder without PNGs", ["--reading", empty], /no PNG slices/],
    ];
    for (const [what, args, message] of cases) {
      const r = naslung(["predict", "--model", MODEL, ...args]);
      assert.notEqual(r.status, 0, `${what}: exited 0`);
      assert.match(r.stderr, message, `${what}: stderr was ${r.stderr}`);
      assert.equal(r.stdout.trim(), "", `${what}: printed a result`);
    }
  } finally {
    fs.rmSync(empty, { recursive: true, force: true });
  }
});
