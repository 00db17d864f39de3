// The FFT node's exact transform in native code (nodes/fft/native-fft2.ts calls it):
//   fft2(x, xOffset, dtype, h, w, nc, planW, planH, work, out, outOffset, mode, shift)
// transforms the channel of frame `x` that starts `xOffset` bytes in into `out` from
// `outOffset` bytes, in the layout of `mode` (fft2.c). The frame and the output are the
// caller's own memory: nothing is copied in or out, as WebAssembly must. planW/planH are the
// plans nodes/fft/wasm-fft2.ts writes (Int32Array views of one buffer with their twiddles);
// work holds the half spectrum and the two scratch buffers. Sizes are checked here: a wrong
// one would be a write past a buffer's end.
#include "fft2.h"

#include <cstddef>
#include <cstdint>
#include <string>

#if defined(PATCHBAY_WITH_FFT_AVX2)
#include "fft2-avx2.h"
#endif

namespace patchbay {
namespace {

bool cpuHasAvx2() {
#if defined(PATCHBAY_WITH_FFT_AVX2)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
  return false;
#endif
}

struct View {
  uint8_t* data;
  size_t bytes;
};

// The typed array's bytes. Asked of N-API directly: node-addon-api's ArrayBuffer().Data() refuses
// a view of a SharedArrayBuffer, and the FFT stage's frames are views of a shared slab.
View viewOf(const Napi::Value& v) {
  if (!v.IsTypedArray()) throw std::string("a typed array");
  napi_typedarray_type type;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(v.Env(), v, &type, &length, &data, nullptr, nullptr) != napi_ok || data == nullptr)
    throw std::string("a typed array with memory");
  return {static_cast<uint8_t*>(data), v.As<Napi::TypedArray>().ByteLength()};
}

}  // namespace

Napi::Value fft2Native(const Napi::CallbackInfo& cb) {
  static const bool has = cpuHasAvx2();
  return Napi::Boolean::New(cb.Env(), has);
}

Napi::Value fft2(const Napi::CallbackInfo& cb) {
  Napi::Env env = cb.Env();
  static const bool has = cpuHasAvx2();
  if (!has) {
    Napi::Error::New(env, "fft2: this build or CPU has no native transform (fft2Native() is false)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  try {
    if (cb.Length() < 13) throw std::string("13 arguments");
    const View x = viewOf(cb[0]);
    const int64_t xOffset = cb[1].As<Napi::Number>().Int64Value();
    const int dtype = cb[2].As<Napi::Number>().Int32Value();
    const int64_t h = cb[3].As<Napi::Number>().Int64Value(), w = cb[4].As<Napi::Number>().Int64Value();
    const int64_t nc = cb[5].As<Napi::Number>().Int64Value();
    const View planW = viewOf(cb[6]), planH = viewOf(cb[7]), work = viewOf(cb[8]), out = viewOf(cb[9]);
    const int64_t outOffset = cb[10].As<Napi::Number>().Int64Value();
    const int mode = cb[11].As<Napi::Number>().Int32Value();
    const int shift = cb[12].ToBoolean() ? 1 : 0;
    static const int64_t elem[] = {1, 2, 4, 8};
    if (dtype < 0 || dtype > 3 || mode < 0 || mode > 4) throw std::string("a dtype 0-3 and a mode 0-4");
    if (h < 1 || w < 1 || nc < 1 || h > (1 << 20) || w > (1 << 20) || nc > 64) throw std::string("a size");
    const int64_t c = w / 2 + 1, cp = (c + 1) / 2 * 2;
    const int64_t scratch = 2 * std::max<int64_t>(8 * w, 16 * h);  // fft2.c: ROW_BLOCK, COL_BLOCK
    const int64_t workDoubles = 2 * h * cp + 2 * scratch;
    const int64_t outValues = mode == 1 ? 2 * h * c : mode == 0 ? 2 * h * w : h * w;  // doubles of one channel
    const int64_t outStride = mode <= 1 ? 2 : 1;
    if (xOffset < 0 || xOffset + ((h * w - 1) * nc + 1) * elem[dtype] > static_cast<int64_t>(x.bytes) ||
        xOffset % elem[dtype])
      throw std::string("a frame of h*w*nc values");
    if (outOffset < 0 || outOffset % 8 ||
        outOffset + ((outValues / outStride - 1) * nc * outStride + outStride) * 8 > static_cast<int64_t>(out.bytes))
      throw std::string("an output of the mode's size");
    if (static_cast<int64_t>(work.bytes) < workDoubles * 8 || reinterpret_cast<uintptr_t>(work.data) % 8)
      throw std::string("a work buffer of 2*h*cp + 4*max(8w, 16h) doubles");
    if (planW.bytes < 4 || planH.bytes < 4 || reinterpret_cast<uintptr_t>(planW.data) % 8 ||
        reinterpret_cast<uintptr_t>(planH.data) % 8)
      throw std::string("two plans");
    double* half = reinterpret_cast<double*>(work.data);
    double* a = half + 2 * h * cp;
    double* b = a + scratch;
#if defined(PATCHBAY_WITH_FFT_AVX2)
    rfft2Avx2(x.data + xOffset, dtype, static_cast<int>(h), static_cast<int>(w), reinterpret_cast<const int*>(planW.data),
              reinterpret_cast<const int*>(planH.data), half, a, b, reinterpret_cast<double*>(out.data + outOffset), mode,
              shift, static_cast<int>(nc));
#endif
    return env.Undefined();
  } catch (const std::string& wanted) {
    Napi::TypeError::New(env, "fft2(x, xOffset, dtype, h, w, nc, planW, planH, work, out, outOffset, mode, shift): wants " + wanted)
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
}

}  // namespace patchbay
