// Batch norm over the channel (last) axis of a [M, C] view of an NDHWC tensor, training mode, with
// its gradient: replaces the ~20 full-size elementwise ops and reductions that tf.moments + the
// affine transform and their tfjs gradients cost per BatchNorm3d (60% of a Model-1 step).
#include "common.h"
#include <algorithm>
#include <cmath>

namespace naslung {

namespace {
// Two per-channel sums over the flat [M*C] array, s1[c] += a_i and s2[c] += b_i with
// (a_i, b_i) = term(i, j) (j: position in the tile, to index tiled per-channel constants), c = i % C, in ONE vectorised pass: the array is walked in tiles of L = rows*C
// elements (long loops that vectorise whatever C is; over C alone, 1-16 lanes, they did not),
// with float partials per tile position over at most 16 tiles, folded into double per channel.
template <typename F>
void tiledChannelSums(int64_t M, int64_t C, int nt, std::vector<double>& s1, std::vector<double>& s2, F&& term) {
  const int64_t rowsPerTile = std::max<int64_t>(1, 256 / C), L = rowsPerTile * C, nTiles = M / rowsPerTile;
  std::vector<std::vector<double>> part(nt, std::vector<double>(2 * L, 0.0));
  parallelRun(nt, [&](int t, int n) {
    const int64_t t0 = nTiles * t / n, t1 = nTiles * (t + 1) / n;
    std::vector<float> f(2 * L, 0.f);
    float *f1 = f.data(), *f2 = f1 + L;
    double* acc = part[t].data();
    for (int64_t tile = t0; tile < t1; ++tile) {
      const int64_t base = tile * L;
#pragma omp simd
      for (int64_t j = 0; j < L; ++j) {
        float a, b;
        term(base + j, j, a, b);
        f1[j] += a;
        f2[j] += b;
      }
      if ((tile - t0) % 16 == 15 || tile == t1 - 1)
        for (int64_t j = 0; j < 2 * L; ++j) acc[j] += f[j], f[j] = 0.f;
    }
  });
  for (auto& p : part)
    for (int64_t j = 0; j < L; ++j) s1[j % C] += p[j], s2[j % C] += p[L + j];
  for (int64_t i = nTiles * L; i < M * C; ++i) {  // the last partial tile
    float a, b;
    term(i, (i - nTiles * L), a, b);
    s1[i % C] += a;
    s2[i % C] += b;
  }
}

// x's channel pattern repeated to the tile length used by tiledChannelSums (tile positions are
// also valid indices for the last partial tile, which is shorter).
std::vector<float> tiled(const float* v, int64_t C) {
  const int64_t L = std::max<int64_t>(1, 256 / C) * C;
  std::vector<float> t(L);
  for (int64_t j = 0; j < L; ++j) t[j] = v[j % C];
  return t;
}
}  // namespace

// bnForward(x, C, gamma, beta, eps, y, mean, invstd, variance[, relu]): y = (x - mean) * invstd * gamma + beta
// with the biased batch variance (tf.moments / PyTorch train mode); mean and invstd are per channel.
// relu: y = max(0, .) in the same pass (CBR's ReLU, saving a full-size pass and its tfjs kernel).
Napi::Value BnForward(const Napi::CallbackInfo& info) {
  const Call k{info, "bnForward"};
  const int64_t C = k.dim(1, "C", 1);
  const std::string cw = "C = " + std::to_string(C) + " channels";
  if (!k.isType(0, napi_float32_array)) k.typeFail("x must be a Float32Array");
  const int64_t total = (int64_t)Len(info[0]);
  if (total % C) k.fail("x has " + std::to_string(total) + " elements, not a multiple of C = " + std::to_string(C));
  const std::string xs = "[M, C] = [" + std::to_string(total / C) + "," + std::to_string(C) + "]";
  const float* x = k.f32(0, "x", total, xs);
  const float* gamma = k.f32(2, "gamma", C, cw);
  const float* beta = k.f32(3, "beta", C, cw);
  const double eps = k.number(4, "eps");
  if (eps < 0) k.fail("eps must be >= 0 (got " + std::to_string(eps) + ")");
  float* y = k.f32(5, "y", total, "x's " + xs);
  float* meanOut = k.f32(6, "mean", C, cw);
  float* invOut = k.f32(7, "invstd", C, cw);
  float* varOut = k.f32(8, "variance", C, cw);
  const bool relu = info.Length() > 9 && info[9].ToBoolean().Value();
  const int64_t M = total / C;
  const int nt = threadsFor(M * C);
  if (M == 0) return info.Env().Undefined();
  // Moments of d = x - K with K = x's first row: a shift near the mean keeps E[d^2] - E[d]^2
  // free of cancellation, so one pass gives both.
  std::vector<double> s1(C, 0.0), s2(C, 0.0);
  const std::vector<float> Kt = tiled(x, C);
  const float* K = Kt.data();
  tiledChannelSums(M, C, nt, s1, s2, [&](int64_t i, int64_t j, float& a, float& b) {
    const float d = x[i] - K[j];
    a = d;
    b = d * d;
  });
  std::vector<float> mean(C), scale(C), shift(C);
  for (int64_t c = 0; c < C; ++c) {
    const double m1 = s1[c] / (double)M, var = std::max(0.0, s2[c] / (double)M - m1 * m1);
    mean[c] = (float)(x[c] + m1);
    const double inv = 1.0 / std::sqrt(var + eps);
    meanOut[c] = mean[c];
    varOut[c] = (float)var;
    invOut[c] = (float)inv;
    scale[c] = (float)(inv * gamma[c]);
    shift[c] = (float)(beta[c] - mean[c] * inv * gamma[c]);
  }
  const float* S = scale.data();
  const float* B = shift.data();
  parallelRun(nt, [&](int t, int n) {
    const int64_t r0 = M * t / n, r1 = M * (t + 1) / n;
    for (int64_t r = r0; r < r1; ++r) {
      const float* px = x + r * C;
      float* py = y + r * C;
      if (relu) {
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) py[c] = std::max(px[c] * S[c] + B[c], 0.f);
      } else {
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) py[c] = px[c] * S[c] + B[c];
      }
    }
  });
  return info.Env().Undefined();
}

namespace {
// dy, times ReLU's gradient step(y) when MASK (a multiply, as tfjs's dy * step(x): NaN stays NaN).
template <bool MASK>
inline float maskedDy(const float* dy, const float* y, int64_t i) {
  return MASK ? dy[i] * (float)(y[i] > 0.f) : dy[i];
}

// The two passes of bnBackward; MASK is a template flag so both variants vectorise.
template <bool MASK>
void bnBackwardPasses(const float* dy, const float* y, const float* x, int64_t M, int64_t C, const float* gamma,
                      const float* mean, const float* inv, float* dx, float* dgamma, float* dbeta) {
  const int nt = threadsFor(M * C);
  // [sum g | sum g (x - mean)], g = the (masked) dy; times invstd below gives sum g xhat.
  std::vector<double> sg(C, 0.0), sgx(C, 0.0);
  const std::vector<float> meanTiled = tiled(mean, C);
  const float* mt = meanTiled.data();
  tiledChannelSums(M, C, nt, sg, sgx, [&](int64_t i, int64_t j, float& a, float& b) {
    const float gi = maskedDy<MASK>(dy, y, i);
    a = gi;
    b = gi * (x[i] - mt[j]);
  });
  std::vector<double> sums(2 * C);
  for (int64_t c = 0; c < C; ++c) sums[c] = sg[c], sums[C + c] = sgx[c] * inv[c];
  std::vector<float> a(C), b(C), k(C);
  for (int64_t c = 0; c < C; ++c) {
    dbeta[c] = (float)sums[c];
    dgamma[c] = (float)sums[C + c];
    // dx = A dy + B (x - mean) + K with A = gamma inv, B = -gamma inv^2 sum(dy xhat) / M,
    // K = -A sum(dy) / M.
    const double A = (double)gamma[c] * inv[c];
    const double Bc = -A * inv[c] * sums[C + c] / (double)M;
    a[c] = (float)A;
    b[c] = (float)Bc;
    k[c] = (float)(-A * sums[c] / (double)M);
  }
  // dx over the flat [M*C] array in tiles of L = rows*C elements with the per-channel factors
  // repeated to length L, so the loop is long and vectorises (over C alone, 4-16 lanes, it did not
  // and the mask became a mispredicted branch).
  const int64_t rowsPerTile = std::max<int64_t>(1, 512 / C), L = rowsPerTile * C, total = M * C;
  std::vector<float> tiles(4 * L);
  float *At = tiles.data(), *Bt = At + L, *Kt = Bt + L, *Mt = Kt + L;
  for (int64_t j = 0; j < L; ++j) {
    const int64_t c = j % C;
    At[j] = a[c];
    Bt[j] = b[c];
    Kt[j] = k[c];
    Mt[j] = mean[c];
  }
  const int64_t nTiles = total / L;
  parallelRun(nt, [&](int t, int n) {
    const int64_t t0 = nTiles * t / n, t1 = nTiles * (t + 1) / n;
    for (int64_t tile = t0; tile < t1; ++tile) {
      const int64_t base = tile * L;
#pragma omp simd
      for (int64_t j = 0; j < L; ++j)
        dx[base + j] = At[j] * maskedDy<MASK>(dy, y, base + j) + Bt[j] * (x[base + j] - Mt[j]) + Kt[j];
    }
  });
  for (int64_t i = nTiles * L, j = 0; i < total; ++i, ++j)
    dx[i] = At[j] * maskedDy<MASK>(dy, y, i) + Bt[j] * (x[i] - Mt[j]) + Kt[j];
}
}  // namespace

// bnBackward(dy, x, C, gamma, mean, invstd, dx, dgamma, dbeta[, y]): the batch-norm training gradient
// dx = gamma * invstd / M * (M dy - sum(dy) - xhat * sum(dy * xhat)), xhat = (x - mean) * invstd.
// With y (the forward output of a bn+relu), dy is first masked by y > 0 (ReLU's gradient) in both passes.
Napi::Value BnBackward(const Napi::CallbackInfo& info) {
  const Call k{info, "bnBackward"};
  const int64_t C = k.dim(2, "C", 1);
  const std::string cw = "C = " + std::to_string(C) + " channels";
  if (!k.isType(1, napi_float32_array)) k.typeFail("x must be a Float32Array");
  const int64_t total = (int64_t)Len(info[1]);
  if (total % C) k.fail("x has " + std::to_string(total) + " elements, not a multiple of C = " + std::to_string(C));
  const std::string xs = "x's [M, C] = [" + std::to_string(total / C) + "," + std::to_string(C) + "]";
  const float* dy = k.f32(0, "dy", total, xs);
  const float* x = k.f32(1, "x", total, xs);
  const float* gamma = k.f32(3, "gamma", C, cw);
  const float* mean = k.f32(4, "mean", C, cw);
  const float* inv = k.f32(5, "invstd", C, cw);
  float* dx = k.f32(6, "dx", total, xs);
  float* dgamma = k.f32(7, "dgamma", C, cw);
  float* dbeta = k.f32(8, "dbeta", C, cw);
  const float* y = k.given(9) ? k.f32(9, "y", total, xs) : nullptr;
  const int64_t M = total / C;
  if (y)
    bnBackwardPasses<true>(dy, y, x, M, C, gamma, mean, inv, dx, dgamma, dbeta);
  else
    bnBackwardPasses<false>(dy, y, x, M, C, gamma, mean, inv, dx, dgamma, dbeta);
  return info.Env().Undefined();
}

}  // namespace naslung
