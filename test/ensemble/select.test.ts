import { test } from "node:test";
import assert from "node:assert/strict";
import { greedySelect } from "../../src/ensemble/select";
import { planEnsembles, evaluateEnsembles, votesForSample } from "../../src/ensemble/evaluate";
import type { MemberPredictions, SplitPredictions } from "../../src/ensemble/types";
import { binaryMetrics } from "../../src/metrics/binary";
import { createRng } from "../../src/util/rng";

/** Labels and noisy member predictions: each member is right on a random ~`acc` of samples. */
function synthetic(seed: number, n: number, accs: number[]): { labels: Array<0 | 1>; probs: number[][] } {
  const rng = createRng(seed, "ensemble-test");
  const labels = Array.from({ length: n }, () => (rng.next() < 0.45 ? 1 : 0) as 0 | 1);
  const probs = accs.map((a) =>
    labels.map((y) => {
      const right = rng.next() < a;
      const conf = 0.5 + 0.49 * rng.next();
      return right === (y === 1) ? conf : 1 - conf;
    }),
  );
  return { labels, probs };
}

function split(prefix: string, labels: Array<0 | 1>, probs: number[]): SplitPredictions {
  return { ids: labels.map((_, i) => `${prefix}${i}`), labels: labels.slice(), probs: probs.slice() };
}

test("selection improves or keeps the validation score of the best single member", () => {
  for (let seed = 0; seed < 12; seed++) {
    const { labels, probs } = synthetic(seed, 60, [0.7, 0.72, 0.68, 0.75, 0.66]);
    const cands = probs.map((p, m) => ({ name: `m${m}`, validation: split("v", labels, p) }));
    const singles = probs.map((p) => binaryMetrics(labels, p).accuracy);
    for (const rule of ["hard", "soft"] as const) {
      for (const withReplacement of [false, true]) {
        const sel = greedySelect(cands, { rule, withReplacement, maxSize: 7 });
        assert.ok(sel.score >= Math.max(...singles) - 1e-12, `seed ${seed} ${rule} ${withReplacement}`);
        assert.equal(sel.bestSingle.score, Math.max(...singles));
        for (let k = 1; k < sel.steps.length; k++) assert.ok(sel.steps[k].score >= sel.steps[k - 1].score - 1e-12);
        const size = sel.weights.reduce((a, b) => a + b, 0);
        assert.ok(size <= 7);
        if (rule === "hard") assert.equal(size % 2, 1, "hard-vote ensembles have an odd size");
        if (!withReplacement) assert.ok(sel.weights.every((w) => w === 1));
      }
    }
  }
});

test("selection of independent, equally good members grows an ensemble that beats each of them", () => {
  const { labels, probs } = synthetic(3, 400, [0.7, 0.7, 0.7, 0.7, 0.7]);
  const cands = probs.map((p, m) => ({ name: `m${m}`, validation: split("v", labels, p) }));
  const sel = greedySelect(cands, { rule: "hard", maxSize: 5 });
  assert.ok(sel.members.length >= 3);
  assert.ok(sel.score > sel.bestSingle.score);
});

test("selection is deterministic and aligns members by sample id", () => {
  const { labels, probs } = synthetic(5, 40, [0.7, 0.75, 0.65]);
  const cands = probs.map((p, m) => ({ name: `m${m}`, validation: split("v", labels, p) }));
  const a = greedySelect(cands, { rule: "soft" });
  // Reverse one member's sample order: the same selection must come out.
  const rev = cands.map((c, m) =>
    m === 1 ? { name: c.name, validation: { ids: c.validation.ids.slice().reverse(), labels: c.validation.labels.slice().reverse(), probs: c.validation.probs.slice().reverse() } } : c,
  );
  assert.deepEqual(greedySelect(rev, { rule: "soft" }), a);
});

test("selection rejects misaligned members with the member named", () => {
  const v = split("v", [0, 1], [0.2, 0.8]);
  assert.throws(() => greedySelect([{ name: "a", validation: v }, { name: "b", validation: split("w", [0, 1], [0.2, 0.8]) }], { rule: "soft" }), /member "b" validation: no prediction for sample "v0"/);
  assert.throws(() => greedySelect([{ name: "a", validation: v }, { name: "b", validation: split("v", [1, 1], [0.2, 0.8]) }], { rule: "soft" }), /sample "v0" has label 1/);
  assert.throws(() => greedySelect([{ name: "a", validation: { ...v, probs: [0.2, 1.3] } }], { rule: "soft" }), /member "a" validation predictions: probs\[1\] = 1.3/);
});

/** Two folds of members whose test predictions record every read. */
function guardedMembers(reads: string[]): MemberPredictions[] {
  const { labels, probs } = synthetic(9, 80, [0.7, 0.72, 0.68, 0.74, 0.7]);
  return probs.map((p, m) => ({
    name: `m${m}`,
    folds: [0, 1].map((fold) => {
      const val = split(`f${fold}v`, labels.slice(fold * 40, fold * 40 + 20), p.slice(fold * 40, fold * 40 + 20));
      const test = split(`f${fold}t`, labels.slice(fold * 40 + 20, fold * 40 + 40), p.slice(fold * 40 + 20, fold * 40 + 40));
      const f = { fold, validation: val } as { fold: number; validation: SplitPredictions; test: SplitPredictions };
      Object.defineProperty(f, "test", {
        enumerable: true,
        get() {
          reads.push(`m${m}/${fold}`);
          return test;
        },
      });
      return f;
    }),
  }));
}

test("invariant: planning (member selection) never reads the test split", () => {
  const reads: string[] = [];
  const members = guardedMembers(reads);
  const plans = planEnsembles(members, { selection: { maxSize: 5 } });
  assert.equal(reads.length, 0, `test predictions were read during selection: ${reads.join(", ")}`);
  assert.equal(plans.length, 4);
  // Evaluation then reads them, and the plans it uses are exactly the validation-only ones.
  const ev = evaluateEnsembles(members, { selection: { maxSize: 5 }, bootstrap: { resamples: 50 } }, plans);
  assert.ok(reads.length > 0);
  assert.equal(ev.n, 40);
});

test("changing test predictions never changes which members are chosen", () => {
  const a = guardedMembers([]);
  const b = guardedMembers([]).map((m) => ({
    ...m,
    folds: m.folds.map((f) => ({ fold: f.fold, validation: f.validation, test: { ...f.test, probs: f.test.probs.map((p) => 1 - p) } })),
  }));
  const strip = (ps: ReturnType<typeof planEnsembles>) => ps.map((p) => p.folds.map((f) => [f.members, f.weights]));
  assert.deepEqual(strip(planEnsembles(b)), strip(planEnsembles(a)));
});

test("evaluation pools test folds and reports every member and ensemble with CIs", () => {
  const members = guardedMembers([]);
  const ev = evaluateEnsembles(members, { bootstrap: { resamples: 100, seed: 1 } });
  assert.deepEqual(ev.ensembles.map((e) => e.name), ["hard vote (all)", "soft vote (all)", "hard vote (greedy)", "soft vote (greedy)"]);
  for (const r of [...ev.members, ...ev.ensembles]) {
    const acc = r.report.metrics.accuracy;
    assert.ok(acc.lo <= acc.value && acc.value <= acc.hi, r.name);
    assert.equal(r.report.n, 40);
  }
  // Soft vote (all) equals the mean of the member probabilities, sample by sample.
  for (const s of ev.samples) {
    const mean = Object.values(s.members).reduce((x, y) => x + y, 0) / members.length;
    assert.ok(Math.abs(s.ensembles["soft vote (all)"] - mean) < 1e-12);
  }
  const v = votesForSample(ev, ev.samples[0].id);
  assert.equal(v.votes.length, 5);
  assert.ok(v.votes.every((x) => (x.prob >= 0.5) === (x.vote === "malignant")));
});
