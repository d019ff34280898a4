// The elementwise core of the reference ResCBAM (attention.ts) fused, on x viewed as [N, V, C]
// (V = D*H*W voxels, C channels last) with per-sample channel weights w [N, C]:
//   attnPool: p[n,v] = (max_c x*w, mean_c x*w) without materialising x*w, and its gradient
//             (gradient of the max to the FIRST maximal channel, as torch.max / maxOverAxis1);
//   scaleResidual: y = x * (1 + s) for a one-channel map s [N, V], and its gradient.
// Each replaces 4-10 tfjs kernels over the largest (stem, 32^3) activations of a step.
#include "common.h"
#include <algorithm>
#include <string>

namespace naslung {

namespace {
struct Dims {
  int64_t N, V, C;
  int64_t nvc, nv, nc;  // element counts of x, of a one-channel map and of the channel weights
  std::string x, map, w;  // their descriptions, for error messages
};
// N, V, C from arguments at..at+2: N and V may be 0 (nothing to do), C must be >= 1 (the kernels
// read each row's first channel and divide by C).
Dims dimsOf(const Call& k, int at) {
  Dims d;
  d.N = k.dim(at, "N", 0), d.V = k.dim(at + 1, "V", 0), d.C = k.dim(at + 2, "C", 1);
  d.nvc = k.product({d.N, d.V, d.C}, "[N,V,C]");
  d.nv = k.product({d.N, d.V}, "[N,V]");
  d.nc = k.product({d.N, d.C}, "[N,C]");
  const std::string n = std::to_string(d.N), v = std::to_string(d.V), c = std::to_string(d.C);
  d.x = "[N,V,C] = [" + n + "," + v + "," + c + "]";
  d.map = "[N,V] = [" + n + "," + v + "]";
  d.w = "[N,C] = [" + n + "," + c + "]";
  return d;
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
  const Call k{info, "attnPool"};
  const Dims d = dimsOf(k, 2);
  const float* x = k.f32(0, "x", d.nvc, d.x);
  const float* w = k.f32(1, "w", d.nc, d.w);
  float* out = k.f32(5, "out", 2 * d.nv, "2 x " + d.map);
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
  const Call k{info, "attnPoolBackward"};
  const Dims d = dimsOf(k, 2);
  const float* x = k.f32(0, "x", d.nvc, d.x);
  const float* w = k.f32(1, "w", d.nc, d.w);
  const float* dout = k.f32(5, "dout", 2 * d.nv, "2 x " + d.map);
  float* dx = k.f32(6, "dx", d.nvc, d.x);
  float* dw = k.f32(7, "dw", d.nc, d.w);
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
  const Call k{info, "scaleResidual"};
  const Dims d = dimsOf(k, 2);
  const float* x = k.f32(0, "x", d.nvc, d.x);
  const float* s = k.f32(1, "s", d.nv, d.map);
  float* y = k.f32(5, "y", d.nvc, d.x);
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
  const Call k{info, "scaleResidualBackward"};
  const Dims d = dimsOf(k, 2);
  const float* x = k.f32(0, "x", d.nvc, d.x);
  const float* s = k.f32(1, "s", d.nv, d.map);
  const float* dy = k.f32(5, "dy", d.nvc, d.x);
  float* dx = k.f32(6, "dx", d.nvc, d.x);
  float* ds = k.f32(7, "ds", d.nv, d.map);
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
