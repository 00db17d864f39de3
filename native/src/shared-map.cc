// mapFile(fd, bytes): the first `bytes` of an open file as an ArrayBuffer over a shared mapping
// (mmap MAP_SHARED, read and write). What Node's fs cannot do: a frame moved into or out of a
// file on /dev/shm with a plain memcpy, instead of write(2) and read(2), whose per-page work in
// the kernel cost about 0.25 ms per MiB each way here (the Python node's slots; docs/custom-nodes.md).
// The mapping is undone when the ArrayBuffer is collected. The caller keeps the file at least
// `bytes` long while the buffer lives: touching a page past the file's end raises SIGBUS.
#include "shared-map.h"

#include <sys/mman.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace patchbay {

Napi::Value mapFile(const Napi::CallbackInfo& cb) {
  Napi::Env env = cb.Env();
  if (cb.Length() < 2 || !cb[0].IsNumber() || !cb[1].IsNumber()) {
    Napi::TypeError::New(env, "mapFile(fd, bytes): a file descriptor and a number of bytes").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const int fd = cb[0].As<Napi::Number>().Int32Value();
  const double wanted = cb[1].As<Napi::Number>().DoubleValue();
  if (!(wanted > 0) || wanted > 9007199254740991.0 || wanted != static_cast<double>(static_cast<size_t>(wanted))) {
    Napi::RangeError::New(env, "mapFile: bytes must be a whole number above 0").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const size_t bytes = static_cast<size_t>(wanted);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    Napi::Error::New(env, std::string("mapFile: fstat: ") + std::strerror(errno)).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (static_cast<size_t>(st.st_size) < bytes) {
    Napi::RangeError::New(env, "mapFile: the file holds " + std::to_string(st.st_size) + " bytes, fewer than the " +
                                   std::to_string(bytes) + " asked for")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) {
    Napi::Error::New(env, std::string("mapFile: mmap: ") + std::strerror(errno)).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return Napi::ArrayBuffer::New(
      env, p, bytes, [](Napi::Env, void* data, size_t* length) { munmap(data, *length); delete length; }, new size_t(bytes));
}

}  // namespace patchbay
