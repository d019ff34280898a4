// The elementwise core of the reference ResCBAM (attention.ts) fused, on x viewed as [N, V, C]
// (V = D*H*W voxels, C channels last) with per-sample channel weights w [N, C]:
//   attnPool: p[n,v] = (max_c x*w, mean_c x*w) without materialising x*w, and its gradient
//             (gradient of the max to the FIRST maximal channel, as torch.max / maxOverAxis1);
//   scaleResidual: y = x * (1 + s) for a one-channel map s [N, V], and its gradient.
// Each replaces 4-10 tfjs kernels over the largest (stem, 32^3) activations of a step.
#include "common.h"
#include <algorithm>

namespace naslung {

namespace {
struct Dims {
  int64_t N, V, C;
};
Dims dimsOf(const Napi::CallbackInfo& info, int at) {
  return {info[at].As<Napi::Number>().Int64Value(), info[at + 1].As<Napi::Number>().Int64Value(),
          info[at + 2].As<Napi::Number>().Int64Value()};
}
// Index of the first maximum of x[c] * w[c] over c, and its value.
inline int64_t firstMax(const float* x, const float* w, int64_t C, float& best) {
  int64_t arg = 0;
  best = x[0] * w[0];
  for (int64_t c = 1; c < C; ++c) {
    const float z = x[c] * w[c];
    if (z > best) best = z, arg = c;
  }
  return arg;
}
}  // namespace

// attnPool(x, w, N, V, C, out[N*V*2])
Napi::Value AttnPool(const Napi::CallbackInfo& info) {
  const float* x = F32(info[0], "attnPool x");
  const float* w = F32(info[1], "attnPool w");
  const Dims d = dimsOf(info, 2);
  float* out = F32(info[5], "attnPool out");
  const int64_t rows = d.N * d.V;
  const float invC = 1.f / (float)d.C;
  parallelRun(threadsFor(rows * d.C), [&](int t, int nt) {
    for (int64_t r = rows * t / nt, r1 = rows * (t + 1) / nt; r < r1; ++r) {
      const float* xr = x + r * d.C;
      const float* wn = w + (r / d.V) * d.C;
      float best, sum = 0.f;
      firstMax(xr, wn, d.C, best);
      for (int64_t c = 0; c < d.C; ++c) sum += xr[c] * wn[c];
      out[2 * r] = best;
      out[2 * r + 1] = sum * invC;
    }
  });
  return info.Env().Undefined();
}

// attnPoolBackward(x, w, N, V, C, dout[N*V*2], dx[N*V*C], dw[N*C])
Napi::Value AttnPoolBackward(const Napi::CallbackInfo& info) {
  const float* x = F32(info[0], "attnPool x");
  const float* w = F32(info[1], "attnPool w");
  const Dims d = dimsOf(info, 2);
  const float* dout = F32(info[5], "attnPool dout");
  float* dx = F32(info[6], "attnPool dx");
  float* dw = F32(info[7], "attnPool dw");
  const int64_t rows = d.N * d.V;
  const float invC = 1.f / (float)d.C;
  const int nt0 = threadsFor(rows * d.C);
  std::vector<std::vector<double>> part(nt0, std::vector<double>(d.N * d.C, 0.0));
  parallelRun(nt0, [&](int t, int nt) {
    double* acc = part[t].data();
    for (int64_t r = rows * t / nt, r1 = rows * (t + 1) / nt; r < r1; ++r) {
      const int64_t n = r / d.V;
      const float* xr = x + r * d.C;
      const float* wn = w + n * d.C;
      float best;
      const int64_t arg = firstMax(xr, wn, d.C, best);
      const float gMean = dout[2 * r + 1] * invC, gMax = dout[2 * r];
      double* an = acc + n * d.C;
      for (int64_t c = 0; c < d.C; ++c) {
        const float dz = gMean + (c == arg ? gMax : 0.f);
        dx[r * d.C + c] = dz * wn[c];
        an[c] += (double)dz * xr[c];
      }
    }
  });
  for (int64_t i = 0; i < d.N * d.C; ++i) {
    double s = 0.0;
    for (auto& p : part) s += p[i];
    dw[i] = (float)s;
  }
  return info.Env().Undefined();
}

// scaleResidual(x, s, N, V, C, y): y = x * (1 + s[n, v])
Napi::Value ScaleResidual(const Napi::CallbackInfo& info) {
  const float* x = F32(info[0], "scaleResidual x");
  const float* s = F32(info[1], "scaleResidual s");
  const Dims d = dimsOf(info, 2);
  float* y = F32(info[5], "scaleResidual y");
  const int64_t rows = d.N * d.V;
  parallelRun(threadsFor(rows * d.C), [&](int t, int nt) {
    for (int64_t r = rows * t / nt, r1 = rows * (t + 1) / nt; r < r1; ++r) {
      const float k = 1.f + s[r];
#pragma omp simd
      for (int64_t c = 0; c < d.C; ++c) y[r * d.C + c] = x[r * d.C + c] * k;
    }
  });
  return info.Env().Undefined();
}

// scaleResidualBackward(x, s, N, V, C, dy, dx, ds): dx = dy * (1 + s), ds = sum_c dy * x
Napi::Value ScaleResidualBackward(const Napi::CallbackInfo& info) {
  const float* x = F32(info[0], "scaleResidual x");
  const float* s = F32(info[1], "scaleResidual s");
  const Dims d = dimsOf(info, 2);
  const float* dy = F32(info[5], "scaleResidual dy");
  float* dx = F32(info[6], "scaleResidual dx");
  float* ds = F32(info[7], "scaleResidual ds");
  const int64_t rows = d.N * d.V;
  parallelRun(threadsFor(rows * d.C), [&](int t, int nt) {
    for (int64_t r = rows * t / nt, r1 = rows * (t + 1) / nt; r < r1; ++r) {
      const float k = 1.f + s[r];
      float acc = 0.f;
      for (int64_t c = 0; c < d.C; ++c) {
        dx[r * d.C + c] = dy[r * d.C + c] * k;
        acc += dy[r * d.C + c] * x[r * d.C + c];
      }
      ds[r] = acc;
    }
  });
  return info.Env().Undefined();
}

}  // namespace naslung
