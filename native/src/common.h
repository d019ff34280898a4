// Shared helpers of the naslung native kernels: the oneDNN engine/stream, typed-array access and
// a scope guard that flushes denormals on the calling (main) thread for the duration of a call.
#pragma once
#include <napi.h>
#include <dnnl.hpp>
#include <xmmintrin.h>
#include <cstdint>
#include <string>
#include <vector>

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

inline float* F32(const Napi::Value& v, const char* what) {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
    throw Napi::TypeError::New(v.Env(), std::string("naslung_native: ") + what + " must be a Float32Array");
  return v.As<Napi::Float32Array>().Data();
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
Napi::Value ClearCaches(const Napi::CallbackInfo& info);
void ClearConvCache();


}  // namespace naslung
