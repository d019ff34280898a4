// Shared helpers of the naslung native kernels: the oneDNN engine/stream, typed-array access and
// a scope guard that flushes denormals on the calling (main) thread for the duration of a call.
#pragma once
#include <napi.h>
#include <dnnl.hpp>
#include <xmmintrin.h>
#include <cstdint>
#include <string>
#include <vector>
#include <omp.h>

namespace naslung {

dnnl::engine& engine();
dnnl::stream& stream();

/** Sets FTZ/DAZ on this thread while alive and restores the caller's MXCSR afterwards, so JS
 *  arithmetic outside our kernels keeps IEEE denormals. OpenMP workers are flushed for good at init. */
struct FlushDenormals {
  unsigned saved;
  FlushDenormals() : saved(_mm_getcsr()) { _mm_setcsr(saved | 0x8040); }
  ~FlushDenormals() { _mm_setcsr(saved); }
};

/** Runs f(thread, nthreads) on `nt` OpenMP threads; nt <= 1 runs inline with no OpenMP region
 *  (entering one costs microseconds, which dominates the many tiny tensors of a training step). */
template <typename F>
inline void parallelRun(int nt, F&& f) {
  if (nt <= 1) {
    f(0, 1);
    return;
  }
#pragma omp parallel num_threads(nt)
  { f(omp_get_thread_num(), omp_get_num_threads()); }
}

/** Thread count for a kernel touching `work` elements: 1 below 64k elements, else all. */
inline int threadsFor(int64_t work) { return work < 65536 ? 1 : omp_get_max_threads(); }

inline float* F32(const Napi::Value& v, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(v.Env(), std::string("naslung_native: ") + what + " must be a Float32Array");
  return v.As<Napi::Float32Array>().Data();
}
/** Any 4-byte element array (float32 / int32 / uint32) as raw 32-bit words, for pure copies. */
inline float* Words32(const Napi::Value& v, const char* what) {
  if (v.IsTypedArray()) {
    auto t = v.As<Napi::TypedArray>().TypedArrayType();
    if (t == napi_float32_array || t == napi_int32_array || t == napi_uint32_array)
      return reinterpret_cast<float*>(static_cast<uint8_t*>(v.As<Napi::TypedArray>().ArrayBuffer().Data()) +
                                      v.As<Napi::TypedArray>().ByteOffset());
  }
  throw Napi::TypeError::New(v.Env(), std::string("naslung_native: ") + what + " must be a Float32Array or Int32Array");
}

inline size_t Len(const Napi::Value& v) { return v.As<Napi::TypedArray>().ElementLength(); }

inline std::vector<int64_t> Ints(const Napi::Value& v, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
    throw Napi::TypeError::New(v.Env(), std::string("naslung_native: ") + what + " must be an Int32Array");
  auto a = v.As<Napi::Int32Array>();
  return std::vector<int64_t>(a.Data(), a.Data() + a.ElementLength());
}

Napi::Value Conv3d(const Napi::CallbackInfo& info);

Napi::Value Binary(const Napi::CallbackInfo& info);
Napi::Value Unary(const Napi::CallbackInfo& info);
Napi::Value Reduce(const Napi::CallbackInfo& info);
Napi::Value CopyStrided(const Napi::CallbackInfo& info);
Napi::Value ArgReduce(const Napi::CallbackInfo& info);
Napi::Value BnForward(const Napi::CallbackInfo& info);
Napi::Value BnBackward(const Napi::CallbackInfo& info);
Napi::Value AttnPool(const Napi::CallbackInfo& info);
Napi::Value AttnPoolBackward(const Napi::CallbackInfo& info);
Napi::Value ScaleResidual(const Napi::CallbackInfo& info);
Napi::Value ScaleResidualBackward(const Napi::CallbackInfo& info);
Napi::Value ClearCaches(const Napi::CallbackInfo& info);
void ClearConvCache();


}  // namespace naslung
