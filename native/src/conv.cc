// 3-D convolution forward and both gradients through oneDNN, on tfjs's own buffers: activations in
// NDHWC (tfjs layout, forced: `any` would pad 4/8 channels to 16 and cost 2.4x here), filters in
// tfjs's DHWIO, reordered per call into whatever blocked layout oneDNN picked (they are tiny).
// Optionally fused: a bias (forward) with its gradient (backward weights) and a ReLU post-op
// (forward), which saves the separate full-size bias-add / ReLU passes and their tfjs kernels.
#include "common.h"
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <unordered_map>

namespace naslung {
using namespace dnnl;
using tag = memory::format_tag;
using dt = memory::data_type;

namespace {
struct ConvPlan {
  memory::desc x_md, y_md, w_user_md, w_md;
  primitive prim;
  bool reorder_w = false;
  dnnl::reorder w_reorder;
  int threads = 0;  // OpenMP team size the primitive was created for and runs with (0: default)
  memory w_mem;
};
// One cache per thread: worker threads of the parallel search call conv3d concurrently, and a plan
// holds mutable state (w_mem, the weights' reorder target, written on every call), so sharing one
// across threads would let two trainings overwrite each other's weights mid-convolution. A plan
// is also created for the calling thread's OpenMP team size. The cost is a plan per thread.
thread_local std::map<std::vector<int64_t>, std::unique_ptr<ConvPlan>> cache;

enum Kind { kForward = 0, kBackwardData = 1, kBackwardWeights = 2 };

// Sets the OpenMP team size for oneDNN (which sizes its work split when a primitive is created
// and its parallel regions when run) while alive; n <= 0 or the current size: no-op.
struct ThreadScope {
  int saved = 0;
  explicit ThreadScope(int n) {
    if (n > 0 && n != omp_get_max_threads()) saved = omp_get_max_threads(), omp_set_num_threads(n);
  }
  ~ThreadScope() {
    if (saved) omp_set_num_threads(saved);
  }
};

// NASLUNG_CONV_AUTOTUNE=1 (off by default): every jit/brgconv implementation oneDNN offers for a
// new shape is timed once, with the full OpenMP team and with one thread, and the fastest kept;
// "verbose" also prints the choices to stderr. It paid off on the loaded machine (brgconv, oneDNN's
// first pick, is up to 2x slower than its jit kernels on the 1-4 channel 32^3 stem layers, and
// barrier-heavy backward kernels lose with 2 threads on 2 busy cores) but not when idle, and its
// timing-dependent choice makes training runs differ bitwise from run to run (kernels sum in
// different orders), which they otherwise do not.
int autotuneMode() {
  static int mode = [] {
    const char* v = std::getenv("NASLUNG_CONV_AUTOTUNE");
    if (!v || !*v || std::strcmp(v, "0") == 0) return 0;
    return std::strcmp(v, "verbose") == 0 ? 2 : 1;
  }();
  return mode;
}

// Zero-filled buffers for every argument of one implementation, for timing it.
std::unordered_map<int, memory> dummyArgs(const primitive_desc_base& pd, int kind, bool bias) {
  std::unordered_map<int, memory> args;
  auto add = [&](int arg, const memory::desc& md) {
    memory m(md, engine());
    std::memset(m.get_data_handle(), 0, md.get_size());
    args.insert({arg, m});
  };
  if (kind == kForward) {
    add(DNNL_ARG_SRC, pd.src_desc());
    add(DNNL_ARG_WEIGHTS, pd.weights_desc());
    add(DNNL_ARG_DST, pd.dst_desc());
    if (bias) add(DNNL_ARG_BIAS, pd.weights_desc(1));
  } else if (kind == kBackwardData) {
    add(DNNL_ARG_DIFF_DST, pd.diff_dst_desc());
    add(DNNL_ARG_WEIGHTS, pd.weights_desc());
    add(DNNL_ARG_DIFF_SRC, pd.diff_src_desc());
  } else {
    add(DNNL_ARG_SRC, pd.src_desc());
    add(DNNL_ARG_DIFF_DST, pd.diff_dst_desc());
    add(DNNL_ARG_DIFF_WEIGHTS, pd.diff_weights_desc());
    if (bias) add(DNNL_ARG_DIFF_BIAS, pd.diff_weights_desc(1));
  }
  return args;
}

// Sets pn->prim and pn->w_md to the fastest implementation of pd (best of 3 runs each), or to
// oneDNN's first choice when autotuning is off.
// `best` carries the best time across calls (one call per thread count); pn->threads records
// the team size of the winner.
template <typename Prim, typename PD>
void choose(PD pd, int kind, bool bias, ConvPlan* pn, int threads, double& best) {
  auto wOf = [kind](PD& d) { return kind == kBackwardWeights ? d.diff_weights_desc() : d.weights_desc(); };
  if (!autotuneMode()) {
    pn->w_md = wOf(pd);
    pn->prim = Prim(pd);
    return;
  }
  std::string bestName;
  const double before = best;
  do {
    // Only the jit/brgconv kernels are candidates: the reference ones are 20-100x slower, and
    // merely running oneDNN 2.6's gemm convolution (x64:gemm:jit) on these NDHWC shapes corrupted
    // the glibc heap (found by this autotuner: crashes "corrupted size vs. prev_size" under
    // node --cpu-prof; gone when gemm is skipped). The first implementation is oneDNN's own pick.
    const char* name = pd.impl_info_str();
    if (best < 1e30 && (std::strncmp(name, "ref", 3) == 0 || std::strstr(name, "gemm"))) continue;
    Prim prim(pd);
    auto args = dummyArgs(pd, kind, bias);
    double t = 1e30;
    for (int r = 0; r < 3 && (r == 0 || t < 3 * best); ++r) {  // stop early when clearly slower
      auto t0 = std::chrono::steady_clock::now();
      prim.execute(stream(), args);
      stream().wait();
      t = std::min(t, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    if (autotuneMode() == 2) std::fprintf(stderr, "naslung conv autotune kind %d x%d: %-28s %.3f ms\n", kind, threads, pd.impl_info_str(), t);
    if (t < best) {
      best = t;
      bestName = pd.impl_info_str();
      pn->prim = prim;
      pn->w_md = wOf(pd);
      pn->threads = threads;
    }
  } while (pd.next_impl());
  if (autotuneMode() == 2 && best < before)
    std::fprintf(stderr, "naslung conv autotune kind %d x%d: best so far %s\n", kind, threads, bestName.c_str());
}

// bias: forward adds a per-output-channel bias / backward weights also writes its gradient;
// relu: forward applies max(0, .) as a post-op; sum: forward then adds what `out` held (a
// residual), as a second post-op.
ConvPlan* plan(int kind, const std::vector<int64_t>& p, bool bias, bool relu, bool sum) {
  std::vector<int64_t> key(p);
  key.push_back(kind);
  key.push_back(bias);
  key.push_back(relu);
  key.push_back(sum);
  auto it = cache.find(key);
  if (it != cache.end()) return it->second.get();
  // p = N, IC, ID, IH, IW, OC, OD, OH, OW, KD, KH, KW, SD, SH, SW, padFront, padTop, padLeft, padBack, padBottom, padRight
  memory::dims src = {p[0], p[1], p[2], p[3], p[4]}, dst = {p[0], p[5], p[6], p[7], p[8]};
  memory::dims wd = {p[5], p[1], p[9], p[10], p[11]};
  memory::dims strides = {p[12], p[13], p[14]}, pl = {p[15], p[16], p[17]}, pr = {p[18], p[19], p[20]};
  auto pn = std::make_unique<ConvPlan>();
  pn->x_md = memory::desc(src, dt::f32, tag::ndhwc);
  pn->y_md = memory::desc(dst, dt::f32, tag::ndhwc);
  pn->w_user_md = memory::desc(wd, dt::f32, tag::dhwio);
  memory::desc w_any(wd, dt::f32, tag::any);
  memory::desc b_md = bias ? memory::desc({p[5]}, dt::f32, tag::x) : memory::desc();
  convolution_forward::desc fd(prop_kind::forward_training, algorithm::convolution_direct, pn->x_md, w_any,
                               b_md, pn->y_md, strides, pl, pr);
  primitive_attr attr;
  if (relu || sum) {
    post_ops ops;
    if (relu) ops.append_eltwise(1.f, algorithm::eltwise_relu, 0.f, 0.f);
    if (sum) ops.append_sum(1.f);
    attr.set_post_ops(ops);
  }
  // Primitive descriptors are created under the team size they are timed (and later run) with.
  const int full = omp_get_max_threads();
  double best = 1e30;
  std::vector<int> teams = {full};
  if (full > 1 && autotuneMode()) teams.push_back(1);
  for (int threads : teams) {
    ThreadScope scope(threads);
    convolution_forward::primitive_desc fpd(fd, attr, engine());
    if (kind == kForward) {
      choose<convolution_forward>(fpd, kind, bias, pn.get(), threads, best);
    } else if (kind == kBackwardData) {
      convolution_backward_data::desc bd(algorithm::convolution_direct, pn->x_md, w_any, pn->y_md, strides, pl, pr);
      choose<convolution_backward_data>(convolution_backward_data::primitive_desc(bd, engine(), fpd), kind, bias, pn.get(), threads, best);
    } else {
      convolution_backward_weights::desc bd(algorithm::convolution_direct, pn->x_md, w_any, b_md, pn->y_md, strides, pl, pr);
      choose<convolution_backward_weights>(convolution_backward_weights::primitive_desc(bd, engine(), fpd), kind, bias, pn.get(), threads, best);
    }
  }
  if (!autotuneMode()) pn->threads = 0;
  if (pn->w_md != pn->w_user_md) {
    pn->reorder_w = true;
    pn->w_mem = memory(pn->w_md, engine());
    if (kind == kBackwardWeights)
      pn->w_reorder = reorder(reorder::primitive_desc(engine(), pn->w_md, engine(), pn->w_user_md));
    else
      pn->w_reorder = reorder(reorder::primitive_desc(engine(), pn->w_user_md, engine(), pn->w_md));
  }
  ConvPlan* raw = pn.get();
  cache.emplace(std::move(key), std::move(pn));
  return raw;
}
}  // namespace

/** Drops the calling thread's plans (other threads keep theirs). */
void ClearConvCache() { cache.clear(); }

// conv3d(kind, params Int32Array(21), a, b, out[, bias[, relu[, sum]]]):
//   kind 0: a = x, b = filter, out = y; optional bias (Float32Array[OC]) added and, if relu, max(0, .);
//           if sum, the result is added to what out held (out += ...);
//   kind 1: a = dy, b = filter, out = dx;
//   kind 2: a = x, b = dy, out = dfilter; optional bias = Float32Array[OC] receiving dbias.
Napi::Value Conv3d(const Napi::CallbackInfo& info) {
  const Call k{info, "conv3d"};
  const int kind = (int)k.integer(0, "kind", 0, 2);
  auto p = k.ints(1, "params", 21, "N,IC,ID,IH,IW, OC,OD,OH,OW, KD,KH,KW, SD,SH,SW and 6 pads");
  for (int i = 0; i < 21; ++i)
    if (p[i] < (i < 15 ? 1 : 0))
      k.fail("params " + DimsStr(p) + ": entry " + std::to_string(i) + " is " + std::to_string(p[i]) +
             (i < 15 ? ", sizes and strides must be >= 1" : ", pads must be >= 0"));
  // The output size oneDNN will write must follow from the input, filter, stride and pads, or it
  // would index past one of the buffers: O = (I + padBefore + padAfter - K) / S + 1 per axis.
  static const char* axes[3] = {"depth", "height", "width"};
  for (int a = 0; a < 3; ++a) {
    const int64_t I = p[2 + a], O = p[6 + a], K = p[9 + a], S = p[12 + a], span = I + p[15 + a] + p[18 + a] - K;
    if (span < 0 || span / S + 1 != O)
      k.fail("params " + DimsStr(p) + ": output " + axes[a] + " " + std::to_string(O) + " does not follow from input " +
             std::to_string(I) + ", filter " + std::to_string(K) + ", stride " + std::to_string(S) + " and pads " +
             std::to_string(p[15 + a]) + "+" + std::to_string(p[18 + a]));
  }
  const std::vector<int64_t> xd = {p[0], p[1], p[2], p[3], p[4]}, yd = {p[0], p[5], p[6], p[7], p[8]},
                             wdims = {p[9], p[10], p[11], p[1], p[5]};
  const int64_t xN = k.product(xd, "x dims"), yN = k.product(yd, "y dims"), wN = k.product(wdims, "filter dims");
  const std::string xw = "x dims [N,C,D,H,W] " + DimsStr(xd), yw = "y dims [N,C,D,H,W] " + DimsStr(yd),
                    ww = "filter dims [KD,KH,KW,IC,OC] " + DimsStr(wdims);
  float *a, *b, *out;
  if (kind == kForward) {
    a = k.f32(2, "x", xN, xw), b = k.f32(3, "filter", wN, ww), out = k.f32(4, "y", yN, yw);
  } else if (kind == kBackwardData) {
    a = k.f32(2, "dy", yN, yw), b = k.f32(3, "filter", wN, ww), out = k.f32(4, "dx", xN, xw);
  } else {
    a = k.f32(2, "x", xN, xw), b = k.f32(3, "dy", yN, yw), out = k.f32(4, "dfilter", wN, ww);
  }
  const bool hasBias = k.given(5);
  if (hasBias && kind == kBackwardData) k.fail("bias is not an argument of the backward-data convolution (kind 1)");
  float* bias = hasBias ? k.f32(5, kind == kForward ? "bias" : "dbias", p[5], "OC = " + std::to_string(p[5]) + " channels") : nullptr;
  const bool relu = kind == kForward && info.Length() > 6 && info[6].ToBoolean().Value();
  const bool sum = kind == kForward && info.Length() > 7 && info[7].ToBoolean().Value();
  ConvPlan* pn = plan(kind, p, hasBias, relu, sum);
  ThreadScope scope(pn->threads);
  auto& s = stream();
  if (kind == kForward || kind == kBackwardData) {
    memory w_user(pn->w_user_md, engine(), b);
    memory w = w_user;
    if (pn->reorder_w) {
      pn->w_reorder.execute(s, w_user, pn->w_mem);
      w = pn->w_mem;
    }
    if (kind == kForward) {
      memory x(pn->x_md, engine(), a), y(pn->y_md, engine(), out);
      std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, x}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, y}};
      if (hasBias) args.insert({DNNL_ARG_BIAS, memory(memory::desc({p[5]}, dt::f32, tag::x), engine(), bias)});
      pn->prim.execute(s, args);
    } else {
      memory dy(pn->y_md, engine(), a), dx(pn->x_md, engine(), out);
      pn->prim.execute(s, {{DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DIFF_SRC, dx}});
    }
  } else {
    memory x(pn->x_md, engine(), a), dy(pn->y_md, engine(), b);
    memory dw_user(pn->w_user_md, engine(), out);
    memory dw = pn->reorder_w ? pn->w_mem : dw_user;
    std::unordered_map<int, memory> args = {{DNNL_ARG_SRC, x}, {DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_WEIGHTS, dw}};
    if (hasBias) args.insert({DNNL_ARG_DIFF_BIAS, memory(memory::desc({p[5]}, dt::f32, tag::x), engine(), bias)});
    pn->prim.execute(s, args);
    if (pn->reorder_w) pn->w_reorder.execute(s, pn->w_mem, dw_user);
  }
  s.wait();
  return info.Env().Undefined();
}

}  // namespace naslung
