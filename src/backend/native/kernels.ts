import * as tf from "@tensorflow/tfjs";
import type { NativeAddon } from "./addon";

type TensorInfo = tf.TensorInfo;
type KernelFunc = tf.KernelFunc;

/** The part of tfjs's MathBackendCPU our kernels touch. */
interface CpuBackend {
  data: { get(id: unknown): { values?: unknown } };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values: Float32Array): TensorInfo;
}

/** The backend's own Float32Array for a float32 tensor, or null (other dtype / layout). */
function f32(backend: CpuBackend, t: TensorInfo): Float32Array | null {
  if (t.dtype !== "float32") return null;
  const v = backend.data.get(t.dataId).values;
  return v instanceof Float32Array ? v : null;
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

/** Native kernelFuncs by tfjs kernel name; each falls back to `stock[name]` outside its domain. */
export function nativeKernelFuncs(addon: NativeAddon, stock: Record<string, KernelFunc>): Record<string, KernelFunc> {
  const k: Record<string, KernelFunc> = {};

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
  const binaryOps: Record<string, number> = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Maximum: 4, Minimum: 5, SquaredDifference: 6 };
  for (const [name, op] of Object.entries(binaryOps)) {
    k[name] = (args) => {
      const backend = args.backend as unknown as CpuBackend;
      const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
      const av = f32(backend, a), bv = f32(backend, b);
      if (!av || !bv) return stock[name](args);
      const shape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
      const out = new Float32Array(size(shape));
      addon.binary(op, av, broadcastStrides(a.shape, shape), bv, broadcastStrides(b.shape, shape), out, Int32Array.from(shape));
      return backend.makeTensorInfo(shape, "float32", out);
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
