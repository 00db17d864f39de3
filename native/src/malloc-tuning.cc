// glibc's malloc serves blocks over 128 KiB as fresh mmap'd pages and unmaps them on free, so
// every frame-sized buffer (a 1 MiB Buffer, a ZeroMQ message) is page-faulted in anew; where
// page faults are dear (virtual machines: about 1.3 ms per MiB measured, ten times a memcpy)
// that costs more than moving the frame. Larger thresholds keep freed blocks in the heap for
// the next frame. The same settings the Python node's interpreters get (MALLOC_MMAP_THRESHOLD_,
// MALLOC_TRIM_THRESHOLD_), here for this process, after it started.
#include "malloc-tuning.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace patchbay {

// tuneMalloc(mmapThreshold, trimThreshold): true when set; false where malloc is not glibc's.
Napi::Value tuneMalloc(const Napi::CallbackInfo& cb) {
  Napi::Env env = cb.Env();
  if (cb.Length() < 2 || !cb[0].IsNumber() || !cb[1].IsNumber()) {
    Napi::TypeError::New(env, "tuneMalloc(mmapThreshold, trimThreshold): two numbers of bytes").ThrowAsJavaScriptException();
    return env.Undefined();
  }
#if defined(__GLIBC__)
  const int mmap = cb[0].As<Napi::Number>().Int32Value();
  const int trim = cb[1].As<Napi::Number>().Int32Value();
  const bool ok = mallopt(M_MMAP_THRESHOLD, mmap) == 1 && mallopt(M_TRIM_THRESHOLD, trim) == 1;
  return Napi::Boolean::New(env, ok);
#else
  return Napi::Boolean::New(env, false);
#endif
}

// mallocInfo(): the blocks malloc holds as their own mmap'd pages now, and their bytes (glibc's
// mallinfo2 hblks and hblkhd); undefined where malloc is not glibc's. What tuneMalloc changes.
Napi::Value mallocInfo(const Napi::CallbackInfo& cb) {
  Napi::Env env = cb.Env();
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  const struct mallinfo2 m = mallinfo2();
  Napi::Object o = Napi::Object::New(env);
  o.Set("mmappedBlocks", Napi::Number::New(env, static_cast<double>(m.hblks)));
  o.Set("mmappedBytes", Napi::Number::New(env, static_cast<double>(m.hblkhd)));
  return o;
#else
  return env.Undefined();
#endif
}

}  // namespace patchbay
