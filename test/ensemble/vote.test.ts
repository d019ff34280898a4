import { test } from "node:test";
import assert from "node:assert/strict";
import { hardVote, softVote, ensembleScores } from "../../src/ensemble/vote";

// Three members x four samples, worked by hand.
const P = [
  [0.9, 0.2, 0.6, 0.4],
  [0.7, 0.4, 0.3, 0.5],
  [0.1, 0.45, 0.2, 0.8],
];

test("soft vote is the per-sample mean probability", () => {
  const s = softVote(P);
  [0.5666666667, 0.35, 0.3666666667, 0.5666666667].forEach((v, i) => assert.ok(Math.abs(s[i] - v) < 1e-9));
});

test("soft vote weights count a member several times", () => {
  const s = softVote(P, [2, 1, 0]);
  assert.ok(Math.abs(s[0] - (2 * 0.9 + 0.7) / 3) < 1e-12);
  assert.ok(Math.abs(s[3] - (2 * 0.4 + 0.5) / 3) < 1e-12);
});

test("hard vote: majority of p >= 0.5 votes (0.5 itself votes malignant)", () => {
  const h = hardVote(P);
  // votes: s0 = 1,1,0 -> 1; s1 = 0,0,0 -> 0; s2 = 1,0,0 -> 0; s3 = 0,1,1 -> 1 (0.5 counts)
  assert.deepEqual(h.labels, [1, 0, 0, 1]);
  assert.deepEqual(h.voteFraction.map((v) => Math.round(v * 3)), [2, 0, 1, 2]);
  assert.deepEqual(h.ties, [false, false, false, false]);
  h.scores.forEach((s, i) => assert.equal(s >= 0.5, h.labels[i] === 1));
});

test("hard vote differs from soft vote where a confident minority outweighs the majority", () => {
  const p = [[0.99], [0.4], [0.45]];
  assert.equal(hardVote(p).labels[0], 0);
  assert.ok(softVote(p)[0] >= 0.5);
});

test("hard vote ties: soft rule uses the mean probability, or a fixed class", () => {
  const p = [
    [0.9, 0.6],
    [0.3, 0.1],
  ]; // sample 0: mean 0.6 -> malignant; sample 1: mean 0.35 -> benign
  const soft = hardVote(p);
  assert.deepEqual(soft.ties, [true, true]);
  assert.deepEqual(soft.labels, [1, 0]);
  assert.deepEqual(hardVote(p, { tie: "benign" }).labels, [0, 0]);
  assert.deepEqual(hardVote(p, { tie: "malignant" }).labels, [1, 1]);
  for (const tie of ["soft", "benign", "malignant"] as const) {
    const h = hardVote(p, { tie });
    h.scores.forEach((s, i) => assert.equal(s >= 0.5, h.labels[i] === 1, `${tie} sample ${i}`));
    h.scores.forEach((s) => assert.ok(Math.abs(s - 0.5) < 1e-6));
  }
});

test("ensembleScores matches the vote functions", () => {
  assert.deepEqual(ensembleScores("soft", P), softVote(P));
  assert.deepEqual(ensembleScores("hard", P), hardVote(P).scores);
});

test("votes reject ragged input and bad weights with a clear message", () => {
  assert.throws(() => softVote([[0.1, 0.2], [0.3]]), /member 1 has 1 predictions/);
  assert.throws(() => hardVote([]), /no members/);
  assert.throws(() => softVote(P, [1, 1]), /2 weights for 3 members/);
  assert.throws(() => softVote(P, [0, 0, 0]), /not all 0/);
});
