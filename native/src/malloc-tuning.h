#pragma once
#include <napi.h>

namespace patchbay {
Napi::Value tuneMalloc(const Napi::CallbackInfo& cb);
Napi::Value mallocInfo(const Napi::CallbackInfo& cb);
}
