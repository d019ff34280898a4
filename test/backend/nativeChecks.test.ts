import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "child_process";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { loadAddon, NativeAddon } from "../../src/backend/native/addon";
import { createRng } from "../../src/util/rng";

// Every export of the native addon checks its buffers against its dimensions before touching
// memory: a shape bug is a JS Error naming the kernel, the argument and both lengths, never an
// out-of-bounds read or write; and no C++ exception aborts the process. Correct calls still give
// the values of an independent reference (stock tfjs or a plain JS loop).

const loaded = loadAddon();
const skip = "error" in loaded ? `native addon unavailable: ${loaded.error}` : false;
const addon = ("addon" in loaded ? loaded.addon : null) as NativeAddon;

const F = (n: number, seed = 1) => {
  const rng = createRng(seed, "native-checks");
  return Float32Array.from({ length: n }, () => rng.next() * 2 - 1);
};
const I = (...v: number[]) => Int32Array.from(v);

/** Asserts f throws an Error whose message starts "naslung_native.<kernel>: " and matches `what`. */
function refuses(kernel: string, what: RegExp, f: () => void): void {
  assert.throws(f, (e: unknown) => {
    assert.ok(e instanceof Error, `${kernel}: threw ${String(e)}, not an Error`);
    assert.ok(e.message.startsWith(`naslung_native.${kernel}: `), `message does not name ${kernel}: ${e.message}`);
    assert.match(e.message, what);
    return true;
  });
}

function close(what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < want.length; i++)
    assert.ok(Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i])), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

// conv3d case: N=1, IC=2, 4x4x4, OC=3, 3x3x3 filter, stride 1, pads 1 ("same").
const P = I(1, 2, 4, 4, 4, 3, 4, 4, 4, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1);
const XN = 2 * 64, YN = 3 * 64, WN = 27 * 2 * 3;

test("conv3d: correct calls match stock tfjs; short buffers, bad params and a bad kind are errors", async (t) => {
  if (skip) return t.skip(skip);
  await tf.setBackend("cpu"); // stock kernels: this file never installs the native ones
  const x = F(XN, 1), w = F(WN, 2), dy = F(YN, 3), bias = F(3, 4);
  const xt = tf.tensor5d(x, [1, 4, 4, 4, 2]), wt = tf.tensor5d(w, [3, 3, 3, 2, 3]), dyt = tf.tensor5d(dy, [1, 4, 4, 4, 3]);
  const y = new Float32Array(YN);
  addon.conv3d(0, P, x, w, y, bias, true);
  close("conv3d forward + bias + relu", y, tf.relu(tf.add(tf.conv3d(xt, wt, 1, "same"), tf.tensor1d(bias))).dataSync(), 1e-4);
  const dx = new Float32Array(XN);
  addon.conv3d(1, P, dy, w, dx);
  const dxRef = tf.engine().runKernel("Conv3DBackpropInputV2", { dy: dyt, filter: wt }, { strides: 1, pad: "same", inputShape: [1, 4, 4, 4, 2] }) as tf.Tensor;
  close("conv3d backward data", dx, dxRef.dataSync(), 1e-4);
  const dw = new Float32Array(WN), db = new Float32Array(3);
  addon.conv3d(2, P, x, dy, dw, db);
  const dwRef = tf.engine().runKernel("Conv3DBackpropFilterV2", { x: xt, dy: dyt }, { strides: 1, pad: "same", filterShape: [3, 3, 3, 2, 3] }) as tf.Tensor;
  close("conv3d backward weights", dw, dwRef.dataSync(), 1e-4);
  close("conv3d dbias", db, tf.sum(dyt, [0, 1, 2, 3]).dataSync(), 1e-4);

  const short = (n: number) => new Float32Array(n - 1);
  refuses("conv3d", /x has 127 elements, x dims \[N,C,D,H,W\] \[1,2,4,4,4\] need 128/, () => addon.conv3d(0, P, short(XN), w, y));
  refuses("conv3d", /filter has 161 elements, .* need 162/, () => addon.conv3d(0, P, x, short(WN), y));
  refuses("conv3d", /y has 191 elements, .* need 192/, () => addon.conv3d(0, P, x, w, short(YN)));
  refuses("conv3d", /bias has 2 elements, OC = 3 channels need 3/, () => addon.conv3d(0, P, x, w, y, short(3)));
  refuses("conv3d", /dy has 191 elements/, () => addon.conv3d(1, P, short(YN), w, dx));
  refuses("conv3d", /dx has 127 elements/, () => addon.conv3d(1, P, dy, w, short(XN)));
  refuses("conv3d", /bias is not an argument of the backward-data/, () => addon.conv3d(1, P, dy, w, dx, bias));
  refuses("conv3d", /dfilter has 161 elements/, () => addon.conv3d(2, P, x, dy, short(WN)));
  refuses("conv3d", /dbias has 4 elements/, () => addon.conv3d(2, P, x, dy, dw, new Float32Array(4)));
  refuses("conv3d", /params has 20 elements, .* need 21/, () => addon.conv3d(0, P.subarray(1), x, w, y));
  refuses("conv3d", /entry 1 is 0, sizes and strides must be >= 1/, () => addon.conv3d(0, I(...P.map((v, i) => (i === 1 ? 0 : v))), x, w, y));
  refuses("conv3d", /entry 15 is -1, pads must be >= 0/, () => addon.conv3d(0, I(...P.map((v, i) => (i === 15 ? -1 : v))), x, w, y));
  refuses("conv3d", /output depth 5 does not follow from input 4, filter 3, stride 1 and pads 1\+1/, () => addon.conv3d(0, I(...P.map((v, i) => (i === 6 ? 5 : v))), x, w, new Float32Array(3 * 80)));
  refuses("conv3d", /kind must be an integer in \[0, 2\] \(got 3/, () => addon.conv3d(3, P, x, w, y));
  refuses("conv3d", /x must be a Float32Array/, () => addon.conv3d(0, P, new Int32Array(XN) as unknown as Float32Array, w, y));
  tf.dispose([xt, wt, dyt, dxRef, dwRef]);
});

test("binary and unary: correct calls match a JS loop; wrong strides, lengths and ops are errors", (t) => {
  if (skip) return t.skip(skip);
  const a = F(6, 5), b = F(3, 6), out = new Float32Array(6);
  addon.binary(0, a, I(3, 1), b, I(0, 1), out, I(2, 3));
  assert.deepEqual([...out], [...a].map((v, i) => Math.fround(v + b[i % 3])));
  const cmp = new Uint8Array(6);
  addon.binary(9, a, I(3, 1), b, I(0, 1), cmp, I(2, 3));
  assert.deepEqual([...cmp], [...a].map((v, i) => (v > b[i % 3] ? 1 : 0)));
  refuses("binary", /a has 5 elements, offset 0 \+ strides \[3,1\] over shape \[2,3\] need at least 6/, () => addon.binary(0, a.subarray(1), I(3, 1), b, I(0, 1), out, I(2, 3)));
  refuses("binary", /b has 3 elements, .* need at least 4/, () => addon.binary(0, a, I(3, 1), b, I(1, 1), out, I(2, 3)));
  refuses("binary", /b: .* reach element -1, before its start/, () => addon.binary(0, a, I(3, 1), b, I(-1, 1), out, I(2, 3)));
  refuses("binary", /out has 5 elements, outShape \[2,3\] need 6/, () => addon.binary(0, a, I(3, 1), b, I(0, 1), out.subarray(1), I(2, 3)));
  refuses("binary", /aStrides has 1 elements, outShape \[2,3\]'s rank need 2/, () => addon.binary(0, a, I(1), b, I(0, 1), out, I(2, 3)));
  refuses("binary", /outShape \[2,-3\] has a size below 0/, () => addon.binary(0, a, I(3, 1), b, I(0, 1), out, I(2, -3)));
  refuses("binary", /outShape \[1073741824,1073741824,1073741824\]: element count overflows int64/, () => addon.binary(0, a, I(0, 0, 0), b, I(0, 0, 0), out, I(2 ** 30, 2 ** 30, 2 ** 30)));
  refuses("binary", /out \(a comparison\) must be a Uint8Array/, () => addon.binary(9, a, I(3, 1), b, I(0, 1), out, I(2, 3)));
  refuses("binary", /op must be an integer in \[0, 12\]/, () => addon.binary(13, a, I(3, 1), b, I(0, 1), out, I(2, 3)));

  const y = new Float32Array(6);
  addon.unary(0, a, y, 0);
  assert.deepEqual([...y], [...a].map((v) => (v < 0 ? 0 : v)));
  refuses("unary", /out has 5 elements, x's 6 elements need 6/, () => addon.unary(0, a, y.subarray(1), 0));
  refuses("unary", /op must be an integer in \[0, 11\]/, () => addon.unary(12, a, y, 0));
  refuses("unary", /x must be a Float32Array/, () => addon.unary(0, [1, 2] as unknown as Float32Array, y, 0));
});

test("reduce, argReduce and copyStrided: correct calls match a JS loop; out-of-range shapes are errors", (t) => {
  if (skip) return t.skip(skip);
  const x = F(24, 7); // [2, 3, 4]
  const sum = new Float32Array(3);
  addon.reduce(0, x, I(2, 3, 4), I(1, 0, 1), sum);
  const want = [0, 1, 2].map((j) => { let s = 0; for (let i = 0; i < 2; i++) for (let k = 0; k < 4; k++) s += x[i * 12 + j * 4 + k]; return Math.fround(s); });
  assert.deepEqual([...sum], want);
  refuses("reduce", /x has 23 elements, shape \[2,3,4\] need 24/, () => addon.reduce(0, x.subarray(1), I(2, 3, 4), I(1, 0, 1), sum));
  refuses("reduce", /out has 2 elements, kept dims \[3\] of shape \[2,3,4\] need 3/, () => addon.reduce(0, x, I(2, 3, 4), I(1, 0, 1), sum.subarray(1)));
  refuses("reduce", /reduced has 2 elements, shape \[2,3,4\]'s rank need 3/, () => addon.reduce(0, x, I(2, 3, 4), I(1, 0), sum));
  refuses("reduce", /reduced \[1,2,1\] must hold only 0 \(keep\) and 1 \(reduce\)/, () => addon.reduce(0, x, I(2, 3, 4), I(1, 2, 1), sum));
  refuses("reduce", /shape \[2,-3,4\] has a size below 0/, () => addon.reduce(0, x, I(2, -3, 4), I(1, 0, 1), sum));
  const empty = new Float32Array(3);
  addon.reduce(0, new Float32Array(0), I(0, 3), I(1, 0), empty); // used to divide by zero
  assert.deepEqual([...empty], [0, 0, 0]);

  const arg = new Int32Array(8); // [2, 3, 4] along the middle axis
  addon.argReduce(false, x, 2, 3, 4, arg);
  const wantArg = Array.from({ length: 8 }, (_, o) => { const i = o >> 2, k = o & 3; let best = 0; for (let j = 1; j < 3; j++) if (x[i * 12 + j * 4 + k] > x[i * 12 + best * 4 + k]) best = j; return best; });
  assert.deepEqual([...arg], wantArg);
  refuses("argReduce", /x has 23 elements, dims \[outer,len,inner\] \[2,3,4\] need 24/, () => addon.argReduce(false, x.subarray(1), 2, 3, 4, arg));
  refuses("argReduce", /out has 7 elements, dims \[outer,inner\] \[2,4\] need 8/, () => addon.argReduce(false, x, 2, 3, 4, arg.subarray(1)));
  refuses("argReduce", /out must be an Int32Array/, () => addon.argReduce(false, x, 2, 3, 4, new Float32Array(8) as unknown as Int32Array));
  refuses("argReduce", /len must be an integer in \[1, /, () => addon.argReduce(false, new Float32Array(0), 2, 0, 4, arg));
  refuses("argReduce", /inner must be an integer .* \(got 1\.5/, () => addon.argReduce(false, x, 2, 3, 1.5, arg));

  // The [3, 4] slab x[1] transposed into a [4, 3] array, then into the middle of a longer one.
  const tr = new Float32Array(12);
  addon.copyStrided(x, 12, I(1, 4), tr, 0, I(3, 1), I(4, 3));
  assert.deepEqual([...tr], Array.from({ length: 12 }, (_, o) => x[12 + (o % 3) * 4 + Math.floor(o / 3)]));
  const ints = new Int32Array(4);
  addon.copyStrided(Int32Array.from([5, 6, 7, 8]) as unknown as Float32Array, 0, I(1), ints as unknown as Float32Array, 0, I(1), I(4));
  assert.deepEqual([...ints], [5, 6, 7, 8]);
  refuses("copyStrided", /src has 24 elements, offset 13 \+ strides \[1,4\] over shape \[4,3\] need at least 25/, () => addon.copyStrided(x, 13, I(1, 4), tr, 0, I(3, 1), I(4, 3)));
  refuses("copyStrided", /dst has 12 elements, offset 1 \+ strides \[3,1\] over shape \[4,3\] need at least 13/, () => addon.copyStrided(x, 12, I(1, 4), tr, 1, I(3, 1), I(4, 3)));
  refuses("copyStrided", /src: offset -1 .* reach element -1, before its start/, () => addon.copyStrided(x, -1, I(1, 4), tr, 0, I(3, 1), I(4, 3)));
  refuses("copyStrided", /dstStrides has 1 elements, shape \[4,3\]'s rank need 2/, () => addon.copyStrided(x, 12, I(1, 4), tr, 0, I(3), I(4, 3)));
  refuses("copyStrided", /shape \[4,-3\] has a size below 0/, () => addon.copyStrided(x, 12, I(1, 4), tr, 0, I(3, 1), I(4, -3)));
  refuses("copyStrided", /srcOffset must be an integer/, () => addon.copyStrided(x, 2 ** 60, I(1, 4), tr, 0, I(3, 1), I(4, 3)));
});

test("bnForward and bnBackward: correct calls match the batch-norm formulas; short buffers and C = 0 are errors", (t) => {
  if (skip) return t.skip(skip);
  const C = 4, M = 6, x = F(M * C, 8), dy = F(M * C, 9), gamma = F(C, 10), beta = F(C, 11);
  const y = new Float32Array(M * C), mean = new Float32Array(C), inv = new Float32Array(C), v = new Float32Array(C);
  addon.bnForward(x, C, gamma, beta, 1e-5, y, mean, inv, v);
  const m = Array.from({ length: C }, (_, c) => { let s = 0; for (let r = 0; r < M; r++) s += x[r * C + c]; return s / M; });
  const va = Array.from({ length: C }, (_, c) => { let s = 0; for (let r = 0; r < M; r++) s += (x[r * C + c] - m[c]) ** 2; return s / M; });
  const is = va.map((q) => 1 / Math.sqrt(q + 1e-5));
  close("bn mean", mean, m);
  close("bn variance", v, va);
  close("bn y", y, Array.from(x, (xi, i) => (xi - m[i % C]) * is[i % C] * gamma[i % C] + beta[i % C]), 1e-4);
  const dx = new Float32Array(M * C), dg = new Float32Array(C), db = new Float32Array(C);
  addon.bnBackward(dy, x, C, gamma, mean, inv, dx, dg, db);
  const sdy = Array.from({ length: C }, (_, c) => { let s = 0; for (let r = 0; r < M; r++) s += dy[r * C + c]; return s; });
  const sdyx = Array.from({ length: C }, (_, c) => { let s = 0; for (let r = 0; r < M; r++) s += dy[r * C + c] * (x[r * C + c] - m[c]) * is[c]; return s; });
  close("bn dbeta", db, sdy, 1e-4);
  close("bn dgamma", dg, sdyx, 1e-4);
  close("bn dx", dx, Array.from(x, (xi, i) => { const c = i % C; return (gamma[c] * is[c] / M) * (M * dy[i] - sdy[c] - (xi - m[c]) * is[c] * sdyx[c]); }), 1e-4);

  const fwd = (o: Partial<Record<"x" | "gamma" | "beta" | "y" | "mean" | "invstd" | "variance", Float32Array>>, c = C) =>
    addon.bnForward(o.x ?? x, c, o.gamma ?? gamma, o.beta ?? beta, 1e-5, o.y ?? y, o.mean ?? mean, o.invstd ?? inv, o.variance ?? v);
  refuses("bnForward", /x has 23 elements, not a multiple of C = 4/, () => fwd({ x: x.subarray(1) }));
  refuses("bnForward", /y has 20 elements, x's \[M, C\] = \[6,4\] need 24/, () => fwd({ y: y.subarray(4) }));
  for (const arg of ["gamma", "beta", "mean", "invstd", "variance"] as const)
    refuses("bnForward", new RegExp(`${arg} has 3 elements, C = 4 channels need 4`), () => fwd({ [arg]: new Float32Array(3) }));
  refuses("bnForward", /C must be an integer in \[1, .*\(got 0/, () => fwd({}, 0));
  refuses("bnForward", /C must be a number/, () => fwd({}, "4" as unknown as number));
  refuses("bnForward", /eps must be >= 0/, () => addon.bnForward(x, C, gamma, beta, -1, y, mean, inv, v));

  const bwd = (o: Partial<Record<"dy" | "x" | "gamma" | "mean" | "invstd" | "dx" | "dgamma" | "dbeta" | "y", Float32Array>>, c = C) =>
    addon.bnBackward(o.dy ?? dy, o.x ?? x, c, o.gamma ?? gamma, o.mean ?? mean, o.invstd ?? inv, o.dx ?? dx, o.dgamma ?? dg, o.dbeta ?? db, o.y);
  for (const arg of ["dy", "dx", "y"] as const)
    refuses("bnBackward", new RegExp(`${arg} has 20 elements, x's \\[M, C\\] = \\[6,4\\] need 24`), () => bwd({ [arg]: new Float32Array(20) }));
  for (const arg of ["gamma", "mean", "invstd", "dgamma", "dbeta"] as const)
    refuses("bnBackward", new RegExp(`${arg} has 5 elements, C = 4 channels need 4`), () => bwd({ [arg]: new Float32Array(5) }));
  refuses("bnBackward", /C must be an integer in \[1, /, () => bwd({}, 0));
  refuses("bnBackward", /x has 24 elements, not a multiple of C = 5/, () => bwd({}, 5));
});

test("attnPool, scaleResidual and their gradients: correct calls match a JS loop; short buffers and C = 0 are errors", (t) => {
  if (skip) return t.skip(skip);
  const N = 2, V = 3, C = 4, x = F(N * V * C, 12), w = F(N * C, 13), s = F(N * V, 14), dout = F(N * V * 2, 15), dy = F(N * V * C, 16);
  const out = new Float32Array(N * V * 2);
  addon.attnPool(x, w, N, V, C, out);
  const want: number[] = [];
  for (let r = 0; r < N * V; r++) {
    const z = Array.from({ length: C }, (_, c) => Math.fround(x[r * C + c] * w[Math.floor(r / V) * C + c]));
    want.push(Math.max(...z), z.reduce((p, q) => p + q, 0) / C);
  }
  close("attnPool", out, want);
  const dx = new Float32Array(N * V * C), dw = new Float32Array(N * C);
  addon.attnPoolBackward(x, w, N, V, C, dout, dx, dw);
  assert.ok(dx.some((q) => q !== 0) && dw.some((q) => q !== 0), "attnPoolBackward wrote its outputs");
  refuses("attnPool", /x has 23 elements, \[N,V,C\] = \[2,3,4\] need 24/, () => addon.attnPool(x.subarray(1), w, N, V, C, out));
  refuses("attnPool", /w has 7 elements, \[N,C\] = \[2,4\] need 8/, () => addon.attnPool(x, w.subarray(1), N, V, C, out));
  refuses("attnPool", /out has 11 elements, 2 x \[N,V\] = \[2,3\] need 12/, () => addon.attnPool(x, w, N, V, C, out.subarray(1)));
  refuses("attnPool", /C must be an integer in \[1, /, () => addon.attnPool(new Float32Array(0), new Float32Array(0), N, V, 0, out));
  refuses("attnPool", /N must be an integer in \[0, .*\(got -1/, () => addon.attnPool(x, w, -1, V, C, out));
  refuses("attnPoolBackward", /dout has 11 elements/, () => addon.attnPoolBackward(x, w, N, V, C, dout.subarray(1), dx, dw));
  refuses("attnPoolBackward", /dx has 23 elements/, () => addon.attnPoolBackward(x, w, N, V, C, dout, dx.subarray(1), dw));
  refuses("attnPoolBackward", /dw has 7 elements/, () => addon.attnPoolBackward(x, w, N, V, C, dout, dx, dw.subarray(1)));

  const y = new Float32Array(N * V * C);
  addon.scaleResidual(x, s, N, V, C, y);
  assert.deepEqual([...y], Array.from(x, (xi, i) => Math.fround(xi * Math.fround(1 + s[Math.floor(i / C)]))));
  const ds = new Float32Array(N * V);
  addon.scaleResidualBackward(x, s, N, V, C, dy, dx, ds);
  close("scaleResidualBackward ds", ds, Array.from(s, (_, r) => { let q = 0; for (let c = 0; c < C; c++) q += dy[r * C + c] * x[r * C + c]; return q; }));
  refuses("scaleResidual", /s has 5 elements, \[N,V\] = \[2,3\] need 6/, () => addon.scaleResidual(x, s.subarray(1), N, V, C, y));
  refuses("scaleResidual", /y has 23 elements, \[N,V,C\] = \[2,3,4\] need 24/, () => addon.scaleResidual(x, s, N, V, C, y.subarray(1)));
  refuses("scaleResidual", /V must be a number/, () => addon.scaleResidual(x, s, N, undefined as unknown as number, C, y));
  refuses("scaleResidualBackward", /dy has 23 elements/, () => addon.scaleResidualBackward(x, s, N, V, C, dy.subarray(1), dx, ds));
  refuses("scaleResidualBackward", /ds has 5 elements/, () => addon.scaleResidualBackward(x, s, N, V, C, dy, dx, ds.subarray(1)));
});

test("no C++ exception aborts the process: each kind becomes a JS Error naming the export", (t) => {
  if (skip) return t.skip(skip);
  // In a child process, so that an abort (std::terminate) shows as a failed exit, not a lost run.
  const code = `
    const { loadAddon } = require(${JSON.stringify(path.resolve(__dirname, "../../src/backend/native/addon.js"))});
    const a = loadAddon().addon;
    const out = {};
    for (const what of ["napi", "dnnl", "bad_alloc", "std", "int", "parallel"]) {
      try { a.selfTest(what); out[what] = "no error"; } catch (e) { out[what] = (e instanceof Error ? "" : "not an Error: ") + e.message; }
    }
    console.log(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ["-e", code], { encoding: "utf8" });
  assert.equal(r.signal, null, `child killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout.trim().split("\n").pop() as string);
  assert.deepEqual(got, {
    napi: "naslung_native.selfTest: argument check failed (selfTest)",
    dnnl: "naslung_native.selfTest: oneDNN error (status 2): selfTest",
    bad_alloc: "naslung_native.selfTest: out of memory (std::bad_alloc)",
    std: "naslung_native.selfTest: C++ exception: selfTest",
    int: "naslung_native.selfTest: unknown C++ exception",
    parallel: "naslung_native.selfTest: C++ exception: selfTest from OpenMP thread 1",
  });
});
