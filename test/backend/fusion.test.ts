import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  installNativeKernels, setNativeKernelsEnabled, nativeFusionAvailable, batchNormTrainFused, conv3dFused, conv3dBnInfer,
  attentionPoolFused, scaleResidualFused, maxOverAxis1Fused,
} from "../../src/backend/nativeKernels";
import { channelMax, globalMaxPool3d } from "../../src/models/layers/pooling";
import { CBR } from "../../src/models/layers/cbr";
import { ResidualBlock } from "../../src/models/layers/residualBlock";
import { ParamStore } from "../../src/models/paramStore";
import { nativeTestSetup } from "./nativeTestSetup";
import { spawnSync } from "child_process";
import * as path from "path";

// The fused native ops (conv+bias, bn+relu, folded eval conv+bn+relu) against the stock tf-ops
// formulas they replace, run on stock kernels: values and every gradient within 1e-4 relative.
const { ready, skip, rand } = nativeTestSetup(4321, "fusion-test");

function close(what: string, a: tf.Tensor, b: tf.Tensor, tol = 1e-4): void {
  assert.deepEqual(a.shape, b.shape, `${what}: shape`);
  const av = a.dataSync(), bv = b.dataSync();
  let d = 0, m = 0;
  for (let i = 0; i < av.length; i++) (d = Math.max(d, Math.abs(av[i] - bv[i]))), (m = Math.max(m, Math.abs(bv[i])));
  assert.ok(d <= tol * Math.max(m, 1e-6), `${what}: max diff ${d} vs max |ref| ${m}`);
}

/** Value and gradients of sum(f(inputs) * r) for the fused f (native) and the reference (stock kernels). */
function compareWithGrads(what: string, inputs: tf.Tensor[], fused: (...t: tf.Tensor[]) => tf.Tensor, reference: (...t: tf.Tensor[]) => tf.Tensor): void {
  setNativeKernelsEnabled(true);
  const yf = fused(...inputs);
  const r = rand(yf.shape);
  const gf = tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(fused(...t), r)))(inputs);
  setNativeKernelsEnabled(false);
  const yr = reference(...inputs);
  const gr = tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(reference(...t), r)))(inputs);
  setNativeKernelsEnabled(true);
  close(`${what} value`, yf, yr);
  gf.forEach((g, i) => close(`${what} grad ${i}`, g, gr[i]));
  tf.dispose([yf, r, yr, ...gf, ...gr]);
}

/** The layer's tf-ops formula: explicit symmetric padding, "valid" conv, bias add. */
function convReference(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor | null, stride: number): tf.Tensor {
  const p = w.shape[0] >> 1;
  const y = tf.conv3d(tf.pad(x, [[0, 0], [p, p], [p, p], [p, p], [0, 0]]) as tf.Tensor5D, w as tf.Tensor5D, stride, "valid");
  return b ? tf.add(y, b) : y;
}

// [batch, d, h, w, inC, outC, k, stride]
const convCases: [number, number, number, number, number, number, number, number][] = [
  [1, 7, 7, 7, 1, 4, 3, 1],
  [2, 9, 8, 7, 4, 8, 3, 2],
  [1, 8, 8, 8, 8, 8, 3, 2],
  [2, 5, 6, 7, 4, 16, 1, 1],
  [1, 9, 9, 9, 16, 8, 1, 2],
  [1, 6, 6, 6, 16, 1, 3, 1],
];

test("conv3dFused (bias, symmetric padding) matches pad + conv3d + add: value, dx, dw, dbias", async (t) => {
  await ready;
  if (skip()) return t.skip(skip() as string);
  for (const [n, d, h, w, ci, co, k, s] of convCases) {
    for (const withBias of [true, false]) {
      const x = rand([n, d, h, w, ci]), f = rand([k, k, k, ci, co], -0.5, 0.5), b = rand([co]);
      const tag = `[${n},${d},${h},${w},${ci}] k${k} -> ${co} s${s}${withBias ? " +bias" : ""}`;
      if (withBias)
        compareWithGrads(tag, [x, f, b], (xi, fi, bi) => conv3dFused(xi as tf.Tensor5D, fi as tf.Tensor5D, bi as tf.Tensor1D, s), (xi, fi, bi) => convReference(xi, fi, bi, s));
      else compareWithGrads(tag, [x, f], (xi, fi) => conv3dFused(xi as tf.Tensor5D, fi as tf.Tensor5D, null, s), (xi, fi) => convReference(xi, fi, null, s));
      tf.dispose([x, f, b]);
    }
  }
});

test("batchNormTrainFused with relu matches relu(moments formula): value, dx, dgamma, dbeta", async (t) => {
  await ready;
  if (skip()) return t.skip(skip() as string);
  for (const shape of [[2, 5, 3, 4, 6], [1, 7, 7, 7, 1], [1, 5, 5, 5, 4], [4, 8, 8, 8, 16]]) {
    const c = shape[4];
    const x = rand(shape, -1, 3), gamma = rand([c], 0.5, 1.5), beta = rand([c]);
    const reference = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
      const { mean, variance } = tf.moments(xi, [0, 1, 2, 3]);
      return tf.relu(tf.add(tf.mul(tf.sub(xi, mean), tf.mul(tf.rsqrt(tf.add(variance, 1e-5)), g)), b));
    };
    const fused = (xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => batchNormTrainFused(xi, g as tf.Tensor1D, b as tf.Tensor1D, 1e-5, undefined, true);
    compareWithGrads(`bn+relu [${shape}]`, [x, gamma, beta], fused, reference);
    tf.dispose([x, gamma, beta]);
  }
});

test("conv3dBnInfer (eval batch norm folded into the conv, relu post-op) matches the tf-ops eval formula", async (t) => {
  await ready;
  if (skip()) return t.skip(skip() as string);
  for (const [n, d, h, w, ci, co, k, s] of convCases) {
    for (const [withBias, relu, add] of [[true, true, false], [false, true, false], [true, false, false], [true, true, true]]) {
      const x = rand([n, d, h, w, ci]), f = rand([k, k, k, ci, co], -0.5, 0.5), b = rand([co]);
      const bn = { gamma: rand([co], 0.5, 1.5) as tf.Tensor1D, beta: rand([co]) as tf.Tensor1D, runningMean: rand([co]) as tf.Tensor1D, runningVar: rand([co], 0.2, 2) as tf.Tensor1D, eps: 1e-5 };
      const tag = `[${n},${d},${h},${w},${ci}] k${k} -> ${co} s${s} bias ${withBias} relu ${relu} add ${add}`;
      const o = (v: number) => Math.floor((v - 1) / s) + 1;
      const residual = add ? (rand([n, o(d), o(h), o(w), co]) as tf.Tensor5D) : undefined;
      const got = conv3dBnInfer(x as tf.Tensor5D, f as tf.Tensor5D, withBias ? (b as tf.Tensor1D) : null, bn, s, relu, residual);
      setNativeKernelsEnabled(false);
      const scale = tf.mul(tf.rsqrt(tf.add(bn.runningVar, bn.eps)), bn.gamma);
      const z = tf.add(tf.mul(convReference(x, f, withBias ? b : null, s), scale), tf.sub(bn.beta, tf.mul(bn.runningMean, scale)));
      const r = relu ? tf.relu(z) : z;
      const want = residual ? tf.add(r, residual) : r;
      setNativeKernelsEnabled(true);
      close(tag, got, want);
      tf.dispose([x, f, b, got, scale, z, r, want, bn.gamma, bn.beta, bn.runningMean, bn.runningVar, ...(residual ? [residual] : [])]);
    }
  }
});

test("attentionPoolFused and scaleResidualFused match ResCBAM's tf ops (incl. first-max gradient on ties)", async (t) => {
  await ready;
  if (skip()) return t.skip(skip() as string);
  // (C >= 2: the stock channelMax's oneHot needs depth >= 2.)
  for (const shape of [[2, 5, 3, 4, 6], [1, 7, 7, 7, 2], [1, 4, 5, 3, 4], [3, 8, 8, 8, 16]]) {
    const [n, d, h, w, c] = shape;
    // Rounded x: many exact ties in the channel max, whose gradient must go to the first one.
    const x = tf.round(tf.mul(rand(shape), 2)), wts = rand([n, c], 0.5, 1.5), wOne = tf.onesLike(wts), s = rand([n, d, h, w, 1]);
    const poolRef = (xi: tf.Tensor, wi: tf.Tensor) => {
      const z = tf.mul(xi, tf.reshape(wi, [n, 1, 1, 1, c])) as tf.Tensor5D;
      return tf.concat([channelMax(z), tf.mean(z, -1, true)], -1);
    };
    compareWithGrads(`attentionPool [${shape}]`, [x, wts], (xi, wi) => attentionPoolFused(xi as tf.Tensor5D, wi as tf.Tensor2D), poolRef);
    compareWithGrads(`attentionPool ties [${shape}]`, [x, wOne], (xi, wi) => attentionPoolFused(xi as tf.Tensor5D, wi as tf.Tensor2D), poolRef);
    compareWithGrads(`scaleResidual [${shape}]`, [x, s], (xi, si) => scaleResidualFused(xi as tf.Tensor5D, si as tf.Tensor5D), (xi, si) => tf.add(tf.mul(si, xi), xi));
    tf.dispose([x, wts, wOne, s]);
  }
});

test("maxOverAxis1Fused (global/channel max pools) matches the tf-ops pools, first-max gradient on ties", async (t) => {
  await ready;
  if (skip()) return t.skip(skip() as string);
  for (const shape of [[2, 5, 3, 4, 6], [1, 7, 7, 7, 2], [3, 8, 8, 8, 16], [1, 3, 3, 3, 1]]) {
    const x = tf.round(tf.mul(rand(shape), 2)) as tf.Tensor5D; // many ties
    const [n, d, h, w, c] = shape;
    compareWithGrads(`global max pool [${shape}]`, [x], (xi) => maxOverAxis1Fused(tf.reshape(xi, [n, d * h * w, c]) as tf.Tensor3D), (xi) => globalMaxPool3d(xi as tf.Tensor5D));
    if (c > 1) compareWithGrads(`channel max [${shape}]`, [x], (xi) => tf.reshape(maxOverAxis1Fused(tf.reshape(xi, [n * d * h * w, c, 1]) as tf.Tensor3D), [n, d, h, w, 1]), (xi) => channelMax(xi as tf.Tensor5D));
    x.dispose();
  }
});

test("CBR with fused native ops matches its stock tf-ops path: train (value, all grads, running stats) and eval", async (t) => {
  await ready;
  if (skip()) return t.skip(skip() as string);
  for (const [ci, co, k, s] of [[1, 4, 3, 1], [4, 8, 3, 2], [8, 8, 1, 1]]) {
    const store = new ParamStore(7 + ci);
    const cbr = new CBR(store, "cbr", ci, co, { kernel: k, stride: s, bias: s === 1 });
    cbr.bn.gamma.assign(rand([co], 0.5, 1.5));
    cbr.bn.beta.assign(rand([co], -0.3, 0.3));
    const x = rand([2, 9, 8, 7, ci]) as tf.Tensor5D;
    const vars = [cbr.conv.weight, ...(cbr.conv.bias ? [cbr.conv.bias] : []), cbr.bn.gamma, cbr.bn.beta];
    const outShape = [2, Math.floor(8 / s) + 1, Math.floor(7 / s) + 1, Math.floor(6 / s) + 1, co];
    const r = rand(outShape);
    const run = (native: boolean) => {
      setNativeKernelsEnabled(native);
      assert.equal(nativeFusionAvailable(), native);
      cbr.bn.runningMean.assign(tf.zeros([co]));
      cbr.bn.runningVar.assign(tf.ones([co]));
      let yTrain: tf.Tensor | null = null;
      const { value, grads } = tf.variableGrads(() => {
        yTrain = tf.keep(cbr.apply(x, { training: true, updateStats: true }));
        return tf.sum(tf.mul(yTrain, r)) as tf.Scalar;
      }, vars);
      const yEval = cbr.apply(x, { training: false, updateStats: false });
      setNativeKernelsEnabled(true);
      value.dispose();
      return [yTrain as unknown as tf.Tensor, ...vars.map((v) => grads[v.name]), tf.clone(cbr.bn.runningMean), tf.clone(cbr.bn.runningVar), yEval];
    };
    const a = run(true), b = run(false);
    a.forEach((ta, i) => {
      // The conv bias feeds a batch norm, so its gradient is 0 up to rounding: compare it on the
      // scale of the weight gradient instead of its own.
      if (cbr.conv.bias && i === 2) {
        const [d, scale] = tf.tidy(() => [tf.max(tf.abs(tf.sub(ta, b[i]))).dataSync()[0], tf.max(tf.abs(b[1])).dataSync()[0]]);
        return assert.ok(d <= 1e-4 * scale, `CBR conv-bias grad: max diff ${d} vs max |dW| ${scale}`);
      }
      close(`CBR ${ci}->${co} k${k} s${s} output ${i}`, ta, b[i]);
    });
    r.dispose();
    tf.dispose([...a, ...b, x]);
  }
});

test("ResidualBlock eval forward (residual add fused into the conv) matches its stock path", async (t) => {
  await ready;
  if (skip()) return t.skip(skip() as string);
  const block = new ResidualBlock(new ParamStore(11), "res", 4, 8);
  for (const cbr of [block.conv1, block.conv2, block.shortcut]) {
    cbr.bn.runningMean.assign(rand([cbr.bn.channels], -0.5, 0.5));
    cbr.bn.runningVar.assign(rand([cbr.bn.channels], 0.5, 2));
    cbr.bn.gamma.assign(rand([cbr.bn.channels], 0.5, 1.5));
  }
  const x = rand([2, 7, 6, 5, 4]) as tf.Tensor5D;
  const ctx = { training: false, updateStats: false };
  const got = block.apply(x, ctx);
  setNativeKernelsEnabled(false);
  const want = block.apply(x, ctx);
  setNativeKernelsEnabled(true);
  close("ResidualBlock eval", got, want);
  tf.dispose([x, got, want]);
});

test("training steps and eval forwards through fused CBRs leave tf.memory().numTensors flat", async (t) => {
  await ready;
  if (skip()) return t.skip(skip() as string);
  const store = new ParamStore(3);
  const l1 = new CBR(store, "a", 1, 4, { kernel: 3 }), l2 = new CBR(store, "b", 4, 8, { kernel: 3, stride: 2, bias: false });
  const x = rand([2, 8, 8, 8, 1]) as tf.Tensor5D;
  const opt = tf.train.momentum(0.01, 0.9);
  const step = () => {
    const l = opt.minimize(() => tf.mean(tf.square(l2.apply(l1.apply(x, { training: true, updateStats: true }), { training: true, updateStats: true }))) as tf.Scalar, true);
    tf.dispose(l ?? []);
    tf.dispose(tf.tidy(() => l2.apply(l1.apply(x, { training: false, updateStats: false }), { training: false, updateStats: false })));
  };
  step();
  const before = tf.memory().numTensors;
  for (let i = 0; i < 30; i++) step();
  assert.equal(tf.memory().numTensors, before);
  opt.dispose();
  x.dispose();
});

test("with NASLUNG_CONV_AUTOTUNE=1 (timed choice of oneDNN kernel and team size) convolutions still match stock", async (t) => {
  await ready;
  if (skip()) return t.skip(skip() as string);
  const backend = path.join(__dirname, "..", "..", "src", "backend", "nativeKernels.js");
  const code = `const tf = require("@tensorflow/tfjs");
    const nk = require(${JSON.stringify(backend)});
    tf.setBackend("cpu").then(() => {
      nk.installNativeKernels();
      let worst = 0;
      for (const [shape, k, s, co] of [[[2, 9, 8, 7, 4], 3, 2, 8], [[1, 8, 8, 8, 1], 3, 1, 4], [[2, 6, 6, 6, 8], 1, 1, 16]]) {
        const x = tf.randomNormal(shape, 0, 1, "float32", 1), w = tf.randomNormal([k, k, k, shape[4], co], 0, 0.3, "float32", 2), b = tf.randomNormal([co], 0, 1, "float32", 3);
        const r = tf.randomNormal(nk.conv3dFused(x, w, b, s).shape, 0, 1, "float32", 4);
        const f = (xi, wi, bi) => tf.sum(tf.mul(nk.conv3dFused(xi, wi, bi, s), r));
        const p = k >> 1, ref = (xi, wi, bi) => tf.sum(tf.mul(tf.add(tf.conv3d(tf.pad(xi, [[0, 0], [p, p], [p, p], [p, p], [0, 0]]), wi, s, "valid"), bi), r));
        const a = tf.grads(f)([x, w, b]);
        nk.setNativeKernelsEnabled(false);
        const e = tf.grads(ref)([x, w, b]);
        nk.setNativeKernelsEnabled(true);
        a.forEach((g, i) => {
          const d = tf.max(tf.abs(tf.sub(g, e[i]))).dataSync()[0], m = tf.max(tf.abs(e[i])).dataSync()[0];
          worst = Math.max(worst, d / m);
        });
      }
      console.log(JSON.stringify({ worst }));
    });`;
  const r = spawnSync(process.execPath, ["-e", code], {
    env: { ...process.env, NASLUNG_CONV_AUTOTUNE: "1", NASLUNG_THREADS: "2" },
    encoding: "utf8",
    cwd: path.join(__dirname, "..", ".."),
  });
  assert.equal(r.status, 0, r.stderr);
  const { worst } = JSON.parse(r.stdout.trim().split("\n").pop() as string);
  assert.ok(worst < 1e-4, `worst relative gradient difference ${worst}`);
});
