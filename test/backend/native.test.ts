import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { installNativeKernels, setNativeKernelsEnabled, nativeKernelsEnabled, batchNormTrainFused, fusedBatchNormAvailable } from "../../src/backend/nativeKernels";
import { nativeTestSetup } from "./nativeTestSetup";
import { spawnSync } from "child_process";
import * as path from "path";

// Every native kernel against the stock tfjs CPU kernel it replaces, on random data (1e-4 relative).
const { ready, skip, rand } = nativeTestSetup(1234, "native-test");

/** Runs `f` with native then stock kernels and asserts the outputs agree within `tol` relative. */
function assertSame(what: string, f: () => tf.Tensor, tol = 1e-4): void {
  setNativeKernelsEnabled(true);
  const a = f();
  setNativeKernelsEnabled(false);
  const b = f();
  setNativeKernelsEnabled(true);
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  const av = a.dataSync(), bv = b.dataSync();
  let maxDiff = 0, maxRef = 0;
  for (let i = 0; i < av.length; i++) {
    if (Number.isNaN(bv[i])) {
      assert.ok(Number.isNaN(av[i]), `${what}: NaN at ${i}`);
      continue;
    }
    maxDiff = Math.max(maxDiff, Math.abs(av[i] - bv[i]));
    maxRef = Math.max(maxRef, Math.abs(bv[i]));
  }
  assert.ok(maxDiff <= tol * Math.max(maxRef, 1e-6), `${what}: max |native - stock| = ${maxDiff} (max |stock| = ${maxRef})`);
  tf.dispose([a, b]);
}

test("installs the conv, elementwise and reduction kernels and can switch back to stock", async (t) => {
  await ready;
  if (skip()) return t.skip(skip() as string);
  const status = installNativeKernels();
  for (const k of ["Conv3D", "Conv3DBackpropInputV2", "Conv3DBackpropFilterV2", "Add", "Multiply", "Sum", "Mean", "Relu"])
    assert.ok(status.kernels.includes(k), k);
  assert.ok(status.threads && status.threads >= 1);
  setNativeKernelsEnabled(false);
  assert.equal(nativeKernelsEnabled(), false);
  setNativeKernelsEnabled(true);
  assert.equal(nativeKernelsEnabled(), true);
});

test("Conv3D and both gradients match stock: odd sizes, strides 1/2, same/valid, batch 1", async (t) => {
  await ready;
  if (skip()) return t.skip(skip() as string);
  // [batch, d, h, w, inC, outC, k (d,h,w), strides, pad]
  const cases: [number, number, number, number, number, number, [number, number, number], [number, number, number], "same" | "valid"][] = [
    [1, 7, 7, 7, 1, 4, [3, 3, 3], [1, 1, 1], "same"],
    [2, 9, 8, 7, 4, 8, [3, 3, 3], [2, 2, 2], "same"],
    [1, 9, 9, 9, 8, 8, [3, 3, 3], [2, 2, 2], "valid"],
    [2, 6, 5, 7, 3, 5, [1, 1, 1], [1, 1, 1], "valid"],
    [1, 8, 8, 8, 8, 16, [1, 1, 1], [2, 2, 2], "same"],
    [1, 7, 9, 5, 2, 3, [5, 3, 1], [1, 2, 1], "same"],
    [3, 5, 5, 5, 5, 2, [5, 5, 5], [1, 1, 1], "valid"],
    [1, 4, 4, 4, 32, 16, [3, 3, 3], [1, 1, 1], "same"],
  ];
  for (const [n, d, h, w, ci, co, k, s, pad] of cases) {
    const x = rand([n, d, h, w, ci]);
    const f = rand([...k, ci, co]);
    const y = tf.conv3d(x as tf.Tensor5D, f as tf.Tensor5D, s, pad);
    const dy = rand(y.shape);
    const tag = `[${n},${d},${h},${w},${ci}]*k${k}x${co} s${s} ${pad}`;
    assertSame(`Conv3D ${tag}`, () => tf.conv3d(x as tf.Tensor5D, f as tf.Tensor5D, s, pad));
    assertSame(`Conv3DBackpropInputV2 ${tag}`, () =>
      tf.engine().runKernel("Conv3DBackpropInputV2", { dy, filter: f }, { strides: s, pad, inputShape: x.shape }) as tf.Tensor);
    assertSame(`Conv3DBackpropFilterV2 ${tag}`, () =>
      tf.engine().runKernel("Conv3DBackpropFilterV2", { x, dy }, { strides: s, pad, filterShape: f.shape }) as tf.Tensor);
    tf.dispose([x, f, y, dy]);
  }
});

test("broadcast binary ops match stock on rank-5 batch-norm shapes", async (t) => {
  await ready;
  if (skip()) return t.skip(skip() as string);
  const big = [2, 5, 3, 4, 6];
  const partners = [[6], [1, 1, 1, 1, 6], [2, 1, 1, 1, 6], [2, 5, 3, 4, 1], [5, 1, 1, 6], [], big, [2, 1, 3, 1, 6]];
  const ops: [string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ["add", tf.add], ["sub", tf.sub], ["mul", tf.mul], ["div", tf.div],
    ["maximum", tf.maximum], ["minimum", tf.minimum], ["squaredDifference", tf.squaredDifference],
  ];
  for (const ps of partners) {
    const a = rand(big), b = rand(ps, 0.5, 1.5);
    for (const [name, op] of ops) {
      assertSame(`${name} ${big} . [${ps}]`, () => op(a, b));
      assertSame(`${name} [${ps}] . ${big}`, () => op(b, a));
    }
    tf.dispose([a, b]);
  }
  const big2 = rand([3, 70000]), row = rand([70000]); // large enough to run on all threads
  assertSame("add large broadcast", () => tf.add(big2, row));
  tf.dispose([big2, row]);
});

test("unary ops match stock", async (t) => {
  await ready;
  if (skip()) return t.skip(skip() as string);
  const x = rand([2, 5, 3, 4, 7], -3, 3), pos = rand([2, 5, 3, 4, 7], 0.1, 4), large = rand([40000], -3, 3);
  const ops: [string, (v: tf.Tensor) => tf.Tensor, tf.Tensor][] = [
    ["relu", tf.relu, x], ["sigmoid", tf.sigmoid, x], ["exp", tf.exp, x], ["log", tf.log, pos],
    ["sqrt", tf.sqrt, pos], ["rsqrt", tf.rsqrt, pos], ["square", tf.square, x], ["neg", tf.neg, x],
    ["abs", tf.abs, x], ["step", (v) => tf.step(v, 0.25), x], ["reciprocal", tf.reciprocal, pos],
    ["tanh", tf.tanh, x], ["relu (large)", tf.relu, large], ["sigmoid (large)", tf.sigmoid, large],
  ];
  for (const [name, op, v] of ops) assertSame(name, () => op(v));
  tf.dispose([x, pos, large]);
});

test("sum, mean, max and min over any axes match stock", async (t) => {
  await ready;
  if (skip()) return t.skip(skip() as string);
  const x = rand([3, 5, 4, 7, 6], -2, 2), large = rand([8, 9, 9, 9, 8]);
  const axesList: (number[] | null)[] = [[0, 1, 2, 3], [1, 2, 3], [4], [-1], [0], [1, 3], [0, 2, 4], null, [2]];
  for (const v of [x, large]) {
    for (const axes of axesList) {
      for (const keepDims of [false, true]) {
        const tag = `[${v.shape}] axes ${axes} keepDims ${keepDims}`;
        assertSame(`sum ${tag}`, () => tf.sum(v, axes ?? undefined, keepDims));
        assertSame(`mean ${tag}`, () => tf.mean(v, axes ?? undefined, keepDims));
        assertSame(`max ${tag}`, () => tf.max(v, axes ?? undefined, keepDims));
        assertSame(`min ${tag}`, () => tf.min(v, axes ?? undefined, keepDims));
      }
    }
  }
  tf.dispose([x, large]);
});

test("comparisons (bool output) and bool-mask products match stock", async (t) => {
  await ready;
  if (skip()) return t.skip(skip() as string);
  const a = tf.round(rand([2, 5, 3, 4, 6], -2, 2)), b = tf.round(rand([6], -2, 2));
  const ops: [string, (x: tf.Tensor, y: tf.Tensor) => tf.Tensor][] = [
    ["equal", tf.equal], ["notEqual", tf.notEqual], ["greater", tf.greater],
    ["greaterEqual", tf.greaterEqual], ["less", tf.less], ["lessEqual", tf.lessEqual],
  ];
  for (const [name, op] of ops) {
    assertSame(name, () => tf.cast(op(a, b), "float32"));
    setNativeKernelsEnabled(true);
    const r = op(a, b);
    assert.equal(r.dtype, "bool", name);
    r.dispose();
  }
  // tf.max's gradient multiplies dy by cast(equal(x, max), float32), whose buffer is a Uint8Array.
  assertSame("mul by a cast bool mask", () => tf.mul(a, tf.cast(tf.equal(a, b), "float32")));
  tf.dispose([a, b]);
});

test("slice, pad, concat, split and transpose match stock", async (t) => {
  await ready;
  if (skip()) return t.skip(skip() as string);
  const x = rand([3, 7, 5, 6, 4]);
  assertSame("slice", () => tf.slice(x, [1, 2, 0, 3, 1], [2, 4, 5, 2, 3]));
  assertSame("slice -1 sizes", () => tf.slice(x, [0, 1, 1, 1, 0], [-1, -1, 3, -1, -1]));
  assertSame("slice last axis", () => tf.slice(x, [0, 0, 0, 0, 2], [3, 7, 5, 6, 1]));
  assertSame("pad", () => tf.pad(x, [[0, 0], [1, 1], [0, 2], [1, 0], [0, 0]]));
  assertSame("pad constant", () => tf.pad(x, [[1, 0], [1, 1], [0, 0], [0, 1], [2, 1]], 0.5));
  const y = rand([3, 7, 5, 6, 2]), z = rand([3, 7, 5, 6, 1]);
  assertSame("concat last axis", () => tf.concat([x, y, z], -1));
  const w = rand([3, 2, 5, 6, 4]);
  assertSame("concat axis 1", () => tf.concat([x, w], 1));
  for (const [sizes, axis] of [[[1, 3], -1], [[2, 5], 1], [3, 0]] as [number[] | number, number][]) {
    const parts = () => tf.split(x, sizes, axis);
    const n = Array.isArray(sizes) ? sizes.length : sizes;
    for (let i = 0; i < n; i++) assertSame(`split ${sizes} axis ${axis} part ${i}`, () => {
      const p = parts();
      const keep = p[i];
      tf.dispose(p.filter((_, j) => j !== i));
      return keep;
    });
  }
  for (const perm of [[0, 2, 1, 3, 4], [4, 3, 2, 1, 0], [0, 1, 2, 4, 3], [1, 0, 2, 3, 4]])
    assertSame(`transpose ${perm}`, () => tf.transpose(x, perm));
  const oh = tf.oneHot(tf.tensor1d([2, 0, 1, 3], "int32"), 5); // int32 backed by a Float32Array
  assertSame("transpose of oneHot", () => tf.cast(tf.transpose(tf.reshape(oh, [4, 5, 1]), [0, 2, 1]), "float32"));
  const ints = tf.tensor3d([1, 2, 3, 4, 5, 6], [1, 2, 3], "int32");
  assert.deepEqual(Array.from(tf.transpose(ints, [0, 2, 1]).dataSync()), [1, 4, 2, 5, 3, 6]);
  tf.dispose([x, y, z, w, oh, ints]);
});

test("argMax / argMin (first extremum on ties) match stock", async (t) => {
  await ready;
  if (skip()) return t.skip(skip() as string);
  const x = tf.round(rand([4, 9, 3, 5], -2, 2)); // rounded: many ties
  for (const axis of [0, 1, 2, 3, -1]) {
    assertSame(`argMax axis ${axis}`, () => tf.cast(tf.argMax(x, axis), "float32"));
    assertSame(`argMin axis ${axis}`, () => tf.cast(tf.argMin(x, axis), "float32"));
  }
  const big = tf.round(rand([70000, 4, 1], -3, 3));
  assertSame("argMax large", () => tf.cast(tf.argMax(big, 1), "float32"));
  tf.dispose([x, big]);
});

test("fused training batch norm matches the tf.moments formula: value, dx, dgamma, dbeta, stats", async (t) => {
  await ready;
  if (skip()) return t.skip(skip() as string);
  assert.ok(fusedBatchNormAvailable());
  for (const shape of [[2, 5, 3, 4, 6], [1, 7, 7, 7, 4], [8, 16, 16, 16, 8]]) {
    const c = shape[4];
    const x = rand(shape, -1, 3), gamma = rand([c], 0.5, 1.5) as tf.Tensor1D, beta = rand([c]) as tf.Tensor1D, r = rand(shape);
    const eps = 1e-5;
    const reference = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(xi, [0, 1, 2, 3]);
      return tf.add(tf.mul(tf.sub(xi, mean), tf.mul(tf.rsqrt(tf.add(variance, eps)), g)), b);
    };
    let stats: number[][] = [];
    const fused = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      batchNormTrainFused(xi, g as tf.Tensor1D, b as tf.Tensor1D, eps, (m, v) => (stats = [Array.from(m.dataSync()), Array.from(v.dataSync())]));
    const run = (fn: typeof reference) => tf.grads((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(fn(xi, g, b), r)))([x, gamma, beta]);
    const names = ["dx", "dgamma", "dbeta"];
    const gf = run(fused), gr = run(reference);
    const check = (what: string, a: tf.Tensor, b: tf.Tensor) => {
      const av = a.dataSync(), bv = b.dataSync();
      let d = 0, m = 0;
      for (let i = 0; i < av.length; i++) (d = Math.max(d, Math.abs(av[i] - bv[i]))), (m = Math.max(m, Math.abs(bv[i])));
      assert.ok(d <= 1e-4 * m, `${what} [${shape}]: max diff ${d} vs max ${m}`);
    };
    check("value", fused(x, gamma, beta), reference(x, gamma, beta));
    gf.forEach((g, i) => check(names[i], g, gr[i]));
    const { mean, variance } = tf.moments(x, [0, 1, 2, 3]);
    check("mean", tf.tensor(stats[0]), mean);
    check("variance", tf.tensor(stats[1]), variance);
    tf.dispose([x, gamma, beta, r, ...gf, ...gr, mean, variance]);
  }
});

test("non-float32 inputs fall back to the stock kernels", async (t) => {
  await ready;
  if (skip()) return t.skip(skip() as string);
  const a = tf.tensor([1, 2, 3], [3], "int32"), b = tf.tensor([4, 5, 6], [3], "int32");
  const s = tf.add(a, b), r = tf.sum(a);
  assert.equal(s.dtype, "int32");
  assert.deepEqual(Array.from(s.dataSync()), [5, 7, 9]);
  assert.equal(r.dataSync()[0], 6);
  tf.dispose([a, b, s, r]);
});

test("100 training steps of a small 3-D conv net leave tf.memory().numTensors flat", async (t) => {
  await ready;
  if (skip()) return t.skip(skip() as string);
  const w1 = tf.variable(rand([3, 3, 3, 1, 4], -0.3, 0.3));
  const w2 = tf.variable(rand([3, 3, 3, 4, 8], -0.3, 0.3));
  const gamma = tf.variable(tf.ones([4])), beta = tf.variable(tf.zeros([4]));
  const running = tf.variable(tf.zeros([4]), false);
  const x = rand([2, 8, 8, 8, 1]);
  const opt = tf.train.momentum(0.01, 0.9);
  const step = () =>
    opt.minimize(() => {
      const h = tf.conv3d(x as tf.Tensor5D, w1 as tf.Tensor5D, 1, "same");
      const { mean, variance } = tf.moments(h, [0, 1, 2, 3]);
      const bn = tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma), beta);
      // The fused batch norm too, with a running-stat update through its stats callback.
      const bn2 = batchNormTrainFused(tf.relu(bn), gamma as tf.Tensor1D, beta as tf.Tensor1D, 1e-5, (m) =>
        tf.tidy(() => running.assign(tf.add(tf.mul(running, 0.9), tf.mul(m, 0.1)))),
      );
      const y = tf.conv3d(bn2 as tf.Tensor5D, w2 as tf.Tensor5D, 2, "same");
      return tf.mean(tf.square(y)) as tf.Scalar;
    }, true);
  tf.dispose(step() ?? []); // optimizer slots are created on the first step
  const before = tf.memory().numTensors;
  let last = Infinity;
  for (let i = 0; i < 100; i++) {
    const l = step();
    last = l ? l.dataSync()[0] : NaN;
    tf.dispose(l ?? []);
  }
  assert.equal(tf.memory().numTensors, before);
  assert.ok(Number.isFinite(last));
  opt.dispose();
  tf.dispose([w1, w2, gamma, beta, running, x]);
});

test("without the addon the CPU backend warns and still runs on stock kernels", () => {
  const selectJs = path.join(__dirname, "..", "..", "src", "backend", "select.js");
  const code = `const tf = require("@tensorflow/tfjs");
    require(${JSON.stringify(selectJs)}).initBackend({ backend: "cpu" }).then((b) => {
      const y = tf.conv3d(tf.ones([1, 3, 3, 3, 1]), tf.ones([3, 3, 3, 1, 1]), 1, "same");
      console.log(JSON.stringify({ native: b.native, center: y.dataSync()[13] }));
    });`;
  const r = spawnSync(process.execPath, ["-e", code], {
    env: { ...process.env, NASLUNG_NATIVE_ADDON: "/nonexistent/naslung_native.node" },
    encoding: "utf8",
    cwd: path.join(__dirname, "..", ".."),
  });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split("\n").pop() as string);
  assert.equal(out.native.ok, false);
  assert.match(out.native.reason, /cannot load .*naslung_native\.node/);
  assert.equal(out.center, 27);
  assert.match(r.stderr, /native CPU kernels unavailable/);
});
