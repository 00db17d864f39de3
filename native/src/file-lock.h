#pragma once
#include <napi.h>

namespace patchbay {
Napi::Value fileLock(const Napi::CallbackInfo& cb);
}
