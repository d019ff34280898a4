// Reductions (sum, mean, max, min) over any set of axes of a float32 tensor, without the transpose
// tfjs's CPU backend does first. Sums accumulate in double, like tfjs's JS numbers.
#include "common.h"
#include <omp.h>
#include <algorithm>
#include <cmath>
#include <limits>

namespace naslung {

namespace {
enum RedOp { kSum = 0, kMean, kMax, kMin };

template <int OP>
inline void acc(double& a, double v) {
  if (OP == kMax) { if (v > a || std::isnan(v)) a = v; }
  else if (OP == kMin) { if (v < a || std::isnan(v)) a = v; }
  else a += v;
}

template <int OP>
void runReduce(const float* x, float* out, const std::vector<int64_t>& shape, const std::vector<int>& red,
               int64_t outSize, int64_t count) {
  const int G = (int)shape.size();
  std::vector<int64_t> os(G, 0);  // output stride of each group (0 when reduced)
  int64_t s = 1;
  for (int i = G - 1; i >= 0; --i)
    if (!red[i]) os[i] = s, s *= shape[i];
  std::vector<int64_t> is(G);  // input strides
  s = 1;
  for (int i = G - 1; i >= 0; --i) is[i] = s, s *= shape[i];
  const int64_t total = s;
  const double init = OP == kMax ? -INFINITY : OP == kMin ? INFINITY : 0.0;
  const int nt = threadsFor(total);
  const bool privateAcc = red[0] && nt > 1;
  std::vector<double> shared(outSize, init);
  std::vector<std::vector<double>> priv(privateAcc ? nt : 0);
  const int64_t inner = shape[G - 1];
  const bool innerRed = red[G - 1];
  int64_t outer = total / inner;
  parallelRun(nt, [&](int t, int n) {
    double* A = shared.data();
    if (privateAcc) {
      priv[t].assign(outSize, init);
      A = priv[t].data();
    }
    // Split the outer iteration space (all groups but the last) evenly.
    int64_t o0 = outer * t / n, o1 = outer * (t + 1) / n;
    if (!red[0] && n > 1) {
      // Kept leading group: split on its boundaries so threads write disjoint outputs.
      int64_t per = outer / shape[0];
      int64_t g0 = shape[0] * t / n, g1 = shape[0] * (t + 1) / n;
      o0 = g0 * per, o1 = g1 * per;
    }
    if (o0 < o1) {
      int64_t coord[8] = {0};
      int64_t rem = o0, xo = 0, oo = 0;
      for (int i = G - 2; i >= 0; --i) {
        coord[i] = rem % shape[i];
        rem /= shape[i];
        xo += coord[i] * is[i];
        oo += coord[i] * os[i];
      }
      for (int64_t o = o0; o < o1; ++o) {
        const float* px = x + xo;
        if (innerRed) {
          double a = A[oo];
          for (int64_t j = 0; j < inner; ++j) acc<OP>(a, px[j]);
          A[oo] = a;
        } else {
          double* pa = A + oo;
          for (int64_t j = 0; j < inner; ++j) acc<OP>(pa[j], px[j]);
        }
        for (int i = G - 2; i >= 0; --i) {
          xo += is[i];
          oo += os[i];
          if (++coord[i] < shape[i]) break;
          xo -= is[i] * shape[i];
          oo -= os[i] * shape[i];
          coord[i] = 0;
        }
      }
    }
  });
  if (privateAcc)
    for (auto& p : priv)
      for (int64_t i = 0; i < outSize; ++i) acc<OP>(shared[i], p[i]);
  for (int64_t i = 0; i < outSize; ++i) out[i] = (float)(OP == kMean ? shared[i] / (double)count : shared[i]);
}
}  // namespace

// reduce(op, x, shape Int32Array, reduced Int32Array (1 = reduce that axis), out)
Napi::Value Reduce(const Napi::CallbackInfo& info) {
  const Call k{info, "reduce"};
  const int op = (int)k.integer(0, "op", kSum, kMin);
  auto shape0 = k.shape(2, "shape");
  auto red0 = k.ints(3, "reduced", (int64_t)shape0.size(), "shape " + DimsStr(shape0) + "'s rank");
  std::vector<int64_t> kept;
  for (size_t i = 0; i < shape0.size(); ++i) {
    if (red0[i] != 0 && red0[i] != 1) k.fail("reduced " + DimsStr(red0) + " must hold only 0 (keep) and 1 (reduce)");
    if (!red0[i]) kept.push_back(shape0[i]);
  }
  const int64_t total = k.product(shape0, "shape");
  const float* x = k.f32(1, "x", total, "shape " + DimsStr(shape0));
  int64_t outSize = k.product(kept, "kept dims");
  float* out = k.f32(4, "out", outSize, "kept dims " + DimsStr(kept) + " of shape " + DimsStr(shape0));
  if (total == 0) {
    // Nothing to reduce over (runReduce would divide by the zero size): the empty reduction.
    const float v = op == kMax ? -INFINITY : op == kMin ? INFINITY : op == kMean ? NAN : 0.f;
    std::fill(out, out + outSize, v);
    return info.Env().Undefined();
  }
  std::vector<int64_t> shape;
  std::vector<int> red;
  int64_t count = 1;
  for (size_t i = 0; i < shape0.size(); ++i) {
    if (red0[i]) count *= shape0[i];
    if (shape0[i] == 1) continue;
    int r = red0[i] ? 1 : 0;
    if (!shape.empty() && red.back() == r) shape.back() *= shape0[i];
    else shape.push_back(shape0[i]), red.push_back(r);
  }
  if (shape.empty()) shape = {1}, red = {0};
  if (shape.size() > 8) k.fail("shape " + DimsStr(shape0) + ": at most 8 groups of neighbouring kept / reduced axes");
  switch (op) {
    case kSum: runReduce<kSum>(x, out, shape, red, outSize, count); break;
    case kMean: runReduce<kMean>(x, out, shape, red, outSize, count); break;
    case kMax: runReduce<kMax>(x, out, shape, red, outSize, count); break;
    case kMin: runReduce<kMin>(x, out, shape, red, outSize, count); break;
    default: k.fail("unknown op " + std::to_string(op));
  }
  return info.Env().Undefined();
}

}  // namespace naslung

namespace naslung {

// argReduce(isMin, x, outer, axisLen, inner, out Int32Array[outer*inner]): index of the first
// maximum (minimum) along the middle axis of x viewed as [outer, axisLen, inner], as tfjs's ArgMax.
Napi::Value ArgReduce(const Napi::CallbackInfo& info) {
  const Call k{info, "argReduce"};
  const bool isMin = info[0].ToBoolean().Value();
  const int64_t outer = k.dim(2, "outer", 0), len = k.dim(3, "len", 1), inner = k.dim(4, "inner", 0);
  const std::vector<int64_t> dims = {outer, len, inner}, od = {outer, inner};
  const float* x = k.f32(1, "x", k.product(dims, "dims"), "dims [outer,len,inner] " + DimsStr(dims));
  int32_t* out = k.i32(5, "out", k.product(od, "dims"), "dims [outer,inner] " + DimsStr(od));
  parallelRun(threadsFor(outer * len * inner), [&](int t, int n) {
    int64_t o0 = outer * t / n, o1 = outer * (t + 1) / n;
    std::vector<float> best(inner);
    for (int64_t o = o0; o < o1; ++o) {
      const float* px = x + o * len * inner;
      int32_t* po = out + o * inner;
      for (int64_t j = 0; j < inner; ++j) best[j] = px[j], po[j] = 0;
      for (int64_t k = 1; k < len; ++k) {
        const float* row = px + k * inner;
        for (int64_t j = 0; j < inner; ++j)
          if (isMin ? row[j] < best[j] : row[j] > best[j]) best[j] = row[j], po[j] = (int32_t)k;
      }
    }
  });
  return info.Env().Undefined();
}

}  // namespace naslung
