// Entry point of the naslung native addon: initialisation (threads, denormal flushing) and exports.
#include "common.h"
#include <omp.h>
#include <malloc.h>
#include <new>
#include <stdexcept>

namespace naslung {

dnnl::engine& engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}
// One stream per thread: each Node worker thread of the parallel search runs its own kernels.
dnnl::stream& stream() {
  thread_local dnnl::stream s(engine());
  return s;
}

// init(threads, keepHeap): sets the calling thread's OpenMP team size and flushes denormals in
// that team's threads, the calling thread included (see Wrap). Denormals cost PyTorch 30x on
// these nets. omp_set_num_threads changes the calling thread's nthreads-var only
// (an OpenMP ICV is per thread), so each Node worker thread that calls init sizes its own teams:
// the search's workers pass 1 (addon.ts), so N workers use N cores, not N x N threads.
static Napi::Value Init(const Napi::CallbackInfo& info) {
  const Call k{info, "init"};
  const int threads = k.given(0) ? (int)k.integer(0, "threads", 0, 4096) : 0;
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

// clearCaches(): drops the calling thread's convolution plans.
Napi::Value ClearCaches(const Napi::CallbackInfo& info) {
  ClearConvCache();
  return info.Env().Undefined();
}

// threads(): the calling thread's OpenMP team size (what its kernels run with).
static Napi::Value Threads(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), omp_get_max_threads()); }

// Runs an export so that no C++ exception leaves it: node-addon-api converts a Napi::Error into
// a JS exception, but anything else thrown out of a callback is std::terminate, which kills the
// process (every worker thread and the search with it). Each becomes a JS Error naming the export.
// `flush`: FTZ/DAZ on the calling thread for the call only. Not for init: its OpenMP region runs
// on the calling thread too and leaves that thread's MXCSR flushed for good (it always has, so
// JS arithmetic on a thread that called init, tfjs's stock kernels included, runs without
// denormals); restoring it after init would change those results.
static Napi::Value Wrap(const Napi::CallbackInfo& info, const char* name, Napi::Value (*fn)(const Napi::CallbackInfo&),
                        bool flush = true) {
  const std::string where = std::string("naslung_native.") + name + ": ";
  try {
    if (!flush) return fn(info);
    FlushDenormals guard;
    return fn(info);
  } catch (const Napi::Error&) {
    throw;  // already a JS error (an argument check, or a pending JS exception)
  } catch (const dnnl::error& e) {
    throw Napi::Error::New(info.Env(), where + "oneDNN error (status " + std::to_string((int)e.status) + "): " + e.what());
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(info.Env(), where + "out of memory (std::bad_alloc)");
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), where + "C++ exception: " + e.what());
  } catch (...) {
    throw Napi::Error::New(info.Env(), where + "unknown C++ exception");
  }
}

// selfTest(what): throws the C++ exception named ("napi", "dnnl", "bad_alloc", "std", "int") from
// inside a Wrap, or, with "parallel", a std::runtime_error from one thread of an OpenMP team, so a
// test can check that each reaches JS as an Error and the process lives on. Touches nothing else.
static Napi::Value SelfTest(const Napi::CallbackInfo& info) {
  const Call k{info, "selfTest"};
  if (!info[0].IsString()) k.typeFail("what must be a string");
  const std::string what = info[0].As<Napi::String>().Utf8Value();
  if (what == "napi") k.fail("argument check failed (selfTest)");
  if (what == "dnnl") throw dnnl::error(dnnl_invalid_arguments, "selfTest");
  if (what == "bad_alloc") throw std::bad_alloc();
  if (what == "std") throw std::runtime_error("selfTest");
  if (what == "int") throw 42;
  if (what == "parallel") {
    parallelRun(2, [](int t, int) {
      if (t == 1) throw std::runtime_error("selfTest from OpenMP thread 1");
    });
    return info.Env().Undefined();
  }
  k.fail("unknown exception kind \"" + what + "\"");
}

#define NASLUNG_EXPORT(js, fn) \
  exports.Set(js, Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return Wrap(i, js, fn); }))

Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  exports.Set("init", Napi::Function::New(env, [](const Napi::CallbackInfo& i) { return Wrap(i, "init", Init, false); }));
  NASLUNG_EXPORT("conv3d", Conv3d);
  NASLUNG_EXPORT("binary", Binary);
  NASLUNG_EXPORT("unary", Unary);
  NASLUNG_EXPORT("reduce", Reduce);
  NASLUNG_EXPORT("copyStrided", CopyStrided);
  NASLUNG_EXPORT("argReduce", ArgReduce);
  NASLUNG_EXPORT("bnForward", BnForward);
  NASLUNG_EXPORT("bnBackward", BnBackward);
  NASLUNG_EXPORT("attnPool", AttnPool);
  NASLUNG_EXPORT("attnPoolBackward", AttnPoolBackward);
  NASLUNG_EXPORT("scaleResidual", ScaleResidual);
  NASLUNG_EXPORT("scaleResidualBackward", ScaleResidualBackward);
  NASLUNG_EXPORT("clearCaches", ClearCaches);
  NASLUNG_EXPORT("threads", Threads);
  NASLUNG_EXPORT("selfTest", SelfTest);
  return exports;
}

}  // namespace naslung

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) { return naslung::InitModule(env, exports); }

NODE_API_MODULE(naslung_native, InitAddon)
