// Shared helpers of the naslung native kernels: the oneDNN engine/stream, checked argument access
// and a scope guard that flushes denormals on the calling JS thread for the duration of a call.
//
// Threads: every Node worker thread that loads tfjs calls these exports in the same process (the
// parallel search), so nothing here may be shared mutable state without a lock: the engine is
// one (oneDNN engines are thread-safe), streams, convolution plans and their scratch buffers are
// thread_local, and OpenMP's team size (nthreads-var) is a per-thread setting.
#pragma once
#include <napi.h>
#include <dnnl.hpp>
#include <xmmintrin.h>
#include <cmath>
#include <cstdint>
#include <exception>
#include <utility>
#include <string>
#include <vector>
#include <omp.h>

namespace naslung {

/** The CPU engine, shared by all threads. */
dnnl::engine& engine();
/** The calling thread's stream (oneDNN streams are not thread-safe). */
dnnl::stream& stream();

/** Sets FTZ/DAZ on this thread while alive and restores the caller's MXCSR afterwards. OpenMP
 *  workers are flushed for good at init, and so is the thread calling init (addon.cc, Wrap). */
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
  // A C++ exception may not leave an OpenMP region (that is std::terminate, killing the process):
  // the first one is carried out and rethrown on the calling thread, where Wrap turns it into a JS error.
  std::exception_ptr err;
#pragma omp parallel num_threads(nt)
  {
    try {
      f(omp_get_thread_num(), omp_get_num_threads());
    } catch (...) {
#pragma omp critical(naslung_parallel_error)
      if (!err) err = std::current_exception();
    }
  }
  if (err) std::rethrow_exception(err);
}

/** Thread count for a kernel touching `work` elements: 1 below 64k elements, else all. */
inline int threadsFor(int64_t work) { return work < 65536 ? 1 : omp_get_max_threads(); }

/** Element count of a typed array (checked to be one by the caller). */
inline size_t Len(const Napi::Value& v) { return v.As<Napi::TypedArray>().ElementLength(); }

/** "[a,b,c]", for error messages. */
inline std::string DimsStr(const std::vector<int64_t>& d) {
  std::string s = "[";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? "," : "") + std::to_string(d[i]);
  return s + "]";
}

/**
 * One call of an export, for the argument checks every export runs before touching memory: the
 * kernels index raw buffers with the dimensions they are given, so a length that does not match
 * is an out-of-bounds read or write, not an error, unless it is caught here. Every failure throws
 * a Napi::Error (a JS Error) whose message starts "naslung_native.<kernel>: " and names the
 * argument, what it holds and what the dimensions require.
 */
struct Call {
  const Napi::CallbackInfo& info;
  const char* kernel;

  std::string where() const { return std::string("naslung_native.") + kernel + ": "; }
  [[noreturn]] void fail(const std::string& msg) const { throw Napi::Error::New(info.Env(), where() + msg); }
  [[noreturn]] void typeFail(const std::string& msg) const { throw Napi::TypeError::New(info.Env(), where() + msg); }

  /** Argument i as an integer in [lo, hi] (a JS number with no fraction). */
  int64_t integer(size_t i, const char* arg, int64_t lo = INT64_MIN / 2, int64_t hi = int64_t(1) << 53) const {
    if (!info[i].IsNumber()) typeFail(std::string(arg) + " must be a number");
    const double v = info[i].As<Napi::Number>().DoubleValue();
    if (!(v == std::floor(v)) || v < (double)lo || v > (double)hi)
      fail(std::string(arg) + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "] (got " +
           std::to_string(v) + ")");
    return (int64_t)v;
  }
  /** Argument i as a dimension: an integer >= lo (1 where the kernel divides by it or reads a first element). */
  int64_t dim(size_t i, const char* arg, int64_t lo) const { return integer(i, arg, lo); }
  /** Argument i as a finite number. */
  double number(size_t i, const char* arg) const {
    if (!info[i].IsNumber()) typeFail(std::string(arg) + " must be a number");
    const double v = info[i].As<Napi::Number>().DoubleValue();
    if (!std::isfinite(v)) fail(std::string(arg) + " must be finite (got " + std::to_string(v) + ")");
    return v;
  }

  /** The product of dims, or an error naming them when it overflows int64 (or any is negative). */
  int64_t product(const std::vector<int64_t>& dims, const char* what) const {
    int64_t n = 1;
    for (int64_t d : dims) {
      if (d < 0) fail(std::string(what) + " " + DimsStr(dims) + " has a negative size");
      if (__builtin_mul_overflow(n, d, &n)) fail(std::string(what) + " " + DimsStr(dims) + ": element count overflows int64");
    }
    return n;
  }

  /** Throws unless the typed array at i holds exactly `need` elements (`why`: the dimensions asking for them). */
  void length(size_t i, const char* arg, int64_t need, const std::string& why, bool atLeast = false) const {
    const int64_t have = (int64_t)info[i].As<Napi::TypedArray>().ElementLength();
    if (atLeast ? have < need : have != need)
      fail(std::string(arg) + " has " + std::to_string(have) + " elements, " + why + " need " + (atLeast ? "at least " : "") +
           std::to_string(need));
  }
  bool isType(size_t i, napi_typedarray_type t) const {
    return info[i].IsTypedArray() && info[i].As<Napi::TypedArray>().TypedArrayType() == t;
  }
  /** Argument i: a Float32Array of exactly `need` elements. */
  float* f32(size_t i, const char* arg, int64_t need, const std::string& why) const {
    if (!isType(i, napi_float32_array)) typeFail(std::string(arg) + " must be a Float32Array");
    length(i, arg, need, why);
    return info[i].As<Napi::Float32Array>().Data();
  }
  /** Argument i: an Int32Array of exactly `need` elements. */
  int32_t* i32(size_t i, const char* arg, int64_t need, const std::string& why) const {
    if (!isType(i, napi_int32_array)) typeFail(std::string(arg) + " must be an Int32Array");
    length(i, arg, need, why);
    return info[i].As<Napi::Int32Array>().Data();
  }
  /** Argument i: a Uint8Array of exactly `need` elements. */
  uint8_t* u8(size_t i, const char* arg, int64_t need, const std::string& why) const {
    if (!isType(i, napi_uint8_array)) typeFail(std::string(arg) + " must be a Uint8Array");
    length(i, arg, need, why);
    return info[i].As<Napi::Uint8Array>().Data();
  }
  /** Any 4-byte element array (float32 / int32 / uint32) as raw 32-bit words, for pure copies; length checked by the caller. */
  float* words32(size_t i, const char* arg) const {
    if (!(isType(i, napi_float32_array) || isType(i, napi_int32_array) || isType(i, napi_uint32_array)))
      typeFail(std::string(arg) + " must be a Float32Array or Int32Array");
    auto t = info[i].As<Napi::TypedArray>();
    return reinterpret_cast<float*>(static_cast<uint8_t*>(t.ArrayBuffer().Data()) + t.ByteOffset());
  }
  /** Argument i: an Int32Array (of `n` entries unless n < 0), as int64s: shapes, strides, parameters. */
  std::vector<int64_t> ints(size_t i, const char* arg, int64_t n = -1, const std::string& why = "") const {
    if (!isType(i, napi_int32_array)) typeFail(std::string(arg) + " must be an Int32Array");
    if (n >= 0) length(i, arg, n, why);
    auto a = info[i].As<Napi::Int32Array>();
    return std::vector<int64_t>(a.Data(), a.Data() + a.ElementLength());
  }
  /** Argument i as a shape: an Int32Array of sizes >= lo. */
  std::vector<int64_t> shape(size_t i, const char* arg, int64_t lo = 0) const {
    auto s = ints(i, arg);
    for (int64_t d : s)
      if (d < lo) fail(std::string(arg) + " " + DimsStr(s) + " has a size below " + std::to_string(lo));
    return s;
  }
  /** Whether optional argument i was passed (not missing, undefined or null). */
  bool given(size_t i) const { return i < info.Length() && !info[i].IsUndefined() && !info[i].IsNull(); }
};

/** Lowest and highest element index `offset + sum_k i_k * strides_k` reaches over a non-empty shape, overflow-checked. */
inline std::pair<int64_t, int64_t> Reach(const Call& k, int64_t offset, const std::vector<int64_t>& strides,
                                         const std::vector<int64_t>& shape, const char* arg) {
  int64_t lo = offset, hi = offset;
  for (size_t d = 0; d < shape.size(); ++d) {
    int64_t span;
    if (__builtin_mul_overflow(shape[d] - 1, strides[d], &span) || __builtin_add_overflow(span < 0 ? lo : hi, span, span < 0 ? &lo : &hi))
      k.fail(std::string(arg) + ": strides " + DimsStr(strides) + " over shape " + DimsStr(shape) + " overflow int64");
  }
  return {lo, hi};
}

/** Throws unless the 4-byte array at i covers every index `offset + i.strides` reaches over `shape` (non-empty). */
inline void CheckReach(const Call& k, size_t i, const char* arg, int64_t offset, const std::vector<int64_t>& strides,
                       const std::vector<int64_t>& shape) {
  const auto [lo, hi] = Reach(k, offset, strides, shape, arg);
  const std::string why = "offset " + std::to_string(offset) + " + strides " + DimsStr(strides) + " over shape " + DimsStr(shape);
  if (lo < 0) k.fail(std::string(arg) + ": " + why + " reach element " + std::to_string(lo) + ", before its start");
  k.length(i, arg, hi + 1, why, true);
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
