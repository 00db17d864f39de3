// The FFT node's exact transform in native code (nodes/fft/native-fft2.ts calls it):
//   fft2(x, xOffset, dtype, h, w, nc, planW, planH, work, out, outOffset, mode, shift)
// transforms the channel of frame `x` that starts `xOffset` bytes in into `out` from
// `outOffset` bytes, in the layout of `mode` (fft2.c). The frame and the output are the
// caller's own memory: nothing is copied in or out, as WebAssembly must. planW/planH are the
// plans nodes/fft/wasm-fft2.ts writes (Int32Array views of one buffer with their twiddles);
// work holds the half spectrum and the two scratch buffers, from its first 64-byte boundary.
// Every size, offset and plan is checked here against the buffers it will be used on: a wrong
// one would be a read or a write past a buffer's end.
#include "fft2.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#if defined(PATCHBAY_WITH_FFT_AVX2)
#include "fft2-builds.h"
#endif

namespace patchbay {
namespace {

// What fft2.c's int arithmetic holds (nodes/fft/native-fft2.ts asks the same before calling).
constexpr int64_t kMaxSide = 1 << 20;
constexpr int64_t kMaxChannels = 64;

// The build the transform runs here: AVX-512 (F, DQ) where the CPU has it, unless
// PATCHBAY_FFT_ISA=avx2 asks for AVX2 (to compare the two; docs/fft.md); AVX2 + FMA where it
// has those; none otherwise. Both builds give the same results, bit for bit.
enum class Isa { None, Avx2, Avx512 };

Isa cpuIsa() {
#if defined(PATCHBAY_WITH_FFT_AVX2)
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return Isa::None;
  const char* asked = std::getenv("PATCHBAY_FFT_ISA");
  const bool avx2Asked = asked != nullptr && std::string(asked) == "avx2";
  if (!avx2Asked && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq")) return Isa::Avx512;
  return Isa::Avx2;
#else
  return Isa::None;
#endif
}

const Isa kIsa = cpuIsa();

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

// The bytes at an address (a whole number, as address() gives it) and a length.
View addressView(const Napi::Value& at, const Napi::Value& length) {
  const double a = at.As<Napi::Number>().DoubleValue();
  const double n = length.IsNumber() ? length.As<Napi::Number>().DoubleValue() : -1;
  if (!(a > 0 && a <= 9007199254740991.0 && a == static_cast<double>(static_cast<uint64_t>(a)) && n >= 0 &&
        n <= 9007199254740991.0 && n == static_cast<double>(static_cast<uint64_t>(n))))
    throw std::string("an address and a byte length, whole numbers");
  return {reinterpret_cast<uint8_t*>(static_cast<uintptr_t>(a)), static_cast<size_t>(n)};
}

// Whether `bytes` from `offset` fit in a buffer of `size` (no overflow for any offset).
bool fits(int64_t offset, int64_t bytes, size_t size) {
  return offset >= 0 && bytes >= 0 && static_cast<uint64_t>(offset) <= size && static_cast<uint64_t>(bytes) <= size - offset;
}

// Whether `plan` is one fft2.c can run for length n with no access outside the plan: stages
// of radix 2, 3, 4, 5 or 8 whose product is n, each m the length left over by the stage, each
// stage's twiddle table (4 doubles per (p, j), p < m, 1 <= j < r) inside the plan; and, if it
// has a column split (fft2.c, plan_split; a plan's own split only, not its parts'), n = n1 * n2
// with both at least 2, a plan for each inside this one, and n1 * n2 twiddles inside it. With
// n1, n2 >= 2 the split's two buffers, (max(n1, n2) + n1) rows of a column block, fit in
// fft2.c's scratch b (16h rows' worth).
bool planFor(const View& plan, int64_t n, bool maySplit = true) {
  if (plan.bytes < 4 || reinterpret_cast<uintptr_t>(plan.data) % 8 != 0) return false;
  const int32_t* p = reinterpret_cast<const int32_t*>(plan.data);
  const int64_t words = static_cast<int64_t>(plan.bytes / 4);
  if (p[0] < 0 || 2 + 3 * static_cast<int64_t>(p[0]) > words) return false;
  int64_t len = n;
  for (int i = 0; i < p[0]; i++) {
    const int32_t r = p[1 + 3 * i], m = p[2 + 3 * i], tw = p[3 + 3 * i];
    if ((r != 2 && r != 3 && r != 4 && r != 5 && r != 8) || len % r != 0 || m != len / r) return false;
    if (tw % 8 != 0 || !fits(tw, 32 * static_cast<int64_t>(m) * (r - 1), plan.bytes)) return false;
    len = m;
  }
  if (len != 1) return false;
  const int32_t split = p[1 + 3 * p[0]];
  if (split == 0) return true;
  if (!maySplit || split % 8 != 0 || !fits(split, 20, plan.bytes)) return false;
  const int32_t* s = reinterpret_cast<const int32_t*>(plan.data + split);
  const int64_t n1 = s[0], n2 = s[1];
  if (n1 < 2 || n2 < 2 || n1 * n2 != n) return false;
  for (int i = 0; i < 2; i++) {
    const int32_t at = s[2 + i];
    if (at % 8 != 0 || !fits(at, 4, plan.bytes)) return false;
    if (!planFor({plan.data + at, plan.bytes - static_cast<size_t>(at)}, i == 0 ? n1 : n2, false)) return false;
  }
  return s[4] % 8 == 0 && fits(s[4], 32 * n, plan.bytes);
}

}  // namespace

Napi::Value fft2Native(const Napi::CallbackInfo& cb) { return Napi::Boolean::New(cb.Env(), kIsa != Isa::None); }

Napi::Value fft2Isa(const Napi::CallbackInfo& cb) {
  return Napi::String::New(cb.Env(), kIsa == Isa::Avx512 ? "avx512" : kIsa == Isa::Avx2 ? "avx2" : "");
}

Napi::Value fft2(const Napi::CallbackInfo& cb) {
  Napi::Env env = cb.Env();
  if (kIsa == Isa::None) {
    Napi::Error::New(env, "fft2: this build or CPU has no native transform (fft2Native() is false)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  try {
    if (cb.Length() < 13) throw std::string("13 arguments");
    // x: a typed array, or the address (address()) of one another thread of this process holds
    // for the caller until the call returns, with its byte length as a 14th argument.
    const View x = cb[0].IsNumber() ? addressView(cb[0], cb.Length() > 13 ? cb[13] : cb.Env().Undefined()) : viewOf(cb[0]);
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
    if (h < 1 || w < 1 || nc < 1 || h > kMaxSide || w > kMaxSide || nc > kMaxChannels) throw std::string("a size");
    // cp: fft2.c rounds w/2+1 up to its vector's complex numbers (2 with AVX2, 4 with AVX-512);
    // the buffer is checked for 4, whichever runs.
    const int64_t c = w / 2 + 1, cp = (c + 3) / 4 * 4;
    const int64_t scratch = 2 * std::max<int64_t>(8 * w, 16 * h);  // fft2.c: ROW_BLOCK, COL_BLOCK
    const int64_t workDoubles = 2 * h * cp + 2 * scratch;
    // Values of one channel's output, and of each output element (a complex number is 2).
    const int64_t perValue = mode <= 1 ? 2 : 1;
    const int64_t outValues = (mode == 1 ? h * c : h * w);
    // The last value read: the channel's last pixel; the last written: its last output element.
    if (xOffset % elem[dtype] != 0 || reinterpret_cast<uintptr_t>(x.data) % elem[dtype] != 0 ||
        !fits(xOffset, ((h * w - 1) * nc + 1) * elem[dtype], x.bytes))
      throw std::string("a frame of h*w*nc values, aligned to its dtype");
    if (outOffset % 8 != 0 || reinterpret_cast<uintptr_t>(out.data) % 8 != 0 ||
        !fits(outOffset, ((outValues - 1) * nc + 1) * perValue * 8, out.bytes))
      throw std::string("an output of the mode's size, aligned to 8 bytes");
    // The scratch starts at the work buffer's first 64-byte boundary: a buffer V8 has malloc map
    // fresh starts 16 bytes past one, and there half of the transform's 32-byte loads and stores
    // straddle two cache lines: 19-23 % longer at 480x640, 1024^2 and 2048^2 (docs/performance-fft.md).
    const size_t skip = (64 - reinterpret_cast<uintptr_t>(work.data) % 64) % 64;
    if (reinterpret_cast<uintptr_t>(work.data) % 8 != 0 || !fits(static_cast<int64_t>(skip), workDoubles * 8, work.bytes))
      throw std::string("a work buffer of 2*h*cp + 4*max(8w, 16h) doubles from its first 64-byte boundary");
    if (!planFor(planW, w) || !planFor(planH, h))
      throw std::string("plans for w and h");
    double* half = reinterpret_cast<double*>(work.data + skip);
    double* a = half + 2 * h * cp;
    double* b = a + scratch;
#if defined(PATCHBAY_WITH_FFT_AVX2)
    (kIsa == Isa::Avx512 ? rfft2Avx512 : rfft2Avx2)(
        x.data + xOffset, dtype, static_cast<int>(h), static_cast<int>(w), reinterpret_cast<const int*>(planW.data),
        reinterpret_cast<const int*>(planH.data), half, a, b, reinterpret_cast<double*>(out.data + outOffset), mode, shift,
        static_cast<int>(nc));
#endif
    return env.Undefined();
  } catch (const std::string& wanted) {
    Napi::TypeError::New(env, "fft2(x, xOffset, dtype, h, w, nc, planW, planH, work, out, outOffset, mode, shift[, xBytes]): wants " + wanted)
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
}

// address(typedArray): where its bytes start in this process's memory, for fft2 on another
// thread (the FFT stage's frames, read where they lie). The caller keeps the array (and its
// buffer undetached) until that returns.
Napi::Value address(const Napi::CallbackInfo& cb) {
  Napi::Env env = cb.Env();
  try {
    return Napi::Number::New(env, static_cast<double>(reinterpret_cast<uintptr_t>(viewOf(cb[0]).data)));
  } catch (const std::string& wanted) {
    Napi::TypeError::New(env, "address(x): wants " + wanted).ThrowAsJavaScriptException();
    return env.Undefined();
  }
}

}  // namespace patchbay
