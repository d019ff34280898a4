// Elementwise kernels over float32: broadcast binary ops (batch-norm style [N,D,H,W,C] op [C] is the
// hot case; tfjs's generic broadcast path converts every flat index to coordinates and back) and
// unary maps. Dimensions are collapsed first, so the inner loop is a contiguous run.
#include "common.h"
#include <omp.h>
#include <cmath>
#include <algorithm>

namespace naslung {

namespace {
enum BinOp { kAdd = 0, kSub, kMul, kDiv, kMax, kMin, kSqDiff, kEq, kNe, kGt, kGe, kLt, kLe };

template <int OP>
inline float bin(float a, float b) {
  if (OP == kAdd) return a + b;
  if (OP == kSub) return a - b;
  if (OP == kMul) return a * b;
  if (OP == kDiv) return a / b;
  if (OP == kMax) return (a > b || std::isnan(a)) ? a : b;
  if (OP == kMin) return (a < b || std::isnan(a)) ? a : b;
  if (OP == kSqDiff) { float d = a - b; return d * d; }
  if (OP == kEq) return a == b;
  if (OP == kNe) return a != b;
  if (OP == kGt) return a > b;
  if (OP == kGe) return a >= b;
  if (OP == kLt) return a < b;
  return a <= b;
}

template <int OP, typename TOut>
void runBinary(const float* a, const float* b, TOut* out, const std::vector<int64_t>& shape,
               const std::vector<int64_t>& as, const std::vector<int64_t>& bs) {
  const int G = (int)shape.size();
  const int64_t inner = shape[G - 1], sa = as[G - 1], sb = bs[G - 1];
  int64_t outer = 1;
  for (int i = 0; i < G - 1; ++i) outer *= shape[i];
  const int64_t total = outer * inner;
  const int nt = threadsFor(total);
  // Channel broadcast ([rows, C] op [C], C small, the batch-norm case): tile the vector into a
  // ~512-element pattern so the inner loop is long and vectorises instead of C elements per row.
  if (G == 2 && inner <= 128 && ((as[0] == 0 && as[1] == 1 && bs[0] == inner && bs[1] == 1) ||
                                 (bs[0] == 0 && bs[1] == 1 && as[0] == inner && as[1] == 1))) {
    const bool aIsVec = as[0] == 0;
    const float* vec = aIsVec ? a : b;
    const float* full = aIsVec ? b : a;
    const int64_t k = std::max<int64_t>(1, 512 / inner), L = k * inner, chunks = outer / k;
    std::vector<float> pat(L);
    for (int64_t i = 0; i < L; ++i) pat[i] = vec[i % inner];
    const float* P = pat.data();
    parallelRun(threadsFor(total), [&](int t, int n) {
      const int64_t c0 = chunks * t / n, c1 = chunks * (t + 1) / n;
      for (int64_t c = c0; c < c1; ++c) {
        const float* f = full + c * L;
        TOut* y = out + c * L;
        if (aIsVec) {
#pragma omp simd
          for (int64_t j = 0; j < L; ++j) y[j] = (TOut)bin<OP>(P[j], f[j]);
        } else {
#pragma omp simd
          for (int64_t j = 0; j < L; ++j) y[j] = (TOut)bin<OP>(f[j], P[j]);
        }
      }
    });
    for (int64_t i = chunks * L; i < total; ++i)
      out[i] = aIsVec ? (TOut)bin<OP>(P[i - chunks * L], full[i]) : (TOut)bin<OP>(full[i], P[i - chunks * L]);
    return;
  }
  parallelRun(nt, [&](int t, int n) {
    int64_t o0 = outer * t / n, o1 = outer * (t + 1) / n;
    if (o0 < o1) {
      int64_t coord[8] = {0};
      int64_t rem = o0, ao = 0, bo = 0;
      for (int i = G - 2; i >= 0; --i) {
        coord[i] = rem % shape[i];
        rem /= shape[i];
        ao += coord[i] * as[i];
        bo += coord[i] * bs[i];
      }
      for (int64_t o = o0; o < o1; ++o) {
        TOut* y = out + o * inner;
        const float* pa = a + ao;
        const float* pb = b + bo;
        if (sa == 1 && sb == 1) {
#pragma omp simd
          for (int64_t j = 0; j < inner; ++j) y[j] = (TOut)bin<OP>(pa[j], pb[j]);
        } else if (sa == 1) {
          const float vb = pb[0];
#pragma omp simd
          for (int64_t j = 0; j < inner; ++j) y[j] = (TOut)bin<OP>(pa[j], vb);
        } else if (sb == 1) {
          const float va = pa[0];
#pragma omp simd
          for (int64_t j = 0; j < inner; ++j) y[j] = (TOut)bin<OP>(va, pb[j]);
        } else {
          for (int64_t j = 0; j < inner; ++j) y[j] = (TOut)bin<OP>(pa[0], pb[0]);
        }
        for (int i = G - 2; i >= 0; --i) {  // odometer step over the outer dims
          ao += as[i];
          bo += bs[i];
          if (++coord[i] < shape[i]) break;
          ao -= as[i] * shape[i];
          bo -= bs[i] * shape[i];
          coord[i] = 0;
        }
      }
    }
  });
}
}  // namespace

// binary(op, a, aStrides, b, bStrides, out, outShape): strides are per output dimension (0 where
// that operand is broadcast), in elements.
Napi::Value Binary(const Napi::CallbackInfo& info) {
  const Call k{info, "binary"};
  const int op = (int)k.integer(0, "op", kAdd, kLe);
  auto shape0 = k.shape(6, "outShape");
  const std::string rank = "outShape " + DimsStr(shape0) + "'s rank";
  auto as0 = k.ints(2, "aStrides", (int64_t)shape0.size(), rank);
  auto bs0 = k.ints(4, "bStrides", (int64_t)shape0.size(), rank);
  const int64_t total = k.product(shape0, "outShape");
  const bool boolOut = op >= kEq;
  const std::string ow = "outShape " + DimsStr(shape0);
  float* out = boolOut ? nullptr : k.f32(5, "out", total, ow);
  uint8_t* outB = boolOut ? k.u8(5, "out (a comparison)", total, ow) : nullptr;
  if (!k.isType(1, napi_float32_array)) k.typeFail("a must be a Float32Array");
  if (!k.isType(3, napi_float32_array)) k.typeFail("b must be a Float32Array");
  if (total == 0) return info.Env().Undefined();
  CheckReach(k, 1, "a", 0, as0, shape0);
  CheckReach(k, 3, "b", 0, bs0, shape0);
  const float* a = info[1].As<Napi::Float32Array>().Data();
  const float* b = info[3].As<Napi::Float32Array>().Data();
  // Drop size-1 dims, then merge neighbours whose strides chain for both operands.
  std::vector<int64_t> shape, as, bs;
  for (size_t i = 0; i < shape0.size(); ++i) {
    if (shape0[i] == 1) continue;
    if (!shape.empty() && as.back() == as0[i] * shape0[i] && bs.back() == bs0[i] * shape0[i]) {
      shape.back() *= shape0[i];
      as.back() = as0[i];
      bs.back() = bs0[i];
    } else {
      shape.push_back(shape0[i]);
      as.push_back(as0[i]);
      bs.push_back(bs0[i]);
    }
  }
  if (shape.empty()) shape = {1}, as = {1}, bs = {1};
  if (shape.size() > 8) k.fail("outShape " + DimsStr(shape0) + ": at most 8 dimensions after merging contiguous ones");
  switch (op) {
    case kAdd: runBinary<kAdd, float>(a, b, out, shape, as, bs); break;
    case kSub: runBinary<kSub, float>(a, b, out, shape, as, bs); break;
    case kMul: runBinary<kMul, float>(a, b, out, shape, as, bs); break;
    case kDiv: runBinary<kDiv, float>(a, b, out, shape, as, bs); break;
    case kMax: runBinary<kMax, float>(a, b, out, shape, as, bs); break;
    case kMin: runBinary<kMin, float>(a, b, out, shape, as, bs); break;
    case kSqDiff: runBinary<kSqDiff, float>(a, b, out, shape, as, bs); break;
    case kEq: runBinary<kEq, uint8_t>(a, b, outB, shape, as, bs); break;
    case kNe: runBinary<kNe, uint8_t>(a, b, outB, shape, as, bs); break;
    case kGt: runBinary<kGt, uint8_t>(a, b, outB, shape, as, bs); break;
    case kGe: runBinary<kGe, uint8_t>(a, b, outB, shape, as, bs); break;
    case kLt: runBinary<kLt, uint8_t>(a, b, outB, shape, as, bs); break;
    case kLe: runBinary<kLe, uint8_t>(a, b, outB, shape, as, bs); break;
    default: k.fail("unknown op " + std::to_string(op));
  }
  return info.Env().Undefined();
}

namespace {
enum UnOp { kRelu = 0, kSigmoid, kExp, kLog, kSqrt, kRsqrt, kSquare, kNeg, kAbs, kStep, kReciprocal, kTanh };

template <int OP>
inline float un(float x, float alpha) {
  if (OP == kRelu) return x < 0.f ? 0.f : x;  // NaN passes through, as in tfjs
  if (OP == kSigmoid) return 1.f / (1.f + std::exp(-x));
  if (OP == kExp) return std::exp(x);
  if (OP == kLog) return std::log(x);
  if (OP == kSqrt) return std::sqrt(x);
  if (OP == kRsqrt) return 1.f / std::sqrt(x);
  if (OP == kSquare) return x * x;
  if (OP == kNeg) return -x;
  if (OP == kAbs) return std::fabs(x);
  if (OP == kStep) return std::isnan(x) ? NAN : (x > 0.f ? 1.f : alpha);
  if (OP == kReciprocal) return 1.f / x;
  return std::tanh(x);
}

template <int OP>
void runUnary(const float* x, float* y, int64_t n, float alpha) {
  parallelRun(threadsFor(n), [&](int t, int nt) {
    const int64_t i0 = n * t / nt, i1 = n * (t + 1) / nt;
#pragma omp simd
    for (int64_t i = i0; i < i1; ++i) y[i] = un<OP>(x[i], alpha);
  });
}
}  // namespace

// unary(op, x, out, alpha)
Napi::Value Unary(const Napi::CallbackInfo& info) {
  const Call k{info, "unary"};
  int op = (int)k.integer(0, "op", kRelu, kTanh);
  if (!k.isType(1, napi_float32_array)) k.typeFail("x must be a Float32Array");
  int64_t n = (int64_t)Len(info[1]);
  const float* x = k.f32(1, "x", n, "x");
  float* y = k.f32(2, "out", n, "x's " + std::to_string(n) + " elements");
  float alpha = 0.f;
  if (k.given(3)) {
    if (!info[3].IsNumber()) k.typeFail("alpha must be a number");
    alpha = info[3].As<Napi::Number>().FloatValue();
  }
  switch (op) {
    case kRelu: runUnary<kRelu>(x, y, n, alpha); break;
    case kSigmoid: runUnary<kSigmoid>(x, y, n, alpha); break;
    case kExp: runUnary<kExp>(x, y, n, alpha); break;
    case kLog: runUnary<kLog>(x, y, n, alpha); break;
    case kSqrt: runUnary<kSqrt>(x, y, n, alpha); break;
    case kRsqrt: runUnary<kRsqrt>(x, y, n, alpha); break;
    case kSquare: runUnary<kSquare>(x, y, n, alpha); break;
    case kNeg: runUnary<kNeg>(x, y, n, alpha); break;
    case kAbs: runUnary<kAbs>(x, y, n, alpha); break;
    case kStep: runUnary<kStep>(x, y, n, alpha); break;
    case kReciprocal: runUnary<kReciprocal>(x, y, n, alpha); break;
    case kTanh: runUnary<kTanh>(x, y, n, alpha); break;
    default: k.fail("unknown op " + std::to_string(op));
  }
  return info.Env().Undefined();
}

}  // namespace naslung
