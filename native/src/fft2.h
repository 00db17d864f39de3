#pragma once
#include <napi.h>

namespace patchbay {
// fft2Native(): whether this build and CPU run the native transform (x86-64 with AVX2 and FMA).
Napi::Value fft2Native(const Napi::CallbackInfo& cb);
// fft2Isa(): the build that runs: "avx512", "avx2", or "" (none).
Napi::Value fft2Isa(const Napi::CallbackInfo& cb);
// fft2(...): one channel of a frame through the native transform; see fft2.cc.
Napi::Value fft2(const Napi::CallbackInfo& cb);
// address(typedArray): where a typed array's bytes are, for fft2 on another thread.
Napi::Value address(const Napi::CallbackInfo& cb);
}  // namespace patchbay
