// Entry point of the naslung native addon: initialisation (threads, denormal flushing) and exports.
#include "common.h"
#include <omp.h>
#include <malloc.h>

namespace naslung {

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}
dnnl::stream& stream() {
  static dnnl::stream s(engine());
  return s;
}

// init(threads): sets the OpenMP team size and flushes denormals in every worker thread (the
// main thread is flushed per call by FlushDenormals). Denormals cost PyTorch 30x on these nets.
static Napi::Value Init(const Napi::CallbackInfo& info) {
  int threads = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 0;
  if (threads > 0) omp_set_num_threads(threads);
  // Every tfjs op allocates a fresh output; glibc serves multi-MB blocks with mmap and returns them
  // on free, so each op's first write page-faults its whole output (16 ms for a 4 MB relu under
  // load, 80x the relu itself). Keep big blocks on the heap and freed memory mapped instead.
  bool keepHeap = info.Length() < 2 || info[1].ToBoolean().Value();
  if (keepHeap) {
    mallopt(M_MMAP_THRESHOLD, 512 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
  }
  int n = omp_get_max_threads();
#pragma omp parallel num_threads(n)
  { _mm_setcsr(_mm_getcsr() | 0x8040); }
  engine();
  stream();
  auto v = dnnl::version();
  Napi::Object o = Napi::Object::New(info.Env());
  o.Set("threads", n);
  o.Set("dnnl", std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch));
  return o;
}

Napi::Value ClearCaches(const Napi::CallbackInfo& info) {
  ClearConvCache();

  return info.Env().Undefined();
}

static Napi::Value Wrap(const Napi::CallbackInfo& info, Napi::Value (*fn)(const Napi::CallbackInfo&)) {
  try {
    FlushDenormals guard;
    return fn(info);
  } catch (const dnnl::error& e) {
    throw Napi::Error::New(info.Env(), std::string("naslung_native: oneDNN error: ") + e.what());
  }
}

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New(env, Init));
  exports.Set("conv3d", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return Wrap(i, Conv3d); }));

  exports.Set("binary", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return Wrap(i, Binary); }));
  exports.Set("unary", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return Wrap(i, Unary); }));
  exports.Set("reduce", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return Wrap(i, Reduce); }));
  exports.Set("copyStrided", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return Wrap(i, CopyStrided); }));
  exports.Set("argReduce", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return Wrap(i, ArgReduce); }));
  exports.Set("bnForward", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return Wrap(i, BnForward); }));
  exports.Set("bnBackward", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return Wrap(i, BnBackward); }));
  exports.Set("attnPool", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return Wrap(i, AttnPool); }));
  exports.Set("attnPoolBackward", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return Wrap(i, AttnPoolBackward); }));
  exports.Set("scaleResidual", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return Wrap(i, ScaleResidual); }));
  exports.Set("scaleResidualBackward", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return Wrap(i, ScaleResidualBackward); }));
  exports.Set("clearCaches", Napi::Function::New(env, ClearCaches));
  return exports;
}

}  // namespace naslung

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return naslung::InitModule(env, exports); }

NODE_API_MODULE(naslung_native, InitAddon)
