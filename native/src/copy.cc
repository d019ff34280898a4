// Strided copies (slice, pad, concat, split on tfjs's float32 buffers): tfjs's CPU versions index
// rank-5 tensors element by element through coordinate arrays, which cost seconds per training
// step here (the gradient of the stride-2 convs' explicit pad is a Slice).
#include "common.h"
#include <omp.h>
#include <cstring>

namespace naslung {

// copyStrided(src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape): for every index i
// of `shape`, dst[dstOffset + i.dstStrides] = src[srcOffset + i.srcStrides]. The last dimension
// may have any strides (a transpose), but the copy is fastest when it is contiguous on both sides.
// Works on any 4-byte element type (the bits are copied).
Napi::Value CopyStrided(const Napi::CallbackInfo& info) {
  const Call k{info, "copyStrided"};
  const float* src = k.words32(0, "src");
  const int64_t so = k.integer(1, "srcOffset");
  float* dst = k.words32(3, "dst");
  const int64_t dO = k.integer(4, "dstOffset");
  auto shape0 = k.shape(6, "shape");
  const std::string rank = "shape " + DimsStr(shape0) + "'s rank";
  auto ss0 = k.ints(2, "srcStrides", (int64_t)shape0.size(), rank);
  auto ds0 = k.ints(5, "dstStrides", (int64_t)shape0.size(), rank);
  if (k.product(shape0, "shape") == 0) return info.Env().Undefined();
  // Every element either side touches must lie inside its array (a slice, pad or concat offset
  // computed from the wrong shape otherwise reads or writes past the end).
  CheckReach(k, 0, "src", so, ss0, shape0);
  CheckReach(k, 3, "dst", dO, ds0, shape0);
  std::vector<int64_t> shape, ss, ds;
  for (size_t i = 0; i < shape0.size(); ++i) {
    if (shape0[i] == 1) continue;
    if (!shape.empty() && ss.back() == ss0[i] * shape0[i] && ds.back() == ds0[i] * shape0[i]) {
      shape.back() *= shape0[i];
      ss.back() = ss0[i];
      ds.back() = ds0[i];
    } else {
      shape.push_back(shape0[i]);
      ss.push_back(ss0[i]);
      ds.push_back(ds0[i]);
    }
  }
  if (shape.empty()) shape.push_back(1), ss.push_back(1), ds.push_back(1);
  const int G = (int)shape.size();
  if (G > 9) k.fail("shape " + DimsStr(shape0) + ": at most 9 dimensions after merging contiguous ones");
  const int64_t inner = shape[G - 1], si = ss[G - 1], di = ds[G - 1];
  int64_t outer = 1;
  for (int i = 0; i < G - 1; ++i) outer *= shape[i];
  const int nt = threadsFor(outer * inner);
  parallelRun(nt, [&](int t, int n) {
    int64_t o0 = outer * t / n, o1 = outer * (t + 1) / n;
    if (o0 < o1) {
      int64_t coord[9] = {0};
      int64_t rem = o0, a = so, b = dO;
      for (int i = G - 2; i >= 0; --i) {
        coord[i] = rem % shape[i];
        rem /= shape[i];
        a += coord[i] * ss[i];
        b += coord[i] * ds[i];
      }
      for (int64_t o = o0; o < o1; ++o) {
        if (si == 1 && di == 1) std::memcpy(dst + b, src + a, inner * sizeof(float));
        else for (int64_t j = 0; j < inner; ++j) dst[b + j * di] = src[a + j * si];
        for (int i = G - 2; i >= 0; --i) {
          a += ss[i];
          b += ds[i];
          if (++coord[i] < shape[i]) break;
          a -= ss[i] * shape[i];
          b -= ds[i] * shape[i];
          coord[i] = 0;
        }
      }
    }
  });
  return info.Env().Undefined();
}

}  // namespace naslung
