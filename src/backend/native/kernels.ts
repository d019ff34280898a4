import * as tf from "@tensorflow/tfjs";
import type { NativeAddon } from "./addon";

type TensorInfo = tf.TensorInfo;
type KernelFunc = tf.KernelFunc;

/** The part of tfjs's MathBackendCPU our kernels touch. */
interface CpuBackend {
  data: { get(id: unknown): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): TensorInfo;
}

/**
 * The backend's own Float32Array for a float32 tensor, or null (other dtype). A float32 tensor
 * made by casting bool/int32 shares the source's Uint8Array/Int32Array (tfjs's Cast skips the
 * copy): those are converted once here (max-pool gradients multiply by such a cast mask).
 */
function f32(backend: CpuBackend, t: TensorInfo): Float32Array | null {
  if (t.dtype !== "float32") return null;
  const v = backend.data.get(t.dataId).values;
  if (v instanceof Float32Array) return v;
  if (v instanceof Uint8Array || v instanceof Int32Array) return Float32Array.from(v);
  return null;
}

/** Row-major element strides of a shape. */
function stridesOf(shape: number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; --i) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

function size(shape: number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * The 21 ints conv3d() expects, from tfjs's own Conv3DInfo (so shapes and padding match stock),
 * or null when tfjs computed a negative pad: its "same" padding has no max(0, .) (unlike
 * TensorFlow), so a 1x1 stride-2 "same" conv on an even size pads -1 in front and samples the odd
 * voxels. oneDNN rejects negative padding, so those (rare) convolutions stay on the stock kernel.
 */
function convParams(c: tf.backend_util.Conv3DInfo): Int32Array | null {
  const p = c.padInfo;
  if (Math.min(p.front, p.top, p.left, p.back, p.bottom, p.right) < 0) return null;
  return Int32Array.from([
    c.batchSize, c.inChannels, c.inDepth, c.inHeight, c.inWidth,
    c.outChannels, c.outDepth, c.outHeight, c.outWidth,
    c.filterDepth, c.filterHeight, c.filterWidth,
    c.strideDepth, c.strideHeight, c.strideWidth,
    p.front, p.top, p.left, p.back, p.bottom, p.right,
  ]);
}

function dilationsAreOne(d: unknown): boolean {
  if (d == null) return true;
  if (typeof d === "number") return d === 1;
  return (d as number[]).every((v) => v === 1);
}

/** Calls that fell back to the stock kernel, by kernel name (for profiling and tests). */
export const fallbackCounts: Record<string, number> = {};

/** Native kernelFuncs by tfjs kernel name; each falls back to `stock[name]` outside its domain. */
export function nativeKernelFuncs(addon: NativeAddon, stock0: Record<string, KernelFunc>): Record<string, KernelFunc> {
  const k: Record<string, KernelFunc> = {};
  const stock = new Proxy(stock0, {
    get(target, name: string) {
      fallbackCounts[name] = (fallbackCounts[name] ?? 0) + 1;
      return target[name];
    },
  });

  k.Conv3D = (args) => {
    const backend = args.backend as unknown as CpuBackend;
    const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
    const { strides, pad, dilations } = args.attrs as unknown as { strides: [number, number, number] | number; pad: "same" | "valid"; dilations: number[] | number };
    const xv = f32(backend, x), wv = f32(backend, filter);
    if (!xv || !wv || !dilationsAreOne(dilations) || typeof pad !== "string") return stock.Conv3D(args);
    const c = tf.backend_util.computeConv3DInfo(x.shape as [number, number, number, number, number], filter.shape as [number, number, number, number, number], strides, 1, pad);
    const out = new Float32Array(size(c.outShape));
    const p = convParams(c);
    if (!p) return stock.Conv3D(args);
    addon.conv3d(0, p, xv, wv, out);
    return backend.makeTensorInfo(c.outShape, "float32", out);
  };

  k.Conv3DBackpropInputV2 = (args) => {
    const backend = args.backend as unknown as CpuBackend;
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, pad, inputShape } = args.attrs as unknown as { strides: [number, number, number] | number; pad: "same" | "valid"; inputShape: [number, number, number, number, number] };
    const dyv = f32(backend, dy), wv = f32(backend, filter);
    if (!dyv || !wv || typeof pad !== "string") return stock.Conv3DBackpropInputV2(args);
    const c = tf.backend_util.computeConv3DInfo(inputShape, filter.shape as [number, number, number, number, number], strides, 1, pad);
    const out = new Float32Array(size(c.inShape));
    const p = convParams(c);
    if (!p) return stock.Conv3DBackpropInputV2(args);
    addon.conv3d(1, p, dyv, wv, out);
    return backend.makeTensorInfo(c.inShape, "float32", out);
  };

  k.Conv3DBackpropFilterV2 = (args) => {
    const backend = args.backend as unknown as CpuBackend;
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, pad, filterShape } = args.attrs as unknown as { strides: [number, number, number] | number; pad: "same" | "valid"; filterShape: [number, number, number, number, number] };
    const xv = f32(backend, x), dyv = f32(backend, dy);
    if (!xv || !dyv || typeof pad !== "string") return stock.Conv3DBackpropFilterV2(args);
    const c = tf.backend_util.computeConv3DInfo(x.shape as [number, number, number, number, number], filterShape, strides, 1, pad);
    const out = new Float32Array(size(filterShape));
    const p = convParams(c);
    if (!p) return stock.Conv3DBackpropFilterV2(args);
    addon.conv3d(2, p, xv, dyv, out);
    return backend.makeTensorInfo(filterShape, "float32", out);
  };

  // Broadcast binary ops (op codes match eltwise.cc).
  const binaryOps: Record<string, number> = {
    Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Maximum: 4, Minimum: 5, SquaredDifference: 6,
    Equal: 7, NotEqual: 8, Greater: 9, GreaterEqual: 10, Less: 11, LessEqual: 12,
  };
  for (const [name, op] of Object.entries(binaryOps)) {
    const isCompare = op >= 7;
    k[name] = (args) => {
      const backend = args.backend as unknown as CpuBackend;
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      const av = f32(backend, a), bv = f32(backend, b);
      if (!av || !bv) return stock[name](args);
      const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const out = isCompare ? new Uint8Array(size(shape)) : new Float32Array(size(shape));
      addon.binary(op, av, broadcastStrides(a.shape, shape), bv, broadcastStrides(b.shape, shape), out, Int32Array.from(shape));
      return backend.makeTensorInfo(shape, isCompare ? "bool" : "float32", out as Float32Array);
    };
  }

  // Unary maps (op codes match eltwise.cc).
  const unaryOps: Record<string, number> = { Relu: 0, Sigmoid: 1, Exp: 2, Log: 3, Sqrt: 4, Rsqrt: 5, Square: 6, Neg: 7, Abs: 8, Step: 9, Reciprocal: 10, Tanh: 11 };
  for (const [name, op] of Object.entries(unaryOps)) {
    k[name] = (args) => {
      const backend = args.backend as unknown as CpuBackend;
      const { x } = args.inputs as { x: TensorInfo };
      const xv = f32(backend, x);
      if (!xv) return stock[name](args);
      const out = new Float32Array(xv.length);
      const alpha = name === "Step" ? Number((args.attrs as { alpha?: number }).alpha ?? 0) : 0;
      addon.unary(op, xv, out, alpha);
      return backend.makeTensorInfo(x.shape, "float32", out);
    };
  }

  // Reductions over any axes, without tfjs's transpose-first (op codes match reduce.cc).
  const reduceOps: Record<string, [number, string]> = { Sum: [0, "axis"], Mean: [1, "axis"], Max: [2, "reductionIndices"], Min: [3, "axis"] };
  for (const [name, [op, axisAttr]] of Object.entries(reduceOps)) {
    k[name] = (args) => {
      const backend = args.backend as unknown as CpuBackend;
      const { x } = args.inputs as { x: TensorInfo };
      const attrs = args.attrs as Record<string, unknown>;
      const xv = f32(backend, x);
      if (!xv || x.shape.length === 0) return stock[name](args);
      const axes = tf.util.parseAxisParam(attrs[axisAttr] as number | number[], x.shape);
      const reduced = new Int32Array(x.shape.length);
      for (const ax of axes) reduced[ax] = 1;
      let outShape = x.shape.filter((_, i) => !reduced[i]);
      if (attrs.keepDims) outShape = x.shape.map((d, i) => (reduced[i] ? 1 : d));
      const out = new Float32Array(size(outShape));
      addon.reduce(op, xv, Int32Array.from(x.shape), reduced, out);
      return backend.makeTensorInfo(outShape, "float32", out);
    };
  }
  // Strided copies: Slice, PadV2, Concat, SplitV.
  const copy = (src: Float32Array, srcOff: number, srcStrides: number[], dst: Float32Array, dstOff: number, dstStrides: number[], shape: number[]) =>
    addon.copyStrided(src, srcOff, Int32Array.from(srcStrides), dst, dstOff, Int32Array.from(dstStrides), Int32Array.from(shape));

  k.Slice = (args) => {
    const backend = args.backend as unknown as CpuBackend;
    const { x } = args.inputs as { x: TensorInfo };
    const xv = f32(backend, x);
    if (!xv || x.shape.length === 0) return stock.Slice(args);
    const { begin, size: sz } = args.attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [b, s] = tf.slice_util.parseSliceParams(x as tf.Tensor, begin, sz);
    const xs = stridesOf(x.shape);
    const out = new Float32Array(size(s));
    copy(xv, b.reduce((acc, bi, i) => acc + bi * xs[i], 0), xs, out, 0, stridesOf(s), s);
    return backend.makeTensorInfo(s, "float32", out);
  };

  k.PadV2 = (args) => {
    const backend = args.backend as unknown as CpuBackend;
    const { x } = args.inputs as { x: TensorInfo };
    const xv = f32(backend, x);
    if (!xv || x.shape.length === 0) return stock.PadV2(args);
    const { paddings, constantValue } = args.attrs as unknown as { paddings: [number, number][]; constantValue: number };
    const outShape = x.shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
    const os = stridesOf(outShape);
    const out = new Float32Array(size(outShape));
    if (constantValue) out.fill(constantValue);
    copy(xv, 0, stridesOf(x.shape), out, paddings.reduce((acc, p, i) => acc + p[0] * os[i], 0), os, x.shape);
    return backend.makeTensorInfo(outShape, "float32", out);
  };

  k.Concat = (args) => {
    const backend = args.backend as unknown as CpuBackend;
    const inputs = args.inputs as unknown as TensorInfo[];
    const vals = inputs.map((t) => f32(backend, t));
    if (inputs.length === 0 || vals.some((v) => !v)) return stock.Concat(args);
    const axis = tf.util.parseAxisParam((args.attrs as { axis: number }).axis, inputs[0].shape)[0];
    const outShape = tf.backend_util.computeOutShape(inputs.map((t) => t.shape), axis);
    const os = stridesOf(outShape);
    const out = new Float32Array(size(outShape));
    let offset = 0;
    inputs.forEach((t, i) => {
      copy(vals[i] as Float32Array, 0, stridesOf(t.shape), out, offset * os[axis], os, t.shape);
      offset += t.shape[axis];
    });
    return backend.makeTensorInfo(outShape, "float32", out);
  };

  k.SplitV = (args) => {
    const backend = args.backend as unknown as CpuBackend;
    const { x } = args.inputs as { x: TensorInfo };
    const xv = f32(backend, x);
    if (!xv || x.shape.length === 0) return stock.SplitV(args);
    const { numOrSizeSplits, axis } = args.attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, ax);
    const xs = stridesOf(x.shape);
    let begin = 0;
    return sizes.map((sz) => {
      const shape = x.shape.slice();
      shape[ax] = sz;
      const out = new Float32Array(size(shape));
      copy(xv, begin * xs[ax], xs, out, 0, stridesOf(shape), shape);
      begin += sz;
      return backend.makeTensorInfo(shape, "float32", out);
    });
  };
  k.Transpose = (args) => {
    const backend = args.backend as unknown as CpuBackend;
    const { x } = args.inputs as { x: TensorInfo };
    const v = backend.data.get(x.dataId).values;
    // Any 4-byte array: tfjs's OneHot, for one, returns int32 tensors backed by a Float32Array.
    if (!(v instanceof Float32Array || v instanceof Int32Array) || x.shape.length === 0) return stock.Transpose(args);
    const { perm } = args.attrs as unknown as { perm: number[] };
    const xs = stridesOf(x.shape);
    const outShape = perm.map((p) => x.shape[p]);
    const out = v instanceof Int32Array ? new Int32Array(size(outShape)) : new Float32Array(size(outShape));
    addon.copyStrided(v as Float32Array, 0, Int32Array.from(perm.map((p) => xs[p])), out as Float32Array, 0, Int32Array.from(stridesOf(outShape)), Int32Array.from(outShape));
    return backend.makeTensorInfo(outShape, x.dtype, out as Float32Array);
  };

  for (const [name, isMin] of [["ArgMax", false], ["ArgMin", true]] as [string, boolean][]) {
    k[name] = (args) => {
      const backend = args.backend as unknown as CpuBackend;
      const { x } = args.inputs as { x: TensorInfo };
      const xv = f32(backend, x);
      if (!xv || x.shape.length === 0) return stock[name](args);
      const axes = tf.util.parseAxisParam((args.attrs as { axis: number | number[] }).axis, x.shape);
      if (axes.length !== 1) return stock[name](args);
      const ax = axes[0];
      const outer = size(x.shape.slice(0, ax)), inner = size(x.shape.slice(ax + 1));
      const outShape = x.shape.filter((_, i) => i !== ax);
      const out = new Int32Array(outer * inner);
      addon.argReduce(isMin, xv, outer, x.shape[ax], inner, out);
      return backend.makeTensorInfo(outShape, "int32", out as unknown as Float32Array);
    };
  }
  return k;
}

/** Element strides of an operand aligned right against the broadcast output shape (0 = broadcast). */
function broadcastStrides(shape: number[], outShape: number[]): Int32Array {
  const s = new Int32Array(outShape.length);
  let stride = 1;
  for (let i = shape.length - 1, j = outShape.length - 1; j >= 0; --i, --j) {
    const d = i >= 0 ? shape[i] : 1;
    s[j] = d === 1 ? 0 : stride;
    stride *= d;
  }
  return s;
}
